# The xl.cfg(5) domain configuration parser (dom0-tools/xlcfg/): syntax, keys, vif/disk specs, overrides.
UNIT_TESTS += xlcfg
xlcfg_SRCS := tests/unit/test_xlcfg.c $(sort $(wildcard dom0-tools/xlcfg/*.c))
xlcfg_CFLAGS := -Idom0-tools
