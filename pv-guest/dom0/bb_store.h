/*
 * What stores a vbd's data for blkback: a backend ops table per kind of target (docs/dom0-blkback.md).
 *   ram:MIB            a thin RAM disk in dom0 (its pages are the grant-copy targets: no bounce)
 *   file:PATH, PATH    an image file in dom0's image store (micafs on vda, docs/micafs.md)
 *   phy:DEV, /dev/DEV  a whole block device of dom0 (pv/blkdev.h)
 */
#ifndef BB_STORE_H
#define BB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BB_SECTOR 512u
#define BB_TARGET_MAX 128
#define BB_MAX_MIB 4096

struct bb_store;
struct blkdev;

struct bb_store_ops {
	const char *type; /* "ram", "file", "phy": the backend's type node */
	/* Whole sectors inside the store; 0 or -errno. A write returns once it is on the device. */
	int (*read)(struct bb_store *s, uint64_t sector, void *buf, unsigned int count);
	int (*write)(struct bb_store *s, uint64_t sector, const void *buf, unsigned int count, bool fua);
	int (*flush)(struct bb_store *s); /* earlier writes on stable storage */
	void (*close)(struct bb_store *s);
	/* RAM only: the store's page holding byte off (NULL: never written, or no memory to allocate). */
	uint8_t *(*page)(struct bb_store *s, uint64_t off, bool alloc);
};

struct bb_store {
	const struct bb_store_ops *ops; /* NULL: no store */
	uint64_t sectors;
	bool writable;              /* the guest may write (mode=w) */
	bool can_flush;             /* feature-flush-cache and feature-barrier are honoured */
	char target[BB_TARGET_MAX]; /* as given: the backend's params node */
	/* ram */
	unsigned long nchunks, used;
	uint8_t **chunks;
	/* file */
	unsigned int ino;
	/* phy */
	struct blkdev *dev;
};

/*
 * Opens target for a vbd (forms above). Errors, with a message in err: -EINVAL bad target,
 * -ENOENT no such image or device, -ENODEV no image store mounted, -EBUSY in use (a writable
 * image or device is one domain's), -EROFS writable on a read-only device, -ENOMEM.
 */
int bb_store_open(struct bb_store *s, const char *target, bool writable, char *err, size_t errlen);
void bb_store_close(struct bb_store *s); /* flushes; the store is empty afterwards */
unsigned long bb_store_used_kib(const struct bb_store *s);
bool bb_store_same(const struct bb_store *s, const char *target); /* the same image or device */
/* The message (formatted into err, when errlen) of an error rc, which it returns. */
__attribute__((format(printf, 4, 5))) int bb_refuse(char *err, size_t errlen, int rc, const char *fmt, ...);

#endif
