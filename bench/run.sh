#!/bin/bash
# bench/run.sh: deterministic path lengths of Mica's guest entry/exit.
#  - null-hypercall round trip (xen_version(XENVER_version)), from the test-hypercall-loop guest:
#    under QEMU with -icount shift=0 rdtsc counts instructions, so the figure is instructions per
#    round trip (guest stub + exit + dispatch + entry); under Bochs rdtsc is instruction-based too.
#  - VM exits the guest's whole run took (printed by Mica when the guest stops).
#  - hypervisor memory per domain, from Mica's build lines: the 16 MiB loop domain's ("hyp. KiB",
#    the first domain of a boot, which also pays for fresh heap pages), and the mean over domains
#    2..16 of sixteen 4 MiB domains ("steady KiB"), where heap pages are shared as they fill.
# Prints a table; docs/benchmarks.md records the figures.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
W=$(mktemp -d "${TMPDIR:-/tmp}/mica-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
opts="console=com1,115200 on_idle=poweroff dom0=none"
cp "$BUILD/guests/test-hypercall-loop.elf" "$W/loop.elf"
cp "$BUILD/guests/test-xen-version.elf" "$W/small.elf"
smalls=()
for i in $(seq 16); do smalls+=("$W/small.elf memory=4M"); done

# The loop guest as a 16 MiB domain: its build and destroy are timed by Mica in TSC cycles, which
# under -icount shift=0 (and in Bochs) count instructions.
scripts/mkiso.sh "$BUILD/mica.elf" "$W/svm.iso" "$opts" "$W/loop.elf memory=16M" || exit 1
timeout 300 qemu-system-x86_64 -accel tcg,thread=single -icount shift=0 -machine pc -cpu qemu64,+svm,+npt -smp 1 \
	-m 256 -display none -serial file:"$W/svm.log" -no-reboot -cdrom "$W/svm.iso" >/dev/null 2>&1
GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$W/vmx.iso" "$opts" "$W/loop.elf memory=16M" || exit 1
scripts/run-bochs.sh "$W/vmx.iso" "$W/vmx.log" corei7_haswell_4770 1 290 >/dev/null 2>&1

# Event channel round trip between two domains sharing one CPU (test-upcall: the waiting side
# blocks and is woken by an upcall), and a grant copy of 4 KiB (test-grant, the fastest of 1000).
cp "$BUILD/guests/test-upcall.elf" "$W/upcall.elf"
cp "$BUILD/guests/test-grant.elf" "$W/grant.elf"
scripts/mkiso.sh "$BUILD/mica.elf" "$W/pair.iso" "$opts" "$W/upcall.elf memory=16M -- ping" \
	"$W/upcall.elf memory=16M -- pong" || exit 1
timeout 300 qemu-system-x86_64 -accel tcg,thread=single -icount shift=0 -machine pc -cpu qemu64,+svm,+npt -smp 1 \
	-m 256 -display none -serial file:"$W/svm-pair.log" -no-reboot -cdrom "$W/pair.iso" >/dev/null 2>&1
scripts/mkiso.sh "$BUILD/mica.elf" "$W/grant.iso" "$opts" "$W/grant.elf memory=16M -- granter" \
	"$W/grant.elf memory=16M -- mapper" || exit 1
timeout 300 qemu-system-x86_64 -accel tcg,thread=single -icount shift=0 -machine pc -cpu qemu64,+svm,+npt -smp 1 \
	-m 256 -display none -serial file:"$W/svm-grant.log" -no-reboot -cdrom "$W/grant.iso" >/dev/null 2>&1

# Sixteen small domains on each backend, for the steady-state memory per domain.
scripts/mkiso.sh "$BUILD/mica.elf" "$W/svm16.iso" "$opts" "${smalls[@]}" || exit 1
timeout 300 qemu-system-x86_64 -accel tcg -machine pc -cpu qemu64,+svm,+npt -smp 1 -m 256 -display none \
	-serial file:"$W/svm16.log" -no-reboot -cdrom "$W/svm16.iso" >/dev/null 2>&1
GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$W/vmx16.iso" "$opts" "${smalls[@]}" || exit 1
scripts/run-bochs.sh "$W/vmx16.iso" "$W/vmx16.log" corei7_haswell_4770 1 290 >/dev/null 2>&1

steady() { # LOG: mean hypervisor KiB of every domain but the first
	grep -a 'PVH guest' "$1" | sed -n 's/.* \([0-9]*\) KiB of hypervisor memory.*/\1/p' | tail -n +2 |
		awk '{ s += $1; n++ } END { if (n == 15) printf "%.1f", s / n; else printf "n/a" }'
}

report() { # NAME LOG LOG16
	local per exits boot=n/a build destroy mem
	per=$(grep -a 'hypercall loop: 100000 calls' "$2" | sed -n 's/.* \([0-9]*\) per call.*/\1/p')
	exits=$(grep -a 'stopped after' "$2" | sed -n 's/.*after \([0-9]*\) exits.*/\1/p')
	[ -n "$exits" ] && boot=$((exits - 100000))
	build=$(grep -a 'PVH guest' "$2" | sed -n 's/.*built in \([0-9]*\) TSC cycles.*/\1/p')
	mem=$(grep -a 'PVH guest' "$2" | sed -n 's/.* \([0-9]*\) KiB of hypervisor memory.*/\1/p')
	destroy=$(grep -a 'destroyed (' "$2" | sed -n 's/.*destroyed (\([0-9]*\) TSC cycles.*/\1/p')
	printf '%-30s %10s %10s %12s %14s %14s %10s %11s\n' "$1" "${per:-n/a}" "${exits:-n/a}" "$boot" \
		"${build:-n/a}" "${destroy:-n/a}" "${mem:-n/a}" "$(steady "$3")"
}
printf '%-30s %10s %10s %12s %14s %14s %10s %11s\n' "backend (emulator)" "insns/call" "VM exits" "exits-besides" \
	"build 16 MiB" "destroy" "hyp. KiB" "steady KiB"
report "SVM+NPT (QEMU, -icount 0)" "$W/svm.log" "$W/svm16.log"
report "VMX+EPT (Bochs, Haswell)" "$W/vmx.log" "$W/vmx16.log"

rt=$(grep -a 'upcall: ping: .* TSC cycles per round trip' "$W/svm-pair.log" | sed -n 's/.*: \([0-9]*\) TSC.*/\1/p')
gc=$(grep -a 'copies of 4 KiB' "$W/svm-grant.log" | sed -n 's/.*: \([0-9]*\) TSC.*/\1/p')
echo
printf '%-30s %28s %22s\n' "backend (emulator)" "evtchn round trip, 1 CPU" "grant copy 4 KiB"
printf '%-30s %28s %22s\n' "SVM+NPT (QEMU, -icount 0)" "${rt:-n/a}" "${gc:-n/a}"
