/*
 * micafs: format, mount (checking every piece of metadata), the file table. Maps and data are
 * in micafs_io.c. See docs/micafs.md.
 */
#include "micafs_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct micafs_super) == 512, "the superblock is one sector");
_Static_assert(sizeof(struct micafs_inode) == 128, "32 inodes per block, 4 per sector");
_Static_assert(sizeof(struct micafs_map) == MICAFS_BLOCK, "a map is one block");

/* ---- checksums, bits, device I/O ---- */

uint32_t micafs_crc32(const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;

	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t super_crc(const struct micafs_super *sb)
{
	return micafs_crc32(sb, offsetof(struct micafs_super, crc));
}

uint32_t micafs_inode_crc(const struct micafs_inode *in)
{
	return micafs_crc32(in, offsetof(struct micafs_inode, crc));
}

uint32_t micafs_map_crc(const struct micafs_map *m)
{
	struct micafs_map copy = *m;

	copy.crc = 0;
	return micafs_crc32(&copy, sizeof(copy));
}

bool micafs_bit(const uint8_t *bm, uint64_t blk)
{
	return bm[blk / 8] >> (blk % 8) & 1;
}

void micafs_set_bit(uint8_t *bm, uint64_t blk, bool on)
{
	if (on)
		bm[blk / 8] |= (uint8_t)(1u << (blk % 8));
	else
		bm[blk / 8] &= (uint8_t) ~(1u << (blk % 8));
}

/* Sectors through the device's calls, split at its max_sectors. */
int micafs_blocks_io(struct blkdev *d, uint64_t sector, void *buf, uint64_t count, bool write)
{
	unsigned int max = d->max_sectors ? d->max_sectors : 8;
	uint8_t *p = buf;

	if (sector > d->sectors || count > d->sectors - sector)
		return -EIO;
	if (write && d->read_only)
		return -EROFS;
	while (count) {
		unsigned int n = count < max ? (unsigned int)count : max;
		int rc = write ? d->write(d, sector, p, n) : d->read(d, sector, p, n);

		if (rc)
			return rc < 0 ? rc : -EIO;
		sector += n;
		p += (size_t)n * 512;
		count -= n;
	}
	return 0;
}

int micafs_dev_read(struct micafs *fs, uint32_t blk, void *buf)
{
	return micafs_blocks_io(fs->dev, (uint64_t)blk * MICAFS_BLOCK_SECTORS, buf, MICAFS_BLOCK_SECTORS, false);
}

int micafs_dev_write(struct micafs *fs, uint32_t blk, const void *buf)
{
	return micafs_blocks_io(fs->dev, (uint64_t)blk * MICAFS_BLOCK_SECTORS, (void *)buf, MICAFS_BLOCK_SECTORS, true);
}

/* ---- format ---- */

static void layout(struct micafs_super *sb, uint64_t blocks, unsigned int max_files)
{
	memset(sb, 0, sizeof(*sb));
	sb->magic = MICAFS_MAGIC;
	sb->version = MICAFS_VERSION;
	sb->block_size = MICAFS_BLOCK;
	sb->blocks = blocks;
	sb->bitmap_start = 1;
	sb->bitmap_blocks = (uint32_t)((blocks + MICAFS_BLOCK * 8 - 1) / (MICAFS_BLOCK * 8));
	sb->inode_start = sb->bitmap_start + sb->bitmap_blocks;
	sb->inode_blocks = (max_files + MICAFS_INODES_PER_BLOCK - 1) / MICAFS_INODES_PER_BLOCK;
	sb->max_files = sb->inode_blocks * MICAFS_INODES_PER_BLOCK;
	sb->data_start = sb->inode_start + sb->inode_blocks;
	sb->crc = super_crc(sb);
}

int micafs_mkfs(struct blkdev *d, uint64_t blocks, unsigned int max_files)
{
	struct micafs_super sb;
	uint8_t *blk = calloc(1, MICAFS_BLOCK);
	int rc = 0;

	if (!blk)
		return -ENOMEM;
	if (!blocks)
		blocks = d->sectors / MICAFS_BLOCK_SECTORS;
	if (!max_files)
		max_files = 256;
	if (blocks > d->sectors / MICAFS_BLOCK_SECTORS || blocks > UINT32_MAX || max_files > MICAFS_MAX_FILES) {
		free(blk);
		return -EINVAL;
	}
	layout(&sb, blocks, max_files);
	if (blocks < sb.data_start + MICAFS_MIN_BLOCKS) {
		free(blk);
		return -ENOSPC;
	}
	/* Inodes and bitmap first, the superblock last: a half-made filesystem does not mount. */
	for (uint32_t b = sb.inode_start; !rc && b < sb.data_start; b++)
		rc = micafs_blocks_io(d, (uint64_t)b * MICAFS_BLOCK_SECTORS, blk, MICAFS_BLOCK_SECTORS, true);
	for (uint32_t b = 0; !rc && b < sb.bitmap_blocks; b++) {
		uint64_t first = (uint64_t)b * MICAFS_BLOCK * 8;

		memset(blk, 0, MICAFS_BLOCK);
		for (uint64_t k = first; k < sb.data_start && k < first + MICAFS_BLOCK * 8; k++)
			micafs_set_bit(blk, k - first, true);
		rc = micafs_blocks_io(d, (uint64_t)(sb.bitmap_start + b) * MICAFS_BLOCK_SECTORS, blk,
				      MICAFS_BLOCK_SECTORS, true);
	}
	if (!rc && d->flush)
		rc = d->flush(d);
	memset(blk, 0, MICAFS_BLOCK);
	memcpy(blk, &sb, sizeof(sb));
	if (!rc)
		rc = micafs_blocks_io(d, 0, blk, MICAFS_BLOCK_SECTORS, true);
	if (!rc && d->flush)
		rc = d->flush(d);
	free(blk);
	return rc;
}

/* ---- mount ---- */

struct mount_ctx {
	struct micafs *fs;
	uint8_t *seen; /* blocks referenced so far */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int bad(struct mount_ctx *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (m->errlen)
		vsnprintf(m->err, m->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int check_super(struct mount_ctx *m, const struct micafs_super *sb, uint64_t dev_sectors)
{
	struct micafs_super want;

	if (sb->magic != MICAFS_MAGIC)
		return bad(m, "no micafs superblock (magic %016llx)", (unsigned long long)sb->magic);
	if (sb->version != MICAFS_VERSION)
		return bad(m, "micafs version %u, this code reads %u", sb->version, MICAFS_VERSION);
	if (super_crc(sb) != sb->crc)
		return bad(m, "superblock checksum mismatch");
	if (sb->block_size != MICAFS_BLOCK)
		return bad(m, "block size %u, not %u", sb->block_size, MICAFS_BLOCK);
	if (sb->blocks > UINT32_MAX || sb->blocks > dev_sectors / MICAFS_BLOCK_SECTORS)
		return bad(m, "%llu blocks: more than the device's %llu", (unsigned long long)sb->blocks,
			   (unsigned long long)(dev_sectors / MICAFS_BLOCK_SECTORS));
	if (!sb->max_files || sb->max_files > MICAFS_MAX_FILES || sb->max_files % MICAFS_INODES_PER_BLOCK)
		return bad(m, "bad file count %u", sb->max_files);
	layout(&want, sb->blocks, sb->max_files);
	if (memcmp(&want, sb, sizeof(want)))
		return bad(m, "inconsistent layout in the superblock");
	if (sb->blocks < sb->data_start + MICAFS_MIN_BLOCKS)
		return bad(m, "too small: %llu blocks", (unsigned long long)sb->blocks);
	return 0;
}

static int check_bitmap(struct mount_ctx *m)
{
	struct micafs *fs = m->fs;
	uint64_t total = (uint64_t)fs->sb.bitmap_blocks * MICAFS_BLOCK * 8;

	for (uint64_t b = 0; b < fs->sb.data_start; b++)
		if (!micafs_bit(fs->bitmap, b))
			return bad(m, "bitmap: metadata block %llu marked free", (unsigned long long)b);
	for (uint64_t b = fs->sb.blocks; b < total; b++)
		if (micafs_bit(fs->bitmap, b))
			return bad(m, "bitmap: block %llu past the end marked used", (unsigned long long)b);
	return 0;
}

/* A block a map references: a data-area block, referenced once, marked used. */
static int claim(struct mount_ctx *m, unsigned int ino, uint32_t blk, const char *what)
{
	struct micafs *fs = m->fs;

	if (blk < fs->sb.data_start || blk >= fs->sb.blocks)
		return bad(m, "%s: %s block %u outside the data area", fs->inodes[ino].name, what, blk);
	if (micafs_bit(m->seen, blk))
		return bad(m, "%s: %s block %u referenced twice", fs->inodes[ino].name, what, blk);
	if (!micafs_bit(fs->bitmap, blk))
		return bad(m, "%s: %s block %u in use but free in the bitmap", fs->inodes[ino].name, what, blk);
	micafs_set_bit(m->seen, blk, true);
	fs->used[ino]++;
	return 0;
}

static int check_map(struct mount_ctx *m, unsigned int ino, uint32_t blk, uint32_t index, uint64_t entries,
		     struct micafs_map *map)
{
	const char *name = m->fs->inodes[ino].name;
	int rc = micafs_dev_read(m->fs, blk, map);

	if (rc)
		return rc;
	if (map->magic != MICAFS_MAP_MAGIC || micafs_map_crc(map) != map->crc)
		return bad(m, "%s: map block %u damaged (magic or checksum)", name, blk);
	if (map->ino != ino || map->index != index)
		return bad(m, "%s: map block %u belongs to slot %u index %u", name, blk, map->ino, map->index);
	for (uint64_t i = entries; i < MICAFS_MAP_ENTRIES; i++)
		if (map->entry[i])
			return bad(m, "%s: map block %u has entries past the end of the file", name, blk);
	return 0;
}

static int check_file(struct mount_ctx *m, unsigned int ino, struct micafs_map *l1, struct micafs_map *l2)
{
	const struct micafs_inode *in = &m->fs->inodes[ino];
	uint64_t nblocks = (in->size + MICAFS_BLOCK - 1) / MICAFS_BLOCK;
	uint64_t nl2 = (nblocks + MICAFS_MAP_ENTRIES - 1) / MICAFS_MAP_ENTRIES;
	int rc;

	if (!in->l1)
		return 0;
	rc = claim(m, ino, in->l1, "map");
	if (!rc)
		rc = check_map(m, ino, in->l1, MICAFS_L1_INDEX, nl2, l1);
	for (uint64_t i = 0; !rc && i < nl2; i++) {
		uint64_t first = i * MICAFS_MAP_ENTRIES;
		uint64_t n = nblocks - first < MICAFS_MAP_ENTRIES ? nblocks - first : MICAFS_MAP_ENTRIES;

		if (!l1->entry[i])
			continue;
		rc = claim(m, ino, l1->entry[i], "map");
		if (!rc)
			rc = check_map(m, ino, l1->entry[i], (uint32_t)i, n, l2);
		for (uint64_t k = 0; !rc && k < n; k++)
			if (l2->entry[k])
				rc = claim(m, ino, l2->entry[k], "data");
	}
	return rc;
}

static int check_inode(struct mount_ctx *m, unsigned int ino)
{
	struct micafs *fs = m->fs;
	const struct micafs_inode *in = &fs->inodes[ino];

	if (!in->flags)
		return all_zero(in, sizeof(*in)) ? 0 : bad(m, "inode %u: free slot not empty", ino);
	if (micafs_inode_crc(in) != in->crc)
		return bad(m, "inode %u: checksum mismatch", ino);
	if (in->flags != MICAFS_INODE_USED || !all_zero(in->zero, sizeof(in->zero)))
		return bad(m, "inode %u: unknown flags or fields", ino);
	if (!memchr(in->name, 0, sizeof(in->name)) || !micafs_name_ok(in->name) ||
	    !all_zero(in->name + strlen(in->name), sizeof(in->name) - strlen(in->name)))
		return bad(m, "inode %u: bad name", ino);
	if (in->size > MICAFS_MAX_SIZE || in->size % 512)
		return bad(m, "%s: bad size %llu", in->name, (unsigned long long)in->size);
	for (unsigned int i = 0; i < ino; i++)
		if (fs->inodes[i].flags && !strcmp(fs->inodes[i].name, in->name))
			return bad(m, "%s: name used twice", in->name);
	return 0;
}

static int read_tables(struct micafs *fs)
{
	int rc = 0;

	for (uint32_t b = 0; !rc && b < fs->sb.bitmap_blocks; b++)
		rc = micafs_dev_read(fs, fs->sb.bitmap_start + b, fs->bitmap + (size_t)b * MICAFS_BLOCK);
	for (uint32_t b = 0; !rc && b < fs->sb.inode_blocks; b++)
		rc = micafs_dev_read(fs, fs->sb.inode_start + b, (uint8_t *)fs->inodes + (size_t)b * MICAFS_BLOCK);
	return rc;
}

static void fs_free(struct micafs *fs)
{
	if (!fs)
		return;
	free(fs->bitmap);
	free(fs->bitmap_dirty);
	free(fs->inodes);
	free(fs->inode_dirty);
	free(fs->used);
	free(fs->readers);
	free(fs->writer);
	free(fs->frees);
	free(fs);
}

static struct micafs *fs_alloc(struct blkdev *d, const struct micafs_super *sb)
{
	struct micafs *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return NULL;
	fs->dev = d;
	fs->sb = *sb;
	fs->bitmap = calloc(sb->bitmap_blocks, MICAFS_BLOCK);
	fs->bitmap_dirty = calloc(sb->bitmap_blocks, 1);
	fs->inodes = calloc(sb->max_files, sizeof(*fs->inodes));
	fs->inode_dirty = calloc(sb->max_files, 1);
	fs->used = calloc(sb->max_files, sizeof(*fs->used));
	fs->readers = calloc(sb->max_files, sizeof(*fs->readers));
	fs->writer = calloc(sb->max_files, 1);
	if (!fs->bitmap || !fs->bitmap_dirty || !fs->inodes || !fs->inode_dirty || !fs->used || !fs->readers ||
	    !fs->writer) {
		fs_free(fs);
		return NULL;
	}
	fs->hint = sb->data_start;
	return fs;
}

/* Leaks (used, unreferenced) go back to the free pool; written out with the next sync. */
static void reclaim(struct mount_ctx *m)
{
	struct micafs *fs = m->fs;

	for (uint64_t b = fs->sb.data_start; b < fs->sb.blocks; b++) {
		if (micafs_bit(fs->bitmap, b) && !micafs_bit(m->seen, b)) {
			micafs_set_bit(fs->bitmap, b, false);
			fs->bitmap_dirty[b / (MICAFS_BLOCK * 8)] = 1;
			fs->leaked++;
		}
		if (!micafs_bit(fs->bitmap, b))
			fs->free_blocks++;
	}
}

int micafs_mount(struct blkdev *d, struct micafs **fsp, char *err, size_t errlen)
{
	struct mount_ctx m = {.err = err, .errlen = errlen};
	struct micafs_super sb;
	struct micafs_map *maps = NULL;
	uint8_t *blk = malloc(MICAFS_BLOCK);
	int rc;

	*fsp = NULL;
	if (errlen)
		err[0] = '\0';
	if (!blk)
		return -ENOMEM;
	if (d->sectors < MICAFS_BLOCK_SECTORS) {
		free(blk);
		return bad(&m, "device too small for micafs");
	}
	rc = micafs_blocks_io(d, 0, blk, MICAFS_BLOCK_SECTORS, false);
	memcpy(&sb, blk, sizeof(sb));
	free(blk);
	if (rc) {
		snprintf(err, errlen, "reading the superblock: error %d", rc);
		return rc;
	}
	rc = check_super(&m, &sb, d->sectors);
	if (rc)
		return rc;
	m.fs = fs_alloc(d, &sb);
	m.seen = calloc(sb.bitmap_blocks, MICAFS_BLOCK);
	maps = malloc(2 * sizeof(*maps));
	rc = m.fs && m.seen && maps ? read_tables(m.fs) : -ENOMEM;
	if (rc == -EIO)
		snprintf(err, errlen, "reading the metadata: I/O error");
	if (!rc)
		rc = check_bitmap(&m);
	for (uint64_t b = 0; b < sb.data_start && !rc; b++)
		micafs_set_bit(m.seen, b, true);
	for (unsigned int i = 0; !rc && i < sb.max_files; i++) {
		rc = check_inode(&m, i);
		if (!rc && m.fs->inodes[i].flags)
			rc = check_file(&m, i, &maps[0], &maps[1]);
	}
	if (!rc)
		reclaim(&m);
	free(maps);
	free(m.seen);
	if (rc) {
		fs_free(m.fs);
		return rc;
	}
	*fsp = m.fs;
	return 0;
}

int micafs_flush(struct micafs *fs)
{
	int rc = micafs_sync(fs);

	if (!rc && fs->dev->flush)
		rc = fs->dev->flush(fs->dev);
	return rc;
}

int micafs_unmount(struct micafs *fs)
{
	int rc = fs->dev->read_only ? 0 : micafs_flush(fs);

	fs_free(fs);
	return rc;
}

void micafs_info(struct micafs *fs, struct micafs_info *info)
{
	memset(info, 0, sizeof(*info));
	info->blocks = fs->sb.blocks;
	info->free_blocks = fs->free_blocks;
	info->max_files = fs->sb.max_files;
	info->leaked = fs->leaked;
	for (unsigned int i = 0; i < fs->sb.max_files; i++)
		info->files += fs->inodes[i].flags != 0;
}

int micafs_check(struct blkdev *d, char *msg, size_t msglen)
{
	struct micafs *fs;
	struct micafs_info info;
	int rc = micafs_mount(d, &fs, msg, msglen);

	if (rc)
		return rc;
	micafs_info(fs, &info);
	snprintf(msg, msglen, "%u files, %llu of %llu blocks free, %llu leaked block%s", info.files,
		 (unsigned long long)info.free_blocks, (unsigned long long)info.blocks, (unsigned long long)info.leaked,
		 info.leaked == 1 ? "" : "s");
	fs_free(fs); /* nothing written: a check changes nothing */
	return info.leaked ? 1 : 0;
}

/* ---- names and the file table ---- */

bool micafs_name_ok(const char *path)
{
	size_t len = strlen(path);

	if (path[0] != '/' || len < 2 || len >= MICAFS_NAME_MAX || path[len - 1] == '/')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (path[i] <= ' ' || path[i] > '~' || path[i] == ',' || path[i] == ':')
			return false;
		if (path[i] == '/' && path[i + 1] == '/')
			return false;
	}
	return true;
}

int micafs_lookup(struct micafs *fs, const char *path)
{
	for (unsigned int i = 0; i < fs->sb.max_files; i++)
		if (fs->inodes[i].flags && !strcmp(fs->inodes[i].name, path))
			return (int)i;
	return -ENOENT;
}

int micafs_create(struct micafs *fs, const char *path, uint64_t size)
{
	int ino = -ENOSPC, rc;

	if (!micafs_name_ok(path) || size % 512 || size > MICAFS_MAX_SIZE)
		return -EINVAL;
	if (fs->dev->read_only)
		return -EROFS;
	if (micafs_lookup(fs, path) >= 0)
		return -EEXIST;
	for (unsigned int i = 0; i < fs->sb.max_files && ino < 0; i++)
		if (!fs->inodes[i].flags)
			ino = (int)i;
	if (ino < 0)
		return ino;
	struct micafs_inode *in = &fs->inodes[ino];
	uint32_t gen = in->gen + 1;

	memset(in, 0, sizeof(*in));
	strcpy(in->name, path);
	in->size = size;
	in->flags = MICAFS_INODE_USED;
	in->gen = gen;
	in->crc = micafs_inode_crc(in);
	fs->inode_dirty[ino] = 1;
	fs->used[ino] = 0;
	rc = micafs_sync(fs);
	return rc ? rc : ino;
}

int micafs_remove(struct micafs *fs, const char *path)
{
	int ino = micafs_lookup(fs, path), rc;

	if (ino < 0)
		return ino;
	if (fs->readers[ino] || fs->writer[ino])
		return -EBUSY;
	if (fs->dev->read_only)
		return -EROFS;
	/* The blocks are freed after the cleared slot is on disk (micafs_sync's order). */
	rc = micafs_free_file_blocks(fs, (unsigned int)ino, 0);
	if (rc)
		return rc;
	memset(&fs->inodes[ino], 0, sizeof(fs->inodes[ino]));
	fs->inode_dirty[ino] = 1;
	return micafs_sync(fs);
}

int micafs_stat(struct micafs *fs, unsigned int ino, struct micafs_stat *st)
{
	if (ino >= fs->sb.max_files || !fs->inodes[ino].flags)
		return -ENOENT;
	memcpy(st->name, fs->inodes[ino].name, sizeof(st->name));
	st->size = fs->inodes[ino].size;
	st->used = (uint64_t)fs->used[ino] * MICAFS_BLOCK;
	st->ino = ino;
	return 0;
}

int micafs_list(struct micafs *fs, int (*fn)(const struct micafs_stat *st, void *arg), void *arg)
{
	struct micafs_stat st;

	for (unsigned int i = 0; i < fs->sb.max_files; i++) {
		int rc;

		if (micafs_stat(fs, i, &st))
			continue;
		rc = fn(&st, arg);
		if (rc)
			return rc;
	}
	return 0;
}

int micafs_open(struct micafs *fs, const char *path, bool write)
{
	int ino = micafs_lookup(fs, path);

	if (ino < 0)
		return ino;
	if (write && fs->dev->read_only)
		return -EROFS;
	if (write && fs->writer[ino])
		return -EBUSY;
	if (!write && fs->readers[ino] == UINT16_MAX)
		return -EBUSY;
	if (write)
		fs->writer[ino] = 1;
	else
		fs->readers[ino]++;
	return ino;
}

void micafs_close(struct micafs *fs, unsigned int ino, bool write)
{
	if (ino >= fs->sb.max_files)
		return;
	if (write)
		fs->writer[ino] = 0;
	else if (fs->readers[ino])
		fs->readers[ino]--;
}
