#!/bin/bash
# Helpers for integration scenarios: boot an emulator with its serial console in
# a log, stop it on exit, on a pattern or on a timeout, then match the log.

BUILD=${BUILD:-build}
LOGS=$BUILD/test-logs
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
QEMU_CPU=${QEMU_CPU:-qemu64,+svm,+npt,+smep,+smap}
mkdir -p "$LOGS"

# emu_run LOG TIMEOUT STOP_REGEX CMD...: runs CMD; kills it when STOP_REGEX (if
# non-empty) appears in LOG or after TIMEOUT seconds. Sets EMU_RC (exit code,
# 124 on timeout, 0 when stopped by the pattern) and EMU_SECS.
emu_run() {
	local log=$1 tmo=$2 stop=$3
	shift 3
	local start=$SECONDS pid
	: >"$log"
	"$@" >>"$log.stdout" 2>&1 </dev/null &
	pid=$!
	EMU_RC=""
	while kill -0 $pid 2>/dev/null; do
		if [ -n "$stop" ] && grep -qaE "$stop" "$log" 2>/dev/null; then
			sleep 0.5
			kill $pid 2>/dev/null
			wait $pid 2>/dev/null
			EMU_RC=0
			break
		fi
		if [ $((SECONDS - start)) -ge "$tmo" ]; then
			kill $pid 2>/dev/null
			sleep 1
			kill -9 $pid 2>/dev/null
			wait $pid 2>/dev/null
			EMU_RC=124
			break
		fi
		sleep 0.3
	done
	if [ -z "$EMU_RC" ]; then
		wait $pid
		EMU_RC=$?
	fi
	EMU_SECS=$((SECONDS - start))
}

# qemu_uefi LOG TIMEOUT STOP_REGEX QEMU_ARGS...: QEMU q35 + OVMF, serial to LOG.
qemu_uefi() {
	local log=$1 tmo=$2 stop=$3
	shift 3
	local vars
	vars=$(mktemp "${TMPDIR:-/tmp}/mica-vars.XXXXXX")
	cp "$OVMF_VARS" "$vars"
	emu_run "$log" "$tmo" "$stop" qemu-system-x86_64 -accel tcg -machine q35 -cpu "$QEMU_CPU" -m 512 \
		-drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" -drive if=pflash,format=raw,file="$vars" \
		-display none -serial file:"$log" -no-reboot "$@"
	rm -f "$vars"
}

# A copy of the ESP with its mica.cfg replaced.
make_esp() { # DIR CFG_TEXT
	rm -rf "$1"
	mkdir -p "$1"
	cp -r "$BUILD/esp/EFI" "$1/"
	printf '%s\n' "$2" >"$1/EFI/BOOT/mica.cfg"
}

FAILS=()
# expect LOG REGEX DESCRIPTION: the log must contain a line matching REGEX.
expect() {
	if ! grep -qaE "$2" "$1"; then FAILS+=("missing: $3 (/$2/)"); fi
}
expect_not() {
	if grep -qaE "$2" "$1"; then FAILS+=("unexpected: $3 (/$2/)"); fi
}
# expect_before LOG FIRST THEN DESCRIPTION: a line matching FIRST comes before any matching THEN.
expect_before() {
	local a b
	a=$(grep -naE "$2" "$1" | head -n1 | cut -d: -f1)
	b=$(grep -naE "$3" "$1" | head -n1 | cut -d: -f1)
	if [ -z "$a" ] || [ -z "$b" ] || [ "$a" -ge "$b" ]; then FAILS+=("out of order: $4 (/$2/ before /$3/)"); fi
}
expect_rc() { # GOT WANT DESCRIPTION
	if [ "$1" != "$2" ]; then FAILS+=("$3: exit status $1, wanted $2"); fi
}

# The boot report every healthy boot prints, then a clean power-off.
expect_healthy_boot() { # LOG NCPUS
	expect "$1" '^Mica [0-9]+\.[0-9]+ ' "banner with version"
	expect "$1" '^CPU: (AuthenticAMD|GenuineIntel)' "CPU vendor and model"
	expect "$1" '^Virtualization: ' "virtualization features"
	expect "$1" '^ACPI: RSDP' "ACPI tables"
	expect "$1" '^Memory: [1-9][0-9]* MiB total, [1-9][0-9]* MiB free' "memory total and free"
	expect "$1" "^CPUs: $2 online" "$2 CPUs online"
	expect "$1" "^Mica: all $2 CPUs idle" "every CPU idle"
	expect_not "$1" 'fatal exception|PANIC|WARNING' "no fault, panic or warning"
}
