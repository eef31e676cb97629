/*
 * Hypercalls through the hypercall page (Xen's ABI for HVM/PVH guests: page + nr * 32), 64-bit
 * convention: rdi, rsi, rdx, r10, r8; result in rax. Xen may clobber every argument register.
 */
#ifndef PV_HYPERCALL_H
#define PV_HYPERCALL_H

#include <pv/xen.h>

extern uint8_t hypercall_page[4096];

static inline long _hypercall5(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
			       unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	long ret;

	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : [stub] "r"(hypercall_page + nr * 32)
			 : "memory");
	return ret;
}

#define _hc(nr, a1, a2, a3) _hypercall5(nr, (unsigned long)(a1), (unsigned long)(a2), (unsigned long)(a3), 0, 0)

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return _hc(__HYPERVISOR_xen_version, cmd, arg, 0);
}
static inline long HYPERVISOR_console_io(int cmd, unsigned long n, const void *buf)
{
	return _hc(__HYPERVISOR_console_io, cmd, n, buf);
}
static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return _hc(__HYPERVISOR_sched_op, cmd, arg, 0);
}
static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return _hc(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}
static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return _hc(__HYPERVISOR_memory_op, cmd, arg, 0);
}
static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return _hc(__HYPERVISOR_event_channel_op, cmd, arg, 0);
}
static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{
	return _hc(__HYPERVISOR_grant_table_op, cmd, uop, count);
}
static inline long HYPERVISOR_hvm_op(int cmd, void *arg)
{
	return _hc(__HYPERVISOR_hvm_op, cmd, arg, 0);
}
/* Mica's control interface (include/public/mica/ctl.h), for the privileged dom0 build. */
static inline long HYPERVISOR_mica_ctl(void *arg)
{
	return _hc(36, arg, 0, 0);
}

#endif
