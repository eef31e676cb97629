/*
 * Physical ranges above the boot identity map (head.S maps the low 4 GiB with 2 MiB pages):
 * device memory high in the physical address space (64-bit PCI BARs), mapped 1:1 and uncached,
 * and dom0's windows for other domains' pages (pv-guest/dom0/window.c), mapped 1:1 write-back.
 */
#include <pv/mm.h>

#include <stdbool.h>
#include <stdint.h>

#define PTE_P 0x001ULL
#define PTE_W 0x002ULL
#define PTE_PWT 0x008ULL
#define PTE_PCD 0x010ULL
#define PTE_PS 0x080ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define LARGE_PAGE (2ULL << 20)
#define VA_LIMIT (1ULL << 47) /* the lower half of 48-bit virtual addresses: VA == PA must be canonical */

extern uint64_t boot_pml4[512];

/* The table an entry points at, allocated (zeroed) when there is none; NULL without memory. */
static uint64_t *next_table(uint64_t *entry)
{
	if (!(*entry & PTE_P)) {
		void *t = alloc_page();

		if (!t)
			return NULL;
		*entry = (uint64_t)(uintptr_t)t | PTE_P | PTE_W;
	}
	return (uint64_t *)(uintptr_t)(*entry & PTE_ADDR);
}

/*
 * SDM Vol. 3A §4.9 / §11.12.3: PCD | PWT on a 2 MiB leaf selects PAT entry 3, UC under the
 * power-on PAT, so device registers are never cached whatever the hypervisor's p2m says.
 * 2 MiB pages that are already present (the boot map, an earlier call) are left alone.
 */
int mm_map_phys(uint64_t pa, uint64_t len, bool uncached)
{
	uint64_t start = pa & ~(LARGE_PAGE - 1), end = pa + len;

	if (!len || end < pa || end > VA_LIMIT)
		return -1;
	for (uint64_t a = start; a < end; a += LARGE_PAGE) {
		uint64_t *pdpt = next_table(&boot_pml4[(a >> 39) & 511]);
		uint64_t *pd = pdpt ? next_table(&pdpt[(a >> 30) & 511]) : NULL;
		uint64_t *e;

		if (!pd)
			return -1;
		e = &pd[(a >> 21) & 511];
		if (*e & PTE_P)
			continue;
		*e = a | PTE_P | PTE_W | PTE_PS | (uncached ? PTE_PCD | PTE_PWT : 0);
		__asm__ volatile("invlpg (%0)" ::"r"(a) : "memory");
	}
	return 0;
}

int mm_map_phys_uc(uint64_t pa, uint64_t len)
{
	return mm_map_phys(pa, len, true);
}
