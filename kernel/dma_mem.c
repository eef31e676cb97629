/* DMA memory for dom0: contiguous blocks at guest frame == machine frame (include/mica/dma_mem.h). */
#include <mica/dma_mem.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_ram.h>
#include <mica/heap.h>
#include <mica/mm.h>
#include <mica/spinlock.h>
#include <mica/string.h>

/* Serializes every domain's block lists (rarely used: drivers allocate at start). */
static spinlock_t dma_lock = SPINLOCK_INIT;

static int blocks_reserve(struct domain_dma *dd)
{
	unsigned int cap = dd->cap ? dd->cap * 2 : 16;
	struct dma_block *b;

	if (dd->nr < dd->cap)
		return 0;
	b = xmalloc(cap * sizeof(*b));
	if (!b)
		return -ENOMEM;
	if (dd->nr)
		memcpy(b, dd->blocks, dd->nr * sizeof(*b));
	xfree(dd->blocks);
	dd->blocks = b;
	dd->cap = cap;
	return 0;
}

/* The last frame of [mfn, mfn + nr) that d's physical map uses as a guest frame, or false. */
static bool last_used_gfn(struct domain *d, uint64_t mfn, uint64_t nr, uint64_t *last)
{
	for (uint64_t i = nr; i-- > 0;) {
		if (arch_physmap_query(d, _gfn(mfn + i), NULL, NULL) != -ENOENT) {
			*last = mfn + i;
			return true;
		}
	}
	return false;
}

/*
 * Blocks below the limit, from the lowest address the allocator has up: one that collides with
 * a guest frame in use goes back, and the search goes on above the collision (dom0's RAM sits at
 * low guest frames, its special pages at a few high ones), so it ends after a bounded number of
 * tries.
 */
static paddr_t find_block(struct domain *d, unsigned int order)
{
	uint64_t nr = 1ULL << order, lo = 0, used;

	while (lo < DMA_MEM_LIMIT_ADDR >> PAGE_SHIFT) {
		paddr_t pa = alloc_pages_range(order, lo << PAGE_SHIFT, DMA_MEM_LIMIT_ADDR);

		if (!pa)
			return 0;
		if (!last_used_gfn(d, pa >> PAGE_SHIFT, nr, &used))
			return pa;
		free_pages(pa, order);
		lo = (used + nr) & ~(nr - 1); /* the next aligned block above the collision */
	}
	return 0;
}

int dma_mem_alloc(struct domain *d, unsigned int order, mfn_t *mfn)
{
	struct domain_dma *dd = &d->dma;
	paddr_t pa;
	int rc;

	if (order > DMA_MEM_MAX_ORDER)
		return -EINVAL;
	spin_lock(&dma_lock);
	rc = dd->pages + (1ULL << order) > DMA_MEM_LIMIT_PAGES ? -ENOMEM : blocks_reserve(dd);
	pa = rc ? 0 : find_block(d, order);
	if (!rc && !pa)
		rc = -ENOMEM;
	if (!rc) {
		clear_pages(pa, order);
		page_assign(maddr_to_mfn(pa), order, d->domain_id);
		rc = arch_physmap_map(d, _gfn(pa >> PAGE_SHIFT), maddr_to_mfn(pa), 1ULL << order, PHYSMAP_RW);
		if (rc) {
			arch_physmap_unmap(d, _gfn(pa >> PAGE_SHIFT), 1ULL << order);
			page_release(maddr_to_mfn(pa), order);
		}
	}
	if (!rc) {
		dd->blocks[dd->nr++] = (struct dma_block){maddr_to_mfn(pa), order};
		dd->pages += 1ULL << order;
		*mfn = maddr_to_mfn(pa);
	}
	spin_unlock(&dma_lock);
	return rc;
}

int dma_mem_free(struct domain *d, mfn_t mfn, unsigned int order)
{
	struct domain_dma *dd = &d->dma;
	int rc = -EINVAL;

	spin_lock(&dma_lock);
	for (unsigned int i = 0; i < dd->nr; i++) {
		if (mfn_x(dd->blocks[i].mfn) != mfn_x(mfn) || dd->blocks[i].order != order)
			continue;
		/* Whatever the domain mapped there since (a removal leaves a hole) goes too. */
		rc = arch_physmap_unmap(d, _gfn(mfn_x(mfn)), 1ULL << order);
		if (rc)
			break; /* -ENOMEM splitting a superpage: the block stays, mapped, the caller may retry */
		page_release(mfn, order);
		dd->pages -= 1ULL << order;
		dd->blocks[i] = dd->blocks[--dd->nr];
		break;
	}
	spin_unlock(&dma_lock);
	return rc;
}

void dma_mem_destroy(struct domain *d)
{
	struct domain_dma *dd = &d->dma;

	spin_lock(&dma_lock);
	for (unsigned int i = 0; i < dd->nr; i++)
		page_release(dd->blocks[i].mfn, dd->blocks[i].order);
	xfree(dd->blocks);
	*dd = (struct domain_dma){0};
	spin_unlock(&dma_lock);
}
