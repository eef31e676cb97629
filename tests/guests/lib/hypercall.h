/*
 * Xen hypercalls from a 64-bit guest: number in the hypercall page slot (page + nr * 32),
 * arguments in rdi, rsi, rdx, r10, r8, result in rax. Xen may clobber every argument
 * register (debug builds do on purpose), so all five are outputs too.
 */
#ifndef XTF_HYPERCALL_H
#define XTF_HYPERCALL_H

#include <stdint.h>

extern uint8_t hypercall_page[4096];

#define HYPERCALL_ASM(insn, ...)                                                                                    \
	register unsigned long r10 asm("r10") = a4;                                                                 \
	register unsigned long r8 asm("r8") = a5;                                                                   \
	long ret;                                                                                                   \
	asm volatile(insn : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8) : __VA_ARGS__ : "memory"); \
	return ret

/* Through the hypercall page: nr < 128 (one 32-byte slot each). */
static inline long hypercall5(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
			      unsigned long a5)
{
	HYPERCALL_ASM("call *%[stub]", [stub] "r"(hypercall_page + nr * 32));
}

/* Straight to the hypervisor with any eax, bypassing the page: vmcall (Intel) or vmmcall (AMD). */
static inline long vmcall5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
			   unsigned long a5)
{
	HYPERCALL_ASM("vmcall", "a"(nr));
}

static inline long vmmcall5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
			    unsigned long a5)
{
	HYPERCALL_ASM("vmmcall", "a"(nr));
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return hypercall5(__HYPERVISOR_xen_version, (unsigned int)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_console_io(int cmd, unsigned long count, const void *buf)
{
	return hypercall5(__HYPERVISOR_console_io, (unsigned int)cmd, count, (unsigned long)buf, 0, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return hypercall5(__HYPERVISOR_sched_op, (unsigned int)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return hypercall5(__HYPERVISOR_vcpu_op, (unsigned int)cmd, vcpu, (unsigned long)arg, 0, 0);
}

static inline long HYPERVISOR_set_timer_op(uint64_t timeout)
{
	return hypercall5(__HYPERVISOR_set_timer_op, timeout, 0, 0, 0, 0);
}

static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return hypercall5(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return hypercall5(__HYPERVISOR_event_channel_op, (unsigned int)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_hvm_op(int cmd, void *arg)
{
	return hypercall5(__HYPERVISOR_hvm_op, (unsigned int)cmd, (unsigned long)arg, 0, 0, 0);
}

#endif
