/* Application processor bring-up (INIT-SIPI-SIPI, SDM Vol. 3A §9.4), per-CPU idle loops, stop IPIs. */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/hvm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <asm/traps.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/string.h>

extern char ap_trampoline_start[], ap_trampoline_end[];
extern uint64_t ap_tramp_cr3, ap_tramp_stack, ap_tramp_entry, ap_tramp_cpu;

volatile bool cpus_stopping;

static uint64_t *tramp_var(uint64_t *sym)
{
	return (uint64_t *)((uint8_t *)pa_to_va(AP_TRAMPOLINE_PHYS) + ((char *)sym - ap_trampoline_start));
}

/* Until the scheduler starts (sched_start kicks every CPU), CPUs wait here; then they run it. */
__noreturn void cpu_idle_loop(void)
{
	struct cpu *c = this_cpu();

	c->state = CPU_IDLE;
	for (;;) {
		if (sched_started()) {
			c->state = CPU_ONLINE;
			sched_run(); /* the boot CPU made this CPU known to it (platform_init) */
		}
		/* sti takes effect after the next instruction, so no wake-up is lost before hlt. */
		__asm__ volatile("sti; hlt" ::: "memory");
		c->idle_halts++;
	}
}

static void ipi_call(struct cpu_regs *regs)
{
	apic_eoi();
}

void smp_kick(unsigned int cpu)
{
	if (cpu < nr_cpus && cpu != smp_processor_id())
		apic_send_ipi(cpus[cpu].apic_id, ICR_FIXED | VEC_IPI_CALL);
}

uint64_t cpus_online_mask(void)
{
	uint64_t m = 0;

	for (unsigned int i = 0; i < nr_cpus; i++)
		if (cpus[i].state != CPU_FAILED && cpus[i].state != CPU_OFFLINE)
			m |= 1ULL << i;
	return m;
}

static __noreturn void ap_entry(struct cpu *c)
{
	cpu_load_descriptors(c);
	paging_enable_features();
	write_cr3(read_cr3()); /* drop the trampoline's identity mapping from this TLB */
	apic_init_ap();
	time_init_ap();
	c->apic_id = apic_id();
	hvm_cpu_enable_ap();
	c->state = CPU_ONLINE;
	cpu_idle_loop();
}

static bool alloc_cpu_stacks(struct cpu *c)
{
	uint8_t *stack = alloc_pages_va(2); /* CPU_STACK_SIZE */

	if (!stack)
		return false;
	c->stack_top = stack + CPU_STACK_SIZE;
	for (int i = 0; i < IST_COUNT; i++) {
		uint8_t *ist = alloc_pages_va(1); /* IST_STACK_SIZE */
		if (!ist)
			return false;
		c->ist_top[i] = ist + IST_STACK_SIZE;
	}
	return true;
}

static bool start_cpu(struct cpu *c)
{
	*tramp_var(&ap_tramp_stack) = (uint64_t)c->stack_top;
	*tramp_var(&ap_tramp_cpu) = (uint64_t)c;
	c->state = CPU_BOOTING;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	apic_send_ipi(c->apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
	mdelay(10);
	for (int sipi = 0; sipi < 2 && c->state == CPU_BOOTING; sipi++) {
		apic_send_ipi(c->apic_id, ICR_STARTUP | (AP_TRAMPOLINE_PHYS >> 12));
		udelay(200);
	}
	for (int ms = 0; ms < 1000 && c->state == CPU_BOOTING; ms++)
		mdelay(1);
	if (c->state == CPU_BOOTING) {
		c->state = CPU_FAILED;
		return false;
	}
	return true;
}

unsigned int smp_boot(const struct acpi_info *ai, unsigned int max_cpus)
{
	uint32_t self = apic_id();
	unsigned int n = 1;

	irq_set_handler(VEC_IPI_CALL, ipi_call);
	cpus[0].apic_id = self;
	if (!ai->madt.present || max_cpus <= 1)
		return nr_cpus = 1;
	if (paging_root() >> 32) {
		printk("SMP: page-table root above 4 GiB; application processors not started\n");
		return nr_cpus = 1;
	}
	if (map_range(0, 0, PAGE_SIZE_2M, MAP_W)) {
		printk("SMP: no memory for the trampoline mapping\n");
		return nr_cpus = 1;
	}
	memcpy(pa_to_va(AP_TRAMPOLINE_PHYS), ap_trampoline_start, ap_trampoline_end - ap_trampoline_start);
	*tramp_var(&ap_tramp_cr3) = paging_root();
	*tramp_var(&ap_tramp_entry) = (uint64_t)ap_entry;

	for (uint32_t i = 0; i < ai->madt.cpu_count && n < MIN(max_cpus, MAX_CPUS); i++) {
		const struct acpi_cpu *ac = &ai->madt.cpus[i];
		struct cpu *c = &cpus[n];

		if (!ac->enabled || ac->apic_id == self)
			continue;
		if (!apic_x2apic_mode && ac->apic_id > 0xfe) {
			printk("SMP: CPU with APIC ID %u needs x2APIC mode; skipped\n", ac->apic_id);
			continue;
		}
		c->id = n;
		c->apic_id = ac->apic_id;
		if (!alloc_cpu_stacks(c)) {
			printk("SMP: out of memory for CPU stacks\n");
			break;
		}
		if (start_cpu(c))
			n++;
		else
			printk("SMP: CPU with APIC ID %u did not start\n", ac->apic_id);
	}
	unmap_range(0, PAGE_SIZE_2M);
	return nr_cpus = n;
}

bool smp_wait_idle(unsigned int timeout_ms)
{
	for (unsigned int ms = 0;; ms++) {
		unsigned int idle = 1; /* the caller, the boot CPU */
		for (unsigned int i = 1; i < nr_cpus; i++)
			if (cpus[i].state == CPU_IDLE)
				idle++;
		if (idle == nr_cpus)
			return true;
		if (ms >= timeout_ms)
			return false;
		mdelay(1);
	}
}

void smp_send_stop(void)
{
	cpus_stopping = true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	apic_send_ipi_all_but_self(ICR_NMI);
	mdelay(10);
}
