/*
 * dom0's windows: guest-physical space where other domains' pages appear in dom0 (their store
 * rings, grant mappings for the backends, the builder's foreign mappings). Nothing of dom0's
 * own may be there, now or later: its RAM is low, its DMA blocks are below 4 GiB (at their
 * machine addresses, wherever the hypervisor found free memory), its BARs are where the
 * firmware put them. So the windows start above 4 GiB and above every memory BAR that PCI
 * enumeration found, on a 1 GiB boundary with a 1 GiB gap, and are handed out in order.
 */
#include <pv/dom0.h>
#include <pv/mm.h>
#include <pv/pci.h>

#define GIB (1ULL << 30)
#define WINDOWS_MAX_PAGES (1ULL << 20) /* 4 GiB of windows in all */

static uint64_t next_gfn, end_gfn;

static uint64_t windows_base(void)
{
	uint64_t top = 4 * GIB;
	struct pci_dev *p;

	for (unsigned int i = 0; (p = pci_get(i)) != NULL; i++)
		for (unsigned int b = 0; b < PCI_MAX_BARS; b++)
			if (!p->bar_io[b] && p->bar_base[b] && p->bar_base[b] + p->bar_size[b] > top)
				top = p->bar_base[b] + p->bar_size[b];
	return ((top + GIB - 1) & ~(GIB - 1)) + GIB;
}

uint64_t dom0_window(uint64_t pages, const char *what)
{
	uint64_t gfn;

	if (!next_gfn) {
		next_gfn = windows_base() >> PAGE_SHIFT;
		end_gfn = next_gfn + WINDOWS_MAX_PAGES;
	}
	if (!pages || pages > end_gfn - next_gfn)
		return 0;
	gfn = next_gfn;
	if (mm_map_phys(gfn << PAGE_SHIFT, pages << PAGE_SHIFT, false)) {
		printk("dom0: no page tables for the %s window\n", what);
		return 0;
	}
	/* 2 MiB apart: mm_map_phys maps whole 2 MiB pages, so each window starts on one. */
	next_gfn += (pages + 511) & ~511ULL;
	printk("dom0: %s at %#llx (%llu pages)\n", what, (unsigned long long)(gfn << PAGE_SHIFT),
	       (unsigned long long)pages);
	return gfn;
}
