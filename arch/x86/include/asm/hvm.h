/*
 * Hardware containers: one vCPU interface, two implementations (AMD-V in
 * arch/x86/svm/, VT-x in arch/x86/vmx/), chosen once at boot from CPUID.
 * Generic exit handling (arch/x86/hvm/exit.c) sees only struct hvm_exit:
 * each backend translates its own exit codes into it through a table.
 */
#ifndef ASM_HVM_H
#define ASM_HVM_H

#include <mica/types.h>

struct vcpu;
struct domain;
struct p2m_pte_ops;

/* Guest general-purpose registers, in the x86 encoding order (index = register number). */
enum guest_gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	GPR_COUNT
};

struct guest_regs {
	uint64_t gpr[GPR_COUNT]; /* gpr[GPR_RSP] mirrors the backend's RSP like rip/rflags */
	uint64_t rip;
	uint64_t rflags;
};

/* Why the guest stopped, in vendor-neutral terms. */
enum hvm_exit_reason {
	HVM_EXIT_UNKNOWN = 0, /* a vendor exit Mica does not handle: the guest is crashed */
	HVM_EXIT_EXTINT,      /* a host interrupt arrived: nothing for the guest to do */
	HVM_EXIT_NMI,
	HVM_EXIT_CPUID,
	HVM_EXIT_HLT,
	HVM_EXIT_IO,
	HVM_EXIT_MSR_READ,
	HVM_EXIT_MSR_WRITE,
	HVM_EXIT_CR_ACCESS,
	HVM_EXIT_EXCEPTION,
	HVM_EXIT_TRIPLE_FAULT,
	HVM_EXIT_NPF,        /* NPT or EPT violation */
	HVM_EXIT_HYPERCALL,  /* VMMCALL / VMCALL */
	HVM_EXIT_VIRT_INSN,  /* the guest used VMRUN, VMXON, ...: it gets #UD */
	HVM_EXIT_INVALID,    /* the hardware refused the guest state */
	HVM_EXIT_PREEMPT,    /* the backend stopped the guest to let the host run */
	HVM_EXIT_COUNT
};

struct hvm_exit {
	enum hvm_exit_reason reason;
	uint64_t vendor_code;  /* SVM EXITCODE / VMX basic exit reason */
	uint64_t info1, info2; /* EXITINFO1/2 or exit qualification / guest-physical address */
	union {
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2, 4 */
			bool in, string, rep;
		} io;
		struct {
			uint64_t gpa;
			bool read, write, exec;
		} npf;
		struct {
			uint8_t vector;
			bool has_error;
			uint32_t error;
		} exc;
		struct {
			uint8_t cr;
			bool write;
			uint8_t gpr;
		} cr;
	};
};

struct hvm_vcpu {
	struct guest_regs regs;
	struct hvm_exit exit;
	void *vendor; /* VMCB or VMCS state, owned by the backend */
	uint64_t exits;
};

struct hvm_ops {
	const char *name;
	/* Turns virtualization on for the calling CPU (EFER.SVME + host save area, or VMXON). */
	int (*cpu_enable)(void);
	/* Allocates and sets up the control structure of a vCPU of a domain whose p2m exists. */
	int (*vcpu_create)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Xen PVH entry state (docs/misc/pvh.pandoc): 32-bit protected mode, paging off, ebx = start info. */
	void (*vcpu_set_pvh_state)(struct vcpu *v, uint32_t entry, uint32_t start_info);
	/* Runs the guest until an exit; v->hvm.exit and v->hvm.regs describe it afterwards. */
	void (*vcpu_run)(struct vcpu *v);
	/* Moves RIP past the instruction that caused the current exit. */
	void (*advance_rip)(struct vcpu *v);
	void (*inject_exception)(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
	uint64_t (*get_cr)(struct vcpu *v, unsigned int cr);
	/* The guest's current privilege level (SVM: VMCB CPL; VMX: SS.DPL). */
	unsigned int (*get_cpl)(struct vcpu *v);
	/* MSRs whose guest value lives in the backend's state. -ENOENT if not one of those. */
	int (*get_msr)(struct vcpu *v, uint32_t msr, uint64_t *val);
	int (*set_msr)(struct vcpu *v, uint32_t msr, uint64_t val);
	/* Invalidates cached translations of the domain's p2m on every CPU. */
	void (*p2m_flush)(struct domain *d);
	/* Dumps the control structure for a crash report. */
	void (*dump)(struct vcpu *v);
	const struct p2m_pte_ops *p2m_format;
	/* Which large leaves the p2m may use on this CPU (2 MiB, 1 GiB). */
	void (*p2m_page_sizes)(bool *allow_2m, bool *allow_1g);
	uint8_t hypercall_insn[3]; /* VMMCALL or VMCALL */
};

extern const struct hvm_ops *hvm;
extern const struct hvm_ops svm_ops, vmx_ops;

/* Picks the backend from CPUID and enables it on the boot CPU; false if there is none. */
bool hvm_init(void);
/* Enables the chosen backend on an application processor. */
void hvm_cpu_enable_ap(void);

/* Generic exit handling: returns false when the vCPU must not run again. */
bool hvm_handle_exit(struct vcpu *v);
const char *hvm_exit_name(enum hvm_exit_reason r);

#endif
