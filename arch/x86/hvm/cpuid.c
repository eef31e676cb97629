/*
 * The guest CPUID policy. Guests see the host's CPU with everything Mica does
 * not virtualize hidden: VMX/SVM (no nesting), the local APIC and x2APIC, the
 * TSC deadline timer, MONITOR/MWAIT, XSAVE and AVX (their state is not
 * switched yet), machine check, performance monitoring, and the hypervisor
 * bit set. Leaves 0x40000000-0x40000004 are Xen's (docs/abi.md).
 */
#include <asm/hvm_policy.h>
#include <mica/domain.h>
#include <mica/version.h>

/* CPUID.1 */
#define C1_ECX_HIDE                                                                                         \
	((1u << 3) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 15) | (1u << 21) | (1u << 24) | \
	 (1u << 26) | (1u << 27) | (1u << 28) | (1u << 12))
#define C1_ECX_HYPERVISOR (1u << 31)
#define C1_EDX_HIDE ((1u << 7) | (1u << 9) | (1u << 12) | (1u << 14) | (1u << 21) | (1u << 22) | (1u << 29))
/* CPUID.0x80000001: SVM, extended APIC space, SKINIT, watchdog, topology extensions */
#define E1_ECX_HIDE ((1u << 2) | (1u << 3) | (1u << 12) | (1u << 13) | (1u << 22))
/* CPUID.7.0 EBX: AVX2, AVX-512 (bits 16, 17, 21, 26-28, 30, 31) */
#define L7_EBX_HIDE                                                                                             \
	((1u << 5) | (1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 30) | \
	 (1u << 31))

static struct cpuid_regs xen_leaf(struct vcpu *v, uint32_t leaf)
{
	struct cpuid_regs r = {0, 0, 0, 0};

	switch (leaf - XEN_CPUID_BASE) {
	case 0: /* maximum leaf and "XenVMMXenVMM" */
		r.eax = XEN_CPUID_MAX;
		r.ebx = 0x566e6558; /* "XenV" */
		r.ecx = 0x65584d4d; /* "MMXe" */
		r.edx = 0x4d4d566e; /* "nVMM" */
		break;
	case 1: /* the Xen interface version Mica implements */
		r.eax = (XEN_COMPAT_MAJOR << 16) | XEN_COMPAT_MINOR;
		break;
	case 2: /* hypercall pages, and the MSR that installs one */
		r.eax = 1;
		r.ebx = XEN_HYPERCALL_MSR;
		break;
	case 3: /* time: no TSC mode information yet */
		break;
	case 4:                  /* HVM features: none of the optional ones yet; EBX = vCPU id is valid */
		r.eax = 1u << 3; /* XEN_HVM_CPUID_VCPU_ID_PRESENT */
		r.ebx = v->vcpu_id;
		break;
	}
	return r;
}

struct cpuid_regs guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	if (leaf >= XEN_CPUID_BASE && leaf < XEN_CPUID_BASE + 0x10000)
		return leaf <= XEN_CPUID_MAX ? xen_leaf(v, leaf) : (struct cpuid_regs){0, 0, 0, 0};
	r = cpuid_count(leaf, subleaf);
	switch (leaf) {
	case 1:
		r.ecx = (r.ecx & ~C1_ECX_HIDE) | C1_ECX_HYPERVISOR;
		r.edx &= ~C1_EDX_HIDE;
		r.ebx &= 0x0000ffff; /* no APIC ID, one logical processor */
		break;
	case 5:          /* MONITOR/MWAIT */
	case 6:          /* thermal and power */
	case 0xa:        /* performance monitoring */
	case 0xd:        /* XSAVE */
	case 0x8000000a: /* SVM */
		r = (struct cpuid_regs){0, 0, 0, 0};
		break;
	case 7:
		if (subleaf == 0) {
			r.ebx &= ~L7_EBX_HIDE;
			r.ecx = r.edx = 0;
		} else {
			r = (struct cpuid_regs){0, 0, 0, 0};
		}
		break;
	case 0x80000001:
		r.ecx &= ~E1_ECX_HIDE;
		break;
	}
	return r;
}
