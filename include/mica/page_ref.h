/*
 * Guest pages: which domain owns an allocated frame and how many references others hold on it,
 * kept in the frame-table fields the buddy allocator leaves to its callers (page_info.owner and
 * .refs). A reference (a grant pin, a copy in flight) keeps a frame allocated after its owner
 * has let it go: the owner's release frees what nobody references and leaves the rest to be
 * freed by their last put, so every frame comes back to the allocator in the end.
 *
 * The functions work on a struct buddy and take no lock: mm (kernel/page_alloc.c) calls them
 * under the allocator's lock, the unit tests directly.
 */
#ifndef MICA_PAGE_REF_H
#define MICA_PAGE_REF_H

#include <mica/buddy.h>
#include <mica/types.h>

#define PAGE_OWNER_NONE 0u
#define PAGE_OWNER_DYING UINT32_MAX /* released by its owner while referenced */
#define PAGE_REFS_MAX UINT16_MAX

/* A domain's owner tag: its id + 1, so that 0 stays "nobody". */
static inline uint32_t page_owner_of_domid(uint16_t domid)
{
	return (uint32_t)domid + 1;
}

/* Marks every frame of the allocated block [pfn, pfn + 2^order) as owner's, with no references. */
void page_ref_assign(struct buddy *b, uint64_t pfn, unsigned int order, uint32_t owner);
/* The owner tag of a managed frame (PAGE_OWNER_NONE for free, reserved or hypervisor frames). */
uint32_t page_ref_owner(const struct buddy *b, uint64_t pfn);
/* One more reference, if the frame belongs to owner (and not PAGE_REFS_MAX are held). */
bool page_ref_get(struct buddy *b, uint64_t pfn, uint32_t owner);
/* Drops a reference; the last one on a released frame frees it (true). */
bool page_ref_put(struct buddy *b, uint64_t pfn);
/*
 * The owner lets the allocated block [pfn, pfn + 2^order) go: unreferenced parts are freed now
 * (split as little as needed), referenced frames when their last reference drops. Returns the
 * number of frames freed now.
 */
uint64_t page_ref_release(struct buddy *b, uint64_t pfn, unsigned int order);
/*
 * The owner lets one frame of its allocated block [block, block + 2^order) go: the block is
 * halved down to that frame (the other halves stay allocated and owned, as blocks of their own)
 * and the frame released as above. False if block is not an allocated block of that order
 * holding frame.
 */
bool page_ref_release_frame(struct buddy *b, uint64_t block, unsigned int order, uint64_t frame);

#endif
