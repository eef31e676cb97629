# Test guests: small freestanding Xen PVH kernels in the spirit of Xen's XTF (tests/guests/README.md).
# Standalone: make -f tests/guests/guests.mk BUILD=build guests
# Each guest is tests/guests/<name>/main.c plus lib/, linked to $(BUILD)/guests/<name>.elf.

GUESTS := test-pvh-entry test-cpuid test-xen-version test-console test-shutdown-reboot test-shutdown-crash \
	test-npf test-triple-fault test-bad-hypercalls test-hypercall-loop test-msr test-evtchn-pingpong test-memory-op \
	test-pv-console test-timer test-upcall test-smp test-spin test-crash test-grant
GUESTS += test-ctl

BUILD ?= build
Q ?= @
GUEST_DIR := $(BUILD)/guests
# Xen's public headers through a directory holding only a xen -> /usr/include/xen link, and
# -nostdinc: nothing but the compiler's freestanding headers and Xen's can leak in.
GUEST_XEN_INC := $(GUEST_DIR)/xen-include
GUEST_CFLAGS := -std=gnu11 -m64 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none -fno-omit-frame-pointer \
	-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -nostdlib -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) -isystem $(GUEST_XEN_INC) -Itests/guests/lib \
	-D__XEN_INTERFACE_VERSION__=0x00040e00 -MMD -MP
# test-ctl uses Mica's own public ABI (<mica/ctl.h>).
$(GUEST_DIR)/test-ctl/main.o: GUEST_CFLAGS += -Iinclude/public
GUEST_LDFLAGS := -m elf_x86_64 -nostdlib -z max-page-size=0x1000 -z noexecstack -T tests/guests/lib/link.ld

GUEST_LIB_OBJS := $(patsubst tests/guests/%,$(GUEST_DIR)/%.o,$(basename $(sort \
	$(wildcard tests/guests/lib/*.c) tests/guests/lib/head.S tests/guests/lib/exceptions.S)))
# Value size of the XEN_ELFNOTE_PHYS32_ENTRY note: 4 bytes, except test-pvh-entry (8, as Linux).
guest_note_size = $(if $(filter test-pvh-entry,$(1)),8,4)

guests: $(GUESTS:%=$(GUEST_DIR)/%.elf)

$(GUEST_XEN_INC)/xen: | $(DEPS_OK)
	@test -f /usr/include/xen/xen.h || { echo "guests: Xen public headers missing: apt-get install libxen-dev"; exit 1; }
	@mkdir -p $(dir $@)
	$(Q)ln -sfn /usr/include/xen $@

$(GUEST_DIR)/%.o: tests/guests/%.c | $(GUEST_XEN_INC)/xen
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_DIR)/lib/%.o: tests/guests/lib/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	$(Q)$(CC) $(GUEST_CFLAGS) -D__ASSEMBLER__ -c $< -o $@

$(GUEST_DIR)/lib/pvh_note%.o: tests/guests/lib/pvh_note.S
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	$(Q)$(CC) $(GUEST_CFLAGS) -D__ASSEMBLER__ -DPVH_NOTE_SIZE=$* -c $< -o $@

define guest_rule
$(GUEST_DIR)/$(1).elf: $(GUEST_DIR)/$(1)/main.o $(GUEST_LIB_OBJS) $(GUEST_DIR)/lib/pvh_note$(call guest_note_size,$(1)).o \
		tests/guests/lib/link.ld
	@echo "  LD      $$@"
	$(Q)$(LD) $(GUEST_LDFLAGS) -o $$@ $$(filter %.o,$$^)
endef
$(foreach g,$(GUESTS),$(eval $(call guest_rule,$(g))))

-include $(wildcard $(GUEST_DIR)/*.d $(GUEST_DIR)/*/*.d)

.PHONY: guests
