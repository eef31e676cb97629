# blkfront (pv-guest/drivers/blkfront.c) and the blktest app against an in-process fake backend.
UNIT_TESTS += blkfront
blkfront_SRCS := tests/unit/test_blkfront.c pv-guest/drivers/blkfront.c pv-guest/apps/blktest.c \
	tests/unit/blkfront_fake_xen.c tests/unit/blkfront_fake_backend.c
blkfront_CFLAGS := -Ipv-guest/include -DPV_HOST_TEST
