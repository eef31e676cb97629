/*
 * Guest RAM: the pages a domain owns, where its physical map shows them, and how many it may
 * have. A domain's RAM is a list of the blocks it was given as they were allocated (chunks); the
 * list, not the physical map, is what it owns: other pages may be mapped over its RAM (a grant,
 * shared_info) and its RAM may be unmapped (remove_from_physmap), and all of it is still freed
 * with the domain. Ballooning a page out carves it from its chunk. Every page carries its
 * owner's id (page_assign), so that grant and copy references check ownership.
 *
 * Lock order: a grant table's lock, then the domain's RAM lock, then the p2m's, then the
 * allocator's.
 */
#ifndef MICA_GUEST_RAM_H
#define MICA_GUEST_RAM_H

#include <mica/mm_types.h>
#include <mica/spinlock.h>
#include <mica/types.h>

struct domain;

/* Largest extent guests may populate, release or allocate: 2 MiB (Xen's default for domUs). */
#define GUEST_RAM_MAX_ORDER 9

/* A block of guest RAM as it was allocated; freed as such, whatever the physical map says. */
struct ram_chunk {
	mfn_t mfn;
	unsigned int order;
};

struct domain_ram {
	spinlock_t lock;
	struct ram_chunk *chunks;
	unsigned int nr, cap;
};

/* ---- the chunk list (no locking of its own) ---- */

/* Makes room for extra more chunks; -ENOMEM. */
int ram_chunks_reserve(struct domain_ram *r, unsigned int extra);
/* Records a chunk; room must have been reserved. */
void ram_chunks_add(struct domain_ram *r, mfn_t mfn, unsigned int order);
/* Index of the chunk holding frame, or -1. */
int ram_chunks_find(const struct domain_ram *r, mfn_t frame);
/*
 * Takes frame out of chunk i: the chunk is replaced by the halves that are left when it is
 * halved down to the frame (the same split page_release_frame makes in the allocator). Needs
 * room for order - 1 more chunks.
 */
void ram_chunks_carve(struct domain_ram *r, unsigned int i, mfn_t frame);

/* ---- what memory_op and the builder use (d's RAM lock taken inside) ---- */

/*
 * Gives d fresh zeroed RAM at [gfn, gfn + 2^order): gfn aligned to the extent, every frame of it
 * unmapped. -EINVAL (order, alignment or range), -EBUSY (something is mapped there), -ENOMEM
 * (over d->max_pages, or no memory).
 */
int guest_ram_populate(struct domain *d, gfn_t gfn, unsigned int order);
/*
 * Takes back a whole block guest_ram_populate gave, as it gave it: gfn maps its first frame and
 * the rest follow. Needs no memory, so it undoes a populate of several extents that failed half
 * way without failing itself. The block's order goes to *order. -ENOENT if gfn is no such block.
 */
int guest_ram_unpopulate(struct domain *d, gfn_t gfn, unsigned int *order);
/* XENMEM_increase_reservation for a translated guest: 2^order pages owned and counted, not mapped. */
int guest_ram_allocate(struct domain *d, unsigned int order);
/* Balloons out the page at gfn: -ENOENT unless it is d's own RAM; the page is freed (or when the
 * last reference to it drops) and no longer counted. */
int guest_ram_release(struct domain *d, gfn_t gfn);
/* XENMEM_remove_from_physmap: unmaps whatever is at gfn (RAM stays owned and counted); -ENOENT. */
int guest_physmap_remove(struct domain *d, gfn_t gfn);
/* Every page back to the allocator (referenced ones at their last put); d->mem_pages ends at 0. */
void guest_ram_destroy(struct domain *d);

/* ---- the physical map, from the architecture (arch/x86/hvm/physmap.c) ---- */

enum physmap_access {
	PHYSMAP_RAM,  /* read, write, execute */
	PHYSMAP_RW,   /* read and write: hypervisor pages, writable grant mappings */
	PHYSMAP_RO,   /* read only: read-only grant mappings */
	PHYSMAP_MMIO, /* read and write, uncached: a device's registers (dom0's MICA_CTL_IOMEM_MAP) */
};

/* What gfn maps: -ENOENT if nothing, -EINVAL if out of range. writable may be NULL. */
int arch_physmap_query(struct domain *d, gfn_t gfn, mfn_t *mfn, bool *writable);
/* Maps [gfn, gfn + nr) to [mfn, mfn + nr), replacing what was there. */
int arch_physmap_map(struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr, enum physmap_access access);
int arch_physmap_unmap(struct domain *d, gfn_t gfn, uint64_t nr);

#endif
