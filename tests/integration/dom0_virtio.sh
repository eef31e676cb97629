# dom0's virtio drivers (docs/dom0-virtio.md) on QEMU's virtio-blk and virtio-net (transitional,
# QEMU's default): both found, a sector written, flushed and read back in dom0, and the text in
# the raw disk file on the host afterwards. Needs dom0's PCI layer (pci.c, hvdev).

sc_svm_dom0_virtio() {
	local iso="$WORK/dom0-virtio.iso" disk="$WORK/disk.img" text="mica-virtio sector five $RANDOM"
	cp "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no dom0 image"); return; }
	rm -f "$disk" && truncate -s 64M "$disk" || { FAILS+=("disk image"); return; }
	printf 'left by the host' | dd of="$disk" bs=512 seek=9 conv=notrunc status=none
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf name=dom0 memory=32 -- shell -c disks , nics , disk-write vda 5 $text , disk-read vda 5 , disk-read vda 9 , disk-read vda 6 , disk-write vda 131072 x , disk-read vdz 0 , poweroff" ||
		{ FAILS+=("mkiso"); return; }
	emu_run "$LOG" 180 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$iso" \
		-device virtio-blk-pci,drive=d0 -drive if=none,id=d0,format=raw,file="$disk" \
		-device virtio-net-pci,netdev=n0 -netdev user,id=n0
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after dom0)"
	expect "$LOG" '^\(d0\) virtio-blk: vda 64 MiB \(131072 sectors\)' "virtio-blk found at start"
	expect "$LOG" '^\(d0\) virtio-net: eth0 52:54:00:12:34:56, mtu 1500, link up' "virtio-net found at start"
	expect "$LOG" '^\(d0\) vda +131072 +64 rw' "disks lists vda"
	expect "$LOG" '^\(d0\) eth0 52:54:00:12:34:56 mtu 1500 link up' "nics lists eth0"
	expect "$LOG" "^\\(d0\\) vda sector 5: [0-9]+ bytes written and flushed" "disk-write"
	expect "$LOG" "^\\(d0\\) vda sector 5: \"$text\"" "the sector read back"
	expect "$LOG" '^\(d0\) vda sector 9: "left by the host"' "what the host wrote, read by dom0"
	expect "$LOG" '^\(d0\) vda sector 6: ""' "an untouched sector reads as zeros"
	expect "$LOG" "^\\(d0\\) disk-write: vda: sector '131072' is not in 0\\.\\.131071" "a sector past the end is refused"
	expect "$LOG" '^\(d0\) disk-read: no disk vdz' "an unknown disk is refused"
	expect_not "$LOG" 'queue broken|not in flight|beyond the .* bytes offered|timed out' "the device kept the rules"
	# The write reached the file: QEMU wrote it through (flush) before dom0 powered off.
	dd if="$disk" bs=512 skip=5 count=1 status=none | grep -aq "^$text" ||
		FAILS+=("the written sector is not in the raw disk file")
}
PV_GUEST_SCENARIOS+=(svm_dom0_virtio)
