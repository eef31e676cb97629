/* RAM block devices and a stub device registry for host tests (blkdev_ram.h). */
#include "blkdev_ram.h"

#include <pv/blkdev.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "micafs/micafs.h"

#define RAM_MAX 4

struct ram_blkdev {
	struct blkdev d;
	uint8_t *data;
	struct ram_blkdev_stats st;
};

static struct ram_blkdev *devs[RAM_MAX];
static unsigned int ndevs;

static int rb_read(struct blkdev *d, uint64_t sector, void *buf, unsigned int count)
{
	struct ram_blkdev *r = d->priv;

	assert_true(count && count <= d->max_sectors && sector + count <= d->sectors);
	memcpy(buf, r->data + sector * 512, (size_t)count * 512);
	return 0;
}

static int rb_write(struct blkdev *d, uint64_t sector, const void *buf, unsigned int count)
{
	struct ram_blkdev *r = d->priv;

	assert_true(count && count <= d->max_sectors && sector + count <= d->sectors);
	assert_false(d->read_only);
	memcpy(r->data + sector * 512, buf, (size_t)count * 512);
	r->st.writes++;
	r->st.last_write = ++r->st.seq;
	return 0;
}

static int rb_flush(struct blkdev *d)
{
	struct ram_blkdev *r = d->priv;

	r->st.flushes++;
	r->st.last_flush = ++r->st.seq;
	return 0;
}

struct blkdev *ram_blkdev_new(const char *name, uint64_t sectors, bool read_only, bool can_flush)
{
	struct ram_blkdev *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->data = calloc(sectors, 512);
	assert_non_null(r->data);
	strncpy(r->d.name, name, sizeof(r->d.name) - 1);
	r->d.sectors = sectors;
	r->d.read_only = read_only;
	r->d.max_sectors = 16;
	r->d.read = rb_read;
	r->d.write = rb_write;
	r->d.flush = can_flush ? rb_flush : NULL;
	r->d.priv = r;
	assert_int_equal(blkdev_register(&r->d), 0);
	return &r->d;
}

void ram_blkdev_reset(void)
{
	for (unsigned int i = 0; i < ndevs; i++) {
		free(devs[i]->data);
		free(devs[i]);
	}
	ndevs = 0;
}

uint8_t *ram_blkdev_data(struct blkdev *d)
{
	return ((struct ram_blkdev *)d->priv)->data;
}

const struct ram_blkdev_stats *ram_blkdev_stats(struct blkdev *d)
{
	return &((struct ram_blkdev *)d->priv)->st;
}

void ram_blkdev_mkfs(struct blkdev *d, const char *path, uint64_t size)
{
	struct micafs *fs;
	char err[160];

	assert_int_equal(micafs_mkfs(d, 0, 32), 0);
	assert_int_equal(micafs_mount(d, &fs, err, sizeof(err)), 0);
	assert_true(micafs_create(fs, path, size) >= 0);
	assert_int_equal(micafs_unmount(fs), 0);
}

int ram_blkdev_image_read(struct blkdev *d, const char *path, uint64_t off, void *buf, size_t len)
{
	struct ram_blkdev copy = {.d = *d};
	struct micafs *fs;
	char err[160];
	int rc, ino;

	copy.data = malloc(d->sectors * 512);
	memcpy(copy.data, ram_blkdev_data(d), d->sectors * 512);
	copy.d.priv = &copy;
	copy.d.read_only = true; /* the unmount writes nothing back */
	rc = micafs_mount(&copy.d, &fs, err, sizeof(err));
	if (!rc) {
		ino = micafs_lookup(fs, path);
		rc = ino < 0 ? ino : micafs_read(fs, (unsigned int)ino, off, buf, len);
		micafs_unmount(fs);
	}
	free(copy.data);
	return rc;
}

/* ---- the registry (pv-guest/dom0/blkdev.c in dom0), stubbed ---- */

int blkdev_register(struct blkdev *d)
{
	if (ndevs == RAM_MAX)
		return -ENOSPC;
	devs[ndevs++] = d->priv;
	return 0;
}

struct blkdev *blkdev_find(const char *name)
{
	if (!strncmp(name, "/dev/", 5))
		name += 5;
	for (unsigned int i = 0; i < ndevs; i++)
		if (!strcmp(devs[i]->d.name, name))
			return &devs[i]->d;
	return NULL;
}

struct blkdev *blkdev_get(unsigned int i)
{
	return i < ndevs ? &devs[i]->d : NULL;
}
