/*
 * RAM-backed dom0 block devices (pv/blkdev.h) for host tests, and the device registry
 * (blkdev_register/find/get) stubbed at link time. Kept apart from blkfront.h's handle, which
 * shares the struct's tag.
 */
#ifndef BLKDEV_RAM_H
#define BLKDEV_RAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blkdev;

struct ram_blkdev_stats {
	unsigned int writes, flushes;
	unsigned int seq, last_write, last_flush; /* operation numbers: the order of writes and flushes */
};

struct blkdev *ram_blkdev_new(const char *name, uint64_t sectors, bool read_only, bool can_flush); /* registered */
void ram_blkdev_reset(void); /* none registered, all freed */
uint8_t *ram_blkdev_data(struct blkdev *d);
const struct ram_blkdev_stats *ram_blkdev_stats(struct blkdev *d);
/* micafs on d with one image path of size bytes. */
void ram_blkdev_mkfs(struct blkdev *d, const char *path, uint64_t size);
/* Reads an image from a copy of d's bytes as they are now (what a crash would leave). */
int ram_blkdev_image_read(struct blkdev *d, const char *path, uint64_t off, void *buf, size_t len);

#endif
