/* Per-CPU data, reached through GS base (gs:0 holds the struct's own address). */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <asm/desc.h>

struct domain;
#include <mica/types.h>

#define MAX_CPUS 64

enum cpu_state {
	CPU_OFFLINE = 0,
	CPU_BOOTING,
	CPU_ONLINE,
	CPU_IDLE,
	CPU_FAILED,
};

struct cpu {
	struct cpu *self; /* must stay first: read with %gs:0 */
	unsigned int id;  /* logical number, 0 = boot CPU */
	uint32_t apic_id;
	volatile int state; /* enum cpu_state */
	uint64_t idle_halts;
	uint64_t timer_ticks;
	uint64_t nmis;
	/* the domain whose vCPU this CPU is about to enter or runs, NULL in the hypervisor (p2m flushes) */
	struct domain *volatile in_guest;
	/* odd while a hypercall runs here (arch_synchronize_hypercalls) */
	volatile uint64_t hypercall_seq;
	struct gdt_table gdt __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
	void *stack_top;
	void *ist_top[IST_COUNT];
};

extern struct cpu cpus[MAX_CPUS];
extern unsigned int nr_cpus; /* CPUs found in the MADT (or 1) */

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

static inline unsigned int smp_processor_id(void)
{
	return this_cpu()->id;
}

#endif
