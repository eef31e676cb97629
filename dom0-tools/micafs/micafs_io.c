/*
 * micafs: block maps, allocation, file data, and writing metadata back in the order that keeps
 * the disk consistent at every step (docs/micafs.md, "Crash consistency").
 */
#include "micafs_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the map cache ---- */

static unsigned int cache_dirty(const struct micafs *fs)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < MICAFS_CACHE; i++)
		n += fs->cache[i].blk && fs->cache[i].dirty;
	return n;
}

/* A slot for a new entry: an empty one, else the least recently used clean one. */
static struct micafs_cached *cache_slot(struct micafs *fs)
{
	struct micafs_cached *best = NULL;

	for (unsigned int i = 0; i < MICAFS_CACHE; i++) {
		struct micafs_cached *c = &fs->cache[i];

		if (!c->blk)
			return c;
		if (!c->dirty && (!best || c->lru < best->lru))
			best = c;
	}
	return best;
}

static void cache_drop(struct micafs *fs, uint32_t blk)
{
	for (unsigned int i = 0; i < MICAFS_CACHE; i++)
		if (fs->cache[i].blk == blk)
			fs->cache[i].blk = 0;
}

/* The map block blk of slot ino (index: its place in the level-1 map, or MICAFS_L1_INDEX). */
static int cache_get(struct micafs *fs, uint32_t blk, unsigned int ino, uint32_t index, struct micafs_map **mp)
{
	struct micafs_cached *c;
	int rc;

	for (unsigned int i = 0; i < MICAFS_CACHE; i++) {
		if (fs->cache[i].blk == blk) {
			fs->cache[i].lru = ++fs->lru_clock;
			*mp = &fs->cache[i].map;
			return 0;
		}
	}
	c = cache_slot(fs);
	if (!c)
		return -EIO; /* callers sync before the cache can fill with dirty blocks */
	c->blk = 0;
	rc = micafs_dev_read(fs, blk, &c->map);
	if (rc)
		return rc;
	/* Checked at mount; checked again in case the device changed under us. */
	if (c->map.magic != MICAFS_MAP_MAGIC || micafs_map_crc(&c->map) != c->map.crc || c->map.ino != ino ||
	    c->map.index != index)
		return -EIO;
	c->blk = blk;
	c->dirty = false;
	c->l1 = index == MICAFS_L1_INDEX;
	c->lru = ++fs->lru_clock;
	*mp = &c->map;
	return 0;
}

static int cache_new(struct micafs *fs, uint32_t blk, unsigned int ino, uint32_t index, struct micafs_map **mp)
{
	struct micafs_cached *c = cache_slot(fs);

	if (!c)
		return -EIO;
	memset(&c->map, 0, sizeof(c->map));
	c->map.magic = MICAFS_MAP_MAGIC;
	c->map.ino = ino;
	c->map.index = index;
	c->blk = blk;
	c->dirty = true;
	c->l1 = index == MICAFS_L1_INDEX;
	c->lru = ++fs->lru_clock;
	*mp = &c->map;
	return 0;
}

static void map_dirty(struct micafs *fs, const struct micafs_map *m)
{
	((struct micafs_cached *)((uint8_t *)m - offsetof(struct micafs_cached, map)))->dirty = true;
}

/* ---- allocation ---- */

static void bitmap_mark(struct micafs *fs, uint32_t blk, bool used)
{
	micafs_set_bit(fs->bitmap, blk, used);
	fs->bitmap_dirty[blk / (MICAFS_BLOCK * 8)] = 1;
	if (used)
		fs->free_blocks--;
	else
		fs->free_blocks++;
}

static uint32_t alloc_block(struct micafs *fs)
{
	uint64_t span = fs->sb.blocks - fs->sb.data_start;

	for (uint64_t i = 0; i < span && fs->free_blocks; i++) {
		uint32_t b = (uint32_t)(fs->sb.data_start + (fs->hint - fs->sb.data_start + i) % span);

		if (!micafs_bit(fs->bitmap, b)) {
			bitmap_mark(fs, b, true);
			fs->hint = b + 1 < fs->sb.blocks ? b + 1 : fs->sb.data_start;
			return b;
		}
	}
	return 0;
}

