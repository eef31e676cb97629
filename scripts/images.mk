# Boot images: build/esp/ (UEFI), build/mica.iso (GRUB, BIOS+UEFI),
# build/mica-usb.img (GPT disk with the ESP), build/tftp/ (PXE).

ESP       := $(BUILD)/esp
ESP_DIR   := $(ESP)/EFI/BOOT
MICA_CFG  ?= boot/mica.cfg
ISO_OPTIONS ?= console=com1,115200,fb

esp: $(ESP)/.stamp
$(ESP)/.stamp: $(BUILD)/mica.elf $(BUILD)/mica.efi $(MICA_CFG) $(PVG_DIR)/dom0.elf $(PVG_DIR)/pv-guest.elf \
		$(PVG_DIR)/dom0-initrd.cpio
	@echo "  ESP     $(ESP)/"
	$(Q)rm -rf $(ESP) && mkdir -p $(ESP_DIR)
	$(Q)cp $(BUILD)/mica.efi $(ESP_DIR)/BOOTX64.EFI
	$(Q)cp $(BUILD)/mica.elf $(ESP_DIR)/mica.elf
	$(Q)cp $(PVG_DIR)/dom0.elf $(PVG_DIR)/pv-guest.elf $(PVG_DIR)/dom0-initrd.cpio $(ESP_DIR)/
	$(Q)cp $(MICA_CFG) $(ESP_DIR)/mica.cfg
	$(Q)touch $@

iso: $(BUILD)/mica.iso
$(BUILD)/mica.iso: $(BUILD)/mica.elf boot/grub.cfg
	@echo "  ISO     $@"
	$(Q)scripts/mkiso.sh $(BUILD)/mica.elf $@ "$(ISO_OPTIONS)"

usb: $(BUILD)/mica-usb.img
$(BUILD)/mica-usb.img: $(ESP)/.stamp scripts/mkusb.sh
	@echo "  USB     $@"
	$(Q)scripts/mkusb.sh $(ESP) $@

pxe: $(BUILD)/tftp/.stamp
$(BUILD)/tftp/.stamp: $(ESP)/.stamp
	@echo "  TFTP    $(BUILD)/tftp/"
	$(Q)rm -rf $(BUILD)/tftp && mkdir -p $(BUILD)/tftp
	$(Q)cp $(ESP_DIR)/* $(BUILD)/tftp/
	$(Q)touch $@

# ---------------------------------------------------------------- running
OVMF_CODE := /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS := /usr/share/OVMF/OVMF_VARS_4M.fd
RUN_CPU   ?= qemu64,+svm,+npt,+smep,+smap
RUN_SMP   ?= 2
RUN_MEM   ?= 512

run: all $(DOM0_DISK)
	@cp $(OVMF_VARS) $(BUILD)/ovmf-vars.fd
	@echo "Booting build/esp/ under QEMU (SVM+NPT, $(RUN_SMP) CPUs, OVMF)."
	@echo "Leave with Ctrl-A X (QEMU), or press P on the Mica console to power off."
	qemu-system-x86_64 -accel tcg -machine q35 -cpu $(RUN_CPU) -smp $(RUN_SMP) -m $(RUN_MEM) \
		-drive if=pflash,format=raw,readonly=on,file=$(OVMF_CODE) \
		-drive if=pflash,format=raw,file=$(BUILD)/ovmf-vars.fd \
		-drive if=none,id=esp,format=raw,file=fat:rw:$(ESP) -device ide-hd,drive=esp \
		-drive if=none,id=vda,format=raw,file=$(DOM0_DISK) -device virtio-blk-pci,drive=vda \
		-netdev user,id=lan -device virtio-net-pci,netdev=lan \
		-display none -serial mon:stdio -no-reboot

# Bochs's terminal display has no graphics modes: the same ISO, kept in VGA text mode.
$(BUILD)/mica-text.iso: $(BUILD)/mica.elf boot/grub.cfg
	$(Q)GFXPAYLOAD=text scripts/mkiso.sh $(BUILD)/mica.elf $@ "$(ISO_OPTIONS)"

run-vmx: $(BUILD)/mica-text.iso
	@echo "Booting build/mica.iso (in text mode) under Bochs (VMX+EPT, 2 CPUs)."
	@echo "Leave with Ctrl-C, then type 'quit' at Bochs's prompt; or press P on the Mica console."
	-scripts/run-bochs.sh $(BUILD)/mica-text.iso interactive corei7_haswell_4770 2

.PHONY: esp iso usb pxe run run-vmx
