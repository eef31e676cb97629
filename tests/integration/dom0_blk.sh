# dom0's disks: micafs, dom0's image store (docs/micafs.md), on a virtio-blk disk QEMU attaches;
# blkback serves a guest an image file from it (docs/dom0-blkback.md). Sourced by pv_guest.sh.

# The host makes the store with build/host/micafs; dom0 mounts it, lists it, makes and removes
# an image with img, and creates a guest whose disk is file:/images/a.img. The guest writes a
# sector without flushing and is destroyed; a second guest on the same image reads the sector
# back; a read-only image refuses writes; a missing image is a clear error with no domain left.
# Afterwards the host tool finds the data in the image and the store checks clean.
sc_svm_dom0_blkfile() {
	local iso="$WORK/dom0-blkfile.iso" rd="$WORK/blkfile-initrd" disk="$WORK/dom0-blkfile.img"
	local tool="$BUILD/host/micafs" out="$WORK/blkfile-a.img"
	[ -x "$tool" ] || { FAILS+=("no $tool (make all builds it)"); return; }
	cp "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no dom0 image"); return; }
	rm -f "$disk" "$out"
	printf 'from-the-host\n' >"$WORK/blkfile-host.txt"
	"$tool" mkfs "$disk" 64M && "$tool" create "$disk" /images/a.img 16M &&
		"$tool" create "$disk" /images/ro.img 1M && "$tool" put "$disk" /images/host.img "$WORK/blkfile-host.txt" ||
		{ FAILS+=("build/host/micafs could not make the disk"); return; }
	rm -rf "$rd" && mkdir -p "$rd/etc/mica" "$rd/boot"
	cp "$BUILD/pv-guest/pv-guest.elf" "$rd/boot/"
	printf 'name = "w"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\ndisk = [ '"'"'file:/images/a.img,xvda,w'"'"' ]\ncmdline = "shell -c blk write 5 written-by-d1 , sleep 60000"\n' >"$rd/etc/mica/w.cfg"
	printf 'name = "r"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\ndisk = [ '"'"'/images/a.img,raw,xvda,w'"'"' ]\ncmdline = "shell -c blk read 5 1"\n' >"$rd/etc/mica/r.cfg"
	printf 'name = "ro"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\ndisk = [ '"'"'format=raw, vdev=xvda, access=ro, target=/images/ro.img'"'"' ]\ncmdline = "shell -c blk info , blk write 0 nope"\n' >"$rd/etc/mica/ro.cfg"
	printf 'name = "bad"\nkernel = "/boot/pv-guest.elf"\nmemory = 8\ndisk = [ '"'"'file:/images/missing.img,xvda,w'"'"' ]\n' >"$rd/etc/mica/bad.cfg"
	(cd "$rd" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet >"$WORK/blkfile-initrd.cpio") ||
		{ FAILS+=("cpio"); return; }
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf name=dom0 memory=64 -- shell -c ls /images , cat /images/host.img , img create /images/new.img 8M , img create /images/new.img 8M , img ls , img rm /images/new.img , img info , mica create /etc/mica/bad.cfg , mica create /etc/mica/w.cfg , sleep 5000 , mica destroy w , sleep 1000 , mica create /etc/mica/r.cfg , sleep 5000 , mica create /etc/mica/ro.cfg , sleep 5000 , mica list , poweroff" \
		"$WORK/blkfile-initrd.cpio" || { FAILS+=("mkiso"); return; }
	emu_run "$LOG" 240 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$iso" \
		-drive if=none,id=vda,format=raw,file="$disk" -device virtio-blk-pci,drive=vda
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off)"
	expect "$LOG" '^\(d0\) micafs: vda mounted, 3 images' "dom0 mounts its image store"
	expect "$LOG" '^\(d0\) +16777216 +0  /images/a\.img' "ls /images lists the images, sparse"
	expect "$LOG" '^\(d0\) from-the-host' "cat reads an image the host put"
	expect "$LOG" '^\(d0\) +8388608 +0  /images/new\.img' "img create makes a sparse image"
	expect "$LOG" '^\(d0\) img create /images/new\.img: File exists' "and refuses a second one"
	expect "$LOG" '^\(d0\) micafs on vda: 3 of 256 files' "img rm removes it"
	expect "$LOG" '^\(d0\) mica create: /etc/mica/bad\.cfg: disk xvda: /images/missing\.img: no such image' \
		"a missing image is a clear error"
	expect_not "$LOG" '^Mica: d[0-9]+ \(bad\)' "no domain left of it"
	expect "$LOG" '^\(d[0-9]+\) blk: 13 bytes written to sector 5' "the guest writes a sector"
	expect "$LOG" '^\(d[0-9]+\) 00000a00  77 72 69 74 74 65 6e 2d 62 79 2d 64 31 00' \
		"a new domain on the image reads it back after the writer was destroyed"
	expect "$LOG" '^\(d[0-9]+\)   read-only, flush: none' "an access=ro image is read-only to the guest"
	expect "$LOG" '^\(d[0-9]+\) blk: write: .*(-30)' "and refuses writes"
	expect_not "$LOG" 'pv-guest panic|\*\*\* pv-guest:' "no guest fault"
	if "$tool" get "$disk" /images/a.img "$out" 2>>"$LOG"; then
		[ "$(dd if="$out" bs=512 skip=5 count=1 2>/dev/null | head -c 13 | tr -d '\0')" = "written-by-d1" ] ||
			FAILS+=("the host tool finds the guest's sector in the image")
	else
		FAILS+=("the host tool reads the image back")
	fi
	"$tool" check "$disk" >>"$LOG" 2>&1 || FAILS+=("the store checks clean afterwards")
}
PV_GUEST_SCENARIOS+=(svm_dom0_blkfile)
