/*
 * AMD-V backend (AMD APM Vol. 2, ch. 15): per-CPU enablement, the VMCB of
 * each vCPU with nested paging, and one trip into the guest. Exit codes are
 * translated in svm/vmexit.c; everything else is generic (arch/x86/hvm/).
 */
#include "vmcb.h"
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/hvm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/string.h>

#define MSR_VM_HSAVE_PA 0xC0010117
#define VM_CR_SVMDIS (1ULL << 4)
#define VINTR_MASKING (1ULL << 24)
#define GUEST_PAT_DEFAULT 0x0007040600070406ULL

struct svm_cpu {
	paddr_t host_vmcb_pa; /* VMSAVE/VMLOAD area for the host's FS/GS/TR/MSRs */
};

struct svm_vcpu {
	struct vmcb *vmcb;
	paddr_t vmcb_pa;
};

static struct svm_cpu svm_cpus[MAX_CPUS];
static paddr_t iopm_pa, msrpm_pa;
static uint32_t asid_counter; /* vCPUs may be created on several CPUs at once */

void svm_enter(uint64_t *gpr, paddr_t vmcb, paddr_t host_vmcb);
void svm_translate_exit(struct vcpu *v, const struct vmcb *vmcb);
void svm_advance_rip(struct vcpu *v);

static inline struct svm_vcpu *to_svm(struct vcpu *v) { return v->arch.hvm.vendor; }

/* MSR permission map (APM §15.11): two bits (read, write) per MSR in three 8K-MSR ranges. */
static void msrpm_allow(uint8_t *pm, uint32_t msr, bool read, bool write)
{
	uint32_t base;

	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xC0000000 && msr < 0xC0002000)
		base = 0x800, msr -= 0xC0000000;
	else if (msr >= 0xC0010000 && msr < 0xC0012000)
		base = 0x1000, msr -= 0xC0010000;
	else
		return;
	if (read)
		pm[base + msr / 4] &= ~(1u << ((msr % 4) * 2));
	if (write)
		pm[base + msr / 4] &= ~(2u << ((msr % 4) * 2));
}

/*
 * Every I/O port and every MSR exits, except the MSRs whose guest values the
 * VMCB holds and VMLOAD/VMSAVE switch: segment bases, SYSCALL and SYSENTER.
 */
static int svm_global_init(void)
{
	static const uint32_t passthrough[] = {
		0xC0000100, 0xC0000101, 0xC0000102,             /* FS_BASE, GS_BASE, KERNEL_GS_BASE */
		0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, /* STAR, LSTAR, CSTAR, SFMASK */
		0x174,      0x175,      0x176,                  /* SYSENTER_CS/ESP/EIP */
	};
	uint8_t *pm;

	iopm_pa = alloc_pages(2); /* 12 KiB used of 16 */
	msrpm_pa = alloc_pages(1);
	if (!iopm_pa || !msrpm_pa)
		return -ENOMEM;
	memset(pa_to_va(iopm_pa), 0xff, 4 * PAGE_SIZE);
	pm = pa_to_va(msrpm_pa);
	memset(pm, 0xff, 2 * PAGE_SIZE);
	for (unsigned int i = 0; i < ARRAY_SIZE(passthrough); i++)
		msrpm_allow(pm, passthrough[i], true, true);
	msrpm_allow(pm, 0x10, true, false); /* TSC reads */
	return 0;
}

static int svm_cpu_enable(void)
{
	struct svm_cpu *c = &svm_cpus[smp_processor_id()];
	paddr_t hsave;

	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return -EPERM;
	if (boot_cpu.nr_asids < 2) /* ASID 0 is the host's: guests need at least one more */
		return -ENODEV;
	if (!msrpm_pa && svm_global_init())
		return -ENOMEM;
	hsave = alloc_pages(0);
	c->host_vmcb_pa = alloc_pages(0);
	if (!hsave || !c->host_vmcb_pa)
		return -ENOMEM;
	memset(pa_to_va(hsave), 0, PAGE_SIZE);
	memset(pa_to_va(c->host_vmcb_pa), 0, PAGE_SIZE);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	return 0;
}

