/* State shared by the files of the VT-x backend (arch/x86/vmx/); nothing outside it includes this. */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include "vmcs.h"
#include <asm/hvm.h>
#include <mica/domain.h>
#include <mica/types.h>

/* What this CPU model allows, and the controls chosen from it once, on the boot CPU. */
struct vmx_caps {
	uint32_t revision; /* IA32_VMX_BASIC[30:0], written at the start of VMXON and VMCS regions */
	uint32_t pin, cpu, cpu2, exit, entry;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t cr0_owned, cr4_owned; /* guest/host masks: bits whose writes exit */
	uint64_t ept_vpid;             /* IA32_VMX_EPT_VPID_CAP */
	bool vpid;                     /* VPIDs in use (with a working INVVPID) */
	paddr_t msr_bitmap;
};

#define VMX_LAZY_MSRS 5
#define VMX_NO_CPU (~0u)

/*
 * One vCPU. A VMCS may be active on only one CPU at a time and moving it
 * needs a VMCLEAR on the old CPU (SDM §25.11.1), so it is made current when
 * the scheduler gives the vCPU a CPU (vmx_vcpu_load) and cleared when it
 * takes the CPU away (vmx_vcpu_put); vmx_load_vmcs() checks that it is used
 * only on the CPU that holds it.
 */
struct vmx_vcpu {
	paddr_t vmcs_pa;
	unsigned int cpu; /* the CPU it last ran on (its host state is that CPU's), VMX_NO_CPU before */
	bool ready;       /* the controls are written: VMCLEAR'd and set up once */
	uint64_t cr2;     /* the guest's CR2 while it is off the CPU (no VMCS field holds it) */
	uint16_t vpid;    /* 0 when VPIDs are not in use */
	bool launched;    /* VMLAUNCH succeeded: VMRESUME from now on */
	/* the last exit, for advance_rip and dump */
	uint32_t exit_reason;
	uint64_t exit_qual;
	uint32_t exit_insn_len;
	uint32_t insn_error; /* VM-instruction error of a failed entry */
	/* STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE: not in the VMCS, switched lazily (vmx/msr.c) */
	uint64_t lazy_msrs[VMX_LAZY_MSRS];
};

extern struct vmx_caps vmx_caps;

static inline struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return v->arch.hvm.vendor;
}

/* vmx.c */
void vmx_load_vmcs(struct vcpu *v);
void vmx_flush_guest_tlb(struct vcpu *v);

/* vmexit.c */
void vmx_translate_exit(struct vcpu *v);
void vmx_entry_failed(struct vcpu *v, int fail);
void vmx_advance_rip(struct vcpu *v);
void vmx_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
void vmx_dump(struct vcpu *v);

/* cr.c */
/* Sets the guest's CR0 and CR4 as it will read them, CR3 = 0, and the masks and shadows. */
void vmx_cr_reset(struct vcpu *v, uint64_t cr0, uint64_t cr4);
bool vmx_handle_cr_access(struct vcpu *v);
uint64_t vmx_get_cr(struct vcpu *v, unsigned int cr);

/* msr.c */
int vmx_msr_bitmap_init(void);
void vmx_msrs_switch(struct vcpu *v);
/* Saves the lazily switched MSRs of v if this CPU holds them, and forgets the ownership. */
void vmx_msrs_put(struct vcpu *v);
int vmx_get_msr(struct vcpu *v, uint32_t msr, uint64_t *val);
int vmx_set_msr(struct vcpu *v, uint32_t msr, uint64_t val);

/* entry.S: 0 after a VM exit, 1 VMfailInvalid, 2 VMfailValid. */
int vmx_enter(uint64_t *gpr, bool launched);
void vmx_exit_stub(void);

#endif
