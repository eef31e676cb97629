# dom0's devices (docs/abi.md, "dom0's devices"): dom0 enumerates the machine's PCI functions
# through the configuration ports Mica passes through, maps a device's BAR (MICA_CTL_IOMEM_MAP)
# and allocates DMA memory (MICA_CTL_DMA_ALLOC/_FREE); a domU gets nothing of any of it.
# Sourced from the end of tests/integration/pv_guest.sh.

DOM0_PCI_CMDS="lspci , lspci -v , dmatest , pcimap 00:05.0 4 0 1 , pcimap 00:07.0 2 0xfffffffc 0x5a5a1234 , pcimap 00:07.0 2 0xfffffffc , pcimap 00:05.0 4 4 , pcimap 00:06.0 1 0 , pcimap 00:05.0 9 0 , pcimap 00:05.0 0 0 , devprobe , sleep 1500 , poweroff"

# The expectations both backends share (the i440FX host bridge, the ports, the refusals).
dom0_pci_expect_common() {
	expect "$LOG" '^\(d0\) dom0: PCI: [0-9]+ functions' "dom0 enumerated its PCI bus"
	expect "$LOG" '^\(d0\) 00:00\.0 8086:1237 class 06\.00\.00 -' "lspci: the i440FX host bridge"
	expect "$LOG" '^\(d0\) 00:01\.0 8086:7000 class 06\.01\.00 -' "lspci: the PIIX3 (function 0 of a multi-function device)"
	expect "$LOG" '^\(d0\) 00:01\.1 8086:7010 class 01\.01\.' "lspci: the PIIX3's IDE function"
	expect "$LOG" '^\(d0\) dmatest: 4194304 bytes at 0x[0-9a-f]*00000.?$' "dmatest: a 4 MiB block, aligned"
	expect "$LOG" '^\(d0\) dmatest: ok; ' "dmatest: zeroed, aligned, distinct, writable"
	expect "$LOG" '^\(d0\) devprobe: 00:00\.0 id 0x12378086' "dom0 reads configuration space"
	expect "$LOG" '^\(d0\) devprobe: DMA_ALLOC 0' "dom0 may allocate DMA memory"
	expect "$LOG" '^\(d1\) devprobe: 00:00\.0 id 0xffffffff' "a domU's configuration reads see all ones"
	expect "$LOG" '^\(d1\) devprobe: DMA_ALLOC -1.?$' "a domU's DMA_ALLOC: -EPERM"
	expect "$LOG" '^\(d1\) devprobe: IOMEM_MAP -1.?$' "a domU's IOMEM_MAP: -EPERM"
	expect "$LOG" '^\(d1\) lspci: only dom0 drives PCI devices' "a domU has no lspci"
	every_page_back
}

