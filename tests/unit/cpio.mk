# The cpio "newc" reader behind dom0's initrd (dom0-tools/initrd/): archives built in the test,
# truncated at every length and corrupted at every byte.
UNIT_TESTS += cpio
cpio_SRCS := tests/unit/test_cpio.c dom0-tools/initrd/cpio.c
cpio_CFLAGS := -Idom0-tools
