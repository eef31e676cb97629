# pv-guest's page allocator and sbrk heap over a fake RAM mapped at its guest-physical
# addresses (the test maps [1 MiB, 8 MiB) of its own address space: built without PIE).
UNIT_TESTS += pvg_mm
pvg_mm_SRCS := tests/unit/test_pvg_mm.c pv-guest/kernel/mm.c
pvg_mm_CFLAGS := -Ipv-guest/include -DPV_HOST_TEST -no-pie -Wl,-Ttext-segment=0x40000000 -Wl,--defsym=__image_start=0x100000 \
	-Wl,--defsym=__image_end=0x140000
