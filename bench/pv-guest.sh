#!/bin/bash
# bench/pv-guest.sh: the pv-guest's boot path and size (docs/benchmarks.md, "pv-guest").
#  - domain build (Mica's "built in N TSC cycles") and PVH entry to the first console line
#    (pv-guest's bench=1 line), in instructions: under QEMU -icount shift=0 and under Bochs the
#    TSC counts instructions;
#  - the image: file size, and text + data + bss as loaded; the RAM it runs in (memory=4).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
W=$(mktemp -d "${TMPDIR:-/tmp}/mica-bench-pvg.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
opts="console=com1,115200 on_idle=poweroff dom0=none"
cp "$BUILD/pv-guest/pv-guest.elf" "$W/pv-guest.elf"
strip -o "$W/pv-guest-stripped.elf" "$W/pv-guest.elf"
scripts/mkiso.sh "$BUILD/mica.elf" "$W/svm.iso" "$opts" "$W/pv-guest.elf memory=4 -- hello bench=1" >/dev/null || exit 1
timeout 300 qemu-system-x86_64 -accel tcg,thread=single -icount shift=0 -machine pc -cpu qemu64,+svm,+npt -smp 1 \
	-m 256 -display none -serial file:"$W/svm.log" -no-reboot -cdrom "$W/svm.iso" >/dev/null 2>&1
GFXPAYLOAD=text scripts/mkiso.sh "$BUILD/mica.elf" "$W/vmx.iso" "$opts" "$W/pv-guest.elf memory=4 -- hello bench=1" \
	>/dev/null || exit 1
scripts/run-bochs.sh "$W/vmx.iso" "$W/vmx.log" corei7_haswell_4770 1 290 >/dev/null 2>&1

# The network: dom0 (the dom0 image: store, netback, the bridge's DHCP server) and a pv-guest
# running httpd, which takes a DHCP lease; under -icount the figure includes dom0's work and
# the guest's idle time (timer waits in lwIP's DHCP client), which icount counts too.
cp "$BUILD/pv-guest/dom0.elf" "$W/dom0.elf"
scripts/mkiso.sh "$BUILD/mica.elf" "$W/net.iso" "console=com1,115200" "$W/dom0.elf memory=32 -- shell vif=1" \
	"$W/pv-guest.elf memory=4 -- httpd bench=1" >/dev/null || exit 1
qemu-system-x86_64 -accel tcg,thread=single -icount shift=0 -machine pc -cpu qemu64,+svm,+npt -smp 1 -m 256 \
	-display none -serial file:"$W/net.log" -no-reboot -cdrom "$W/net.iso" >/dev/null 2>&1 &
qpid=$!
for _ in $(seq 300); do grep -qa 'httpd: listening' "$W/net.log" 2>/dev/null && break; sleep 1; done
kill $qpid 2>/dev/null
wait $qpid 2>/dev/null

# mica create of a 16 MiB pv-guest from dom0's shell, to the guest's first console line: the
# toolstack prints its build time split into toolstack and hypervisor parts (in ns of system time,
# which under -icount shift=0 advances one ns per instruction).
rd="$W/initrd"
mkdir -p "$rd/etc/mica" "$rd/boot"
cp "$W/pv-guest.elf" "$rd/boot/"
# The domain has a vif, so the store's part includes netback's device nodes. Run twice: under
# -icount (instructions) and plain TCG on 2 CPUs (wall time: system time follows the host clock).
printf 'name = "b16"\nkernel = "/boot/pv-guest.elf"\nmemory = 16\ncmdline = "hello bench=1"\non_reboot = "destroy"\nvif = [ "bridge=mica0" ]\n' \
	>"$rd/etc/mica/b16.cfg"
(cd "$rd" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet >"$W/initrd.cpio")
scripts/mkiso.sh "$BUILD/mica.elf" "$W/create.iso" "console=com1,115200 on_idle=poweroff" \
	"$W/dom0.elf memory=32 -- shell -c sleep 500 , mica create /etc/mica/b16.cfg , sleep 1000 , poweroff" "$W/initrd.cpio" \
	>/dev/null || exit 1
timeout 300 qemu-system-x86_64 -accel tcg,thread=single -icount shift=0 -machine pc -cpu qemu64,+svm,+npt -smp 1 \
	-m 256 -display none -serial file:"$W/create.log" -no-reboot -cdrom "$W/create.iso" >/dev/null 2>&1
timeout 300 qemu-system-x86_64 -accel tcg -machine pc -cpu qemu64,+svm,+npt -smp 2 \
	-m 256 -display none -serial file:"$W/create-wall.log" -no-reboot -cdrom "$W/create.iso" >/dev/null 2>&1

row() { # NAME LOG
	local build first ok
	build=$(grep -a 'pv-guest.elf): PVH guest' "$2" | sed -n 's/.*built in \([0-9]*\) TSC cycles.*/\1/p' | head -1)
	first=$(grep -a 'bench: entry to first console line' "$2" | sed -n 's/.*line: \([0-9]*\) TSC.*/\1/p' | head -1)
	ok=$(grep -qa 'hello: OK' "$2" && echo yes || echo NO)
	printf '%-5s %14s %22s %8s\n' "$1" "${build:-n/a}" "${first:-n/a}" "$ok"
}
printf '%-5s %14s %22s %8s\n' backend "build (insns)" "entry->1st line (insns)" "hello ok"
row SVM "$W/svm.log"
row VMX "$W/vmx.log"
net=$(grep -a 'bench: entry to configured network' "$W/net.log" | sed -n 's/.*network: \([0-9]*\) TSC cycles, \([0-9]*\) us.*/\1 instructions (\2 us of guest system time)/p')
first=$(grep -a '(d1).*bench: entry to first console line' "$W/net.log" | sed -n 's/.*line: \([0-9]*\) TSC.*/\1/p')
echo "SVM with dom0: entry->1st line ${first:-n/a} insns; entry->DHCP lease: ${net:-n/a}"
create_row() { # LABEL LOG UNIT
	local build store start first_at first
	build=$(grep -a 'mica create: d1 (b16) built in' "$2" | sed -n 's/.*built in \([0-9]*\) us: toolstack \([0-9]*\) us, hypervisor \([0-9]*\) us.*/\1 us (toolstack \2 us, hypervisor \3 us)/p')
	store=$(grep -a 'mica create: d1 (b16) store' "$2" | sed -n 's/.*store \([0-9]*\) us: introduce \([0-9]*\) us, device nodes \([0-9]*\) us.*/\1 us (introduce \2 us, device nodes \3 us)/p')
	start=$(grep -a 'mica create: d1 (b16) store' "$2" | sed -n 's/.*started at system time \([0-9]*\) ns.*/\1/p')
	first_at=$(grep -a '(d1).*bench: entry to first console line' "$2" | sed -n 's/.*system time \([0-9]*\) ns.*/\1/p')
	first=$(grep -a '(d1).*bench: entry to first console line' "$2" | sed -n 's/.*line: \([0-9]*\) TSC.*/\1/p')
	echo "mica create of a 16 MiB pv-guest with a vif, $1: build ${build:-n/a}; store ${store:-n/a};"
	if [ -n "$start" ] && [ -n "$first_at" ]; then
		echo "    create command to the guest's first console line: $(((first_at - start) / 1000)) us $3 (of which PVH entry to the line: ${first:-n/a} TSC cycles)"
	else
		echo "    create command to the guest's first console line: n/a"
	fi
}
create_row "SVM, -icount shift=0" "$W/create.log" "(1 us = 1000 instructions)"
create_row "SVM, plain TCG (wall time)" "$W/create-wall.log" "of wall time"
read -r text data bss _ < <(size "$W/pv-guest.elf" | tail -1)
echo "image: $(stat -c %s "$W/pv-guest-stripped.elf") bytes stripped ELF; loaded: text $text + data $data + bss $bss = $((text + data + bss)) bytes; runs in memory=4 (4 MiB)"
