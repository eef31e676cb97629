/*
 * dom0's block devices: what a disk driver (virtio-blk) offers and what the filesystem and
 * blkback use. Calls block the calling thread (it sleeps; other threads run) until the device
 * has answered. A write that returned 0 is on the device; after flush() returned 0 it is also
 * on stable storage.
 */
#ifndef PV_BLKDEV_H
#define PV_BLKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blkdev {
	char name[16];    /* "vda", "vdb", ... */
	uint64_t sectors; /* 512-byte sectors */
	bool read_only;
	unsigned int max_sectors; /* per call; the caller splits bigger transfers */
	int (*read)(struct blkdev *d, uint64_t sector, void *buf, unsigned int count); /* 0 or -errno */
	int (*write)(struct blkdev *d, uint64_t sector, const void *buf, unsigned int count);
	int (*flush)(struct blkdev *d);
	void *priv;
};

int blkdev_register(struct blkdev *d);        /* a driver found a disk; -ENOSPC when the table is full */
struct blkdev *blkdev_find(const char *name); /* "vda" or "/dev/vda"; NULL if none */
struct blkdev *blkdev_get(unsigned int i);    /* the i-th registered disk, NULL past the last */

#endif
