/*
 * DMA memory for dom0 (MICA_CTL_DMA_ALLOC / _FREE): naturally aligned blocks of machine RAM
 * below 4 GiB, mapped into the domain at guest frame == machine frame so that a driver's
 * pointers are bus addresses (DESIGN.md §5). The blocks are the domain's pages (page_assign: it
 * may grant them and copy into them), counted apart from its RAM, and freed with it.
 */
#ifndef MICA_DMA_MEM_H
#define MICA_DMA_MEM_H

#include <mica/mm_types.h>
#include <mica/types.h>

struct domain;

#define DMA_MEM_MAX_ORDER 10            /* MICA_CTL_DMA_MAX_PAGES: 4 MiB blocks */
#define DMA_MEM_LIMIT_PAGES 16384ULL    /* 64 MiB per domain */
#define DMA_MEM_LIMIT_ADDR (4ULL << 30) /* dom0's pv-guest maps the low 4 GiB only */

struct dma_block {
	mfn_t mfn;
	unsigned int order;
};

struct domain_dma {
	struct dma_block *blocks;
	unsigned int nr, cap;
	uint64_t pages; /* in all its blocks */
};

/*
 * A zeroed block of 2^order frames below DMA_MEM_LIMIT_ADDR whose frames d's physical map does
 * not use yet, mapped there read-write, write-back; its first frame in *mfn. -EINVAL (order),
 * -ENOMEM (over DMA_MEM_LIMIT_PAGES, or no such memory).
 */
int dma_mem_alloc(struct domain *d, unsigned int order, mfn_t *mfn);
/* Takes back the block at mfn of 2^order frames, exactly as given; -EINVAL if there is none. */
int dma_mem_free(struct domain *d, mfn_t mfn, unsigned int order);
/* d is being torn down: every block goes back (referenced frames at their last put). */
void dma_mem_destroy(struct domain *d);

#endif
