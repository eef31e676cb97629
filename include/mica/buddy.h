/*
 * Buddy allocator for machine frames. Metadata lives in a frame table
 * (one struct page_info per frame), never inside the pages themselves.
 * Locking is the caller's business.
 */
#ifndef MICA_BUDDY_H
#define MICA_BUDDY_H

#include <mica/types.h>

#define BUDDY_MAX_ORDER 18 /* largest block: 2^18 frames = 1 GiB */
#define BUDDY_NR_ORDERS (BUDDY_MAX_ORDER + 1)
#define BUDDY_NIL UINT32_MAX                    /* "no frame" in free-list links */
#define BUDDY_MAX_FRAMES ((uint64_t)UINT32_MAX) /* frames indexable by uint32_t */

/* page_info.flags */
#define PGI_RESERVED (1u << 0) /* not managed: firmware, image, holes, ... */
#define PGI_FREE (1u << 1)     /* head of a free block of 2^order frames */
#define PGI_ALLOC (1u << 2)    /* head of an allocated block of 2^order frames */
/*
 * Frames inside a free or allocated block other than its head carry flags 0;
 * every reserved frame carries PGI_RESERVED.
 */

struct page_info {
	uint32_t next, prev; /* free-list links (frame indices), BUDDY_NIL terminated */
	uint8_t order;       /* valid on block heads */
	uint8_t flags;       /* PGI_* */
	/* Not used by the allocator: free for its callers (kernel/page_ref.c keeps guest pages here). */
	uint16_t refs;
	uint32_t owner;
};

struct buddy_stats {
	uint64_t nr_alloc;      /* successful buddy_alloc calls */
	uint64_t nr_alloc_fail; /* failed buddy_alloc calls */
	uint64_t nr_free;       /* successful buddy_free calls */
	uint64_t nr_bad_free;   /* refused buddy_free calls */
};

struct buddy {
	struct page_info *frames; /* nr_frames entries, frames[i] is pfn base_pfn + i */
	uint64_t base_pfn;
	uint64_t nr_frames;
	uint32_t free_head[BUDDY_NR_ORDERS]; /* first free block of each order */
	uint64_t nr_free_blocks[BUDDY_NR_ORDERS];
	uint64_t nr_free; /* free frames */
	struct buddy_stats stats;
};

/*
 * Set up an allocator over [base_pfn, base_pfn + nr_frames). Every frame starts
 * reserved. nr_frames is capped at BUDDY_MAX_FRAMES.
 */
void buddy_init(struct buddy *b, struct page_info *frames, uint64_t base_pfn, uint64_t nr_frames);

/*
 * Hand frames to the allocator. Parts outside the managed window are clipped;
 * frames that are not currently reserved (already free or allocated) are
 * skipped. Returns the number of frames actually added.
 */
uint64_t buddy_add_free_range(struct buddy *b, uint64_t pfn, uint64_t count);

/*
 * Take free frames back out (e.g. a region discovered late). Frames that are
 * allocated are left alone. Returns the number of frames that were free and
 * are now reserved.
 */
uint64_t buddy_reserve_range(struct buddy *b, uint64_t pfn, uint64_t count);

/* Allocate 2^order frames aligned to 2^order in absolute pfn terms. */
bool buddy_alloc(struct buddy *b, unsigned int order, uint64_t *pfn_out);

/*
 * The same, but the block lies inside [lo_pfn, hi_pfn) (device memory below 4 GiB, say).
 * It may cost a walk of the free lists; false if no free block has such a piece.
 */
bool buddy_alloc_range(struct buddy *b, unsigned int order, uint64_t lo_pfn, uint64_t hi_pfn, uint64_t *pfn_out);

/*
 * Free a block previously returned by buddy_alloc with the same order.
 * Double frees, unknown or misaligned pfns and wrong orders are refused with a
 * warning (return false) and change nothing.
 */
bool buddy_free(struct buddy *b, uint64_t pfn, unsigned int order);

uint64_t buddy_nr_free(const struct buddy *b);

/*
 * Split the allocated block of 2^order frames at pfn (order >= 1) into two allocated blocks of
 * 2^(order - 1), each to be freed on its own. False (nothing changes) if pfn is not the head of an
 * allocated block of that order.
 */
bool buddy_split(struct buddy *b, uint64_t pfn, unsigned int order);

/* True if pfn is managed and is the head of an allocated block (order in *order). */
bool buddy_is_allocated(const struct buddy *b, uint64_t pfn, unsigned int *order);

/*
 * Walk all free lists and the frame table and check every invariant.
 * Returns true if consistent; prints what is wrong otherwise. O(nr_frames).
 */
bool buddy_check(const struct buddy *b);

#endif
