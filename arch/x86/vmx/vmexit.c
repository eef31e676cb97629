/*
 * VMX exit reasons (SDM Vol. 3C Appendix C) translated into the generic
 * struct hvm_exit, the events that go back into the guest at the next entry,
 * and the VMCS dump for crash reports.
 */
#include "vmx.h"
#include <asm/cpu.h>
#include <mica/domain.h>
#include <mica/printk.h>
#include <mica/string.h>

#define VMFAIL_CODE (~0ULL) /* vendor_code of an entry the CPU refused outright */
/* Vectors whose exceptions push an error code: #DF #TS #NP #SS #GP #PF #AC #CP */
#define VECTORS_WITH_ERROR 0x00227d00u

/* Basic exit reasons Mica handles, by number; the rest are HVM_EXIT_UNKNOWN. */
static const uint8_t vmx_exit_table[EXIT_REASON_COUNT] = {
    [EXIT_EXCEPTION_NMI] = HVM_EXIT_EXCEPTION, /* or HVM_EXIT_NMI, by interruption type */
    [EXIT_EXTERNAL_INTERRUPT] = HVM_EXIT_EXTINT,
    [EXIT_TRIPLE_FAULT] = HVM_EXIT_TRIPLE_FAULT,
    [EXIT_INIT_SIGNAL] = HVM_EXIT_EXTINT,
    [EXIT_INTERRUPT_WINDOW] = HVM_EXIT_INTR_WINDOW,
    [EXIT_CPUID] = HVM_EXIT_CPUID,
    [EXIT_GETSEC] = HVM_EXIT_VIRT_INSN,
    [EXIT_HLT] = HVM_EXIT_HLT,
    [EXIT_VMCALL] = HVM_EXIT_HYPERCALL,
    [EXIT_VMCLEAR... EXIT_VMXON] = HVM_EXIT_VIRT_INSN,
    [EXIT_CR_ACCESS] = HVM_EXIT_CR_ACCESS,
    [EXIT_IO_INSTRUCTION] = HVM_EXIT_IO,
    [EXIT_RDMSR] = HVM_EXIT_MSR_READ,
    [EXIT_WRMSR] = HVM_EXIT_MSR_WRITE,
    [EXIT_INVALID_GUEST_STATE] = HVM_EXIT_INVALID,
    [EXIT_MSR_LOADING] = HVM_EXIT_INVALID,
    [EXIT_MCE_DURING_VMENTRY] = HVM_EXIT_INVALID,
    [EXIT_EPT_VIOLATION] = HVM_EXIT_NPF,
    [EXIT_EPT_MISCONFIG] = HVM_EXIT_INVALID,
    [EXIT_INVEPT] = HVM_EXIT_VIRT_INSN,
    [EXIT_INVVPID] = HVM_EXIT_VIRT_INSN,
};

/* VM-exit interruption information (§25.9.2): an NMI is the host's, anything else the guest's. */
static void decode_exception(struct hvm_exit *e)
{
	uint32_t info = vmcs_read32(VM_EXIT_INTR_INFO);

	e->info2 = info;
	if (((info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT) == INTR_TYPE_NMI) {
		e->reason = HVM_EXIT_NMI;
		return;
	}
	e->exc.vector = info & INTR_INFO_VECTOR_MASK;
	e->exc.has_error = info & INTR_INFO_DELIVER_CODE;
	e->exc.error = e->exc.has_error ? vmcs_read32(VM_EXIT_INTR_ERROR_CODE) : 0;
}

/* I/O exit qualification (§28.2.1, Table 28-5): size - 1, direction (1 = in), string, REP, port. */
static void decode_io(struct hvm_exit *e, uint64_t q)
{
	e->io.size = (q & 7) + 1;
	e->io.in = q & (1u << 3);
	e->io.string = q & (1u << 4);
	e->io.rep = q & (1u << 5);
	e->io.port = (uint16_t)(q >> 16);
}

/* EPT-violation exit qualification (§28.2.1, Table 28-7): bits 0-2 = the access was a read, write, fetch. */
static void decode_ept_violation(struct hvm_exit *e, uint64_t q)
{
	e->npf.gpa = e->info2 = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	e->npf.read = q & (1u << 0);
	e->npf.write = q & (1u << 1);
	e->npf.exec = q & (1u << 2);
}

/*
 * An exit in the middle of delivering an event through the guest's IDT (an
 * EPT violation on its stack, a host interrupt, ...) reports the event in
 * the IDT-vectoring information; it is delivered again at the next entry
 * (§28.2.4 and "Handling of IDT-Vectoring Information" in the VMM
 * programming chapter). Bit 12 of that field is undefined and not copied;
 * software interrupts and exceptions also need the instruction length.
 */
static void requeue_vectoring(struct vmx_vcpu *x)
{
	uint32_t info = vmcs_read32(IDT_VECTORING_INFO), type;

	if (!(info & INTR_INFO_VALID))
		return;
	type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
	if (info & INTR_INFO_DELIVER_CODE)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs_read32(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SW_INTERRUPT || type == INTR_TYPE_PRIV_SW_EXCEPTION || type == INTR_TYPE_SW_EXCEPTION)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, x->exit_insn_len);
	vmcs_write32(VM_ENTRY_INTR_INFO,
		     info & (INTR_INFO_VALID | INTR_INFO_DELIVER_CODE | INTR_INFO_TYPE_MASK | INTR_INFO_VECTOR_MASK));
}

