/*
 * test-npf: a read of guest-physical memory the domain does not have (64 GiB, far above
 * its RAM). Our own page tables map it, so the access reaches the hypervisor as a nested
 * page fault / EPT violation, which must crash this guest and nothing else.
 */
#include "xtf.h"

const char test_title[] = "read of unmapped guest-physical memory";

#define TARGET_GPA (64ull << 30)
#define PTE_P_W 0x003ull
#define PTE_P_W_PS 0x083ull

extern uint64_t pvh_pdpt[512]; /* head.S: PML4[0] -> this PDPT, covering 0-512 GiB */
static uint64_t spare_pd[512] __attribute__((aligned(4096)));

/* Map the 2 MiB around gpa at the same virtual address (2 MiB pages need no CPUID check, 1 GiB pages do). */
static volatile uint32_t *map_identity(uint64_t gpa)
{
	spare_pd[(gpa >> 21) & 511] = (gpa & ~0x1fffffull) | PTE_P_W_PS;
	pvh_pdpt[gpa >> 30] = (uintptr_t)spare_pd | PTE_P_W;
	write_cr3(read_cr3()); /* flush the TLB */
	return (volatile uint32_t *)(uintptr_t)gpa;
}

void test_main(void)
{
	uint64_t gpa = TARGET_GPA;
	unsigned int phys_bits = 36;

	if (cpuid(0x80000000).eax >= 0x80000008)
		phys_bits = cpuid(0x80000008).eax & 0xff;
	if (gpa >> phys_bits) /* beyond MAXPHYADDR the PTE itself would be invalid: use the top 2 MiB */
		gpa = (1ull << phys_bits) - 0x200000;
	if (gpa >> 39 || gpa < (4ull << 30))
		xtf_error("no target above 4 GiB in the first PML4 entry (MAXPHYADDR %u)", phys_bits);

	volatile uint32_t *p = map_identity(gpa);

	printk("npf: reading unmapped guest-physical memory at 0x%lx (MAXPHYADDR %u)\n", gpa, phys_bits);
	uint32_t v = *p;

	printk("npf: read returned 0x%x\n", v);
	xtf_failure("read of unmapped memory returned");
}
