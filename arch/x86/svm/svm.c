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
#define VINTR_IRQ (1ULL << 8)
#define VINTR_PRIO_SHIFT 16
#define VINTR_IGN_TPR (1ULL << 20)
#define VINTR_MASKING (1ULL << 24)
#define GUEST_PAT_DEFAULT 0x0007040600070406ULL

/*
 * ASIDs are handed out per CPU (as Xen does): a vCPU arriving on a CPU takes
 * the next free ASID there. When a CPU runs out, it starts a new generation:
 * its whole TLB is flushed on the next entry and every vCPU that next runs
 * there takes a fresh ASID. A vCPU's ASID is valid only on the CPU and in
 * the generation it was taken in, so no two vCPUs ever share tagged entries.
 */
struct svm_cpu {
	paddr_t host_vmcb_pa; /* VMSAVE/VMLOAD area for the host's FS/GS/TR/MSRs */
	uint32_t next_asid;
	uint64_t asid_gen;
	bool flush_all; /* a new generation began: flush every ASID on the next entry */
};

struct svm_vcpu {
	struct vmcb *vmcb;
	paddr_t vmcb_pa;
	unsigned int asid_cpu;
	uint64_t asid_gen; /* 0: no ASID yet */
};

static struct svm_cpu svm_cpus[MAX_CPUS];
static paddr_t iopm_pa, msrpm_pa;

void svm_enter(uint64_t *gpr, paddr_t vmcb, paddr_t host_vmcb);
void svm_translate_exit(struct vcpu *v, const struct vmcb *vmcb);
void svm_advance_rip(struct vcpu *v);

static inline struct svm_vcpu *to_svm(struct vcpu *v)
{
	return v->arch.hvm.vendor;
}

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
	c->next_asid = 1;
	c->asid_gen = 1;
	return 0;
}

static void svm_vcpu_load(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	unsigned int cpu = smp_processor_id();
	struct svm_cpu *c = &svm_cpus[cpu];

	if (s->asid_cpu == cpu && s->asid_gen == c->asid_gen)
		return;
	if (c->next_asid >= boot_cpu.nr_asids) {
		c->asid_gen++;
		c->next_asid = 1;
		c->flush_all = true;
	}
	s->vmcb->control.guest_asid = c->next_asid++;
	s->asid_cpu = cpu;
	s->asid_gen = c->asid_gen;
	if (c->flush_all) {
		s->vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
		c->flush_all = false;
	} else {
		s->vmcb->control.tlb_control = SVM_TLB_FLUSH_ASID; /* fresh in this generation; to be safe */
	}
}

