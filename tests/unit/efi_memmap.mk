UNIT_TESTS += efi_memmap
efi_memmap_SRCS := tests/unit/test_efi_memmap.c arch/x86/efi/memmap.c
