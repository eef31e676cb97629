/*
 * blkfront: the pv-guest's virtual block device client (xen/io/blkif.h), one shared ring per
 * device, data through granted bounce pages. Calls block the calling thread; they return 0 or
 * a negative errno.
 */
#ifndef PV_BLKFRONT_H
#define PV_BLKFRONT_H

#include <pv/os.h>

struct blkdev;

struct blk_info {
	char id[16];                   /* the vbd's name under device/vbd/ */
	uint64_t sectors;              /* disk size, in sectors of sector_size */
	uint32_t sector_size;          /* bytes; a power of two, 512 .. PAGE_SIZE */
	uint32_t physical_sector_size; /* bytes; a multiple of sector_size */
	uint32_t vdisk_info;           /* the backend's "info" bits (VDISK_*) */
	bool read_only;                /* VDISK_READONLY: blk_write fails with -EROFS */
	bool flush;                    /* blk_flush does something (cache flush or barrier) */
	bool flush_cache;              /* backend offers BLKIF_OP_FLUSH_DISKCACHE */
	bool barrier;                  /* backend offers BLKIF_OP_WRITE_BARRIER */
};

/*
 * Connects to device/vbd/<id> (the first vbd when id is NULL): backend handshake, ring,
 * event channel. NULL on failure, errno set (ENODEV: no such vbd, EBUSY: already open,
 * ETIMEDOUT: the backend did not answer, EIO: the store failed).
 */
struct blkdev *blk_open(const char *id);
/* Reads/writes count sectors from sector on; buf may have any alignment. */
int blk_read(struct blkdev *dev, uint64_t sector, void *buf, size_t count);
int blk_write(struct blkdev *dev, uint64_t sector, const void *buf, size_t count);
/* Makes earlier completed writes durable; -EOPNOTSUPP if the backend offers no way. */
int blk_flush(struct blkdev *dev);
int blk_info(struct blkdev *dev, struct blk_info *info);
/* Closing -> Closed handshake, ring and event channel released. No I/O may be in flight. */
void blk_close(struct blkdev *dev);

/* Seconds an I/O request (or a handshake step) may take before -ETIMEDOUT. */
#define BLK_TIMEOUT_SECONDS 30

#ifdef PV_HOST_TEST
/* Unit tests: where the ring's free-running indexes start (to test their wrap at 2^32). */
extern uint32_t blkfront_ring_start;
#endif

#endif
