UNIT_TESTS += elf_load
elf_load_SRCS := tests/unit/test_elf_load.c arch/x86/efi/elf_load.c
