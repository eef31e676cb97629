# dom0's blkback (pv-guest/dom0/blkback*.c, bb_store.c) serving the real blkfront in one process,
# over fake Xen services (blkfront's) and a fake xenstore with permissions, transactions and
# watches; file and phy stores over RAM block devices (blkdev_ram.c) with micafs and images.c.
UNIT_TESTS += blkback
blkback_SRCS := tests/unit/test_blkback.c pv-guest/dom0/blkback.c pv-guest/dom0/blkback_ctl.c \
	pv-guest/dom0/bb_store.c pv-guest/dom0/images.c dom0-tools/micafs/micafs.c dom0-tools/micafs/micafs_io.c \
	pv-guest/drivers/blkfront.c tests/unit/blkfront_fake_xen.c tests/unit/blkback_fake.c tests/unit/blkdev_ram.c
blkback_CFLAGS := -Ipv-guest/include -Iinclude/public -Idom0-tools -DPV_HOST_TEST