/* Freed once no metadata on disk points at it any more (micafs_sync, last step). */
static void defer_free(struct micafs *fs, uint32_t blk)
{
	if (fs->nfrees == fs->frees_cap) {
		size_t cap = fs->frees_cap ? fs->frees_cap * 2 : 64;
		uint32_t *p = realloc(fs->frees, cap * sizeof(*p));

		if (!p)
			return; /* stays marked used: a leak the next mount reclaims */
		fs->frees = p;
		fs->frees_cap = cap;
	}
	fs->frees[fs->nfrees++] = blk;
}

/* ---- writing metadata back ---- */

static int write_inode(struct micafs *fs, unsigned int ino)
{
	struct micafs_inode *in = &fs->inodes[ino];
	uint64_t sector = (uint64_t)(fs->sb.inode_start + ino / MICAFS_INODES_PER_BLOCK) * MICAFS_BLOCK_SECTORS +
			  ino % MICAFS_INODES_PER_BLOCK / 4;

	if (in->flags)
		in->crc = micafs_inode_crc(in);
	/* One sector holds four inodes: a sector write is all or nothing on a disk. */
	return micafs_blocks_io(fs->dev, sector, &fs->inodes[ino & ~3u], 1, true);
}

static int write_bitmap(struct micafs *fs)
{
	for (uint32_t b = 0; b < fs->sb.bitmap_blocks; b++) {
		if (fs->bitmap_dirty[b]) {
			int rc = micafs_dev_write(fs, fs->sb.bitmap_start + b, fs->bitmap + (size_t)b * MICAFS_BLOCK);

			if (rc)
				return rc;
			fs->bitmap_dirty[b] = 0;
		}
	}
	return 0;
}

static int write_maps(struct micafs *fs, bool l1)
{
	for (unsigned int i = 0; i < MICAFS_CACHE; i++) {
		struct micafs_cached *c = &fs->cache[i];
		int rc;

		if (!c->blk || !c->dirty || c->l1 != l1)
			continue;
		c->map.crc = micafs_map_crc(&c->map);
		rc = micafs_dev_write(fs, c->blk, &c->map);
		if (rc)
			return rc;
		c->dirty = false;
	}
	return 0;
}

/*
 * Children before parents: newly used blocks in the bitmap, level-2 maps, level-1 maps, inodes;
 * then the blocks nothing references any more are marked free. Data was written before.
 */
int micafs_sync(struct micafs *fs)
{
	int rc = write_bitmap(fs);

	if (!rc)
		rc = write_maps(fs, false);
	if (!rc)
		rc = write_maps(fs, true);
	for (unsigned int i = 0; !rc && i < fs->sb.max_files; i++) {
		if (fs->inode_dirty[i]) {
			rc = write_inode(fs, i);
			if (!rc)
				fs->inode_dirty[i] = 0;
		}
	}
	if (rc)
		return rc;
	for (size_t i = 0; i < fs->nfrees; i++)
		bitmap_mark(fs, fs->frees[i], false);
	fs->nfrees = 0;
	return write_bitmap(fs);
}

/* ---- block maps ---- */

struct where {
	uint32_t blk;   /* 0: a hole */
	uint32_t *slot; /* the level-2 entry (valid until the next cache call) */
	bool fresh;     /* allocated by this lookup */
};

