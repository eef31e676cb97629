#!/bin/bash
# bench/run.sh: deterministic path lengths of Mica's guest entry/exit.
#  - null-hypercall round trip (xen_version(XENVER_version)), from the test-hypercall-loop guest:
#    under QEMU with -icount shift=0 rdtsc counts instructions, so the figure is instructions per
#    round trip (guest stub + exit + dispatch + entry); under Bochs rdtsc is instruction-based too.
#  - VM exits the guest's whole run took (printed by Mica when the guest stops).
# Prints a table; docs/benchmarks.md records the figures.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
W=$(mktemp -d "${TMPDIR:-/tmp}/mica-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
opts="console=com1,115200 on_idle=poweroff"
cp "$BUILD/guests/test-hypercall-loop.elf" "$W/loop.elf"

scripts/mkiso.sh "$BUILD/mica.elf" "$W/svm.iso" "$opts" "$W/loop.elf" || exit 1
timeout 300 qemu-system-x86_64 -accel tcg,thread=single -icount shift=0 -machine pc -cpu qemu64,+svm,+npt -smp 1 \
	-m 256 -display none -serial file:"$W/svm.log" -no-reboot -cdrom "$W/svm.iso" >/dev/null 2>&1
GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$W/vmx.iso" "$opts" "$W/loop.elf" || exit 1
scripts/run-bochs.sh "$W/vmx.iso" "$W/vmx.log" corei7_haswell_4770 1 290 >/dev/null 2>&1

report() { # NAME LOG
	local per exits boot=n/a
	per=$(grep -a 'hypercall loop: 100000 calls' "$2" | sed -n 's/.* \([0-9]*\) per call.*/\1/p')
	exits=$(grep -a 'stopped after' "$2" | sed -n 's/.*after \([0-9]*\) exits.*/\1/p')
	[ -n "$exits" ] && boot=$((exits - 100000))
	printf '%-34s %12s %14s %22s\n' "$1" "${per:-n/a}" "${exits:-n/a}" "$boot"
}
printf '%-34s %12s %14s %22s\n' "backend (emulator)" "insns/call" "VM exits (run)" "exits besides the loop"
report "SVM+NPT (QEMU TCG, -icount 0)" "$W/svm.log"
report "VMX+EPT (Bochs, Haswell)" "$W/vmx.log"
