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
	GPR_RAX,
	GPR_RCX,
	GPR_RDX,
	GPR_RBX,
	GPR_RSP,
	GPR_RBP,
	GPR_RSI,
	GPR_RDI,
	GPR_R8,
	GPR_R9,
	GPR_R10,
	GPR_R11,
	GPR_R12,
	GPR_R13,
	GPR_R14,
	GPR_R15,
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
	HVM_EXIT_NPF,         /* NPT or EPT violation */
	HVM_EXIT_HYPERCALL,   /* VMMCALL / VMCALL */
	HVM_EXIT_VIRT_INSN,   /* the guest used VMRUN, VMXON, ...: it gets #UD */
	HVM_EXIT_INVALID,     /* the hardware refused the guest state */
	HVM_EXIT_PREEMPT,     /* the backend stopped the guest to let the host run */
	HVM_EXIT_INTR_WINDOW, /* the guest can take an interrupt now (requested by deliver_irq) */
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

/* A segment as Xen's vcpu_hvm_context describes it: attributes are descriptor bits 47:40 and 55:52. */
struct hvm_seg {
	uint16_t sel;
	uint16_t ar; /* type, S, DPL, P in 7:0; AVL, L, D/B, G in 11:8 (0 = unusable for data segments) */
	uint32_t limit;
	uint64_t base;
};

/* The state a vCPU starts from (PVH entry, VCPUOP_initialise); backends load it on the next entry. */
struct hvm_init_state {
	uint64_t cr0, cr3, cr4, efer;
	struct hvm_seg cs, ds, es, fs, gs, ss, tr;
	struct guest_regs regs;
};

/* The x87/SSE state (FXSAVE format), switched with the vCPU. */
struct fxsave_area {
	uint8_t bytes[512];
} __attribute__((aligned(16)));

struct hvm_vcpu {
	struct guest_regs regs;
	struct hvm_exit exit;
	void *vendor; /* VMCB or VMCS state, owned by the backend */
	uint64_t exits;
	struct hvm_init_state init; /* valid while init_pending */
	bool init_pending;
	bool irq_window;        /* deliver_irq asked for an interrupt-window exit */
	struct fxsave_area fpu; /* in the vCPU's own allocation: 16-byte aligned, as FXSAVE needs */
};

struct hvm_ops {
	const char *name;
	/* Turns virtualization on for the calling CPU (EFER.SVME + host save area, or VMXON). */
	int (*cpu_enable)(void);
	/* Allocates the control structure of a vCPU of a domain whose p2m exists (on any CPU). */
	int (*vcpu_create)(struct vcpu *v);
	/* Frees it; the vCPU's context is loaded on no CPU. */
	void (*vcpu_destroy)(struct vcpu *v);
	/* The scheduler gives v this CPU / takes it away (between them, v may run here only). */
	void (*vcpu_load)(struct vcpu *v);
	void (*vcpu_put)(struct vcpu *v);
	/*
	 * Runs the guest until an exit; v->hvm.exit and v->hvm.regs describe it afterwards. Called
	 * with host interrupts off (they stay off); a pending v->arch.hvm.init is loaded first.
	 */
	void (*vcpu_run)(struct vcpu *v);
	/*
	 * Before an entry: an external interrupt on vector is due (level: asked again before every
	 * entry while it is). Injected now if the guest can take it, else an interrupt-window exit is
	 * requested. vector < 0: nothing is due, cancel any window request.
	 */
	void (*deliver_irq)(struct vcpu *v, int vector);
	/* Drops this CPU's cached guest-physical translations of v's domain (before entering v). */
	void (*p2m_flush_local)(struct vcpu *v);
	/* Moves RIP past the instruction that caused the current exit. */
	void (*advance_rip)(struct vcpu *v);
	void (*inject_exception)(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
	uint64_t (*get_cr)(struct vcpu *v, unsigned int cr);
	/* The guest's current privilege level (SVM: VMCB CPL; VMX: SS.DPL). */
	unsigned int (*get_cpl)(struct vcpu *v);
	/* MSRs whose guest value lives in the backend's state. -ENOENT if not one of those. */
	int (*get_msr)(struct vcpu *v, uint32_t msr, uint64_t *val);
	int (*set_msr)(struct vcpu *v, uint32_t msr, uint64_t val);
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

/* The x87/SSE state a new vCPU starts with. */
void hvm_fpu_init(struct fxsave_area *f);
/* Sets the state v starts from (loaded by the backend before its next entry). */
void hvm_vcpu_set_init_state(struct vcpu *v, const struct hvm_init_state *st);
/* The Xen PVH entry state (docs/misc/pvh.pandoc): 32-bit protected mode, paging off, ebx = start info. */
void hvm_pvh_init_state(struct hvm_init_state *st, uint32_t entry, uint32_t start_info);

/*
 * dom0's PCI configuration ports (hvm/pci_cfg.c): true if the access was one (carried out, rax
 * updated for an IN); false for any other domain or port.
 */
bool hvm_pci_cfg_io(struct vcpu *v, uint16_t port, unsigned int size, bool in, uint64_t *rax);

/* Generic exit handling: returns false when the vCPU must not run again. */
bool hvm_handle_exit(struct vcpu *v);
const char *hvm_exit_name(enum hvm_exit_reason r);

#endif
