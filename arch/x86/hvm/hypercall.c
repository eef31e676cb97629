/*
 * The hypercall entry from VMMCALL/VMCALL: Xen's register conventions
 * (64-bit: rax = number, rdi rsi rdx r10 r8; 32-bit: eax, ebx ecx edx esi edi)
 * and its rule that only guest kernels (CPL 0) may make hypercalls.
 */
#include <asm/cpu.h>
#include <asm/hvm.h>
#include <asm/percpu.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/hypercall.h>

void hvm_hypercall(struct vcpu *v)
{
	uint64_t *g = v->arch.hvm.regs.gpr, efer = 0, args[HYPERCALL_MAX_ARGS];
	bool long_mode;
	long ret;
	struct cpu *c = this_cpu();

	__atomic_fetch_add(&c->hypercall_seq, 1, __ATOMIC_SEQ_CST);
	hvm->get_msr(v, MSR_EFER, &efer);
	long_mode = efer & EFER_LMA;
	if (hvm->get_cpl(v) != 0) {
		ret = -EPERM;
	} else if (long_mode) {
		args[0] = g[GPR_RDI];
		args[1] = g[GPR_RSI];
		args[2] = g[GPR_RDX];
		args[3] = g[GPR_R10];
		args[4] = g[GPR_R8];
		ret = hypercall_dispatch(v, g[GPR_RAX], args);
	} else {
		args[0] = (uint32_t)g[GPR_RBX];
		args[1] = (uint32_t)g[GPR_RCX];
		args[2] = (uint32_t)g[GPR_RDX];
		args[3] = (uint32_t)g[GPR_RSI];
		args[4] = (uint32_t)g[GPR_RDI];
		ret = hypercall_dispatch(v, (uint32_t)g[GPR_RAX], args);
	}
	g[GPR_RAX] = long_mode ? (uint64_t)ret : (uint32_t)ret;
	__atomic_fetch_add(&c->hypercall_seq, 1, __ATOMIC_SEQ_CST);
}
