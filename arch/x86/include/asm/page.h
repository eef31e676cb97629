/* x86-64 4-level page tables (Intel SDM Vol. 3A §4.5) and address conversions. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <asm/layout.h>
#include <mica/types.h>

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_G (1ULL << 8)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ULL

#define PAGE_SIZE_2M (1ULL << 21)
#define PAGE_SIZE_1G (1ULL << 30)

/* Mapping attributes for map_range(). */
#define MAP_R 0
#define MAP_W PTE_W
#define MAP_NX PTE_NX
#define MAP_UC (PTE_PCD | PTE_PWT)

extern paddr_t image_phys_base;
extern bool directmap_ready;

/* Direct-map virtual address of physical memory (identity before the switch). */
static inline void *pa_to_va(paddr_t pa)
{
	return directmap_ready ? (void *)(DIRECTMAP_BASE + pa) : (void *)pa;
}

paddr_t va_to_pa(const void *va);

/* Builds the hypervisor's own page tables and switches to them. */
void paging_init(uint64_t phys_end);
/* Maps [pa, pa+size) at va in the hypervisor's tables; returns 0 or -ENOMEM. */
int map_range(vaddr_t va, paddr_t pa, uint64_t size, uint64_t attr);
void unmap_range(vaddr_t va, uint64_t size);
paddr_t paging_root(void);
/* Sets CR4 bits and EFER.NXE as configured on the boot CPU (APs call this too). */
void paging_enable_features(void);

#endif
