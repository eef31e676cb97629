/* IDT, exception reporting (registers, faulting address, backtrace) and interrupt dispatch. */
#include <stdarg.h>
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/layout.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <mica/console.h>
#include <mica/printk.h>
#include <mica/symbols.h>

extern const uint64_t trap_vector_table[256];
extern char _etext[], _image_start[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_t irq_handlers[256];
static volatile int panicking;
extern volatile bool cpus_stopping;

static const char *const exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
};

static void idt_set(unsigned int vec, uint64_t handler, unsigned int ist)
{
	struct idt_gate *g = &idt[vec];

	g->offset_lo = handler & 0xffff;
	g->selector = GDT_CODE_SEL;
	g->ist = ist;
	g->type_attr = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_hi = handler >> 32;
	g->reserved = 0;
}

void idt_init(void)
{
	for (unsigned int v = 0; v < 256; v++)
		idt_set(v, trap_vector_table[v], 0);
	idt_set(VEC_NMI, trap_vector_table[VEC_NMI], IST_NMI + 1);
	idt_set(VEC_DF, trap_vector_table[VEC_DF], IST_DF + 1);
	idt_set(VEC_MC, trap_vector_table[VEC_MC], IST_MC + 1);
}

void idt_load(void)
{
	struct desc_ptr p = {sizeof(idt) - 1, (uint64_t)idt};

	__asm__ volatile("lidt %0" ::"m"(p));
}

void irq_set_handler(unsigned int vector, irq_handler_t fn)
{
	if (vector < 256)
		irq_handlers[vector] = fn;
}

static bool is_text_address(uint64_t a)
{
	return a >= (uint64_t)_image_start && a < (uint64_t)_etext;
}

static void print_address(uint64_t a)
{
	uint64_t off;
	const char *name = symbol_lookup(a, &off);

	if (name)
		printk("    [<%016lx>] %s+0x%lx\n", a, name, off);
	else
		printk("    [<%016lx>]\n", a);
}

void show_backtrace(uint64_t rbp)
{
	printk("Backtrace:\n");
	for (int depth = 0; depth < 32 && rbp; depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;

		/* Frames live on hypervisor stacks, which are 8-byte aligned and in the higher half. */
		if ((rbp & 7) || rbp < DIRECTMAP_BASE)
			break;
		if (!is_text_address(frame[1]))
			break;
		print_address(frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void show_registers(const struct cpu_regs *r)
{
	printk("RIP: %04lx:%016lx  RFLAGS: %016lx\n", r->cs, r->rip, r->rflags);
	if (is_text_address(r->rip))
		print_address(r->rip);
	printk("RAX: %016lx  RBX: %016lx  RCX: %016lx\n", r->rax, r->rbx, r->rcx);
	printk("RDX: %016lx  RSI: %016lx  RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
	printk("RBP: %016lx  RSP: %016lx  R8:  %016lx\n", r->rbp, r->rsp, r->r8);
	printk("R9:  %016lx  R10: %016lx  R11: %016lx\n", r->r9, r->r10, r->r11);
	printk("R12: %016lx  R13: %016lx  R14: %016lx\n", r->r12, r->r13, r->r14);
	printk("R15: %016lx  SS: %04lx\n", r->r15, r->ss);
	printk("CR0: %016lx  CR2: %016lx  CR3: %016lx  CR4: %016lx\n", read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

static void stop_all_cpus(void);

static __noreturn void fatal_trap(struct cpu_regs *r)
{
	unsigned int v = (unsigned int)r->vector;

	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		cpu_halt_forever();
	console_force_unlock();
	printk("\n*** Mica: fatal exception %u (%s) on CPU%u, error code 0x%lx\n", v,
	       v < 32 && exception_names[v] ? exception_names[v] : "unknown", this_cpu()->id, r->error_code);
	if (v == VEC_PF)
		printk("Faulting address: %016lx (%s, %s, %s%s)\n", read_cr2(),
		       r->error_code & 1 ? "protection violation" : "not present", r->error_code & 2 ? "write" : "read",
		       r->error_code & 16 ? "instruction fetch" : "data",
		       r->error_code & 8 ? ", reserved bit set" : "");
	show_registers(r);
	show_backtrace(r->rbp);
	stop_all_cpus();
	printk("*** System halted.\n");
	cpu_halt_forever();
}

void trap_dispatch(struct cpu_regs *r)
{
	unsigned int v = (unsigned int)r->vector;

	if (v >= VEC_FIRST_IRQ && irq_handlers[v]) {
		irq_handlers[v](r);
		return;
	}
	if (v == VEC_SPURIOUS)
		return;
	if (v == VEC_NMI && cpus_stopping)
		cpu_halt_forever();
	if (v == VEC_NMI) {         /* a platform NMI (watchdog, button): count it and carry on; */
		this_cpu()->nmis++; /* no printk here: the NMI may have interrupted one */
		return;
	}
	fatal_trap(r);
}

static void stop_all_cpus(void)
{
	if (nr_cpus > 1)
		smp_send_stop();
}

__noreturn void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	uint64_t rbp;

	irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		cpu_halt_forever();
	console_force_unlock();
	va_start(ap, fmt);
	vsnprintf_k(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("\n*** Mica PANIC on CPU%u: %s\n", this_cpu() ? this_cpu()->id : 0, buf);
	__asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
	show_backtrace(rbp);
	stop_all_cpus();
	printk("*** System halted.\n");
	cpu_halt_forever();
}