/* Called by vcpu_run after every VM exit, with v's VMCS current. */
void vmx_translate_exit(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct hvm_exit *e = &v->arch.hvm.exit;
	uint32_t basic;

	x->exit_reason = vmcs_read32(VM_EXIT_REASON);
	x->exit_qual = vmcs_readnat(EXIT_QUALIFICATION);
	x->exit_insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	basic = x->exit_reason & 0xffff;
	memset(e, 0, sizeof(*e));
	e->vendor_code = basic;
	e->info1 = x->exit_qual;
	e->reason = basic < EXIT_REASON_COUNT ? vmx_exit_table[basic] : HVM_EXIT_UNKNOWN;
	/* A VM entry that failed on guest state or MSR loading exits with bit 31 set (§27.8). */
	if (x->exit_reason & EXIT_REASON_ENTRY_FAILED) {
		e->reason = HVM_EXIT_INVALID;
		e->vendor_code = x->exit_reason;
		return;
	}
	switch (e->reason) {
	case HVM_EXIT_EXCEPTION:
		decode_exception(e);
		break;
	case HVM_EXIT_IO:
		decode_io(e, x->exit_qual);
		break;
	case HVM_EXIT_CR_ACCESS: /* Table 28-3: CR number, access type (0 = MOV to CR), register */
		e->cr.cr = x->exit_qual & 0xf;
		e->cr.write = ((x->exit_qual >> 4) & 3) != 1;
		e->cr.gpr = (x->exit_qual >> 8) & 0xf;
		break;
	case HVM_EXIT_NPF:
		decode_ept_violation(e, x->exit_qual);
		break;
	default:
		break;
	}
	requeue_vectoring(x);
}

static const char *const insn_errors[] = {
    [4] = "VMLAUNCH with a non-clear VMCS", [5] = "VMRESUME with a non-launched VMCS",
    [7] = "invalid control fields",         [8] = "invalid host-state fields",
    [12] = "unsupported VMCS component",    [13] = "VMWRITE to a read-only component",
    [26] = "events blocked by MOV SS",      [28] = "invalid INVEPT/INVVPID operand",
};

static const char *insn_error_name(uint32_t n)
{
	return n < ARRAY_SIZE(insn_errors) && insn_errors[n] ? insn_errors[n] : "see SDM §31.4";
}

/*
 * VMLAUNCH/VMRESUME did not enter the guest (§31.2): VMfailInvalid (no
 * current VMCS) or VMfailValid with the reason in VM_INSTRUCTION_ERROR.
 * The host's state is untouched; the guest cannot run as it is.
 */