static int map_block(struct micafs *fs, unsigned int ino, uint64_t lblk, bool alloc, struct where *w)
{
	struct micafs_inode *in = &fs->inodes[ino];
	uint32_t i1 = (uint32_t)(lblk / MICAFS_MAP_ENTRIES), i2 = (uint32_t)(lblk % MICAFS_MAP_ENTRIES);
	struct micafs_map *l1, *l2;
	uint32_t b;
	int rc;

	*w = (struct where){0};
	if (!in->l1) {
		if (!alloc)
			return 0;
		b = alloc_block(fs);
		if (!b)
			return -ENOSPC;
		rc = cache_new(fs, b, ino, MICAFS_L1_INDEX, &l1);
		if (rc)
			return rc;
		in->l1 = b;
		fs->inode_dirty[ino] = 1;
		fs->used[ino]++;
	} else if ((rc = cache_get(fs, in->l1, ino, MICAFS_L1_INDEX, &l1))) {
		return rc;
	}
	b = l1->entry[i1];
	if (!b) {
		if (!alloc)
			return 0;
		b = alloc_block(fs);
		if (!b)
			return -ENOSPC;
		l1->entry[i1] = b;
		map_dirty(fs, l1);
		fs->used[ino]++;
		rc = cache_new(fs, b, ino, i1, &l2);
	} else {
		rc = cache_get(fs, b, ino, i1, &l2);
	}
	if (rc)
		return rc;
	w->slot = &l2->entry[i2];
	w->blk = *w->slot;
	if (!w->blk && alloc) {
		w->blk = alloc_block(fs);
		if (!w->blk)
			return -ENOSPC;
		*w->slot = w->blk;
		map_dirty(fs, l2);
		fs->used[ino]++;
		w->fresh = true;
	}
	return 0;
}

/* Frees the file's blocks from block `from` on (maps that become empty too). */
int micafs_free_file_blocks(struct micafs *fs, unsigned int ino, uint64_t from)
{
	struct micafs_inode *in = &fs->inodes[ino];
	uint64_t nblocks = (in->size + MICAFS_BLOCK - 1) / MICAFS_BLOCK;
	struct micafs_map *l1, *l2;
	int rc;

	if (!in->l1)
		return 0;
	for (uint64_t i = from / MICAFS_MAP_ENTRIES; i * MICAFS_MAP_ENTRIES < nblocks; i++) {
		uint64_t first = i * MICAFS_MAP_ENTRIES, k0 = from > first ? from - first : 0;
		uint32_t b2;

		if (cache_dirty(fs) + 3 > MICAFS_CACHE && (rc = micafs_sync(fs)))
			return rc;
		rc = cache_get(fs, in->l1, ino, MICAFS_L1_INDEX, &l1);
		if (rc)
			return rc;
		b2 = l1->entry[i];
		if (!b2)
			continue;
		if (k0 == 0) { /* the whole level-2 map goes; the parent entry first */
			l1->entry[i] = 0;
			map_dirty(fs, l1);
		}
		rc = cache_get(fs, b2, ino, (uint32_t)i, &l2);
		if (rc)
			return rc;
		for (uint64_t k = k0; k < MICAFS_MAP_ENTRIES; k++) {
			if (l2->entry[k]) {
				defer_free(fs, l2->entry[k]);
				l2->entry[k] = 0;
				fs->used[ino]--;
				map_dirty(fs, l2);
			}
		}
		if (k0 == 0) {
			cache_drop(fs, b2);
			defer_free(fs, b2);
			fs->used[ino]--;
		}
	}
	if (from == 0) {
		cache_drop(fs, in->l1);
		defer_free(fs, in->l1);
		fs->used[ino]--;
		in->l1 = 0;
		fs->inode_dirty[ino] = 1;
	}
	return 0;
}

/* ---- data ---- */

static int file_range(struct micafs *fs, unsigned int ino, uint64_t off, size_t len)
{
	if (ino >= fs->sb.max_files || !fs->inodes[ino].flags)
		return -ENOENT;
	if (off > fs->inodes[ino].size || len > fs->inodes[ino].size - off)
		return -EINVAL;
	return 0;
}

