/*
 * blkback's stores (bb_store.h): thin RAM disks, image files in dom0's image store (micafs),
 * and whole block devices of dom0.
 */
#include "bb_store.h"

#include <pv/blkdev.h>
#include <pv/images.h>
#include <pv/mm.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micafs/micafs.h"

#define RAM_CHUNK_ORDER 4 /* RAM disks in 64 KiB chunks, allocated on first write */
#define RAM_CHUNK_BYTES (PAGE_SIZE << RAM_CHUNK_ORDER)

int bb_refuse(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- ram: data in dom0's pages, copied straight to and from the guest's ---- */

static uint8_t *ram_page(struct bb_store *s, uint64_t off, bool alloc)
{
	uint8_t **c = &s->chunks[off / RAM_CHUNK_BYTES];

	if (!*c && alloc) {
		*c = alloc_pages(RAM_CHUNK_ORDER);
		if (*c)
			s->used++;
	}
	return *c ? *c + (off % RAM_CHUNK_BYTES & PAGE_MASK) : NULL;
}

static int ram_flush(struct bb_store *s)
{
	return 0; /* written is durable for dom0's lifetime */
}

static void ram_close(struct bb_store *s)
{
	for (unsigned long i = 0; i < s->nchunks; i++)
		if (s->chunks[i])
			free_pages(s->chunks[i], RAM_CHUNK_ORDER);
	free(s->chunks);
}

static const struct bb_store_ops ram_ops = {.type = "ram", .flush = ram_flush, .close = ram_close, .page = ram_page};

static int ram_open(struct bb_store *s, const char *mib_text, char *err, size_t errlen)
{
	char *end;
	unsigned long mib = strtoul(mib_text, &end, 10);

	if (*end == 'M')
		end++;
	if (mib_text[0] < '0' || mib_text[0] > '9' || *end || !mib || mib > BB_MAX_MIB)
		return bb_refuse(err, errlen, -EINVAL, "ram:%s: a RAM disk is ram:MIB, 1..%u", mib_text, BB_MAX_MIB);
	s->sectors = (uint64_t)mib << 20 >> 9;
	s->nchunks = (mib << 20) / RAM_CHUNK_BYTES;
	s->chunks = calloc(s->nchunks, sizeof(*s->chunks));
	if (!s->chunks)
		return bb_refuse(err, errlen, -ENOMEM, "ram:%s: no memory", mib_text);
	s->ops = &ram_ops;
	s->can_flush = true;
	return 0;
}

/* ---- file: an image in micafs; every call under the store's lock ---- */

static int file_read(struct bb_store *s, uint64_t sector, void *buf, unsigned int count)
{
	struct micafs *fs = images_fs();
	int rc;

	if (!fs)
		return -ENODEV;
	images_lock();
	rc = micafs_read(fs, s->ino, sector * BB_SECTOR, buf, (size_t)count * BB_SECTOR);
	images_unlock();
	return rc;
}

static int file_write(struct bb_store *s, uint64_t sector, const void *buf, unsigned int count, bool fua)
{
	struct micafs *fs = images_fs();
	int rc;

	if (!fs)
		return -ENODEV;
	images_lock();
	rc = micafs_write(fs, s->ino, sector * BB_SECTOR, buf, (size_t)count * BB_SECTOR, fua);
	images_unlock();
	return rc;
}

static int file_flush(struct bb_store *s)
{
	struct micafs *fs = images_fs();
	int rc;

	if (!fs)
		return -ENODEV;
	images_lock();
	rc = micafs_flush(fs);
	images_unlock();
	return rc;
}

static void file_close(struct bb_store *s)
{
	struct micafs *fs = images_fs();

	if (!fs)
		return;
	images_lock();
	if (s->writable)
		micafs_flush(fs);
	micafs_close(fs, s->ino, s->writable);
	images_unlock();
}

static const struct bb_store_ops file_ops = {
    .type = "file", .read = file_read, .write = file_write, .flush = file_flush, .close = file_close};

static int file_open(struct bb_store *s, const char *path, char *err, size_t errlen)
{
	struct micafs *fs = images_fs();
	struct micafs_stat st;
	int ino;

	if (!fs)
		return bb_refuse(err, errlen, -ENODEV, "%s: dom0 has no image store (no micafs on vda)", path);
	if (!micafs_name_ok(path))
		return bb_refuse(err, errlen, -EINVAL, "%s: not an image path (/images/NAME)", path);
	images_lock();
	ino = micafs_open(fs, path, s->writable);
	if (ino >= 0 && (micafs_stat(fs, (unsigned int)ino, &st) || !st.size)) {
		micafs_close(fs, (unsigned int)ino, s->writable);
		ino = -EINVAL;
	}
	images_unlock();
	if (ino == -ENOENT)
		return bb_refuse(err, errlen, ino, "%s: no such image in dom0's image store (ls /images)", path);
	if (ino == -EBUSY)
		return bb_refuse(err, errlen, ino, "%s: in use by another domain", path);
	if (ino == -EINVAL)
		return bb_refuse(err, errlen, ino, "%s: an empty image", path);
	if (ino < 0)
		return bb_refuse(err, errlen, ino, "%s: cannot open (%d)", path, ino);
	s->ops = &file_ops;
	s->ino = (unsigned int)ino;
	s->sectors = st.size / BB_SECTOR;
	s->can_flush = true;
	return 0;
}

/* ---- phy: a whole block device ---- */

static int phy_io(struct bb_store *s, uint64_t sector, void *buf, unsigned int count, bool write)
{
	unsigned int max = s->dev->max_sectors ? s->dev->max_sectors : 8;
	uint8_t *p = buf;

	while (count) {
		unsigned int n = count < max ? count : max;
		int rc = write ? s->dev->write(s->dev, sector, p, n) : s->dev->read(s->dev, sector, p, n);

		if (rc)
			return rc < 0 ? rc : -EIO;
		sector += n;
		p += (size_t)n * BB_SECTOR;
		count -= n;
	}
	return 0;
}

static int phy_read(struct bb_store *s, uint64_t sector, void *buf, unsigned int count)
{
	return phy_io(s, sector, buf, count, false);
}

static int phy_flush(struct bb_store *s)
{
	return s->dev->flush ? s->dev->flush(s->dev) : 0;
}

static int phy_write(struct bb_store *s, uint64_t sector, const void *buf, unsigned int count, bool fua)
{
	int rc = phy_io(s, sector, (void *)buf, count, true);

	return !rc && fua ? phy_flush(s) : rc;
}

static void phy_close(struct bb_store *s)
{
	if (s->writable)
		phy_flush(s);
}

static const struct bb_store_ops phy_ops = {
    .type = "phy", .read = phy_read, .write = phy_write, .flush = phy_flush, .close = phy_close};

static int phy_open(struct bb_store *s, const char *name, char *err, size_t errlen)
{
	struct blkdev *d = blkdev_find(name);

	if (!d)
		return bb_refuse(err, errlen, -ENOENT, "%s: no such block device in dom0", name);
	if (d == images_dev())
		return bb_refuse(err, errlen, -EBUSY, "%s: holds dom0's image store; use file:/images/...", name);
	if (s->writable && d->read_only)
		return bb_refuse(err, errlen, -EROFS, "%s: a read-only device; give the disk access=ro", name);
	if (!d->sectors)
		return bb_refuse(err, errlen, -EINVAL, "%s: an empty device", name);
	s->ops = &phy_ops;
	s->dev = d;
	s->sectors = d->sectors;
	s->can_flush = d->flush != NULL;
	return 0;
}

/* ---- the target ---- */

int bb_store_open(struct bb_store *s, const char *target, bool writable, char *err, size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if (errlen)
		err[0] = '\0';
	if (!target || !target[0] || strlen(target) >= sizeof(s->target))
		return bb_refuse(err, errlen, -EINVAL, "no disk target, or longer than %u bytes", BB_TARGET_MAX - 1);
	s->writable = writable;
	if (!strncmp(target, "ram:", 4))
		rc = ram_open(s, target + 4, err, errlen);
	else if (!strncmp(target, "phy:", 4))
		rc = phy_open(s, target + 4, err, errlen);
	else if (!strncmp(target, "/dev/", 5))
		rc = phy_open(s, target, err, errlen);
	else if (!strncmp(target, "file:", 5))
		rc = file_open(s, target + 5, err, errlen);
	else if (target[0] == '/')
		rc = file_open(s, target, err, errlen);
	else
		rc = bb_refuse(err, errlen, -EINVAL, "%s: a disk target is ram:MIB, file:/images/NAME or phy:/dev/DEV",
			       target);
	if (rc) {
		memset(s, 0, sizeof(*s));
		return rc;
	}
	strcpy(s->target, target);
	return 0;
}

void bb_store_close(struct bb_store *s)
{
	if (s->ops && s->ops->close)
		s->ops->close(s);
	memset(s, 0, sizeof(*s));
}

unsigned long bb_store_used_kib(const struct bb_store *s)
{
	struct micafs *fs = images_fs();
	struct micafs_stat st;

	if (s->ops == &ram_ops)
		return s->used * (RAM_CHUNK_BYTES >> 10);
	if (s->ops == &file_ops && fs && !micafs_stat(fs, s->ino, &st))
		return (unsigned long)(st.used >> 10);
	return (unsigned long)(s->sectors >> 1);
}

static const char *strip(const char *t)
{
	if (!strncmp(t, "file:", 5))
		return t + 5;
	if (!strncmp(t, "phy:", 4))
		t += 4;
	if (!strncmp(t, "/dev/", 5))
		return t + 5;
	return t;
}

bool bb_store_same(const struct bb_store *s, const char *target)
{
	return s->ops && s->ops != &ram_ops && !strcmp(strip(s->target), strip(target));
}
