# blkback's file (micafs image) and phy stores against the real blkfront, over RAM block devices
# (tests/unit/blkdev_ram.c, which also stubs the device registry): on-device when answered,
# flush ordering, read-only disks, disk spec errors, data across domain destroy and re-create.
UNIT_TESTS += blkback_store
blkback_store_SRCS := tests/unit/test_blkback_store.c pv-guest/dom0/blkback.c pv-guest/dom0/blkback_ctl.c \
	pv-guest/dom0/bb_store.c pv-guest/dom0/images.c dom0-tools/micafs/micafs.c dom0-tools/micafs/micafs_io.c \
	pv-guest/drivers/blkfront.c tests/unit/blkfront_fake_xen.c tests/unit/blkback_fake.c tests/unit/blkdev_ram.c
blkback_store_CFLAGS := -Ipv-guest/include -Iinclude/public -Idom0-tools -DPV_HOST_TEST