int micafs_read(struct micafs *fs, unsigned int ino, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;
	int rc = file_range(fs, ino, off, len);

	while (!rc && len) {
		uint32_t boff = (uint32_t)(off % MICAFS_BLOCK);
		size_t n = len < MICAFS_BLOCK - boff ? len : MICAFS_BLOCK - boff;
		struct where w;

		rc = map_block(fs, ino, off / MICAFS_BLOCK, false, &w);
		if (rc)
			break;
		if (!w.blk) {
			memset(p, 0, n);
		} else if (n == MICAFS_BLOCK) {
			rc = micafs_dev_read(fs, w.blk, p);
		} else {
			rc = micafs_dev_read(fs, w.blk, fs->buf);
			memcpy(p, fs->buf + boff, n);
		}
		p += n;
		off += n;
		len -= n;
	}
	return rc;
}

static int write_block(struct micafs *fs, unsigned int ino, uint64_t off, const uint8_t *p, size_t n)
{
	uint32_t boff = (uint32_t)(off % MICAFS_BLOCK);
	struct where w;
	int rc;

	if (cache_dirty(fs) + 3 > MICAFS_CACHE && (rc = micafs_sync(fs)))
		return rc; /* what is dirty belongs to blocks whose data is written already */
	rc = map_block(fs, ino, off / MICAFS_BLOCK, true, &w);
	if (rc)
		return rc;
	if (n == MICAFS_BLOCK) {
		rc = micafs_dev_write(fs, w.blk, p);
	} else {
		if (w.fresh)
			memset(fs->buf, 0, MICAFS_BLOCK);
		else
			rc = micafs_dev_read(fs, w.blk, fs->buf);
		memcpy(fs->buf + boff, p, n);
		if (!rc)
			rc = micafs_dev_write(fs, w.blk, fs->buf);
	}
	if (rc && w.fresh) { /* nothing on disk points at it yet: undo the allocation */
		*w.slot = 0;
		bitmap_mark(fs, w.blk, false);
		fs->used[ino]--;
	}
	return rc;
}

int micafs_write(struct micafs *fs, unsigned int ino, uint64_t off, const void *buf, size_t len, bool sync)
{
	const uint8_t *p = buf;
	int rc = file_range(fs, ino, off, len), rc2;

	if (!rc && fs->dev->read_only)
		rc = -EROFS;
	if (rc)
		return rc;
	while (!rc && len) {
		size_t n = len < MICAFS_BLOCK - off % MICAFS_BLOCK ? len : MICAFS_BLOCK - off % MICAFS_BLOCK;

		rc = write_block(fs, ino, off, p, n);
		p += n;
		off += n;
		len -= n;
	}
	/* Even after an error: what was written (data first) gets its metadata. */
	rc2 = sync ? micafs_flush(fs) : micafs_sync(fs);
	return rc ? rc : rc2;
}

int micafs_truncate(struct micafs *fs, unsigned int ino, uint64_t size)
{
	struct micafs_inode *in;
	int rc;

	if (ino >= fs->sb.max_files || !fs->inodes[ino].flags)
		return -ENOENT;
	if (size % 512 || size > MICAFS_MAX_SIZE)
		return -EINVAL;
	if (fs->dev->read_only)
		return -EROFS;
	in = &fs->inodes[ino];
	if (size < in->size) {
		uint64_t keep = (size + MICAFS_BLOCK - 1) / MICAFS_BLOCK;
		struct where w;

		/* The tail of a kept partial block reads as zeros if the file grows again. */
		rc = size % MICAFS_BLOCK ? map_block(fs, ino, size / MICAFS_BLOCK, false, &w) : 0;
		if (!rc && size % MICAFS_BLOCK && w.blk) {
			rc = micafs_dev_read(fs, w.blk, fs->buf);
			memset(fs->buf + size % MICAFS_BLOCK, 0, MICAFS_BLOCK - size % MICAFS_BLOCK);
			if (!rc)
				rc = micafs_dev_write(fs, w.blk, fs->buf);
		}
		if (!rc)
			rc = micafs_free_file_blocks(fs, ino, keep);
		if (rc)
			return rc;
	}
	in->size = size;
	fs->inode_dirty[ino] = 1;
	return micafs_sync(fs);
}