/* The VMCB is ordinary memory: nothing stays behind in the CPU once the guest has exited. */
static void svm_vcpu_put(struct vcpu *v)
{
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
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE |
			     SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI | SVM_INTERCEPT_SKINIT;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	/* The ASID is taken on the CPU that runs the vCPU (svm_vcpu_load). */
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

static void set_seg(struct vmcb_seg *seg, const struct hvm_seg *h)
{
	seg->selector = h->sel;
	seg->attrib = h->ar; /* Xen's attribute layout is the VMCB's */
	seg->limit = h->limit;
	seg->base = h->base;
}

/*
 * Loads a start state. EFER.SVME must be set in the VMCB's copy of EFER
 * (APM §15.5.1); the guest never sees it (svm_get_msr).
 */
static void svm_load_init_state(struct vcpu *v)
{
	const struct hvm_init_state *in = &v->arch.hvm.init;
	struct vmcb_save *st = &to_svm(v)->vmcb->save;
	static const struct hvm_seg ldtr = {0, 0x082, 0, 0}, none = {0, 0, 0, 0};

	set_seg(&st->cs, &in->cs);
	set_seg(&st->ds, &in->ds);
	set_seg(&st->es, &in->es);
	set_seg(&st->ss, &in->ss);
	set_seg(&st->fs, &in->fs);
	set_seg(&st->gs, &in->gs);
	set_seg(&st->tr, &in->tr);
	set_seg(&st->ldtr, &ldtr);
	set_seg(&st->gdtr, &none);
	set_seg(&st->idtr, &none);
	st->cpl = (in->ss.ar >> 5) & 3;
	st->cr0 = in->cr0;
	st->cr3 = in->cr3;
	st->cr4 = in->cr4;
	st->efer = in->efer | EFER_SVME;
	st->dr6 = 0xffff0ff0;
	st->dr7 = 0x400;
	st->g_pat = GUEST_PAT_DEFAULT;
	to_svm(v)->vmcb->control.eventinj = 0;
	to_svm(v)->vmcb->control.vintr = VINTR_MASKING;
	to_svm(v)->vmcb->control.intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
	v->arch.hvm.regs = in->regs;
	v->arch.hvm.init_pending = false;
	v->arch.hvm.irq_window = false;
}

static void svm_vcpu_run(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *vmcb = s->vmcb;
	struct guest_regs *r = &v->arch.hvm.regs;

	if (v->arch.hvm.init_pending)
		svm_load_init_state(v);
	vmcb->save.rip = r->rip;
	vmcb->save.rflags = r->rflags;
	vmcb->save.rsp = r->gpr[GPR_RSP];
	vmcb->save.rax = r->gpr[GPR_RAX];

	__asm__ volatile("clgi" ::: "memory");
	svm_enter(r->gpr, s->vmcb_pa, svm_cpus[smp_processor_id()].host_vmcb_pa);
	__asm__ volatile("stgi" ::: "memory");

	vmcb->control.tlb_control = SVM_TLB_FLUSH_NONE;
	/* An event whose delivery the exit interrupted is delivered again on the next entry (§15.7.2). */
	vmcb->control.eventinj = vmcb->control.exitintinfo & SVM_EVENT_VALID ? vmcb->control.exitintinfo : 0;
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

static unsigned int svm_get_cpl(struct vcpu *v)
{
	return to_svm(v)->vmcb->save.cpl;
}

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

/*
 * Nested translations are tagged by ASID, and the domain's other vCPUs that
 * ran here hold ASIDs of their own: flush them all on this CPU.
 */
static void svm_p2m_flush_local(struct vcpu *v)
{
	to_svm(v)->vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
}

/*
 * Event injection (APM §15.20) does not look at the guest's RFLAGS.IF or its
 * interrupt shadow, so they are checked here; when the guest cannot take the
 * interrupt, a virtual interrupt (V_IRQ, priority above any TPR) makes the
 * CPU exit with VINTR as soon as it could (§15.21.4), and the next entry
 * injects the real vector.
 */
static void svm_deliver_irq(struct vcpu *v, int vector)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;
	bool can =
	    !(c->eventinj & SVM_EVENT_VALID) && (v->arch.hvm.regs.rflags & RFLAGS_IF) && !(c->interrupt_shadow & 1);

	if (vector >= 0 && can) {
		c->eventinj = (uint8_t)vector | SVM_EVENT_TYPE_INTR | SVM_EVENT_VALID;
		vector = -1; /* no window needed */
	}
	v->arch.hvm.irq_window = vector >= 0;
	if (vector >= 0) {
		c->vintr |= VINTR_IRQ | VINTR_IGN_TPR | (0xfULL << VINTR_PRIO_SHIFT);
		c->intercept_misc1 |= SVM_INTERCEPT_VINTR;
	} else {
		c->vintr &= ~(VINTR_IRQ | VINTR_IGN_TPR | (0xfULL << VINTR_PRIO_SHIFT));
		c->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
	}
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
    .vcpu_load = svm_vcpu_load,
    .vcpu_put = svm_vcpu_put,
    .vcpu_run = svm_vcpu_run,
    .deliver_irq = svm_deliver_irq,
    .p2m_flush_local = svm_p2m_flush_local,
    .advance_rip = svm_advance_rip,
    .inject_exception = svm_inject_exception,
    .get_cr = svm_get_cr,
    .get_cpl = svm_get_cpl,
    .get_msr = svm_get_msr,
    .set_msr = svm_set_msr,
    .dump = svm_dump,
    .p2m_format = &p2m_npt_ops,
    .p2m_page_sizes = svm_p2m_page_sizes,
    .hypercall_insn = {0x0f, 0x01, 0xd9}, /* VMMCALL */
};

/* For svm/vmexit.c. */
struct vmcb *svm_vmcb(struct vcpu *v)
{
	return to_svm(v)->vmcb;
}
