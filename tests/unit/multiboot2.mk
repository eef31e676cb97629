UNIT_TESTS += multiboot2
multiboot2_SRCS := tests/unit/test_multiboot2.c arch/x86/boot/multiboot2.c
