#!/bin/bash
# mkiso.sh ELF ISO "OPTIONS" ["MODULE [ARGS...]"...]: GRUB Multiboot2 ISO that boots in BIOS and UEFI.
# GFXPAYLOAD=text keeps VGA text mode instead of a framebuffer (for Bochs's term display).
set -euo pipefail
elf=$1 iso=$2 opts=$3
shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mica-iso.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/boot/grub"
cp "$elf" "$work/boot/mica.elf"
sed -e "s|@OPTIONS@|$opts|" -e "s|@GFXPAYLOAD@|${GFXPAYLOAD:-auto}|" "$here/boot/grub.cfg" > "$work/boot/grub/grub.cfg"
for m in "$@"; do # "file [args...]": the module's command line is its name, then the args
	f=${m%% *} args=""
	[ "$f" != "$m" ] && args=" ${m#* }"
	cp "$f" "$work/boot/"
	sed -i "s|^\tboot$|\tmodule2 /boot/$(basename "$f") $(basename "$f")$args\n\tboot|" "$work/boot/grub/grub.cfg"
done
mkdir -p "$work/iso" && mv "$work/boot" "$work/iso/"
grub-mkrescue -o "$iso" "$work/iso" >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
