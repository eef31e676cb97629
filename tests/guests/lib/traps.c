/* The IDT: vectors 0-31 report the exception and fail the test unless the test's hook expects it. */
#include "xtf.h"

struct idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type_attr; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
} __attribute__((packed));

extern const char exception_stubs[]; /* exceptions.S: 32 stubs, 16 bytes apart */
static struct idt_gate idt[32] __attribute__((aligned(16)));

static const char *const names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF(9)", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25",    "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

void traps_init(void)
{
	for (unsigned int v = 0; v < ARRAY_SIZE(idt); v++) {
		uint64_t addr = (uint64_t)(uintptr_t)(exception_stubs + v * 16);

		idt[v] = (struct idt_gate){
		    .offset_lo = (uint16_t)addr,
		    .selector = 0x08,
		    .type_attr = 0x8e,
		    .offset_mid = (uint16_t)(addr >> 16),
		    .offset_hi = (uint32_t)(addr >> 32),
		};
	}
	struct desc_ptr p = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
	lidt(&p);
}

__attribute__((weak)) bool test_exception_hook(struct cpu_regs *regs)
{
	return false;
}

void exception_handler(struct cpu_regs *regs)
{
	static bool nested;
	uint64_t cr2 = read_cr2();

	if (test_exception_hook(regs))
		return;
	if (nested) /* reporting faulted: give up quietly rather than loop */
		cli_hlt_forever();
	nested = true;
	const char *name = regs->vector < 32 ? names[regs->vector] : "?";
	printk("exception %s (vector %lu) error code 0x%lx at rip 0x%lx, cr2 0x%lx, rsp 0x%lx\n", name, regs->vector,
	       regs->error_code, regs->rip, cr2, regs->rsp);
	xtf_failure("unexpected exception %s at rip 0x%lx", name, regs->rip);
}
