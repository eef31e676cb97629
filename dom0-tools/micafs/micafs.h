/*
 * micafs, Mica's image store: a flat set of named, sparse image files on a block device
 * (struct blkdev), for dom0's blkback. On-disk format and crash ordering: docs/micafs.md.
 * Portable C: built into dom0 and on the host (build/host/micafs, unit tests).
 *
 * Not thread-safe: callers that may run concurrently (dom0's threads block inside device I/O)
 * hold one lock around every call on the same struct micafs.
 */
#ifndef MICAFS_H
#define MICAFS_H

#include <pv/blkdev.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MICAFS_MAGIC 0x313053464143494dull /* "MICAFS01" read as a little-endian uint64 */
#define MICAFS_VERSION 1
#define MICAFS_BLOCK 4096u
#define MICAFS_BLOCK_SECTORS (MICAFS_BLOCK / 512)
#define MICAFS_NAME_MAX 96 /* with the NUL */
#define MICAFS_MAP_ENTRIES 1020u
#define MICAFS_INODES_PER_BLOCK (MICAFS_BLOCK / 128)
#define MICAFS_MAX_FILES 4096u
#define MICAFS_MAX_SIZE ((uint64_t)MICAFS_MAP_ENTRIES * MICAFS_MAP_ENTRIES * MICAFS_BLOCK)
#define MICAFS_MIN_BLOCKS 16u

/* Block 0, first sector. Everything little-endian. */
struct micafs_super {
	uint64_t magic;
	uint32_t version;
	uint32_t block_size;
	uint64_t blocks; /* of the filesystem; the device may be bigger */
	uint32_t bitmap_start, bitmap_blocks;
	uint32_t inode_start, inode_blocks;
	uint32_t max_files; /* inode_blocks * 32 */
	uint32_t data_start;
	uint8_t zero[460];
	uint32_t crc; /* crc32 of the 508 bytes before it */
};

#define MICAFS_INODE_USED 1u

/* One slot of the inode table; a free slot is all zeros. */
struct micafs_inode {
	char name[MICAFS_NAME_MAX]; /* "/images/web.img", NUL-padded */
	uint64_t size;              /* bytes, a multiple of 512 */
	uint32_t flags;             /* MICAFS_INODE_USED */
	uint32_t l1;                /* block of the level-1 map; 0: no block written yet */
	uint32_t gen;               /* bumped each time the slot is reused (informational) */
	uint32_t zero[2];
	uint32_t crc; /* crc32 of the 124 bytes before it */
};

#define MICAFS_MAP_MAGIC 0x3150414du /* "MAP1" */
#define MICAFS_L1_INDEX 0xffffffffu

/* A map block: level 1 lists level-2 map blocks, level 2 lists data blocks (0: a hole). */
struct micafs_map {
	uint32_t magic;
	uint32_t ino;   /* the owning inode slot */
	uint32_t index; /* MICAFS_L1_INDEX, or the level-2 block's index in the level-1 map */
	uint32_t crc;   /* crc32 of the block with this field zero */
	uint32_t entry[MICAFS_MAP_ENTRIES];
};

struct micafs;

struct micafs_stat {
	char name[MICAFS_NAME_MAX];
	uint64_t size;
	uint64_t used; /* bytes of blocks allocated to the file (data and maps) */
	unsigned int ino;
};

struct micafs_info {
	uint64_t blocks, free_blocks;
	unsigned int files, max_files;
	uint64_t leaked; /* blocks marked used that nothing referenced; reclaimed by mount */
};

uint32_t micafs_crc32(const void *buf, size_t len);

/* Writes an empty filesystem over the first `blocks` blocks of d (0: the whole device). */
int micafs_mkfs(struct blkdev *d, uint64_t blocks, unsigned int max_files);
/*
 * Reads and checks every piece of metadata (superblock, bitmap, inodes, every map block):
 * anything inconsistent refuses the mount with a message in err (-EINVAL corrupt, -EIO device,
 * -ENOMEM). Blocks marked used that nothing references (a crash between allocating and
 * linking) are reclaimed and counted in info.leaked.
 */
int micafs_mount(struct blkdev *d, struct micafs **fsp, char *err, size_t errlen);
int micafs_unmount(struct micafs *fs); /* writes what is pending, flushes the device, frees */
void micafs_info(struct micafs *fs, struct micafs_info *info);

/* Files are named by absolute paths: '/', then printable characters, no "//", no trailing '/'. */
bool micafs_name_ok(const char *path);
int micafs_create(struct micafs *fs, const char *path, uint64_t size); /* the slot index, or -EEXIST/-ENOSPC/-EINVAL */
int micafs_lookup(struct micafs *fs, const char *path);                /* the slot index or -ENOENT */
int micafs_remove(struct micafs *fs, const char *path);                /* -EBUSY while open */
int micafs_stat(struct micafs *fs, unsigned int ino, struct micafs_stat *st);
/* The files in slot order: calls fn for each until it returns non-zero (returned). */
int micafs_list(struct micafs *fs, int (*fn)(const struct micafs_stat *st, void *arg), void *arg);

/* Opening counts users: a file open for writing cannot be opened again for writing (-EBUSY). */
int micafs_open(struct micafs *fs, const char *path, bool write); /* the slot index */
void micafs_close(struct micafs *fs, unsigned int ino, bool write);

/*
 * Byte-granular I/O inside the file's size (-EINVAL beyond it). A write returns once its data
 * and then the metadata that reaches it are on the device; with sync the device is flushed too.
 */
int micafs_read(struct micafs *fs, unsigned int ino, uint64_t off, void *buf, size_t len);
int micafs_write(struct micafs *fs, unsigned int ino, uint64_t off, const void *buf, size_t len, bool sync);
int micafs_truncate(struct micafs *fs, unsigned int ino, uint64_t size); /* grows sparse, shrinks freeing */
int micafs_flush(struct micafs *fs);

/* fsck: mounts read-only-ish (nothing written), reports into msg; 0 if clean. */
int micafs_check(struct blkdev *d, char *msg, size_t msglen);

#endif
