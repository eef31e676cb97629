/*
 * The hypervisor's page tables: the image mapped at KERNEL_VIRT_BASE with W^X
 * (text RX, rodata R, data/bss RW+NX) and a direct map of physical memory at
 * DIRECTMAP_BASE (RW+NX). Memory types come from the firmware's MTRRs
 * (MMIO ranges are UC there), so the direct map uses write-back PAT entries.
 */
#include <asm/cpu.h>
#include <asm/page.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/string.h>

extern char _image_start[], _etext[], _erodata[], _image_end[];

paddr_t image_phys_base;
bool directmap_ready;
static paddr_t root_pa;
static bool have_1g_pages;
static uint64_t cr4_features;

paddr_t va_to_pa(const void *p)
{
	vaddr_t va = (vaddr_t)p;

	if (va >= KERNEL_VIRT_BASE)
		return image_phys_base + (va - (KERNEL_VIRT_BASE + IMAGE_LOAD_PHYS));
	if (va >= DIRECTMAP_BASE && va < DIRECTMAP_BASE + DIRECTMAP_SIZE)
		return va - DIRECTMAP_BASE;
	return va; /* identity (boot only) */
}

paddr_t paging_root(void)
{
	return root_pa;
}

static uint64_t *table_next(uint64_t *entry)
{
	paddr_t pa;

	if (*entry & PTE_P) {
		BUG_ON(*entry & PTE_PS); /* would split a large page: not needed by Mica */
		return pa_to_va(*entry & PTE_ADDR_MASK);
	}
	pa = mm_alloc_pagetable();
	if (!pa)
		return NULL;
	memset(pa_to_va(pa), 0, PAGE_SIZE);
	*entry = pa | PTE_P | PTE_W;
	return pa_to_va(pa);
}

static unsigned int index_at(vaddr_t va, unsigned int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

static uint64_t page_size_for(vaddr_t va, paddr_t pa, uint64_t left)
{
	if (have_1g_pages && !((va | pa) & (PAGE_SIZE_1G - 1)) && left >= PAGE_SIZE_1G)
		return PAGE_SIZE_1G;
	if (!((va | pa) & (PAGE_SIZE_2M - 1)) && left >= PAGE_SIZE_2M)
		return PAGE_SIZE_2M;
	return PAGE_SIZE;
}

int map_range(vaddr_t va, paddr_t pa, uint64_t size, uint64_t attr)
{
	uint64_t *pml4 = pa_to_va(root_pa);

	while (size) {
		uint64_t sz = page_size_for(va, pa, size);
		unsigned int leaf_level = sz == PAGE_SIZE_1G ? 3 : sz == PAGE_SIZE_2M ? 2 : 1;
		uint64_t *table = pml4;

		for (unsigned int level = 4; level > leaf_level; level--) {
			table = table_next(&table[index_at(va, level)]);
			if (!table)
				return -ENOMEM;
		}
		table[index_at(va, leaf_level)] =
		    pa | PTE_P | attr | (va >> 63 ? PTE_G : 0) | (leaf_level > 1 ? PTE_PS : 0);
		va += sz;
		pa += sz;
		size -= sz;
	}
	return 0;
}

void unmap_range(vaddr_t va, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t *table = pa_to_va(root_pa);
		unsigned int level;

		for (level = 4; level > 1; level--) {
			uint64_t e = table[index_at(va + off, level)];
			if (!(e & PTE_P) || (e & PTE_PS))
				break;
			table = pa_to_va(e & PTE_ADDR_MASK);
		}
		table[index_at(va + off, level)] = 0;
		invlpg((void *)(va + off));
	}
}

static void map_image_part(const char *start, const char *end, uint64_t attr)
{
	if (map_range((vaddr_t)start, va_to_pa(start), (vaddr_t)end - (vaddr_t)start, attr))
		panic("out of memory mapping the hypervisor image");
}

void paging_enable_features(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	write_cr4(read_cr4() | cr4_features);
}

void paging_init(uint64_t phys_end)
{
	struct cpuid_regs ext = cpuid(0x80000001), l7 = cpuid_count(7, 0);

	if (!(ext.edx & (1u << 20)))
		panic("CPU lacks NX (execute disable): Mica requires it");
	have_1g_pages = ext.edx & (1u << 26);
	cr4_features = CR4_PGE | CR4_OSFXSR; /* FXSAVE/FXRSTOR switch the guests' SSE registers too */
	if (l7.ebx & (1u << 7))
		cr4_features |= CR4_SMEP;
	if (l7.ebx & (1u << 20))
		cr4_features |= CR4_SMAP;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE); /* NX bits are reserved without it */

	root_pa = mm_alloc_pagetable();
	if (!root_pa)
		panic("no memory for the page-table root");
	memset(pa_to_va(root_pa), 0, PAGE_SIZE);

	map_image_part(_image_start, _etext, MAP_R);
	map_image_part(_etext, _erodata, MAP_R | MAP_NX);
	map_image_part(_erodata, _image_end, MAP_W | MAP_NX);

	phys_end = ALIGN_UP(MAX(phys_end, 4ULL << 30), PAGE_SIZE_1G);
	if (phys_end > DIRECTMAP_SIZE)
		phys_end = DIRECTMAP_SIZE;
	if (map_range(DIRECTMAP_BASE, 0, phys_end, MAP_W | MAP_NX))
		panic("out of memory building the direct map");

	write_cr3(root_pa);
	directmap_ready = true;
	paging_enable_features();
}

void paging_print_summary(void)
{
	uint64_t cr4 = read_cr4();

	printk("Paging: image RX/R/RW+NX at %p, direct map at %p, %s pages, NX%s%s\n", (void *)_image_start,
	       (void *)DIRECTMAP_BASE, have_1g_pages ? "1G" : "2M", cr4 & CR4_SMEP ? ", SMEP" : "",
	       cr4 & CR4_SMAP ? ", SMAP" : "");
}
