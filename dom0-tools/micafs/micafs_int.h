/* micafs internals shared by micafs.c (format, mount, names) and micafs_io.c (maps, data). */
#ifndef MICAFS_INT_H
#define MICAFS_INT_H

#include "micafs.h"

#define MICAFS_CACHE 32 /* map blocks kept in memory */

struct micafs_cached {
	uint32_t blk; /* 0: slot empty */
	bool dirty;
	bool l1;
	unsigned long lru;
	struct micafs_map map;
};

struct micafs {
	struct blkdev *dev;
	struct micafs_super sb;
	uint8_t *bitmap;       /* sb.bitmap_blocks blocks, as on disk after the pending frees */
	uint8_t *bitmap_dirty; /* per bitmap block */
	struct micafs_inode *inodes;
	uint8_t *inode_dirty; /* per slot */
	uint32_t *used;       /* blocks per slot (data and maps) */
	uint16_t *readers;
	uint8_t *writer;
	struct micafs_cached cache[MICAFS_CACHE];
	unsigned long lru_clock;
	uint32_t *frees; /* blocks to mark free once no metadata on disk references them */
	size_t nfrees, frees_cap;
	uint64_t free_blocks, leaked;
	uint32_t hint; /* where the next allocation search starts */
	uint8_t buf[MICAFS_BLOCK];
};

int micafs_dev_read(struct micafs *fs, uint32_t blk, void *buf);
int micafs_dev_write(struct micafs *fs, uint32_t blk, const void *buf);
int micafs_blocks_io(struct blkdev *d, uint64_t sector, void *buf, uint64_t count, bool write);
bool micafs_bit(const uint8_t *bm, uint64_t blk);
void micafs_set_bit(uint8_t *bm, uint64_t blk, bool on);
uint32_t micafs_map_crc(const struct micafs_map *m);
uint32_t micafs_inode_crc(const struct micafs_inode *in);
int micafs_sync(struct micafs *fs); /* dirty metadata out, in the crash-safe order */
int micafs_free_file_blocks(struct micafs *fs, unsigned int ino, uint64_t from_block);

#endif
