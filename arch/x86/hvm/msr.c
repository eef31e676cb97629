/*
 * The guest MSR policy: the MSRs a PVH guest needs, the Xen hypercall-page
 * MSR, and #GP for everything else. MSRs whose values live in the VMCB or
 * VMCS (EFER, PAT, ...) belong to the backend (hvm->get_msr/set_msr); the
 * segment-base, SYSCALL and SYSENTER MSRs are not intercepted at all.
 */
#include <asm/hvm.h>
#include <asm/hvm_policy.h>
#include <asm/p2m.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/printk.h>

#define MSR_TSC 0x10
#define MSR_MTRRCAP 0xfe
#define MSR_MISC_ENABLE 0x1a0
#define MISC_ENABLE_FAST_STRINGS (1ULL << 0)
#define MISC_ENABLE_BTS_UNAVAIL (1ULL << 11)
#define MISC_ENABLE_PEBS_UNAVAIL (1ULL << 12)
#define HYPERCALL_STUB_SIZE 32

/*
 * Fills the guest page at gfn with one 32-byte stub per hypercall:
 * mov $nr, %eax; vmcall or vmmcall; ret.
 */
static int install_hypercall_page(struct vcpu *v, uint64_t val)
{
	struct domain *d = v->domain;
	uint8_t *page;

	if (val & (PAGE_SIZE - 1)) /* only page index 0 exists */
		return -EINVAL;
	page = guest_phys_page(d, val >> PAGE_SHIFT, true);
	if (!page)
		return -EINVAL;
	for (unsigned int nr = 0; nr < PAGE_SIZE / HYPERCALL_STUB_SIZE; nr++) {
		uint8_t *p = page + nr * HYPERCALL_STUB_SIZE;
		p[0] = 0xb8; /* mov imm32, %eax */
		p[1] = (uint8_t)nr;
		p[2] = p[3] = p[4] = 0;
		p[5] = hvm->hypercall_insn[0];
		p[6] = hvm->hypercall_insn[1];
		p[7] = hvm->hypercall_insn[2];
		p[8] = 0xc3; /* ret */
		for (unsigned int i = 9; i < HYPERCALL_STUB_SIZE; i++)
			p[i] = 0xcc; /* int3 */
	}
	d->arch.hypercall_page_gfn = val >> PAGE_SHIFT;
	return 0;
}

int guest_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int rc = hvm->get_msr(v, msr, val);

	if (rc != -ENOENT)
		return rc;
	switch (msr) {
	case MSR_TSC:
		*val = rdtsc();
		return 0;
	case MSR_MTRRCAP: /* CPUID hides MTRRs; a careful reader gets zero */
		*val = 0;
		return 0;
	case MSR_MISC_ENABLE:
		*val = MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL;
		return 0;
	case XEN_HYPERCALL_MSR:
		*val = v->domain->arch.hypercall_page_gfn << PAGE_SHIFT;
		return 0;
	}
	return -EPERM;
}

int guest_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	int rc = hvm->set_msr(v, msr, val);

	if (rc != -ENOENT)
		return rc;
	switch (msr) {
	case XEN_HYPERCALL_MSR:
		return install_hypercall_page(v, val);
	case MSR_MISC_ENABLE: /* writes of the value read are harmless */
		return 0;
	}
	return -EPERM;
}
