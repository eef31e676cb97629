# pv-guest: Mica's paravirtualized guest kernel (docs/pv-guest.md), linked with newlib (built
# here from Debian's newlib-source) into $(BUILD)/pv-guest/pv-guest.elf, a PVH ELF kernel.
#   make pv-guest        the image (first time: builds newlib, about a minute)

PVG_DIR := $(BUILD)/pv-guest
NEWLIB_TARBALL ?= /usr/src/newlib/newlib-3.3.0.tar.xz
NEWLIB := $(BUILD)/newlib
NEWLIB_STAMP := $(NEWLIB)/.stamp

PVG_CFLAGS := -std=gnu11 -m64 -ffreestanding -fno-pic -fno-pie -mno-red-zone -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fcf-protection=none -fno-strict-aliasing \
	-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -nostdinc \
	-isystem $(NEWLIB)/x86_64-elf/include -isystem $(shell $(CC) -print-file-name=include) -isystem $(XEN_INC) \
	-Ipv-guest/include -D__XEN_INTERFACE_VERSION__=0x00040e00 -D_POSIX_TIMERS=1 -D_POSIX_MONOTONIC_CLOCK=200112L -MMD -MP
PVG_LDFLAGS := -m elf_x86_64 -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
	-T pv-guest/arch/x86/link.ld
PVG_LIBS := --start-group $(NEWLIB)/x86_64-elf/lib/libc.a $(NEWLIB)/x86_64-elf/lib/libm.a \
	$(shell $(CC) -print-libgcc-file-name) --end-group

# lwIP (Debian's source package, fetched by scripts/fetch-lwip.sh) with our port in pv-guest/lwip/.
LWIP_DIR ?= $(BUILD)/lwip
LWIP_STAMP := $(LWIP_DIR)/.stamp
include pv-guest/lwip/lwip.mk

PVG_SRCS := $(sort $(wildcard pv-guest/arch/x86/*.c pv-guest/kernel/*.c pv-guest/drivers/*.c pv-guest/apps/*.c \
	pv-guest/lwip/*.c))
PVG_ASMS := $(sort $(wildcard pv-guest/arch/x86/*.S))
PVG_LWIP_OBJS := $(patsubst %.c,$(PVG_DIR)/lwip-src/%.o,$(LWIP_SRC_FILES))
# Portable parts of dom0-tools/ that every image uses (the initrd's cpio reader); built by the
# $(PVG_DIR)/dom0-tools/ rule below.
PVG_TOOLS_SRCS := dom0-tools/initrd/cpio.c
PVG_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(PVG_SRCS)) $(patsubst %.S,$(BUILD)/%.o,$(PVG_ASMS)) $(PVG_LWIP_OBJS) \
	$(patsubst %.c,$(PVG_DIR)/%.o,$(PVG_TOOLS_SRCS))

$(NEWLIB_STAMP): scripts/build-newlib.sh | $(DEPS_OK)
	@test -f $(NEWLIB_TARBALL) || { echo "pv-guest: $(NEWLIB_TARBALL) missing: apt-get install newlib-source"; exit 1; }
	@echo "  NEWLIB  $(NEWLIB) (from $(NEWLIB_TARBALL); about a minute)"
	$(Q)rm -rf $(NEWLIB) && mkdir -p $(NEWLIB)
	$(Q)scripts/build-newlib.sh $(NEWLIB_TARBALL) $(abspath $(NEWLIB)) >/dev/null
	$(Q)touch $@

$(BUILD)/pv-guest/%.o: pv-guest/%.c $(NEWLIB_STAMP) $(LWIP_STAMP) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(PVG_CFLAGS) $(LWIP_CFLAGS) -c $< -o $@

$(PVG_DIR)/lwip-src/%.o: $(LWIP_STAMP) $(NEWLIB_STAMP) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      lwip/src/$*.c"
	$(Q)$(CC) $(PVG_CFLAGS) $(LWIP_CFLAGS) -c $(LWIP_DIR)/src/$*.c -o $@

$(BUILD)/pv-guest/%.o: pv-guest/%.S | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(PVG_CFLAGS) -D__ASSEMBLER__ -c $< -o $@

$(PVG_DIR)/pv-guest.elf: $(PVG_OBJS) pv-guest/arch/x86/link.ld $(NEWLIB_STAMP)
	@echo "  LD      $@"
	$(Q)$(LD) $(PVG_LDFLAGS) -o $@ $(PVG_OBJS) $(PVG_LIBS)

# The dom0 image: the same kernel plus pv-guest/dom0/ (store service, backends, control
# interface) and the store daemon's core from dom0-tools/xenstore/.
PVG_DOM0_SRCS := $(sort $(wildcard pv-guest/dom0/*.c pv-guest/dom0/virtio/*.c))
XS_SRCS := $(sort $(wildcard dom0-tools/xenstore/*.c dom0-tools/cli/*.c dom0-tools/builder/*.c dom0-tools/xlcfg/*.c \
	dom0-tools/micafs/micafs*.c))
PVG_DOM0_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(PVG_DOM0_SRCS)) $(patsubst %.c,$(PVG_DIR)/%.o,$(XS_SRCS))
PVG_DOM0_CFLAGS := -Iinclude/public -Idom0-tools

$(patsubst %.c,$(BUILD)/%.o,$(PVG_DOM0_SRCS)): PVG_CFLAGS += $(PVG_DOM0_CFLAGS)
$(BUILD)/pv-guest/kernel/initrd.o: PVG_CFLAGS += -Idom0-tools
$(BUILD)/pv-guest/apps/devprobe.o: PVG_CFLAGS += -Iinclude/public

$(PVG_DIR)/dom0-tools/%.o: dom0-tools/%.c $(NEWLIB_STAMP) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(PVG_CFLAGS) $(PVG_DOM0_CFLAGS) -c $< -o $@

$(PVG_DIR)/dom0.elf: $(PVG_OBJS) $(PVG_DOM0_OBJS) pv-guest/arch/x86/link.ld $(NEWLIB_STAMP)
	@echo "  LD      $@"
	$(Q)$(LD) $(PVG_LDFLAGS) -o $@ $(PVG_OBJS) $(PVG_DOM0_OBJS) $(PVG_LIBS)

# dom0's initrd (cpio newc): boot/initrd/ (the domain configs in /etc/mica) and the pv-guest
# image as /boot/pv-guest.elf.
$(PVG_DIR)/dom0-initrd.cpio: $(PVG_DIR)/pv-guest.elf $(shell find boot/initrd -type f) | $(DEPS_OK)
	@echo "  CPIO    $@"
	$(Q)rm -rf $(PVG_DIR)/initrd && mkdir -p $(PVG_DIR)/initrd/boot && cp -r boot/initrd/. $(PVG_DIR)/initrd/
	$(Q)cp $(PVG_DIR)/pv-guest.elf $(PVG_DIR)/initrd/boot/
	$(Q)cd $(PVG_DIR)/initrd && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet >../dom0-initrd.cpio

pv-guest: $(PVG_DIR)/pv-guest.elf $(PVG_DIR)/dom0.elf $(PVG_DIR)/dom0-initrd.cpio

-include $(wildcard $(PVG_OBJS:.o=.d) $(PVG_DOM0_OBJS:.o=.d))

.PHONY: pv-guest
