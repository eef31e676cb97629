/*
 * Hypervisor heap: small objects from size-class pages, larger requests as
 * whole page blocks. Pages come from a backend given to heap_init.
 */
#ifndef MICA_HEAP_H
#define MICA_HEAP_H

#include <mica/types.h>

#define HEAP_MIN_ALIGN 16  /* every pointer xmalloc returns is aligned to this */
#define HEAP_MAX_ORDER 18  /* largest block asked from the backend */
#define HEAP_NR_CLASSES 14 /* size classes 16 .. 2032 bytes */

struct heap_page_ops {
	/* 2^order pages, aligned to at least PAGE_SIZE; NULL when out of memory. */
	void *(*alloc_pages)(unsigned int order);
	void (*free_pages)(void *p, unsigned int order);
	/* Optional (may be NULL): serialise the heap, e.g. with a spinlock. */
	void (*lock)(void);
	void (*unlock)(void);
};

struct heap_stats {
	uint64_t class_pages[HEAP_NR_CLASSES]; /* pages currently owned per size class */
	uint64_t class_objs[HEAP_NR_CLASSES];  /* objects currently handed out per class */
	uint64_t large_blocks;                 /* large blocks currently handed out */
	uint64_t large_pages;                  /* pages in those blocks */
	uint64_t bad_frees;                    /* refused xfree calls */
	uint64_t failed_allocs;                /* xmalloc calls that returned NULL */
};

void heap_init(const struct heap_page_ops *ops);

/* xmalloc(0) returns a minimal object, not NULL. NULL means out of memory. */
void *xmalloc(size_t size);
void *xzalloc(size_t size);
/* Zeroed array of n elements; NULL if n * size overflows. */
void *xzalloc_array(size_t n, size_t size);
/* xfree(NULL) is a no-op; a bad pointer or a double free is reported and ignored. */
void xfree(void *p);

/* Usable size of a live allocation (>= the size asked for); 0 for NULL. */
size_t xmalloc_usable_size(const void *p);

/* Give every cached empty size-class page back to the backend. */
void heap_trim(void);

void heap_get_stats(struct heap_stats *st);

#endif
