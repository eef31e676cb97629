/* Machine memory: the boot-time carve-out, then the buddy allocator over every free frame. */
#ifndef MICA_MM_H
#define MICA_MM_H

#include <mica/bootmem.h>
#include <mica/mm_types.h>
#include <mica/types.h>

extern struct bootmem boot_mem;

/* A zeroed-or-not page for page tables: bootmem before mm_init(), buddy after. 0 if none. */
paddr_t mm_alloc_pagetable(void);

/* Hands every free RAM frame to the buddy allocator and sets up the heap. */
void mm_init(void);

/* 2^order contiguous frames; 0 when exhausted. */
paddr_t alloc_pages(unsigned int order);
/* The same, inside machine addresses [lo, hi) (both page aligned); 0 if none is free there. */
paddr_t alloc_pages_range(unsigned int order, paddr_t lo, paddr_t hi);
void free_pages(paddr_t pa, unsigned int order);
/* Zeroes 2^order frames at pa. */
void clear_pages(paddr_t pa, unsigned int order);
void *alloc_pages_va(unsigned int order);
void free_pages_va(void *va, unsigned int order);

/*
 * Guest pages (include/mica/page_ref.h), under the allocator's lock: a domain's pages carry its
 * id; others' references keep a page allocated after its owner let it go.
 */
void page_assign(mfn_t mfn, unsigned int order, uint16_t domid);
/* A reference on a frame of domid's, false if it is not (or no longer) domid's. */
bool page_get(mfn_t mfn, uint16_t domid);
void page_put(mfn_t mfn);
/* One more reference on a guest page, whichever domain owns it (false: not a guest page). */
bool page_get_any(mfn_t mfn);
/* The owner lets a block go; referenced frames are freed at their last page_put. */
void page_release(mfn_t mfn, unsigned int order);
/* The owner lets one frame of its block [block, block + 2^order) go (see page_ref_release_frame). */
bool page_release_frame(mfn_t block, unsigned int order, mfn_t frame);

uint64_t mm_free_bytes(void);
uint64_t mm_total_bytes(void);
/* One past the highest machine frame the allocator manages (XENMEM_maximum_ram_page). */
uint64_t mm_max_frame(void);

#endif