static int svm_vcpu_create(struct vcpu *v)
{
	struct svm_vcpu *s = xzalloc(sizeof(*s));
	struct vmcb_control *c;

	if (!s)
		return -ENOMEM;
	s->vmcb_pa = alloc_pages(0);
	if (!s->vmcb_pa) {
		xfree(s);
		return -ENOMEM;
	}
	s->vmcb = pa_to_va(s->vmcb_pa);
	memset(s->vmcb, 0, PAGE_SIZE);
	c = &s->vmcb->control;
	c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT |
			     SVM_INTERCEPT_CPUID | SVM_INTERCEPT_HLT | SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR |
			     SVM_INTERCEPT_SHUTDOWN;
	/* VMRUN must be intercepted (APM §15.5.1); the other SVM instructions are for hosts only. */
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
			     SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI | SVM_INTERCEPT_SKINIT;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	/* ASIDs tag the guest's TLB entries; reuse is covered by the flush on first run. */
	c->guest_asid = __atomic_fetch_add(&asid_counter, 1, __ATOMIC_RELAXED) % (boot_cpu.nr_asids - 1) + 1;
	c->tlb_control = SVM_TLB_FLUSH_ASID;
	/* Physical interrupts follow the host's RFLAGS.IF, not the guest's (APM §15.21.1). */
	c->vintr = VINTR_MASKING;
	c->np_enable = 1;
	c->n_cr3 = p2m_npt_cr3(&v->domain->arch.p2m);
	s->vmcb->save.g_pat = GUEST_PAT_DEFAULT;
	v->arch.hvm.vendor = s;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);

	if (!s)
		return;
	free_pages(s->vmcb_pa, 0);
	xfree(s);
	v->arch.hvm.vendor = NULL;
}

static void set_seg(struct vmcb_seg *seg, uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
	seg->selector = sel;
	seg->attrib = attrib;
	seg->limit = limit;
	seg->base = base;
}

/*
 * Xen PVH entry: 32-bit protected mode with paging off, flat 4 GiB code and
 * data segments, a 32-bit TSS in TR, EFLAGS with only bit 1, ebx = start info.
 * EFER.SVME must be set in the VMCB's copy of EFER (APM §15.5.1); the guest
 * never sees it (svm_get_msr).
 */
static void svm_vcpu_set_pvh_state(struct vcpu *v, uint32_t entry, uint32_t start_info)
{
	struct vmcb_save *st = &to_svm(v)->vmcb->save;

	set_seg(&st->cs, 0x08, 0xc9b, 0xffffffff, 0);
	set_seg(&st->ds, 0x10, 0xc93, 0xffffffff, 0);
	set_seg(&st->es, 0x10, 0xc93, 0xffffffff, 0);
	set_seg(&st->ss, 0x10, 0xc93, 0xffffffff, 0);
	set_seg(&st->fs, 0x10, 0xc93, 0xffffffff, 0);
	set_seg(&st->gs, 0x10, 0xc93, 0xffffffff, 0);
	set_seg(&st->tr, 0x18, 0x08b, 0x67, 0);
	set_seg(&st->ldtr, 0, 0x082, 0, 0);
	set_seg(&st->gdtr, 0, 0, 0, 0);
	set_seg(&st->idtr, 0, 0, 0, 0);
	st->cpl = 0;
	st->cr0 = CR0_PE | (1ULL << 4); /* PE, ET */
	st->cr3 = 0;
	st->cr4 = 0;
	st->efer = EFER_SVME;
	st->dr6 = 0xffff0ff0;
	st->dr7 = 0x400;
	memset(&v->arch.hvm.regs, 0, sizeof(v->arch.hvm.regs));
	v->arch.hvm.regs.rip = entry;
	v->arch.hvm.regs.rflags = 0x2;
	v->arch.hvm.regs.gpr[GPR_RBX] = start_info;
}

static void svm_vcpu_run(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *vmcb = s->vmcb;
	struct guest_regs *r = &v->arch.hvm.regs;

	vmcb->save.rip = r->rip;
	vmcb->save.rflags = r->rflags;
	vmcb->save.rsp = r->gpr[GPR_RSP];
	vmcb->save.rax = r->gpr[GPR_RAX];

	__asm__ volatile("clgi" ::: "memory");
	svm_enter(r->gpr, s->vmcb_pa, svm_cpus[smp_processor_id()].host_vmcb_pa);
	__asm__ volatile("stgi" ::: "memory");

	vmcb->control.tlb_control = SVM_TLB_FLUSH_NONE;
	vmcb->control.eventinj = 0;
	r->rip = vmcb->save.rip;
	r->rflags = vmcb->save.rflags;
	r->gpr[GPR_RSP] = vmcb->save.rsp;
	r->gpr[GPR_RAX] = vmcb->save.rax;
	svm_translate_exit(v, vmcb);
}

