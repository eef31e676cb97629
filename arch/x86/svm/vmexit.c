/* SVM exit codes (AMD APM Vol. 2, Appendix C) translated into the generic struct hvm_exit. */
#include "vmcb.h"
#include <asm/cpufeature.h>
#include <asm/hvm.h>
#include <mica/domain.h>

struct vmcb *svm_vmcb(struct vcpu *v);

/* Exit codes below 0x100 that Mica handles, by code; the rest are HVM_EXIT_UNKNOWN. */
static const uint8_t svm_exit_table[0x100] = {
    [SVM_EXIT_INTR] = HVM_EXIT_EXTINT,
    [SVM_EXIT_NMI] = HVM_EXIT_NMI,
    [SVM_EXIT_SMI] = HVM_EXIT_EXTINT,
    [SVM_EXIT_VINTR] = HVM_EXIT_INTR_WINDOW,
    [SVM_EXIT_INIT] = HVM_EXIT_EXTINT,
    [SVM_EXIT_CPUID] = HVM_EXIT_CPUID,
    [SVM_EXIT_HLT] = HVM_EXIT_HLT,
    [SVM_EXIT_IOIO] = HVM_EXIT_IO,
    [SVM_EXIT_SHUTDOWN] = HVM_EXIT_TRIPLE_FAULT,
    [SVM_EXIT_VMMCALL] = HVM_EXIT_HYPERCALL,
    [SVM_EXIT_VMRUN] = HVM_EXIT_VIRT_INSN,
    [SVM_EXIT_VMLOAD] = HVM_EXIT_VIRT_INSN,
    [SVM_EXIT_VMSAVE] = HVM_EXIT_VIRT_INSN,
    [SVM_EXIT_STGI] = HVM_EXIT_VIRT_INSN,
    [SVM_EXIT_CLGI] = HVM_EXIT_VIRT_INSN,
    [SVM_EXIT_SKINIT] = HVM_EXIT_VIRT_INSN,
};

/* IOIO EXITINFO1 (APM §15.10.2): type, string, rep, operand size, port. */
static void decode_io(struct hvm_exit *e)
{
	e->io.in = e->info1 & 1;
	e->io.string = e->info1 & (1u << 2);
	e->io.rep = e->info1 & (1u << 3);
	e->io.size = (e->info1 >> 4) & 1 ? 1 : (e->info1 >> 5) & 1 ? 2 : 4;
	e->io.port = (uint16_t)(e->info1 >> 16);
}

void svm_translate_exit(struct vcpu *v, const struct vmcb *vmcb)
{
	struct hvm_exit *e = &v->arch.hvm.exit;
	uint64_t code = vmcb->control.exitcode;

	e->vendor_code = code;
	e->info1 = vmcb->control.exitinfo1;
	e->info2 = vmcb->control.exitinfo2;
	if (code < 0x100)
		e->reason = svm_exit_table[code];
	else if (code == SVM_EXIT_NPF)
		e->reason = HVM_EXIT_NPF;
	else if (code == SVM_EXIT_INVALID)
		e->reason = HVM_EXIT_INVALID;
	else
		e->reason = HVM_EXIT_UNKNOWN;

	switch (e->reason) {
	case HVM_EXIT_UNKNOWN:
		if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32) {
			e->reason = HVM_EXIT_EXCEPTION;
			e->exc.vector = (uint8_t)(code - SVM_EXIT_EXCP_BASE);
			e->exc.has_error = false;
			e->exc.error = (uint32_t)e->info1;
		} else if (code == SVM_EXIT_MSR) {
			e->reason = e->info1 ? HVM_EXIT_MSR_WRITE : HVM_EXIT_MSR_READ;
		}
		break;
	case HVM_EXIT_IO:
		decode_io(e);
		break;
	case HVM_EXIT_NPF: /* EXITINFO1 = #PF-style error code, EXITINFO2 = guest-physical address */
		e->npf.gpa = e->info2;
		e->npf.write = e->info1 & (1u << 1);
		e->npf.exec = e->info1 & (1u << 4);
		e->npf.read = !e->npf.write && !e->npf.exec;
		break;
	default:
		break;
	}
}

/*
 * Skip the intercepted instruction: the CPU's next-RIP when it offers
 * nRIP-save, else the instruction's known length (QEMU's TCG has no nRIP).
 */
void svm_advance_rip(struct vcpu *v)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	struct guest_regs *r = &v->arch.hvm.regs;

	if (boot_cpu.nrips && vmcb->control.next_rip) {
		r->rip = vmcb->control.next_rip;
		return;
	}
	switch (vmcb->control.exitcode) {
	case SVM_EXIT_IOIO:
		r->rip = vmcb->control.exitinfo2; /* the next instruction's address */
		break;
	case SVM_EXIT_HLT:
		r->rip += 1;
		break;
	case SVM_EXIT_CPUID:
	case SVM_EXIT_MSR:
		r->rip += 2;
		break;
	case SVM_EXIT_VMMCALL:
		r->rip += 3;
		break;
	default:
		break;
	}
}
