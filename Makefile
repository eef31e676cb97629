# Mica — the one entry point. See README.md and docs/testing.md.
#   make            build build/mica.elf, build/mica.efi, build/esp/, build/mica.iso
#   make run        boot build/esp/ under QEMU (SVM+NPT, OVMF, 2 CPUs)
#   make run-vmx    boot build/mica.iso under Bochs (VMX+EPT)
#   make check      unit tests (host, cmocka) then integration tests (emulators)
#   make usb        build/mica-usb.img, a GPT disk image for a USB stick
#   make pxe        build/tftp/, a tree for a TFTP server
#   make format     clang-format every C source

SHELL     := /bin/bash
BUILD     ?= build
V         ?= 0
Q         := $(if $(filter 1,$(V)),,@)
DEPS_OK   := $(BUILD)/.deps-ok

CC        := gcc
LD        := ld
OBJCOPY   := objcopy

all: $(BUILD)/mica.elf $(BUILD)/mica.efi esp iso $(BUILD)/host/micafs

# ---------------------------------------------------------------- dependencies
# scripts/deps.sh installs missing Debian packages (as root) or prints the apt-get line.
# The stamp is refreshed whenever deps.sh changes.
# Xen's public headers (libxen-dev) are reached through a directory holding only a
# xen -> /usr/include/xen link, so that no other host header leaks into freestanding code.
XEN_INC := $(BUILD)/xen-include
$(DEPS_OK): scripts/deps.sh
	$(Q)scripts/deps.sh
	$(Q)mkdir -p $(XEN_INC) && ln -sfn /usr/include/xen $(XEN_INC)/xen
	$(Q)touch $@

deps:
	$(Q)scripts/deps.sh

# ---------------------------------------------------------------- hypervisor
HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fcf-protection=none -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-Iinclude -Iarch/x86/include -I$(XEN_INC) -D__XEN_INTERFACE_VERSION__=0x00040e00 -MMD -MP
HV_ASFLAGS := -D__ASSEMBLER__ -Iinclude -Iarch/x86/include -MMD -MP
HV_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T arch/x86/mica.ld

HV_DIRS := arch/x86 arch/x86/boot arch/x86/hvm arch/x86/svm arch/x86/vmx kernel $(wildcard drivers/*)
HV_SRCS := $(sort $(foreach d,$(HV_DIRS),$(wildcard $(d)/*.c)))
HV_ASMS := $(sort $(foreach d,$(HV_DIRS),$(wildcard $(d)/*.S)))
HV_OBJS := $(patsubst %.c,$(BUILD)/hv/%.o,$(HV_SRCS)) $(patsubst %.S,$(BUILD)/hv/%.o,$(HV_ASMS))

$(BUILD)/hv/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/hv/%.o: %.S | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@


# The console font comes from Debian's console-setup-linux.
FONT_PSF := /usr/share/consolefonts/Lat15-Fixed16.psf.gz
$(BUILD)/gen/font.c: scripts/psf2c.py | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(Q)python3 scripts/psf2c.py $(FONT_PSF) $@
$(BUILD)/hv/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@
$(BUILD)/hv/gen/%.o: $(BUILD)/gen/%.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@
HV_OBJS += $(BUILD)/hv/gen/font.o

# Two link passes: the second appends the symbol table (for backtraces) after
# everything else, so no address changes; scripts/gensyms.py checks nothing did.
$(BUILD)/mica-pass1.elf: $(HV_OBJS) arch/x86/mica.ld
	@echo "  LD      $@"
	$(Q)$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS)
$(BUILD)/gen/symbols.S: $(BUILD)/mica-pass1.elf scripts/gensyms.py
	$(Q)python3 scripts/gensyms.py $< $@
$(BUILD)/mica.elf: $(BUILD)/mica-pass1.elf $(BUILD)/hv/gen/symbols.o
	@echo "  LD      $@"
	$(Q)$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(BUILD)/hv/gen/symbols.o
	$(Q)cmp -s <(nm -n $< | grep -v -e mica_symbol -e _image_end) <(nm -n $@ | grep -v -e mica_symbol -e _image_end) || \
		{ echo "mica.elf: symbol table moved code; fix arch/x86/mica.ld"; rm -f $@; exit 1; }

-include $(HV_OBJS:.o=.d)

# ---------------------------------------------------------------- UEFI loader
include arch/x86/efi/efi.mk

# ---------------------------------------------------------------- pv-guest (domU and dom0 images)
include pv-guest/pv-guest.mk
include dom0-tools/micafs/micafs.mk

# ---------------------------------------------------------------- images
include scripts/images.mk

# ---------------------------------------------------------------- tests
include tests/guests/guests.mk
include tests/tests.mk

# ---------------------------------------------------------------- benchmarks
# Path lengths in instructions (deterministic under -icount); see docs/benchmarks.md.
bench: all guests pv-guest
	@bench/run.sh
	@bench/pv-guest.sh
	@bench/net.sh

# ---------------------------------------------------------------- misc
FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	clang-format --dry-run -Werror $(FORMAT_SRCS)

clean:
	rm -rf $(BUILD)

.PHONY: all deps bench format format-check clean
