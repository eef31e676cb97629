#!/bin/bash
# Capture real firmware ACPI tables as unit-test fixtures.
# Usage: tests/tools/acpidump/capture.sh [machine...]   (default: all machines below)
# Builds the acpidump Multiboot1 kernel, boots it in each emulator configuration, and converts
# its serial hexdump into tests/unit/data/acpi/<machine>/{RSDP,<SIG>[-n]}.bin plus a `layout`
# file of "<file> <phys-addr>" lines from which a test rebuilds the physical memory.
# Env: TMO (per-run timeout, default 120 s), KEEP=1 keeps the work directory.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
DATA=$ROOT/tests/unit/data/acpi
TMO=${TMO:-120}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/acpidump.XXXX")
ALL="q35 q35-intel-iommu q35-amd-iommu pc bochs q35-ovmf"
MACHINES=${*:-$ALL}

make -s -C "$HERE" OUT="$WORK/build" >/dev/null
KERNEL=$WORK/build/acpidump32.elf

run_qemu() { # <serial-out> <qemu args...>
	local out=$1
	shift
	timeout "$TMO" qemu-system-x86_64 -accel tcg -smp 4 -m 512 -display none -serial stdio \
		-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" >"$out" || true
}

make_iso() { # <grub-platform-dir> <iso-out>
	local iso=$WORK/iso
	mkdir -p "$iso/boot/grub"
	cp "$KERNEL" "$iso/boot/acpidump.elf"
	cat >"$iso/boot/grub/grub.cfg" <<G
set timeout=0
set default=0
menuentry "acpidump" {
  multiboot /boot/acpidump.elf
  boot
}
G
	grub-mkrescue -d "$1" -o "$2" "$iso" >/dev/null 2>&1
}

# Bochs: same recipe as the harness's run-bochs.sh (GRUB BIOS ISO, term display under script(1),
# serial to a file, debugger fed "continue"; exits non-zero even on success).
run_bochs() { # <serial-out>
	make_iso /usr/lib/grub/i386-pc "$WORK/bios.iso"
	cat >"$WORK/bochsrc" <<B
megs: 256
cpu: model=corei7_haswell_4770, count=1, ips=100000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path=$WORK/bios.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$1
display_library: term
speaker: enabled=0
log: $WORK/bochs.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
clock: sync=none, time0=local
B
	printf 'continue\nquit\n' >"$WORK/bochs.cmds"
	timeout "$TMO" script -qfec "bochs -f $WORK/bochsrc -rc $WORK/bochs.cmds" /dev/null \
		</dev/null >"$WORK/bochs.stdout" 2>&1 || true
}

# OVMF (UEFI) + GRUB EFI: the RSDP is found through the Multiboot memory map.
run_ovmf() { # <serial-out>
	make_iso /usr/lib/grub/x86_64-efi "$WORK/efi.iso"
	cp /usr/share/OVMF/OVMF_VARS_4M.fd "$WORK/vars.fd"
	run_qemu "$1" -machine q35 -net none -cdrom "$WORK/efi.iso" \
		-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
		-drive if=pflash,format=raw,file="$WORK/vars.fd"
}

# Serial log -> <dir>/*.hex + <dir>/layout; then hex -> bin with a length check.
convert() { # <serial-log> <fixture-dir>
	local log=$1 dir=$2
	grep -aq '^ACPIDUMP DONE' <(tr -d '\r' <"$log") || { echo "$log: no ACPIDUMP DONE" >&2; return 1; }
	rm -rf "$dir"
	mkdir -p "$dir"
	tr -d '\r' <"$log" | awk -v dir="$dir" '
		/^RSDP / { name = "RSDP"; addr = $2; len = $3; start() ; next }
		/^TABLE / {
			name = $2; n = ++seen[$2]; if (n > 1) name = name "-" n
			addr = $3; len = $4; start(); next
		}
		/^END$/ { if (out != "") close(out); out = ""; next }
		/^SKIP / { print "capture: " $0 > "/dev/stderr"; next }
		out != "" { print > out }
		function start() {
			out = dir "/" name ".hex"
			printf "" > out
			printf "%s.bin %s %s\n", name, addr, len >> (dir "/layout.tmp")
		}'
	: >"$dir/layout"
	while read -r file addr len; do
		xxd -r -p "$dir/${file%.bin}.hex" >"$dir/$file"
		rm "$dir/${file%.bin}.hex"
		[ "$(stat -c %s "$dir/$file")" = "$len" ] || { echo "$dir/$file: length mismatch" >&2; return 1; }
		echo "$file $addr" >>"$dir/layout"
	done <"$dir/layout.tmp"
	rm "$dir/layout.tmp"
}

for m in $MACHINES; do
	log=$WORK/$m.serial
	case $m in
	q35) run_qemu "$log" -machine q35 -kernel "$KERNEL" ;;
	q35-intel-iommu) run_qemu "$log" -machine q35 -device intel-iommu,intremap=off -kernel "$KERNEL" ;;
	q35-amd-iommu) run_qemu "$log" -machine q35 -device amd-iommu -kernel "$KERNEL" ;;
	pc) run_qemu "$log" -machine pc -kernel "$KERNEL" ;;
	bochs) run_bochs "$log" ;;
	q35-ovmf) run_ovmf "$log" ;;
	*) echo "unknown machine $m (known: $ALL)" >&2; exit 2 ;;
	esac
	convert "$log" "$DATA/$m"
	echo "$m: $(cut -d' ' -f1 "$DATA/$m/layout" | sed 's/\.bin$//' | tr '\n' ' ')"
done
[ -n "${KEEP:-}" ] && echo "work dir: $WORK" || rm -rf "$WORK"