static void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	to_svm(v)->vmcb->control.eventinj = vector | SVM_EVENT_TYPE_EXCEPTION | SVM_EVENT_VALID |
					     (has_error ? SVM_EVENT_ERROR_VALID | ((uint64_t)error << 32) : 0);
}

static uint64_t svm_get_cr(struct vcpu *v, unsigned int cr)
{
	const struct vmcb_save *st = &to_svm(v)->vmcb->save;

	switch (cr) {
	case 0:
		return st->cr0;
	case 2:
		return st->cr2;
	case 3:
		return st->cr3;
	case 4:
		return st->cr4;
	default:
		return 0;
	}
}

static unsigned int svm_get_cpl(struct vcpu *v) { return to_svm(v)->vmcb->save.cpl; }

#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | (1ULL << 10) /* LMA */ | EFER_NXE)
#define MSR_PAT 0x277

static bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (pat >> (i * 8)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static int svm_get_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	const struct vmcb_save *st = &to_svm(v)->vmcb->save;

	if (msr == MSR_EFER)
		*val = st->efer & ~EFER_SVME;
	else if (msr == MSR_PAT)
		*val = st->g_pat;
	else
		return -ENOENT;
	return 0;
}

static int svm_set_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct svm_vcpu *s = to_svm(v);

	if (msr == MSR_EFER) {
		if (val & ~EFER_GUEST_BITS)
			return -EINVAL;
		/* LMA is the CPU's to set; keep what it has, the guest's write of it is ignored. */
		s->vmcb->save.efer = (val & ~(1ULL << 10)) | (s->vmcb->save.efer & (1ULL << 10)) | EFER_SVME;
		return 0;
	}
	if (msr == MSR_PAT) {
		if (!pat_valid(val))
			return -EINVAL;
		s->vmcb->save.g_pat = val;
		return 0;
	}
	return -ENOENT;
}

/* NPT entries are long-mode page-table entries: 2 MiB leaves always, 1 GiB ones with PDPE1GB. */
static void svm_p2m_page_sizes(bool *allow_2m, bool *allow_1g)
{
	*allow_2m = true;
	*allow_1g = boot_cpu.pdpe1gb;
}

/* The domain's vCPUs all run on the boot CPU for now, so flushing their ASIDs there suffices. */
static void svm_p2m_flush(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i] && to_svm(d->vcpus[i]))
			to_svm(d->vcpus[i])->vmcb->control.tlb_control = SVM_TLB_FLUSH_ASID;
}

static void svm_dump(struct vcpu *v)
{
	const struct vmcb *vmcb = to_svm(v)->vmcb;

	printk("SVM: exitcode 0x%lx exitinfo1 0x%lx exitinfo2 0x%lx exitintinfo 0x%lx\n", vmcb->control.exitcode,
	       vmcb->control.exitinfo1, vmcb->control.exitinfo2, vmcb->control.exitintinfo);
	printk("SVM: cr0 %lx cr3 %lx cr4 %lx efer %lx cs %04x/%03x ss %04x cpl %u asid %u\n", vmcb->save.cr0,
	       vmcb->save.cr3, vmcb->save.cr4, vmcb->save.efer, vmcb->save.cs.selector, vmcb->save.cs.attrib,
	       vmcb->save.ss.selector, vmcb->save.cpl, vmcb->control.guest_asid);
}

const struct hvm_ops svm_ops = {
	.name = "AMD-V (SVM) with nested paging",
	.cpu_enable = svm_cpu_enable,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_set_pvh_state = svm_vcpu_set_pvh_state,
	.vcpu_run = svm_vcpu_run,
	.advance_rip = svm_advance_rip,
	.inject_exception = svm_inject_exception,
	.get_cr = svm_get_cr,
	.get_cpl = svm_get_cpl,
	.get_msr = svm_get_msr,
	.set_msr = svm_set_msr,
	.p2m_flush = svm_p2m_flush,
	.dump = svm_dump,
	.p2m_format = &p2m_npt_ops,
	.p2m_page_sizes = svm_p2m_page_sizes,
	.hypercall_insn = {0x0f, 0x01, 0xd9}, /* VMMCALL */
};

/* For svm/vmexit.c. */
struct vmcb *svm_vmcb(struct vcpu *v) { return to_svm(v)->vmcb; }
