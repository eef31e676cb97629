/*
 * dom0's device memory (pv/pci.h): BAR windows mapped 1:1 (MICA_CTL_IOMEM_MAP, and dom0's page
 * tables above 4 GiB), and DMA memory (MICA_CTL_DMA_ALLOC / _FREE): whole blocks from a page
 * up, smaller pieces carved out of a pool of 64 KiB blocks.
 */
#include <pv/dom0.h>
#include <pv/mm.h>
#include <pv/pci.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define IDENTITY_LIMIT (4ULL << 30) /* head.S maps the low 4 GiB */
#define IOMEM_CALL_MAX 65536ULL     /* pages per MICA_CTL_IOMEM_MAP */
#define MAPPED_MAX 64

/* Frames mapped so far: [first, end) each. */
static struct {
	uint64_t first, end;
} mapped[MAPPED_MAX];
static unsigned int nr_mapped;

static bool frame_mapped(uint64_t f)
{
	for (unsigned int i = 0; i < nr_mapped; i++)
		if (f >= mapped[i].first && f < mapped[i].end)
			return true;
	return false;
}

static int iomem_map(uint64_t first, uint64_t n)
{
	struct mica_ctl c = {.cmd = MICA_CTL_IOMEM_MAP};
	int rc;

	if (nr_mapped >= MAPPED_MAX)
		return -ENOSPC;
	c.u.iomem.mfn = first;
	c.u.iomem.nr_pages = n;
	rc = dom0_ctl(&c);
	if (rc == 0)
		mapped[nr_mapped++] = (typeof(mapped[0])){first, first + n};
	return rc;
}

/* The frames of [first, end) not mapped yet, in runs; a BAR may share a page with one mapped before. */
static int map_frames(uint64_t first, uint64_t end)
{
	while (first < end) {
		uint64_t run = first;
		int rc;

		if (frame_mapped(first)) {
			first++;
			continue;
		}
		while (run < end && run - first < IOMEM_CALL_MAX && !frame_mapped(run))
			run++;
		rc = iomem_map(first, run - first);
		if (rc)
			return rc;
		first = run;
	}
	return 0;
}

volatile void *pci_map_bar(struct pci_dev *p, unsigned int bar, uint64_t off, uint64_t len)
{
	uint64_t pa, size;
	int rc;

	if (bar >= PCI_MAX_BARS || p->bar_io[bar] || !p->bar_size[bar] || !p->bar_base[bar])
		return NULL;
	size = p->bar_size[bar];
	if (!len)
		len = size - MIN(off, size);
	if (off >= size || len > size - off)
		return NULL;
	pa = p->bar_base[bar] + off;
	rc = map_frames(pa >> PAGE_SHIFT, (pa + len + PAGE_SIZE - 1) >> PAGE_SHIFT);
	if (rc) {
		printf("pci: %02x:%02x.%x BAR%u at 0x%llx: the hypervisor refused the mapping (%d)\n", p->bus, p->dev,
		       p->fn, bar, (unsigned long long)pa, rc);
		return NULL;
	}
	/* Below 4 GiB the boot map has it already (uncached through the p2m's memory type). */
	if (pa + len > IDENTITY_LIMIT && mm_map_phys_uc(MAX(pa, IDENTITY_LIMIT), pa + len - MAX(pa, IDENTITY_LIMIT))) {
		printf("pci: %02x:%02x.%x BAR%u at 0x%llx: cannot map it in the page tables\n", p->bus, p->dev, p->fn,
		       bar, (unsigned long long)pa);
		return NULL;
	}
	return (volatile void *)(uintptr_t)pa;
}

/* ---- DMA memory */

#define POOL_BLOCK_PAGES 16 /* 64 KiB blocks feed the pool of pages */
#define PIECE_MIN_SHIFT 6   /* 64-byte pieces ... */
#define PIECE_CLASSES 6     /* ... up to 2 KiB */

struct free_piece {
	struct free_piece *next;
};

