/*
 * micafs on a RAM block device: format, files, sparse data, truncate, full disk, the crash
 * order (every prefix of the device's writes mounts), every flipped metadata byte and every
 * truncation of the device refused or harmless, hostile metadata with valid checksums.
 */
#include "micafs_int.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define DISK_BLOCKS 256 /* 1 MiB */

struct ramdev {
	struct blkdev d;
	uint8_t *data;
	int fail_after; /* writes until one fails; -1: never */
	unsigned int writes, flushes;
	/* The write log: each write's first sector, count and data. */
	struct logged {
		uint64_t sector;
		unsigned int count;
		uint8_t *data;
	} * log;
	unsigned int nlog;
	bool logging;
};

static int ram_read(struct blkdev *d, uint64_t sector, void *buf, unsigned int count)
{
	struct ramdev *r = d->priv;

	assert_true(sector + count <= d->sectors);
	assert_true(count <= d->max_sectors);
	memcpy(buf, r->data + sector * 512, (size_t)count * 512);
	return 0;
}

static int ram_write(struct blkdev *d, uint64_t sector, const void *buf, unsigned int count)
{
	struct ramdev *r = d->priv;

	assert_true(sector + count <= d->sectors);
	assert_true(count <= d->max_sectors);
	if (r->fail_after == 0)
		return -EIO;
	if (r->fail_after > 0)
		r->fail_after--;
	if (r->logging) {
		struct logged *l;

		r->log = realloc(r->log, (r->nlog + 1) * sizeof(*r->log));
		l = &r->log[r->nlog++];
		l->sector = sector;
		l->count = count;
		l->data = malloc((size_t)count * 512);
		memcpy(l->data, buf, (size_t)count * 512);
	}
	memcpy(r->data + sector * 512, buf, (size_t)count * 512);
	r->writes++;
	return 0;
}

static int ram_flush(struct blkdev *d)
{
	((struct ramdev *)d->priv)->flushes++;
	return 0;
}

static struct ramdev *ram_new(uint64_t blocks)
{
	struct ramdev *r = calloc(1, sizeof(*r));

	r->data = calloc(blocks, MICAFS_BLOCK);
	r->fail_after = -1;
	strcpy(r->d.name, "ram");
	r->d.sectors = blocks * MICAFS_BLOCK_SECTORS;
	r->d.max_sectors = 5; /* odd, so block I/O gets split */
	r->d.read = ram_read;
	r->d.write = ram_write;
	r->d.flush = ram_flush;
	r->d.priv = r;
	return r;
}

static void ram_free(struct ramdev *r)
{
	for (unsigned int i = 0; i < r->nlog; i++)
		free(r->log[i].data);
	free(r->log);
	free(r->data);
	free(r);
}

static struct micafs *mount_ok(struct ramdev *r)
{
	struct micafs *fs;
	char err[160];
	int rc = micafs_mount(&r->d, &fs, err, sizeof(err));

	if (rc)
		fail_msg("mount: %s (%d)", err, rc);
	return fs;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 9) + 1);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A formatted disk with two files: /images/a.img (data in a few places) and an empty one. */
static struct ramdev *sample(void)
{
	struct ramdev *r = ram_new(DISK_BLOCKS);
	struct micafs *fs;
	uint8_t buf[9000];
	int a;

	assert_int_equal(micafs_mkfs(&r->d, 0, 32), 0);
	fs = mount_ok(r);
	a = micafs_create(fs, "/images/a.img", 8 << 20);
	assert_true(a >= 0);
	assert_true(micafs_create(fs, "/images/empty.img", 4096) >= 0);
	fill(buf, sizeof(buf), 1);
	assert_int_equal(micafs_write(fs, a, 512, buf, sizeof(buf) - 808, false), 0);
	assert_int_equal(micafs_write(fs, a, 5 << 20, buf, 4096, true), 0);
	assert_int_equal(micafs_unmount(fs), 0);
	return r;
}

