/* x86 pieces the kernel core shares: trap frames, the upcall vector, halting, crashing. */
#ifndef PV_ARCH_H
#define PV_ARCH_H

#include <pv/os.h>

#define UPCALL_VECTOR 0xf3

/* What entry.S pushes, lowest address first. */
struct trap_regs {
	unsigned long r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	unsigned long vector, error_code;
	unsigned long rip, cs, rflags, rsp, ss; /* the CPU's interrupt frame */
};

void init_traps(void);
void do_upcall(struct trap_regs *r); /* events.c */
void backtrace(uint64_t rbp, uint64_t rip);
const char *current_thread_name(void);             /* sched.c; "boot" before threads */
__attribute__((noreturn)) void crash_domain(void); /* SCHEDOP_shutdown(crash), halt if that returns */
__attribute__((noreturn)) void arch_halt_forever(void);

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};
static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(sub));
	return r;
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
/* Enables interrupts and halts in one go (STI's shadow covers the HLT): no upcall is lost. */
static inline void safe_halt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

#endif
