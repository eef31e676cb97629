# micafs, dom0's image store (dom0-tools/micafs/): format, files, sparse I/O, truncate, crash
# order (every prefix of the writes mounts), every flipped metadata byte, hostile metadata.
UNIT_TESTS += micafs
micafs_SRCS := tests/unit/test_micafs.c dom0-tools/micafs/micafs.c dom0-tools/micafs/micafs_io.c
micafs_CFLAGS := -Idom0-tools/micafs -Ipv-guest/include