sc_svm_dom0_pci() {
	local iso="$WORK/dom0-pci.iso" disk="$WORK/dom0-pci.img"
	cp "$BUILD/pv-guest/pv-guest.elf" "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no pv-guest images"); return; }
	head -c 1048576 /dev/zero >"$disk"
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf name=dom0 memory=32 -- shell -c $DOM0_PCI_CMDS" \
		"$WORK/pv-guest.elf name=u1 memory=4 -- shell -c sleep 500 , devprobe , lspci , poweroff" ||
		{ FAILS+=("mkiso"); return; }
	emu_run "$LOG" 150 "" qemu-system-x86_64 -accel tcg -machine pc -cpu "$QEMU_CPU" -smp 2 -m 512 \
		-display none -serial file:"$LOG" -no-reboot -cdrom "$iso" \
		-device virtio-net-pci,netdev=n0,addr=05 -netdev user,id=n0 \
		-device virtio-blk-pci,drive=d0,addr=06 -drive if=none,id=d0,format=raw,file="$disk" \
		-object memory-backend-ram,id=hm,size=4G -device ivshmem-plain,memdev=hm,addr=07
	expect_rc "$EMU_RC" 0 "QEMU (ACPI power-off after the domains)"
	dom0_pci_expect_common
	# QEMU's virtio devices on the pc machine are transitional: legacy ids 1000 (net) and 1001 (blk)
	expect "$LOG" '^\(d0\) 00:05\.0 1af4:1000 class 02\.00\.00 virtio-net' "lspci: virtio-net, taken by its driver"
	expect "$LOG" '^\(d0\) 00:06\.0 1af4:1001 class 01\.00\.00 virtio-blk' "lspci: virtio-blk, taken by its driver"
	expect "$LOG" '^\(d0\)     BAR0: io  0x[0-9a-f]+ size 0x20.?$' "lspci -v: virtio-net's legacy I/O BAR"
	expect "$LOG" '^\(d0\)     BAR4: mem 0x[0-9a-f]+ size 0x4000 64-bit.?$' "lspci -v: the modern 64-bit BAR"
	# virtio 1.0 §4.1.4.3: device_feature_select = 1 selects feature bits 32..63; VERSION_1 is bit 32
	expect "$LOG" '^\(d0\) pcimap: 00:05\.0 BAR4\+0x0 \(0x[0-9a-f]+\) = 0x00000001' "a write to a mapped BAR reaches the device"
	expect "$LOG" '^\(d0\) pcimap: 00:05\.0 BAR4\+0x4 \(0x[0-9a-f]+\) = 0x[0-9a-f]{7}[13579bdf]' "and the device answers (VIRTIO_F_VERSION_1)"
	# a 4 GiB BAR does not fit the 32-bit hole: SeaBIOS puts it above 4 GiB, where dom0's page
	# tables get a 1:1 uncached mapping; the BAR is RAM-backed, so a dword written reads back
	expect "$LOG" '^\(d0\)     BAR2: mem 0x[1-9a-f][0-9a-f]{8,} size 0x100000000 64-bit.?$' "lspci -v: ivshmem's BAR above 4 GiB"
	expect "$LOG" '^\(d0\) pcimap: 00:07\.0 BAR2\+0xfffffffc \(0x[1-9a-f][0-9a-f]{8,}\) = 0x5a5a1234' "a BAR above 4 GiB: written and read back"
	[ "$(grep -ac '^(d0) pcimap: 00:07\.0 BAR2+0xfffffffc .* = 0x5a5a1234' "$LOG")" -eq 2 ] ||
		FAILS+=("the dword written to the high BAR was not there on a second mapping")
	expect "$LOG" '^\(d0\) pcimap: 00:06\.0 BAR1\+0x0 \(0x[0-9a-f]+\) = ' "a second device's BAR maps too (MSI-X table)"
	expect "$LOG" '^\(d0\) usage: pcimap' "pcimap: a BAR number out of range is refused"
	expect "$LOG" '^\(d0\) devprobe: IOMEM_MAP (0|-16).?$' "dom0 may map a frame of the PCI window (-EBUSY: mapped already)"
	expect "$LOG" '^\(d0\) pcimap: BAR0 of 00:05\.0: not a memory BAR' "pcimap: an I/O BAR is not mapped"
}
PV_GUEST_SCENARIOS+=(svm_dom0_pci)

# The same on VMX: Bochs's i440FX (no virtio there) enumerated through the ports, DMA memory,
# and a domU refused.
sc_vmx_dom0_pci() {
	local iso="$WORK/dom0-pci-vmx.iso"
	cp "$BUILD/pv-guest/pv-guest.elf" "$BUILD/pv-guest/dom0.elf" "$WORK/" || { FAILS+=("no pv-guest images"); return; }
	export GFXPAYLOAD=text
	scripts/mkiso.sh "$BUILD/mica.elf" "$iso" "console=com1,115200 on_idle=poweroff" \
		"$WORK/dom0.elf name=dom0 memory=32 -- shell -c lspci , lspci -v , dmatest , devprobe , sleep 1000 , poweroff" \
		"$WORK/pv-guest.elf name=u1 memory=4 -- shell -c sleep 300 , devprobe , lspci , poweroff" ||
		{ unset GFXPAYLOAD; FAILS+=("mkiso"); return; }
	unset GFXPAYLOAD
	emu_run "$LOG" 400 "" scripts/run-bochs.sh "$iso" "$(realpath "$LOG")" corei7_haswell_4770 2 390
	expect "$LOG" 'Virtualization: Intel VT-x \(VMX\)' "the VMX backend"
	dom0_pci_expect_common
}
PV_GUEST_SCENARIOS+=(vmx_dom0_pci)
