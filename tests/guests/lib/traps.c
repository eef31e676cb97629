/*
 * The IDT: vectors 0-31 report the exception and fail the test unless the test's hook expects it;
 * vectors 32-255 get a gate only once a handler is installed (irq_set_handler), and the IDT limit
 * grows just enough to cover them, so a stray vector still faults as it did with 32 entries.
 */
#include "xtf.h"

struct idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type_attr; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
} __attribute__((packed));

extern const char exception_stubs[]; /* exceptions.S: 256 stubs, 16 bytes apart */
static struct idt_gate idt[256] __attribute__((aligned(16)));
static struct desc_ptr idt_ptr = {32 * sizeof(struct idt_gate) - 1, 0};
static irq_handler_t irq_handlers[256];

static const char *const names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF(9)", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25",    "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

static void set_gate(unsigned int v)
{
	uint64_t addr = (uint64_t)(uintptr_t)(exception_stubs + v * 16);

	idt[v] = (struct idt_gate){
	    .offset_lo = (uint16_t)addr,
	    .selector = 0x08,
	    .type_attr = 0x8e,
	    .offset_mid = (uint16_t)(addr >> 16),
	    .offset_hi = (uint32_t)(addr >> 32),
	};
}

void traps_load(void)
{
	lidt(&idt_ptr);
}

void traps_init(void)
{
	for (unsigned int v = 0; v < 32; v++)
		set_gate(v);
	idt_ptr.base = (uint64_t)(uintptr_t)idt;
	traps_load();
}

void irq_set_handler(uint8_t vector, irq_handler_t fn)
{
	uint16_t limit = (uint16_t)((vector + 1) * sizeof(struct idt_gate) - 1);

	if (vector < 32)
		xtf_error("irq_set_handler: vector %u is an exception", vector);
	irq_handlers[vector] = fn;
	set_gate(vector);
	if (limit > idt_ptr.limit)
		idt_ptr.limit = limit;
	traps_load(); /* this vCPU; another one reloads with traps_load() */
}

__attribute__((weak)) bool test_exception_hook(struct cpu_regs *regs)
{
	return false;
}

void exception_handler(struct cpu_regs *regs)
{
	static bool nested;
	uint64_t cr2 = read_cr2();

	if (regs->vector >= 32 && regs->vector < 256 && irq_handlers[regs->vector]) {
		irq_handlers[regs->vector](regs);
		return;
	}
	if (test_exception_hook(regs))
		return;
	if (nested) /* reporting faulted: give up quietly rather than loop */
		cli_hlt_forever();
	nested = true;
	const char *name = regs->vector < 32 ? names[regs->vector] : "interrupt";
	printk("exception %s (vector %lu) error code 0x%lx at rip 0x%lx, cr2 0x%lx, rsp 0x%lx\n", name, regs->vector,
	       regs->error_code, regs->rip, cr2, regs->rsp);
	xtf_failure("unexpected exception %s at rip 0x%lx", name, regs->rip);
}
