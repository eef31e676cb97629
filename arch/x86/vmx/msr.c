/*
 * Guest MSRs under VMX: the MSR bitmap that decides which accesses exit, the
 * MSRs whose guest values the VMCS holds (EFER, PAT, FS/GS base, SYSENTER),
 * and the SYSCALL MSRs and KERNEL_GS_BASE, which no VMCS field switches.
 */
#include "vmx.h"
#include <asm/cpu.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/string.h>

#define MSR_TSC 0x10
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_CSTAR 0xC0000083
#define MSR_SFMASK 0xC0000084
#define MSR_FS_BASE 0xC0000100
#define EFER_LMA (1ULL << 10)
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

/* The order of struct vmx_vcpu's lazy_msrs[]. */
static const uint32_t lazy_msrs[VMX_LAZY_MSRS] = {MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE};

/* The vCPU whose lazy MSRs are in each CPU's registers. */
static struct vcpu *lazy_owner[MAX_CPUS];

/*
 * The MSR bitmap (SDM §25.6.9): one page with read bitmaps for MSRs
 * 0-0x1fff and 0xc0000000-0xc0001fff at offsets 0 and 1024 and the write
 * bitmaps at 2048 and 3072; a set bit makes the access exit, and MSRs
 * outside both ranges always exit.
 */
static void msr_bitmap_allow(uint8_t *bm, uint32_t msr, bool read, bool write)
{
	unsigned int base;

	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xC0000000 && msr < 0xC0002000)
		base = 1024, msr -= 0xC0000000;
	else
		return;
	if (read)
		bm[base + msr / 8] &= ~(1u << (msr % 8));
	if (write)
		bm[2048 + base + msr / 8] &= ~(1u << (msr % 8));
}

/*
 * Every MSR access exits except the MSRs the guest owns outright: the
 * segment bases and SYSENTER MSRs (VMCS guest fields, switched by every
 * entry and exit), the SYSCALL MSRs and KERNEL_GS_BASE (switched below), and
 * reads of the TSC. One bitmap serves every vCPU.
 */
int vmx_msr_bitmap_init(void)
{
	static const uint32_t passthrough[] = {
	    MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR,         MSR_LSTAR,
	    MSR_CSTAR,   MSR_SFMASK,  MSR_SYSENTER_CS,    MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
	};
	paddr_t pa = alloc_pages(0);
	uint8_t *bm;

	if (!pa)
		return -ENOMEM;
	bm = pa_to_va(pa);
	memset(bm, 0xff, PAGE_SIZE);
	for (unsigned int i = 0; i < ARRAY_SIZE(passthrough); i++)
		msr_bitmap_allow(bm, passthrough[i], true, true);
	msr_bitmap_allow(bm, MSR_TSC, true, false);
	vmx_caps.msr_bitmap = pa;
	return 0;
}

/*
 * STAR, LSTAR, CSTAR, SFMASK and KERNEL_GS_BASE have no VMCS fields and the
 * guest writes them without exiting. Mica's host uses neither SYSCALL nor
 * SWAPGS, so the guest's values may stay in the registers after an exit:
 * they are saved and replaced only when another vCPU runs on this CPU.
 */
void vmx_msrs_switch(struct vcpu *v)
{
	struct vcpu **owner = &lazy_owner[smp_processor_id()];

	if (*owner == v)
		return;
	for (unsigned int i = 0; *owner && i < VMX_LAZY_MSRS; i++)
		to_vmx(*owner)->lazy_msrs[i] = rdmsr(lazy_msrs[i]);
	for (unsigned int i = 0; i < VMX_LAZY_MSRS; i++)
		wrmsr(lazy_msrs[i], to_vmx(v)->lazy_msrs[i]);
	*owner = v;
}

void vmx_msrs_put(struct vcpu *v)
{
	struct vcpu **owner = &lazy_owner[smp_processor_id()];

	if (*owner != v)
		return;
	for (unsigned int i = 0; i < VMX_LAZY_MSRS; i++)
		to_vmx(v)->lazy_msrs[i] = rdmsr(lazy_msrs[i]);
	*owner = NULL;
}

static int lazy_index(uint32_t msr)
{
	for (int i = 0; i < VMX_LAZY_MSRS; i++)
		if (lazy_msrs[i] == msr)
			return i;
	return -1;
}

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (pat >> (i * 8)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

int vmx_get_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct vmx_vcpu *x = to_vmx(v);
	int lazy = lazy_index(msr);

	vmx_load_vmcs(v);
	if (lazy >= 0) {
		*val = lazy_owner[x->cpu] == v ? rdmsr(msr) : x->lazy_msrs[lazy];
		return 0;
	}
	switch (msr) {
	case MSR_EFER:
		*val = vmcs_read64(GUEST_IA32_EFER);
		break;
	case MSR_PAT:
		*val = vmcs_read64(GUEST_IA32_PAT);
		break;
	case MSR_FS_BASE:
		*val = vmcs_readnat(GUEST_FS_BASE);
		break;
	case MSR_GS_BASE:
		*val = vmcs_readnat(GUEST_GS_BASE);
		break;
	case MSR_SYSENTER_CS:
		*val = vmcs_read32(GUEST_SYSENTER_CS);
		break;
	case MSR_SYSENTER_ESP:
		*val = vmcs_readnat(GUEST_SYSENTER_ESP);
		break;
	case MSR_SYSENTER_EIP:
		*val = vmcs_readnat(GUEST_SYSENTER_EIP);
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

/*
 * EFER: LMA is the CPU's to set (cr.c sets it with CR0.PG); the guest's
 * write of it is ignored, and LME cannot change while paging is on (#GP).
 */
static int set_efer(struct vcpu *v, uint64_t val)
{
	uint64_t old = vmcs_read64(GUEST_IA32_EFER);

	if (val & ~EFER_GUEST_BITS)
		return -EINVAL;
	if (((val ^ old) & EFER_LME) && (vmx_get_cr(v, 0) & CR0_PG))
		return -EINVAL;
	vmcs_write64(GUEST_IA32_EFER, (val & ~EFER_LMA) | (old & EFER_LMA));
	return 0;
}

static int set_lazy(struct vcpu *v, int i, uint64_t val)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint32_t msr = lazy_msrs[i];

	if (msr == MSR_SFMASK && (val >> 32))
		return -EINVAL;
	if (msr != MSR_SFMASK && msr != MSR_STAR && !canonical(val))
		return -EINVAL;
	x->lazy_msrs[i] = val;
	if (lazy_owner[x->cpu] == v)
		wrmsr(lazy_msrs[i], val);
	return 0;
}

int vmx_set_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	int lazy = lazy_index(msr);

	vmx_load_vmcs(v);
	if (lazy >= 0)
		return set_lazy(v, lazy, val);
	switch (msr) {
	case MSR_EFER:
		return set_efer(v, val);
	case MSR_PAT:
		if (!pat_valid(val))
			return -EINVAL;
		vmcs_write64(GUEST_IA32_PAT, val);
		return 0;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
		if (!canonical(val))
			return -EINVAL;
		if (msr == MSR_FS_BASE)
			vmcs_writenat(GUEST_FS_BASE, val);
		else if (msr == MSR_GS_BASE)
			vmcs_writenat(GUEST_GS_BASE, val);
		else
			vmcs_writenat(msr == MSR_SYSENTER_ESP ? GUEST_SYSENTER_ESP : GUEST_SYSENTER_EIP, val);
		return 0;
	case MSR_SYSENTER_CS:
		vmcs_write32(GUEST_SYSENTER_CS, (uint32_t)val);
		return 0;
	default:
		return -ENOENT;
	}
}
