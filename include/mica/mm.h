/* Machine memory: the boot-time carve-out, then the buddy allocator over every free frame. */
#ifndef MICA_MM_H
#define MICA_MM_H

#include <mica/bootmem.h>
#include <mica/types.h>

extern struct bootmem boot_mem;

/* A zeroed-or-not page for page tables: bootmem before mm_init(), buddy after. 0 if none. */
paddr_t mm_alloc_pagetable(void);

/* Hands every free RAM frame to the buddy allocator and sets up the heap. */
void mm_init(void);

/* 2^order contiguous frames; 0 when exhausted. */
paddr_t alloc_pages(unsigned int order);
void free_pages(paddr_t pa, unsigned int order);
void *alloc_pages_va(unsigned int order);
void free_pages_va(void *va, unsigned int order);

uint64_t mm_free_bytes(void);
uint64_t mm_total_bytes(void);

#endif
