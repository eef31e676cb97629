UNIT_TESTS += load_options
load_options_SRCS := tests/unit/test_load_options.c arch/x86/efi/load_options.c
