# A config's devices as dom0's create serves them (dom0-tools/xlcfg/xlcfg_devices.c): vdev
# numbers, limits, duplicate vdevs, MACs and images.
UNIT_TESTS += xlcfg_devices
xlcfg_devices_SRCS := tests/unit/test_xlcfg_devices.c $(sort $(wildcard dom0-tools/xlcfg/*.c))
xlcfg_devices_CFLAGS := -Idom0-tools
