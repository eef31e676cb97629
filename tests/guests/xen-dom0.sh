#!/bin/bash
# Boots one test guest as the PVH dom0 of real Xen (Debian's xen-hypervisor package, unpacked
# into $BUILD/xen, not installed) under QEMU TCG with SVM+NPT and an emulated VT-d (Xen wants an
# IOMMU for a PVH dom0): checks that a guest holds to Xen's semantics, not just Mica's.
# A dom0 is domain 0 with the host's memory map, so guests that need a second domain
# (test-upcall, test-evtchn-pingpong) cannot run this way.
# Usage: tests/guests/xen-dom0.sh [-n VCPUS] GUEST [ARGS...]   (after: make guests)
#        tests/guests/xen-dom0.sh [-n VCPUS] --pv-guest [ARGS...]  (after: make pv-guest)
# Log: $BUILD/test-logs/xen-GUEST.log. Exit 0 when the guest reports SUCCESS (the pv-guest:
# when it powers off cleanly after its app said "OK").
set -u -o pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
XEN_PKG=${XEN_PKG:-xen-hypervisor-4.17-amd64}
vcpus=1
if [ "${1:-}" = -n ]; then
	vcpus=$2
	shift 2
fi
guest=${1:?usage: $0 [-n VCPUS] GUEST|--pv-guest [ARGS...]}
shift
elf=$BUILD/guests/$guest.elf
if [ "$guest" = --pv-guest ]; then
	guest=pv-guest
	elf=$BUILD/pv-guest/pv-guest.elf
fi
[ -f "$elf" ] || { echo "no $elf: make guests first"; exit 2; }

xen=$(ls "$BUILD"/xen/root/boot/xen-*.gz 2>/dev/null | head -1)
if [ -z "$xen" ]; then
	mkdir -p "$BUILD/xen"
	(cd "$BUILD/xen" && apt-get download "$XEN_PKG") || { echo "cannot download $XEN_PKG"; exit 2; }
	dpkg-deb -x "$BUILD"/xen/"$XEN_PKG"_*.deb "$BUILD/xen/root"
	xen=$(ls "$BUILD"/xen/root/boot/xen-*.gz | head -1)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mica-xen.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/iso/boot/grub" "$BUILD/test-logs"
cp "$xen" "$work/iso/boot/xen.gz"
cp "$elf" "$work/iso/boot/"
cat >"$work/iso/boot/grub/grub.cfg" <<EOF
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "Xen" {
	multiboot2 /boot/xen.gz console=com1 com1=115200,8n1 dom0=pvh dom0_mem=64M dom0_max_vcpus=$vcpus noreboot loglvl=all guest_loglvl=all
	module2 /boot/$guest.elf $guest.elf $*
	boot
}
EOF
grub-mkrescue -o "$work/xen.iso" "$work/iso" >"$work/mkrescue.log" 2>&1 || { cat "$work/mkrescue.log"; exit 2; }

log=$BUILD/test-logs/xen-$guest.log
: >"$log"
qemu-system-x86_64 -accel tcg -machine q35 -device intel-iommu -cpu qemu64,+svm,+npt -smp "$vcpus" -m 512 \
	-display none -vga none -nic none -serial file:"$log" -no-reboot -cdrom "$work/xen.iso" </dev/null >/dev/null 2>&1 &
pid=$!
end=$((SECONDS + 180))
# With noreboot Xen halts instead of resetting, so stop QEMU once dom0 has ended.
while kill -0 $pid 2>/dev/null && [ $SECONDS -lt $end ]; do
	grep -qaE 'Hardware Dom0 (halted|crashed|shutdown)|Panic on CPU' "$log" && break
	sleep 1
done
sleep 1
kill $pid 2>/dev/null
wait $pid 2>/dev/null
sed -i 's/\r*$//' "$log"
if [ "$guest" = pv-guest ]; then
	sed -n '/^pv-guest /,$p' "$log"
	grep -qa 'OK$' "$log" && grep -qa '^pv-guest: powering off' "$log" && grep -qa 'Hardware Dom0 halted' "$log"
	exit
fi
sed -n '/--- Mica test guest/,$p' "$log"
grep -qa '^Test result: SUCCESS' "$log"