static void test_format(void **state)
{
	struct ramdev *r = ram_new(DISK_BLOCKS);
	struct micafs_info info;
	struct micafs *fs;
	char err[160];

	assert_int_equal(micafs_mount(&r->d, &fs, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no micafs"));
	assert_int_equal(micafs_mkfs(&r->d, 0, 5000), -EINVAL);
	assert_int_equal(micafs_mkfs(&r->d, DISK_BLOCKS + 1, 32), -EINVAL);
	assert_int_equal(micafs_mkfs(&r->d, 8, 32), -ENOSPC);
	assert_int_equal(micafs_mkfs(&r->d, 0, 40), 0);
	fs = mount_ok(r);
	micafs_info(fs, &info);
	assert_int_equal(info.blocks, DISK_BLOCKS);
	assert_int_equal(info.max_files, 64); /* rounded up to whole inode blocks */
	assert_int_equal(info.files, 0);
	assert_int_equal(info.free_blocks, DISK_BLOCKS - 4); /* super, bitmap, two inode blocks */
	assert_int_equal(micafs_unmount(fs), 0);
	assert_int_equal(micafs_check(&r->d, err, sizeof(err)), 0);
	ram_free(r);
}

static int count_one(const struct micafs_stat *st, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void test_files(void **state)
{
	struct ramdev *r = ram_new(DISK_BLOCKS);
	struct micafs_stat st;
	struct micafs *fs;
	char name[40];
	int n = 0, ino;

	assert_int_equal(micafs_mkfs(&r->d, 0, 32), 0);
	fs = mount_ok(r);
	const char *bad[] = {"", "/", "images/a", "/a//b", "/a/", "/a b", "/a,b", "/x:y", "/\x7f"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(micafs_create(fs, bad[i], 512), -EINVAL);
	memset(name, 'x', sizeof(name));
	name[0] = '/';
	assert_int_equal(micafs_create(fs, "/a", 100), -EINVAL); /* not whole sectors */
	assert_int_equal(micafs_create(fs, "/a", MICAFS_MAX_SIZE + 512), -EINVAL);
	assert_true(micafs_create(fs, "/a", MICAFS_MAX_SIZE) >= 0);
	assert_int_equal(micafs_create(fs, "/a", 512), -EEXIST);
	for (int i = 1; i < 32; i++) {
		snprintf(name, sizeof(name), "/images/f%d.img", i);
		assert_true(micafs_create(fs, name, 512 * i) >= 0);
	}
	assert_int_equal(micafs_create(fs, "/one/too/many", 512), -ENOSPC);
	micafs_list(fs, count_one, &n);
	assert_int_equal(n, 32);
	ino = micafs_open(fs, "/images/f3.img", true);
	assert_true(ino >= 0);
	assert_int_equal(micafs_open(fs, "/images/f3.img", true), -EBUSY);
	assert_int_equal(micafs_open(fs, "/images/f3.img", false), ino);
	assert_int_equal(micafs_remove(fs, "/images/f3.img"), -EBUSY);
	micafs_close(fs, ino, true);
	assert_int_equal(micafs_remove(fs, "/images/f3.img"), -EBUSY);
	micafs_close(fs, ino, false);
	assert_int_equal(micafs_remove(fs, "/images/f3.img"), 0);
	assert_int_equal(micafs_lookup(fs, "/images/f3.img"), -ENOENT);
	assert_int_equal(micafs_open(fs, "/nope", false), -ENOENT);
	assert_int_equal(micafs_unmount(fs), 0);
	fs = mount_ok(r);
	assert_int_equal(micafs_stat(fs, micafs_lookup(fs, "/images/f9.img"), &st), 0);
	assert_string_equal(st.name, "/images/f9.img");
	assert_int_equal(st.size, 9 * 512);
	assert_int_equal(st.used, 0);
	assert_true(micafs_create(fs, "/images/f3.img", 512) >= 0); /* the slot is reused */
	micafs_unmount(fs);
	ram_free(r);
}

static void test_sparse_io(void **state)
{
	struct ramdev *r = ram_new(DISK_BLOCKS);
	uint8_t *w = malloc(3 * MICAFS_BLOCK), *rd = malloc(3 * MICAFS_BLOCK);
	struct micafs_stat st;
	struct micafs *fs;
	int ino;

	assert_int_equal(micafs_mkfs(&r->d, 0, 32), 0);
	fs = mount_ok(r);
	ino = micafs_create(fs, "/images/s.img", (uint64_t)2 << 30);
	assert_true(ino >= 0);
	assert_int_equal(micafs_read(fs, ino, ((uint64_t)2 << 30) - 8192, rd, 8192), 0);
	assert_true(all_zero(rd, 8192));
	micafs_stat(fs, ino, &st);
	assert_int_equal(st.used, 0);
	/* One sector, unaligned bytes, a span crossing a level-2 map's end (block 1019 -> 1020). */
	fill(w, 3 * MICAFS_BLOCK, 2);
	assert_int_equal(micafs_write(fs, ino, 7 * 512, w, 512, false), 0);
	assert_int_equal(micafs_write(fs, ino, 100003, w, 5000, false), 0);
	assert_int_equal(micafs_write(fs, ino, 1019ull * MICAFS_BLOCK + 1024, w, 2 * MICAFS_BLOCK, true), 0);
	assert_int_equal(micafs_write(fs, ino, ((uint64_t)2 << 30) - 512, w, 1024, false), -EINVAL);
	assert_int_equal(micafs_write(fs, ino, UINT64_MAX - 10, w, 20, false), -EINVAL);
	micafs_stat(fs, ino, &st);
	/* Data: 1 + 2 + 3 blocks; maps: L1 and two L2s. */
	assert_int_equal(st.used, 9 * MICAFS_BLOCK);
	assert_true(r->flushes > 0);
	assert_int_equal(micafs_unmount(fs), 0);
	fs = mount_ok(r);
	assert_int_equal(micafs_read(fs, ino, 7 * 512, rd, 512), 0);
	assert_memory_equal(rd, w, 512);
	assert_int_equal(micafs_read(fs, ino, 6 * 512, rd, 512), 0);
	assert_true(all_zero(rd, 512));
	assert_int_equal(micafs_read(fs, ino, 100000, rd, 5006), 0);
	assert_true(all_zero(rd, 3));
	assert_memory_equal(rd + 3, w, 5000);
	assert_true(all_zero(rd + 5003, 3));
	assert_int_equal(micafs_read(fs, ino, 1019ull * MICAFS_BLOCK + 1024, rd, 2 * MICAFS_BLOCK), 0);
	assert_memory_equal(rd, w, 2 * MICAFS_BLOCK);
	micafs_stat(fs, ino, &st);
	assert_int_equal(st.used, 9 * MICAFS_BLOCK);
	micafs_unmount(fs);
	free(w);
	free(rd);
	ram_free(r);
}

static void test_truncate(void **state)
{
	struct ramdev *r = ram_new(DISK_BLOCKS);
	uint8_t w[3 * MICAFS_BLOCK], rd[3 * MICAFS_BLOCK];
	struct micafs_info before, after;
	struct micafs_stat st;
	struct micafs *fs;
	int ino;

	assert_int_equal(micafs_mkfs(&r->d, 0, 32), 0);
	fs = mount_ok(r);
	micafs_info(fs, &before);
	ino = micafs_create(fs, "/t.img", 16 << 20);
	fill(w, sizeof(w), 3);
	assert_int_equal(micafs_write(fs, ino, 0, w, sizeof(w), false), 0);
	assert_int_equal(micafs_write(fs, ino, 12 << 20, w, sizeof(w), false), 0);
	assert_int_equal(micafs_truncate(fs, ino, MICAFS_BLOCK + 1024), 0);
	micafs_stat(fs, ino, &st);
	assert_int_equal(st.size, MICAFS_BLOCK + 1024);
	assert_int_equal(st.used, 4 * MICAFS_BLOCK);                     /* two data blocks, L1, one L2 */
	assert_int_equal(micafs_truncate(fs, ino, 3 * MICAFS_BLOCK), 0); /* grows sparse */
	assert_int_equal(micafs_read(fs, ino, 0, rd, sizeof(rd)), 0);
	assert_memory_equal(rd, w, MICAFS_BLOCK + 1024);
	assert_true(all_zero(rd + MICAFS_BLOCK + 1024, sizeof(rd) - MICAFS_BLOCK - 1024));
	assert_int_equal(micafs_truncate(fs, ino, 100), -EINVAL);
	assert_int_equal(micafs_truncate(fs, ino, 0), 0);
	micafs_stat(fs, ino, &st);
	assert_int_equal(st.used, 0);
	micafs_info(fs, &after);
	assert_int_equal(after.free_blocks, before.free_blocks);
	assert_int_equal(micafs_unmount(fs), 0);
	fs = mount_ok(r);
	micafs_info(fs, &after);
	assert_int_equal(after.free_blocks, before.free_blocks);
	assert_int_equal(after.leaked, 0);
	micafs_unmount(fs);
	ram_free(r);
}

static void test_full_and_errors(void **state)
{
	struct ramdev *r = ram_new(DISK_BLOCKS);
	uint8_t w[MICAFS_BLOCK];
	struct micafs_info info;
	struct micafs *fs;
	char msg[160];
	uint64_t off;
	int ino, rc = 0;

	assert_int_equal(micafs_mkfs(&r->d, 0, 32), 0);
	fs = mount_ok(r);
	ino = micafs_create(fs, "/big.img", 64 << 20);
	fill(w, sizeof(w), 4);
	for (off = 0; !rc; off += MICAFS_BLOCK)
		rc = micafs_write(fs, ino, off, w, sizeof(w), false);
	assert_int_equal(rc, -ENOSPC);
	micafs_info(fs, &info);
	assert_int_equal(info.free_blocks, 0);
	assert_int_equal(micafs_unmount(fs), 0);
	assert_int_equal(micafs_check(&r->d, msg, sizeof(msg)), 0);
	fs = mount_ok(r);
	/* Device errors: the call fails, nothing crashes, the disk still mounts clean. */
	assert_int_equal(micafs_truncate(fs, ino, 256 << 10), 0);
	assert_int_equal(micafs_truncate(fs, ino, 8 << 20), 0);
	for (int n = 0; n < 6; n++) { /* a new block: 7 device writes (data, bitmap, map, inode) */
		r->fail_after = n;
		rc = micafs_write(fs, ino, (uint64_t)(n + 1) << 19, w, sizeof(w), true);
		assert_int_equal(rc, -EIO);
		r->fail_after = -1;
	}
	micafs_unmount(fs);
	rc = micafs_check(&r->d, msg, sizeof(msg));
	assert_true(rc == 0 || rc == 1); /* leaks at most */
	fs = mount_ok(r);
	assert_int_equal(micafs_read(fs, ino, 0, w, sizeof(w)), 0);
	micafs_unmount(fs);
	ram_free(r);
}

/* What micafs_write puts on the device: data, bitmap, level-2 map, level-1 map, inode. */
static void test_write_order(void **state)
{
	struct ramdev *r = ram_new(DISK_BLOCKS);
	uint8_t w[MICAFS_BLOCK];
	struct micafs *fs;
	int ino;

	assert_int_equal(micafs_mkfs(&r->d, 0, 32), 0);
	fs = mount_ok(r);
	ino = micafs_create(fs, "/o.img", 1 << 20);
	r->d.max_sectors = 8;
	r->logging = true;
	fill(w, sizeof(w), 5);
	assert_int_equal(micafs_write(fs, ino, 0, w, sizeof(w), true), 0);
	r->logging = false;
	assert_int_equal(r->nlog, 5);
	/* Layout: 0 super, 1 bitmap, 2 inodes, data from 3: L1 = 3, L2 = 4, data = 5. */
	assert_int_equal(r->log[0].sector, 5 * 8);
	assert_memory_equal(r->log[0].data, w, sizeof(w));
	assert_int_equal(r->log[1].sector, 1 * 8);
	assert_int_equal(r->log[2].sector, 4 * 8);
	assert_int_equal(r->log[3].sector, 3 * 8);
	assert_int_equal(r->log[4].sector, 2 * 8);
	assert_int_equal(r->log[4].count, 1); /* one inode sector */
	micafs_unmount(fs);
	ram_free(r);
}

/* Every prefix of a run of operations' writes mounts (leaks allowed), acknowledged data intact. */
static void test_crash_prefixes(void **state)
{
	struct ramdev *r = ram_new(DISK_BLOCKS), *img = ram_new(DISK_BLOCKS);
	uint8_t *start = malloc(DISK_BLOCKS * MICAFS_BLOCK), w[3 * MICAFS_BLOCK], rd[3 * MICAFS_BLOCK];
	unsigned int acked_a, last; /* log lengths: the first write acknowledged, the last truncate started */
	struct micafs *fs;
	int a, b;

	assert_int_equal(micafs_mkfs(&r->d, 0, 32), 0);
	memcpy(start, r->data, DISK_BLOCKS * MICAFS_BLOCK);
	fs = mount_ok(r);
	r->d.max_sectors = 8; /* a block is one write (see docs/micafs.md on torn writes) */
	r->logging = true;
	fill(w, sizeof(w), 6);
	a = micafs_create(fs, "/a.img", 8 << 20);
	assert_int_equal(micafs_write(fs, a, 4096 * 1500ull, w, sizeof(w), false), 0);
	acked_a = r->nlog;
	b = micafs_create(fs, "/b.img", 4 << 20);
	assert_int_equal(micafs_write(fs, b, 1024, w, 5000, false), 0);
	assert_int_equal(micafs_truncate(fs, a, 4096 * 1501ull), 0);
	assert_int_equal(micafs_remove(fs, "/b.img"), 0);
	last = r->nlog;
	assert_int_equal(micafs_truncate(fs, a, 4096), 0);
	micafs_unmount(fs);
	r->logging = false;
	for (unsigned int k = 0; k <= r->nlog; k++) {
		struct micafs *f;
		char err[160];
		int rc, ino;

		memcpy(img->data, start, DISK_BLOCKS * MICAFS_BLOCK);
		for (unsigned int i = 0; i < k; i++)
			memcpy(img->data + r->log[i].sector * 512, r->log[i].data, r->log[i].count * 512);
		rc = micafs_mount(&img->d, &f, err, sizeof(err));
		if (rc)
			fail_msg("prefix %u of %u: %s", k, r->nlog, err);
		ino = micafs_lookup(f, "/a.img");
		if (k >= acked_a && k <= last) {
			struct micafs_stat st;

			assert_true(ino >= 0);
			micafs_stat(f, ino, &st);
			assert_true(st.size >= 4096 * 1501ull);
			assert_int_equal(micafs_read(f, ino, 4096 * 1500ull, rd, 4096), 0);
			assert_memory_equal(rd, w, 4096);
		}
		micafs_unmount(f);
	}
	free(start);
	ram_free(img);
	ram_free(r);
}

/* The blocks holding metadata in sample(): super, bitmap, inodes, and the maps. */
static void metadata_blocks(struct ramdev *r, uint32_t *blocks, unsigned int *n)
{
	struct micafs *fs = mount_ok(r);
	int a = micafs_lookup(fs, "/images/a.img");
	struct micafs_map l1;

	*n = 0;
	for (uint32_t b = 0; b < fs->sb.data_start; b++)
		blocks[(*n)++] = b;
	blocks[(*n)++] = fs->inodes[a].l1;
	micafs_dev_read(fs, fs->inodes[a].l1, &l1);
	for (unsigned int i = 0; i < MICAFS_MAP_ENTRIES; i++)
		if (l1.entry[i])
			blocks[(*n)++] = l1.entry[i];
	micafs_unmount(fs);
}

static void test_flipped_bytes(void **state)
{
	struct ramdev *r = sample();
	uint8_t *orig = malloc(DISK_BLOCKS * MICAFS_BLOCK), buf[4096];
	uint32_t blocks[16];
	unsigned int n, refused = 0, leaks = 0;

	metadata_blocks(r, blocks, &n);
	assert_int_equal(n, 6); /* super, bitmap, inodes, L1, two L2s */
	memcpy(orig, r->data, DISK_BLOCKS * MICAFS_BLOCK);
	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int off = 0; off < MICAFS_BLOCK; off++) {
			size_t at = (size_t)blocks[i] * MICAFS_BLOCK + off;
			struct micafs_info info;
			struct micafs *fs;
			char err[160];
			int rc;

			if (blocks[i] == 0 && off >= 512)
				break; /* the rest of block 0 is not read */
			r->data[at] ^= (uint8_t)(1u << (off % 8)) | 0x10;
			err[0] = 0;
			rc = micafs_mount(&r->d, &fs, err, sizeof(err));
			if (rc) {
				assert_int_equal(rc, -EINVAL);
				assert_true(err[0] != 0);
				refused++;
			} else {
				/* Only a bitmap bit marking a free block used can pass: a leak, reclaimed. */
				assert_int_equal(blocks[i], 1);
				micafs_info(fs, &info);
				assert_true(info.leaked > 0);
				leaks++;
				assert_int_equal(
				    micafs_read(fs, micafs_lookup(fs, "/images/a.img"), 0, buf, sizeof(buf)), 0);
				fs->dev->read_only = true; /* keep the flip for the next round's restore */
				micafs_unmount(fs);
				fs = NULL;
				r->d.read_only = false;
			}
			memcpy(r->data + at, orig + at, 1);
		}
	}
	assert_true(refused > 4 * 4096);
	assert_true(leaks > 0);
	free(orig);
	ram_free(r);
}

static void test_truncated_device(void **state)
{
	struct ramdev *r = sample();

	for (uint64_t s = 0; s < DISK_BLOCKS * MICAFS_BLOCK_SECTORS; s++) {
		struct micafs *fs;
		char err[160];

		r->d.sectors = s;
		assert_int_equal(micafs_mount(&r->d, &fs, err, sizeof(err)), -EINVAL);
	}
	r->d.sectors = DISK_BLOCKS * MICAFS_BLOCK_SECTORS;
	micafs_unmount(mount_ok(r));
	ram_free(r);
}

/* Hostile metadata with valid checksums: every kind refused with a message. */
static void test_hostile(void **state)
{
	struct ramdev *r = sample();
	uint8_t *orig = malloc(DISK_BLOCKS * MICAFS_BLOCK);
	struct micafs_super *sb = (struct micafs_super *)r->data;
	struct micafs_inode *inodes = (struct micafs_inode *)(r->data + 2 * MICAFS_BLOCK);
	struct micafs_map *l1, *l2;
	struct micafs *fs;
	char err[160];

	memcpy(orig, r->data, DISK_BLOCKS * MICAFS_BLOCK);
	l1 = (struct micafs_map *)(r->data + (size_t)inodes[0].l1 * MICAFS_BLOCK);
	l2 = (struct micafs_map *)(r->data + (size_t)l1->entry[0] * MICAFS_BLOCK);
#define REFUSE(change, fix, what)                                          \
	do {                                                               \
		memcpy(r->data, orig, DISK_BLOCKS *MICAFS_BLOCK);          \
		change;                                                    \
		fix;                                                       \
		if (micafs_mount(&r->d, &fs, err, sizeof(err)) != -EINVAL) \
			fail_msg("%s: mounted", what);                     \
		if (!strstr(err, what))                                    \
			fail_msg("%s: got \"%s\"", what, err);             \
	} while (0)
#define SB_FIX (sb->crc = micafs_crc32(sb, offsetof(struct micafs_super, crc)))
#define IN_FIX(i) (inodes[i].crc = micafs_inode_crc(&inodes[i]))
#define MAP_FIX(m) ((m)->crc = micafs_map_crc(m))
	REFUSE(sb->version = 2, SB_FIX, "version");
	REFUSE(sb->blocks = 1ull << 40, SB_FIX, "more than the device");
	REFUSE(sb->blocks = 10, SB_FIX, "too small");
	REFUSE(sb->max_files = 0, SB_FIX, "file count");
	REFUSE(sb->inode_blocks = 7, SB_FIX, "layout");
	REFUSE(sb->zero[3] = 1, SB_FIX, "layout");
	REFUSE(inodes[0].size = 1000, IN_FIX(0), "bad size");
	REFUSE(inodes[0].size = MICAFS_MAX_SIZE + 512, IN_FIX(0), "bad size");
	REFUSE(memset(inodes[0].name, 'a', MICAFS_NAME_MAX), IN_FIX(0), "bad name");
	REFUSE(strcpy(inodes[0].name, "/images/empty.img"), IN_FIX(0), "used twice");
	REFUSE(inodes[0].flags = 3, IN_FIX(0), "flags");
	REFUSE(inodes[0].l1 = 1, IN_FIX(0), "outside the data area");
	REFUSE(inodes[0].l1 = 99999, IN_FIX(0), "outside the data area");
	REFUSE(inodes[1].l1 = inodes[0].l1, IN_FIX(1), "referenced twice");
	REFUSE(inodes[0].size = 4096, IN_FIX(0), "past the end");
	REFUSE(inodes[5].gen = 1, (void)0, "free slot");
	REFUSE(l1->ino = 1, MAP_FIX(l1), "belongs to");
	REFUSE(l2->index = 3, MAP_FIX(l2), "belongs to");
	REFUSE(l2->entry[0] = l2->entry[1], MAP_FIX(l2), "referenced twice");
	REFUSE(l2->entry[1] = 2, MAP_FIX(l2), "outside the data area");
	REFUSE(l1->entry[0] = inodes[0].l1, MAP_FIX(l1), "referenced twice");
	REFUSE(l2->entry[2] = 200, MAP_FIX(l2), "free in the bitmap");
	REFUSE(r->data[MICAFS_BLOCK] &= 0xfe, (void)0, "metadata block 0");
	REFUSE(r->data[2 * MICAFS_BLOCK - 1] = 0x80, (void)0, "past the end");
	memcpy(r->data, orig, DISK_BLOCKS * MICAFS_BLOCK);
	micafs_unmount(mount_ok(r));
	free(orig);
	ram_free(r);
}

static void test_leak_reclaimed(void **state)
{
	struct ramdev *r = sample();
	struct micafs_info info;
	struct micafs *fs;
	char msg[160];

	r->data[MICAFS_BLOCK + 25] |= 0x04; /* block 202: free, now marked used */
	assert_int_equal(micafs_check(&r->d, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "1 leaked block"));
	fs = mount_ok(r);
	micafs_info(fs, &info);
	assert_int_equal(info.leaked, 1);
	assert_int_equal(micafs_unmount(fs), 0);
	assert_int_equal(micafs_check(&r->d, msg, sizeof(msg)), 0);
	ram_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),           cmocka_unit_test(test_files),
	    cmocka_unit_test(test_sparse_io),        cmocka_unit_test(test_truncate),
	    cmocka_unit_test(test_full_and_errors),  cmocka_unit_test(test_write_order),
	    cmocka_unit_test(test_crash_prefixes),   cmocka_unit_test(test_flipped_bytes),
	    cmocka_unit_test(test_truncated_device), cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_leak_reclaimed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
