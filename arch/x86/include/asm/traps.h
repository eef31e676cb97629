/* Exception and interrupt entry: the register frame and the vectors Mica uses. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <mica/panic.h>
#include <mica/types.h>

/* Saved by entry.S; the layout is shared with it. */
struct cpu_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

#define VEC_NMI 2
#define VEC_DF 8
#define VEC_PF 14
#define VEC_MC 18
#define VEC_FIRST_IRQ 32
#define VEC_IPI_CALL 0xF1
#define VEC_APIC_TIMER 0xF0
#define VEC_SPURIOUS 0xFF

typedef void (*irq_handler_t)(struct cpu_regs *regs);
void irq_set_handler(unsigned int vector, irq_handler_t fn);

void show_registers(const struct cpu_regs *regs);
void show_backtrace(uint64_t rbp);
#endif
