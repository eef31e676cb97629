#!/bin/bash
# Boots every test guest under QEMU's own PVH loader (no hypervisor): proves the ELF note,
# the 32-bit entry and long mode. test-pvh-entry must report SUCCESS (QEMU fills
# hvm_start_info too); the others must take the "not running on Xen/Mica" SKIP path.
# Usage: tests/guests/qemu-smoke.sh [BUILD]   (after: make -f tests/guests/guests.mk guests)
set -u -o pipefail
BUILD=${1:-build}
pass=0 fail=0
for elf in "$BUILD"/guests/test-*.elf; do
	name=$(basename "$elf" .elf)
	if [ "$name" = test-pvh-entry ]; then want='^Test result: SUCCESS' status=1; else
		want='^Test result: SKIP: not running on Xen/Mica' status=3; fi
	out=$(timeout 30 qemu-system-x86_64 -accel tcg -m 256 -display none -serial stdio -monitor none \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$elf" -append pvh-entry-test | tr -d '\r')
	rc=$?
	if grep -q "$want" <<<"$out" && [ $rc -eq $status ]; then
		printf '  %-24s PASS  %s\n' "$name" "$(grep '^Test result' <<<"$out")"
		pass=$((pass + 1))
	else
		printf '  %-24s FAIL  (QEMU exit %s, wanted %s)\n%s\n' "$name" $rc $status "$out"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
