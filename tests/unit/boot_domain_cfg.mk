# Boot-time domain parameters in boot module command lines (name=, memory=, vcpus=, cpus=, ...).
UNIT_TESTS += boot_domain_cfg
boot_domain_cfg_SRCS := tests/unit/test_boot_domain_cfg.c kernel/boot_domain_cfg.c kernel/cmdline.c \
	kernel/strlcpy.c kernel/vsprintf.c
