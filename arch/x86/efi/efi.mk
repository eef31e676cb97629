# mica.efi, the UEFI loader (gnu-efi). Included by the top Makefile, run from
# the repository root; standalone: make -f arch/x86/efi/efi.mk build/mica.efi
BUILD ?= build

EFI_DIR := arch/x86/efi
EFI_INC ?= /usr/include/efi
EFI_LIB ?= /usr/lib
EFI_CC ?= gcc
EFI_LD ?= ld
EFI_OBJCOPY ?= objcopy

EFI_SRCS := main.c console.c alloc.c file.c image.c modules.c acpi.c gop.c exit.c \
	config.c elf_load.c memmap.c load_options.c efi_string.c
EFI_OBJS := $(addprefix $(BUILD)/efi/,$(EFI_SRCS:.c=.o))

# -fno-tree-loop-distribute-patterns: keep gcc from turning loops (in
# efi_string.c, and elsewhere) into calls to memset/memmove.
EFI_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-I$(EFI_INC) -I$(EFI_INC)/x86_64 -I$(EFI_INC)/protocol -Iinclude -I$(EFI_DIR) \
	-fpic -ffreestanding -fno-stack-protector -fno-stack-check -fshort-wchar \
	-mno-red-zone -maccumulate-outgoing-args -fno-tree-loop-distribute-patterns \
	-DEFI_FUNCTION_WRAPPER -MMD -MP
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -T $(EFI_LIB)/elf_x86_64_efi.lds \
	-L$(EFI_LIB)
EFI_SECTIONS := -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym -j .rel \
	-j .rela -j '.rel.*' -j '.rela.*' -j .reloc

# gnu-efi must be installed first: the top Makefile's $(DEPS_OK) stamp sees to it.
$(BUILD)/efi/%.o: $(EFI_DIR)/%.c $(EFI_DIR)/efi.mk | $(DEPS_OK)
	@mkdir -p $(@D)
	@echo "  EFICC   $<"
	$(Q)$(EFI_CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi/mica.so: $(EFI_OBJS)
	@echo "  EFILD   $@"
	$(Q)$(EFI_LD) $(EFI_LDFLAGS) $(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJS) -o $@ -lefi -lgnuefi

$(BUILD)/mica.efi: $(BUILD)/efi/mica.so
	@echo "  OBJCOPY $@"
	$(Q)$(EFI_OBJCOPY) $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@

-include $(EFI_OBJS:.o=.d)
