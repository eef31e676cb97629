/*
 * Memory: a page allocator over the RAM the start info's memory map gives (minus the image
 * and the heap), and newlib's malloc on an sbrk heap growing up from the image's end. The page
 * allocator hands out pages from the top of RAM downwards; the two meet in the middle.
 */
#ifndef PV_MM_H
#define PV_MM_H

#include <pv/os.h>

void init_mm(void);
void *alloc_pages(unsigned int order); /* 2^order zeroed, naturally aligned pages; NULL if none */
void free_pages(void *p, unsigned int order);
static inline void *alloc_page(void)
{
	return alloc_pages(0);
}
static inline void free_page(void *p)
{
	free_pages(p, 0);
}

/*
 * Maps physical [pa, pa + len) at the same virtual address, uncached, with 2 MiB pages where
 * nothing is mapped yet (pv-guest/kernel/physmap.c): device memory above the boot map's 4 GiB.
 * 0, or -1 (bad range, or no memory for page tables).
 */
int mm_map_phys_uc(uint64_t pa, uint64_t len);
/* The same, write-back unless uncached: guest-physical space for other domains' pages. */
int mm_map_phys(uint64_t pa, uint64_t len, bool uncached);

struct mm_stats {
	unsigned long ram_pages;   /* RAM the allocator covers (from 1 MiB up) */
	unsigned long map_pages;   /* RAM in the memory map, all of it: what the domain was given */
	unsigned long image_pages; /* kernel image (text, data, bss) */
	unsigned long heap_bytes;  /* sbrk heap in use (malloc's arena) */
	unsigned long free_pages;  /* page allocator: free */
	unsigned long used_pages;  /* page allocator: allocated */
};
void mm_stats(struct mm_stats *s);

/*
 * The balloon driver (kernel/balloon.c): follows memory/target in the store from a thread of its
 * own; started once the store is reachable. balloon_pages: the frames given back now.
 */
int balloon_start(void);
unsigned long balloon_pages(void);

#endif
