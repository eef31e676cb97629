UNIT_TESTS += config
config_SRCS := tests/unit/test_config.c arch/x86/efi/config.c
