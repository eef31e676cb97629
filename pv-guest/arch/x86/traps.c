/*
 * The IDT: the 32 exceptions dump the registers and a frame-pointer backtrace, then report a
 * crash (SCHEDOP_shutdown, SHUTDOWN_crash); the upcall vector runs the event dispatcher.
 */
#include <pv/arch.h>
#include <pv/events.h>

#include <stdio.h>

struct idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type_attr; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const char trap_stubs[], upcall_stub[];
static struct idt_gate idt[256] __attribute__((aligned(16)));

static const char *const names[32] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "#15",
    "x87 FP error",
    "alignment check",
    "machine check",
    "SIMD FP error",
    "virtualization",
    "control protection",
    "#22",
    "#23",
    "#24",
    "#25",
    "#26",
    "#27",
    "#28",
    "#29",
    "#30",
    "#31",
};

static void set_gate(unsigned int v, const void *stub)
{
	uint64_t addr = (uint64_t)(uintptr_t)stub;

	idt[v] = (struct idt_gate){
	    .offset_lo = (uint16_t)addr,
	    .selector = 0x08,
	    .type_attr = 0x8e,
	    .offset_mid = (uint16_t)(addr >> 16),
	    .offset_hi = (uint32_t)(addr >> 32),
	};
}

void init_traps(void)
{
	static struct desc_ptr idt_ptr = {sizeof(idt) - 1, 0};

	for (unsigned int v = 0; v < 32; v++)
		set_gate(v, trap_stubs + v * 16);
	set_gate(UPCALL_VECTOR, upcall_stub);
	idt_ptr.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" ::"m"(idt_ptr));
}

static uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

extern char __image_start[], __image_end[];

/* Frame pointers (-fno-omit-frame-pointer): walk saved %rbp links while they stay in RAM. */
void backtrace(uint64_t rbp, uint64_t rip)
{
	printk("  backtrace: %#lx", (unsigned long)rip);
	for (int i = 0; i < 16 && rbp && !(rbp & 7) && rbp >= 0x1000 && rbp < 0x100000000ULL; i++) {
		uint64_t *frame = (uint64_t *)(uintptr_t)rbp;

		if (!frame[1])
			break;
		printk(" %#lx", (unsigned long)frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
	printk("\n");
}

void trap_dispatch(struct trap_regs *r)
{
	static bool nested;

	if (r->vector == UPCALL_VECTOR) {
		do_upcall(r);
		return;
	}
	if (nested)
		arch_halt_forever();
	nested = true;
	printk("\n*** pv-guest: %s (vector %lu, error code %#lx) at rip %#lx\n",
	       r->vector < 32 ? names[r->vector] : "?", (unsigned long)r->vector, (unsigned long)r->error_code,
	       (unsigned long)r->rip);
	printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	printk("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", r->rsi, r->rdi, r->rbp, r->rsp);
	printk("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", r->r8, r->r9, r->r10, r->r11);
	printk("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", r->r12, r->r13, r->r14, r->r15);
	printk("  rflags %08lx cr2 %016lx cs %04lx ss %04lx thread %s\n", r->rflags, (unsigned long)read_cr2(), r->cs,
	       r->ss, current_thread_name());
	backtrace(r->rbp, r->rip);
	crash_domain();
}