static struct free_piece *free_pagelist;              /* whole pool pages */
static struct free_piece *free_pieces[PIECE_CLASSES]; /* pieces below a page, by size class */
static uint64_t dma_pages_held;                       /* from the hypervisor, in all */

static int ctl_dma(uint32_t cmd, uint64_t *base, uint32_t pages)
{
	struct mica_ctl c = {.cmd = cmd};
	int rc;

	c.u.dma.base = *base;
	c.u.dma.nr_pages = pages;
	rc = dom0_ctl(&c);
	if (rc == 0 && cmd == MICA_CTL_DMA_ALLOC)
		*base = c.u.dma.base;
	return rc;
}

static void *pool_page(void)
{
	struct free_piece *pg = free_pagelist;
	uint64_t base = 0;

	if (!pg) {
		if (ctl_dma(MICA_CTL_DMA_ALLOC, &base, POOL_BLOCK_PAGES))
			return NULL;
		dma_pages_held += POOL_BLOCK_PAGES;
		for (unsigned int i = POOL_BLOCK_PAGES; i-- > 0;) {
			struct free_piece *f = (struct free_piece *)(uintptr_t)(base + i * PAGE_SIZE);

			f->next = free_pagelist;
			free_pagelist = f;
		}
		pg = free_pagelist;
	}
	free_pagelist = pg->next;
	memset(pg, 0, PAGE_SIZE);
	return pg;
}

static unsigned int piece_class(size_t bytes)
{
	unsigned int c = 0;

	while ((1UL << (PIECE_MIN_SHIFT + c)) < bytes)
		c++;
	return c;
}

static void *piece_alloc(unsigned int c)
{
	size_t size = 1UL << (PIECE_MIN_SHIFT + c);
	struct free_piece *f = free_pieces[c];

	if (!f) {
		char *pg = pool_page();

		if (!pg)
			return NULL;
		for (size_t off = PAGE_SIZE; off > 0; off -= size) {
			struct free_piece *n = (struct free_piece *)(pg + off - size);

			n->next = free_pieces[c];
			free_pieces[c] = n;
		}
		f = free_pieces[c];
	}
	free_pieces[c] = f->next;
	memset(f, 0, size);
	return f;
}

static uint32_t block_pages(size_t bytes)
{
	uint32_t pages = 1;

	while ((uint64_t)pages * PAGE_SIZE < bytes)
		pages *= 2;
	return pages;
}

void *dma_alloc(size_t bytes)
{
	uint64_t base = 0;
	uint32_t pages;

	if (!bytes || bytes > (size_t)MICA_CTL_DMA_MAX_PAGES * PAGE_SIZE)
		return NULL;
	if (bytes <= PAGE_SIZE / 2)
		return piece_alloc(piece_class(bytes));
	if (bytes <= PAGE_SIZE)
		return pool_page();
	pages = block_pages(bytes);
	if (ctl_dma(MICA_CTL_DMA_ALLOC, &base, pages))
		return NULL;
	dma_pages_held += pages;
	return (void *)(uintptr_t)base;
}

void dma_free(void *p, size_t bytes)
{
	uint64_t base = (uintptr_t)p;
	uint32_t pages;
	struct free_piece *f = p;

	if (!p || !bytes || bytes > (size_t)MICA_CTL_DMA_MAX_PAGES * PAGE_SIZE)
		return;
	if (bytes <= PAGE_SIZE / 2) {
		unsigned int c = piece_class(bytes);

		f->next = free_pieces[c];
		free_pieces[c] = f;
		return;
	}
	if (bytes <= PAGE_SIZE) {
		f->next = free_pagelist;
		free_pagelist = f;
		return;
	}
	pages = block_pages(bytes);
	if (ctl_dma(MICA_CTL_DMA_FREE, &base, pages))
		printf("dma: free of %zu bytes at %p refused: not a block dma_alloc gave\n", bytes, p);
	else
		dma_pages_held -= pages;
}

uint64_t dma_pages_in_use(void)
{
	return dma_pages_held;
}
