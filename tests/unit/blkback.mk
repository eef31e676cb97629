# dom0's blkback (pv-guest/dom0/blkback.c) serving the real blkfront in one process, over fake
# Xen services (blkfront's) and a fake xenstore with permissions, transactions and watches.
UNIT_TESTS += blkback
blkback_SRCS := tests/unit/test_blkback.c pv-guest/dom0/blkback.c pv-guest/drivers/blkfront.c \
	tests/unit/blkfront_fake_xen.c tests/unit/blkback_fake.c
blkback_CFLAGS := -Ipv-guest/include -Iinclude/public -DPV_HOST_TEST
