# Tests: cmocka unit tests on the host (tests/unit/*.mk declare them) and
# integration scenarios in the emulators (tests/integration/). See docs/testing.md.

UNIT_TESTS :=
include $(sort $(wildcard tests/unit/*.mk))

UNIT_CFLAGS := -std=gnu11 -Iinclude -Iarch/x86/efi -Iarch/x86/include -DMICA_HOST_TEST -D__XEN_INTERFACE_VERSION__=0x00040e00 -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
CMOCKA_LIBS = $(shell pkg-config --cflags --libs cmocka)
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/unit/test_%)

.SECONDEXPANSION:
$(BUILD)/unit/test_%: $$($$*_SRCS) tests/tests.mk | $(DEPS_OK)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(UNIT_CFLAGS) $($*_CFLAGS) $($*_SRCS) -o $@ $(CMOCKA_LIBS)

unit-build: $(UNIT_BINS)

# Only the unit tests.
unit: unit-build
	@tests/check.sh --unit $(UNIT_BINS)

# Only the integration scenarios (optionally one: make integration T=qemu-esp-smp4).
integration: all usb pxe guests pv-guest
	@tests/check.sh --integration $(T)

# Everything; the last line is "N passed, N failed".
check: $(DEPS_OK) unit-build all usb pxe guests pv-guest
	@tests/check.sh --unit $(UNIT_BINS) --integration $(T)

.PHONY: unit unit-build integration check