void vmx_entry_failed(struct vcpu *v, int fail)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct hvm_exit *e = &v->arch.hvm.exit;

	x->insn_error = fail == 2 ? vmcs_read32(VM_INSTRUCTION_ERROR) : 0;
	memset(e, 0, sizeof(*e));
	e->reason = HVM_EXIT_INVALID;
	e->vendor_code = VMFAIL_CODE;
	e->info1 = fail == 2 ? x->insn_error : VMFAIL_CODE;
	if (fail == 2)
		printk("VMX: %s of d%u vCPU%u failed: VM-instruction error %u (%s)\n",
		       x->launched ? "VMRESUME" : "VMLAUNCH", v->domain->domain_id, v->vcpu_id, x->insn_error,
		       insn_error_name(x->insn_error));
	else
		printk("VMX: %s of d%u vCPU%u failed: no current VMCS\n", x->launched ? "VMRESUME" : "VMLAUNCH",
		       v->domain->domain_id, v->vcpu_id);
}

/*
 * Skips the instruction that exited, by the length the CPU reported; it
 * completed, so the one-instruction STI / MOV SS blocking is over (§25.4.2).
 */
void vmx_advance_rip(struct vcpu *v)
{
	uint32_t intr;

	vmx_load_vmcs(v);
	v->arch.hvm.regs.rip += to_vmx(v)->exit_insn_len;
	intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

/*
 * Event injection (§25.8.3, §27.6): a hardware exception delivered through
 * the guest's IDT at the next entry. VM entry refuses an error code for a
 * vector that has none, or with CR0.PE clear (§27.2.1.3), so none is given.
 */
void vmx_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	uint32_t info = vector | (INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID;

	vmx_load_vmcs(v);
	if (has_error && vector < 32 && (VECTORS_WITH_ERROR & (1u << vector)) && (vmx_get_cr(v, 0) & CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO, info);
}

void vmx_dump(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	vmx_load_vmcs(v);
	printk("VMX: exit reason 0x%x qualification 0x%lx guest-physical 0x%lx insn length %u, "
	       "VM-instruction error %u\n",
	       x->exit_reason, x->exit_qual, vmcs_read64(GUEST_PHYSICAL_ADDRESS), x->exit_insn_len, x->insn_error);
	printk("VMX: interruption info 0x%x IDT vectoring 0x%x entry injection 0x%x interruptibility 0x%x "
	       "activity %u\n",
	       vmcs_read32(VM_EXIT_INTR_INFO), vmcs_read32(IDT_VECTORING_INFO), vmcs_read32(VM_ENTRY_INTR_INFO),
	       vmcs_read32(GUEST_INTERRUPTIBILITY_INFO), vmcs_read32(GUEST_ACTIVITY_STATE));
	printk("VMX: cr0 %lx (shadow %lx) cr4 %lx (shadow %lx) efer %lx pat %lx\n", vmcs_readnat(GUEST_CR0),
	       vmcs_readnat(CR0_READ_SHADOW), vmcs_readnat(GUEST_CR4), vmcs_readnat(CR4_READ_SHADOW),
	       vmcs_read64(GUEST_IA32_EFER), vmcs_read64(GUEST_IA32_PAT));
	printk("VMX: cs %04x/%04x base %lx ss %04x/%04x tr %04x/%04x gdtr %lx/%x idtr %lx/%x\n",
	       vmcs_read16(GUEST_CS_SELECTOR), vmcs_read32(GUEST_CS_AR_BYTES), vmcs_readnat(GUEST_CS_BASE),
	       vmcs_read16(GUEST_SS_SELECTOR), vmcs_read32(GUEST_SS_AR_BYTES), vmcs_read16(GUEST_TR_SELECTOR),
	       vmcs_read32(seg_ar(SEG_TR)), vmcs_readnat(GUEST_GDTR_BASE), vmcs_read32(GUEST_GDTR_LIMIT),
	       vmcs_readnat(GUEST_IDTR_BASE), vmcs_read32(GUEST_IDTR_LIMIT));
	printk("VMX: controls pin %x cpu %x/%x exit %x entry %x, vpid %u, eptp %lx, %s\n",
	       vmcs_read32(PIN_BASED_VM_EXEC_CONTROL), vmcs_read32(CPU_BASED_VM_EXEC_CONTROL),
	       vmcs_read32(SECONDARY_VM_EXEC_CONTROL), vmcs_read32(VM_EXIT_CONTROLS), vmcs_read32(VM_ENTRY_CONTROLS),
	       x->vpid, vmcs_read64(EPT_POINTER), x->launched ? "launched" : "not launched");
}
