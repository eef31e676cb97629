/* What guests see of the CPU: the CPUID and MSR policy (docs/abi.md). */
#ifndef ASM_HVM_POLICY_H
#define ASM_HVM_POLICY_H

#include <asm/cpu.h>

struct vcpu;

/* Xen's CPUID leaves start here (signature "XenVMMXenVMM"). */
#define XEN_CPUID_BASE 0x40000000u
#define XEN_CPUID_MAX (XEN_CPUID_BASE + 4)
/* The MSR a guest writes the hypercall page's guest-physical address to. */
#define XEN_HYPERCALL_MSR 0x40000000u

struct cpuid_regs guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf);
/* 0, or negative when the guest must get #GP. */
int guest_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
int guest_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
