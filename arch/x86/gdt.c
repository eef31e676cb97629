/* Per-CPU GDT and TSS with IST stacks for NMI, #DF and #MC; GS base points at struct cpu. */
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/percpu.h>

struct cpu cpus[MAX_CPUS];
unsigned int nr_cpus = 1;

void idt_load(void);

static uint64_t tss_desc_lo(uint64_t base, uint32_t limit)
{
	return (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) /* present, 64-bit TSS available */
	       | ((uint64_t)((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
}

/*
 * Loads this CPU's GDT, reloads the segment registers (CS through a far
 * return), loads TR and the IDT, and points GS base at the cpu structure.
 * c->stack_top and c->ist_top[] must already be set.
 */
void cpu_load_descriptors(struct cpu *c)
{
	struct desc_ptr gdtr = {sizeof(c->gdt) - 1, (uint64_t)&c->gdt};
	uint64_t base = (uint64_t)&c->tss;

	c->self = c;
	c->gdt.entry[0] = 0;
	c->gdt.entry[1] = 0x00AF9A000000FFFFULL; /* 64-bit code, DPL 0 */
	c->gdt.entry[2] = 0x00CF92000000FFFFULL; /* data, DPL 0 */
	c->gdt.entry[3] = tss_desc_lo(base, sizeof(c->tss) - 1);
	c->gdt.entry[4] = base >> 32;

	c->tss.rsp[0] = (uint64_t)c->stack_top;
	for (int i = 0; i < IST_COUNT; i++)
		c->tss.ist[i] = (uint64_t)c->ist_top[i];
	c->tss.iomap_base = sizeof(c->tss); /* no I/O bitmap */

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 "mov %3, %%fs\n\t"
			 "mov %3, %%gs\n\t"
			 "ltr %w4"
			 :
			 : "m"(gdtr), "i"(GDT_CODE_SEL), "r"(GDT_DATA_SEL), "r"(0), "r"(GDT_TSS_SEL)
			 : "rax", "memory");
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	idt_load();
}
