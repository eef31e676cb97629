#!/bin/bash
# tests/check.sh [--unit BIN...] [--integration [SCENARIO...]]
# Runs cmocka unit tests (TAP output, one result per test case) and integration
# scenarios (tests/integration/scenarios.sh), then prints "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 failures=()
mode=""
unit_bins=() scenarios=() run_integration=0
for a in "$@"; do
	case $a in
	--unit) mode=unit ;;
	--integration) mode=integration; run_integration=1 ;;
	*) if [ "$mode" = unit ]; then unit_bins+=("$a"); else scenarios+=("$a"); fi ;;
	esac
done

if [ ${#unit_bins[@]} -gt 0 ]; then
	echo "== unit tests (cmocka, host)"
	for bin in "${unit_bins[@]}"; do
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1)
		rc=$?
		ok=$(grep -c '^ok ' <<<"$out")
		nok=$(grep -c '^not ok ' <<<"$out")
		if [ $rc -ne 0 ] && [ "$nok" -eq 0 ]; then nok=1; fi # crashed or sanitizer abort
		passed=$((passed + ok)) failed=$((failed + nok))
		printf '  %-28s %3d passed, %d failed\n' "$(basename "$bin")" "$ok" "$nok"
		if [ "$nok" -ne 0 ]; then
			failures+=("$(basename "$bin")")
			grep -v '^ok ' <<<"$out" | sed 's/^/      /' | head -40
		fi
	done
fi

if [ $run_integration -eq 1 ]; then
	echo "== integration tests (emulators)"
	res=$(mktemp)
	tests/integration/scenarios.sh "$res" "${scenarios[@]}"
	p=$(grep -c '^PASS' "$res") f=$(grep -c '^FAIL' "$res")
	passed=$((passed + p)) failed=$((failed + f))
	while read -r st name; do [ "$st" = FAIL ] && failures+=("$name"); done <"$res"
	rm -f "$res"
fi

if [ ${#failures[@]} -gt 0 ]; then echo "failed: ${failures[*]}"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
