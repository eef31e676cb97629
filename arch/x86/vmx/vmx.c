/*
 * VT-x backend (Intel SDM Vol. 3C ch. 24-31): VMXON on every CPU, one VMCS
 * per vCPU with EPT, VPID and unrestricted guest, and one trip into the
 * guest. Exits are translated in vmx/vmexit.c, control registers emulated in
 * vmx/cr.c, MSRs kept in vmx/msr.c; everything else is generic (arch/x86/hvm/).
 */
#include "vmx.h"
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/p2m.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/mm.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/string.h>

#define FEATURE_CONTROL_LOCK (1ULL << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ULL << 2)
#define MSR_FS_BASE 0xC0000100
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define GUEST_PAT_DEFAULT 0x0007040600070406ULL
#define CR0_ET (1ULL << 4)
#define DR7_DEFAULT 0x400

struct vmx_cpu {
	paddr_t vmxon_pa;
	bool on;              /* in VMX root operation */
	paddr_t current_vmcs; /* the VMCS loaded with VMPTRLD, 0 for none */
};

struct vmx_caps vmx_caps;
static bool vmx_caps_ready;
static struct vmx_cpu vmx_cpus[MAX_CPUS];
static uint32_t vpid_counter;
static unsigned int vmwrite_errors;

void vmx_vmwrite_failed(uint32_t enc, uint64_t val)
{
	vmwrite_errors++;
	printk("VMX: VMWRITE of field 0x%04x (value 0x%lx) failed, VM-instruction error %lu\n", enc, val,
	       vmx_vmread(VM_INSTRUCTION_ERROR.enc));
}

/*
 * A control word from its capability MSR (SDM App. A.3-A.5): bits 31:0 are
 * the allowed 0-settings (a 1 there means the control must be 1), bits 63:32
 * the allowed 1-settings. Every wanted bit must be allowed; optional bits are
 * taken where they are.
 */
static int adjust_controls(const char *name, uint32_t msr, uint32_t wanted, uint32_t optional, uint32_t *out)
{
	uint64_t cap = rdmsr(msr);
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);

	if (wanted & ~may) {
		printk("VMX: the CPU does not offer %s controls 0x%x (it allows 0x%x); guests cannot run\n", name,
		       wanted & ~may, may);
		return -ENODEV;
	}
	*out = must | wanted | (optional & may);
	return 0;
}

/*
 * The controls every VMCS gets, chosen once from the capability MSRs. When
 * IA32_VMX_BASIC bit 55 is set, the TRUE_* MSRs tell which default-1 controls
 * may be 0 (App. A.2); Mica wants CR3-load/store exiting off under EPT.
 *  - pin-based: host interrupts and NMIs exit; without "acknowledge interrupt
 *    on exit" the interrupt stays pending in the local APIC and is taken by
 *    the host as soon as it enables interrupts after the exit (§25.7.1).
 *  - primary: HLT, every I/O port (unconditional I/O exiting) and every MSR
 *    except those in msr.c's bitmap exit.
 *  - secondary: EPT, VPID, unrestricted guest (the PVH entry has paging off),
 *    and RDTSCP/INVPCID so that those instructions do not #UD when CPUID
 *    offers them to the guest.
 *  - exit/entry: 64-bit host; EFER and PAT switched by the CPU.
 */
static int vmx_choose_controls(bool true_ctls)
{
	struct vmx_caps *c = &vmx_caps;
	int rc = 0;

	rc |= adjust_controls("pin-based", true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS,
			      PIN_EXTINT_EXITING | PIN_NMI_EXITING, 0, &c->pin);
	rc |= adjust_controls("processor-based", true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS,
			      CPU_HLT_EXITING | CPU_UNCOND_IO_EXITING | CPU_USE_MSR_BITMAPS | CPU_ACTIVATE_SECONDARY, 0,
			      &c->cpu);
	rc |= adjust_controls("secondary processor-based", MSR_VMX_PROCBASED_CTLS2,
			      CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST,
			      CPU2_ENABLE_VPID | CPU2_ENABLE_RDTSCP | CPU2_ENABLE_INVPCID, &c->cpu2);
	rc |= adjust_controls("VM-exit", true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS,
			      EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT |
				  EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER,
			      0, &c->exit);
	rc |= adjust_controls("VM-entry", true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS,
			      ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER, 0, &c->entry);
	if (rc)
		return -ENODEV;
	c->entry &= ~ENTRY_IA32E_MODE; /* set while the guest has EFER.LMA (cr.c) */
	/* A VPID is only useful when stale translations tagged with it can be dropped. */
	c->vpid = (c->cpu2 & CPU2_ENABLE_VPID) && (c->ept_vpid & VPID_CAP_INVVPID) &&
		  (c->ept_vpid & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL));
	if (!c->vpid)
		c->cpu2 &= ~CPU2_ENABLE_VPID;
	return 0;
}

static int vmx_global_init(void)
{
	struct vmx_caps *c = &vmx_caps;
	uint64_t basic = rdmsr(MSR_VMX_BASIC);
	int rc;

	c->revision = basic & 0x7fffffff;
	if (((basic >> 32) & 0x1fff) > PAGE_SIZE) {
		printk("VMX: VMCS regions of %lu bytes are not supported\n", (basic >> 32) & 0x1fff);
		return -ENODEV;
	}
	c->ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (!(c->ept_vpid & EPT_CAP_WALK_4) || !(c->ept_vpid & EPT_CAP_WB) || !(c->ept_vpid & EPT_CAP_INVEPT)) {
		printk("VMX: EPT lacks 4-level walks, write-back tables or INVEPT (caps 0x%lx)\n", c->ept_vpid);
		return -ENODEV;
	}
	rc = vmx_choose_controls(basic & VMX_BASIC_TRUE_CTLS);
	if (rc < 0)
		return rc;
	c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	/*
	 * The guest/host masks (§25.6.6): the guest reads the read shadow for a
	 * masked bit and exits when it writes a value that differs from it. Mica
	 * owns the bits VMX fixes (CR0.NE, CR4.VMXE, ...) so that the guest sees
	 * what it wrote while the real register keeps them, and CR0.PE/PG, whose
	 * changes need the IA-32e entry control and PDPTEs kept right (cr.c).
	 * Unrestricted guest exempts the guest's PE and PG from FIXED0 (§27.3.1.1).
	 */
	c->cr0_owned = c->cr0_fixed0 | ~c->cr0_fixed1 | CR0_PE | CR0_PG;
	c->cr4_owned = c->cr4_fixed0 | ~c->cr4_fixed1;
	rc = vmx_msr_bitmap_init();
	if (rc < 0)
		return rc;
	printk("VMX: revision 0x%x, controls pin 0x%x cpu 0x%x/0x%x exit 0x%x entry 0x%x, VPID %s%s\n", c->revision,
	       c->pin, c->cpu, c->cpu2, c->exit, c->entry, c->vpid ? "on" : "off",
	       basic & VMX_BASIC_TRUE_CTLS ? ", true controls" : "");
	vmx_caps_ready = true;
	return 0;
}

/*
 * Enters VMX root operation on the calling CPU (§24.7-24.8): firmware must
 * allow VMX outside SMX in IA32_FEATURE_CONTROL (Mica locks it so if the
 * firmware left it unlocked), CR0 and CR4 must respect the VMX fixed bits
 * (CR4.VMXE among them), and VMXON takes a 4 KiB region that starts with the
 * VMCS revision identifier.
 */
static int vmx_cpu_enable(void)
{
	struct vmx_cpu *c = &vmx_cpus[smp_processor_id()];
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	int rc;

	if (c->on)
		return 0;
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
		fc = rdmsr(MSR_FEATURE_CONTROL);
	}
	if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		printk("VMX: turned off by firmware (IA32_FEATURE_CONTROL 0x%lx is locked)\n", fc);
		return -EPERM;
	}
	if (!vmx_caps_ready) {
		rc = vmx_global_init();
		if (rc < 0)
			return rc;
	}
	if (!c->vmxon_pa) {
		c->vmxon_pa = alloc_pages(0);
		if (!c->vmxon_pa)
			return -ENOMEM;
		memset(pa_to_va(c->vmxon_pa), 0, PAGE_SIZE);
		*(uint32_t *)pa_to_va(c->vmxon_pa) = vmx_caps.revision;
	}
	write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
	write_cr4((read_cr4() | vmx_caps.cr4_fixed0 | CR4_VMXE) & vmx_caps.cr4_fixed1);
	if (!vmx_vmxon(c->vmxon_pa)) {
		write_cr4(read_cr4() & ~CR4_VMXE);
		printk("VMX: VMXON failed on CPU%u\n", smp_processor_id());
		return -EIO;
	}
	c->on = true;
	c->current_vmcs = 0;
	return 0;
}

/* Makes v's VMCS the current one of this CPU (VMPTRLD), if it is not already. */
void vmx_load_vmcs(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_cpu *c = &vmx_cpus[smp_processor_id()];

	ASSERT(x->cpu == smp_processor_id());
	if (c->current_vmcs == x->vmcs_pa)
		return;
	if (!vmx_vmptrld(x->vmcs_pa))
		panic("VMX: VMPTRLD of d%u vCPU%u's VMCS at 0x%lx failed", v->domain->domain_id, v->vcpu_id,
		      x->vmcs_pa);
	c->current_vmcs = x->vmcs_pa;
}

/* Drops the guest's cached linear translations (its VPID); without VPIDs every entry does. */
void vmx_flush_guest_tlb(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (!x->vpid)
		return;
	if (vmx_caps.ept_vpid & VPID_CAP_INVVPID_SINGLE)
		vmx_invvpid(INVVPID_SINGLE_CONTEXT, x->vpid, 0);
	else
		vmx_invvpid(INVVPID_ALL_CONTEXT, 0, 0);
}

/*
 * INVEPT (§29.4.3.3): single-context drops this CPU's guest-physical and
 * combined translations derived from the domain's EPTP, all-context every
 * one. Other CPUs do the same before they next enter the domain
 * (arch/x86/hvm/domain.c tracks which still have to).
 */
static void vmx_p2m_flush_local(struct vcpu *v)
{
	if (vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE)
		vmx_invept(INVEPT_SINGLE_CONTEXT, p2m_ept_pointer(&v->domain->arch.p2m));
	else
		vmx_invept(INVEPT_ALL_CONTEXT, 0);
}

/*
 * Host state loaded by every VM exit (§27.2.3, §28.5): this CPU's control
 * registers, selectors and descriptor-table bases, GS base = the per-CPU
 * structure, EFER and PAT. HOST_RSP is written by entry.S just before each
 * entry, HOST_RIP is its exit stub. After an exit the CPU sets the GDTR and
 * IDTR limits to 0xffff and TR's to 0x67, which Mica's tables tolerate.
 */
static void vmx_set_host_state(void)
{
	struct desc_ptr gdtr, idtr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmcs_writenat(HOST_CR0, read_cr0());
	vmcs_writenat(HOST_CR3, read_cr3());
	vmcs_writenat(HOST_CR4, read_cr4());
	vmcs_write16(HOST_CS_SELECTOR, GDT_CODE_SEL);
	vmcs_write16(HOST_SS_SELECTOR, GDT_DATA_SEL);
	vmcs_write16(HOST_DS_SELECTOR, GDT_DATA_SEL);
	vmcs_write16(HOST_ES_SELECTOR, GDT_DATA_SEL);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, GDT_TSS_SEL);
	vmcs_writenat(HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_writenat(HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_writenat(HOST_TR_BASE, (uint64_t)&this_cpu()->tss);
	vmcs_writenat(HOST_GDTR_BASE, gdtr.base);
	vmcs_writenat(HOST_IDTR_BASE, idtr.base);
	vmcs_write32(HOST_IA32_SYSENTER_CS, (uint32_t)rdmsr(MSR_SYSENTER_CS));
	vmcs_writenat(HOST_IA32_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP));
	vmcs_writenat(HOST_IA32_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP));
	vmcs_write64(HOST_IA32_PAT, rdmsr(MSR_PAT));
	vmcs_write64(HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmcs_writenat(HOST_RIP, (uint64_t)vmx_exit_stub);
}

/* The execution controls (§25.6-25.8): nothing is injected, no MSR lists, no exception exits. */
static void vmx_set_controls(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, vmx_caps.pin);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vmx_caps.cpu);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, vmx_caps.cpu2);
	vmcs_write32(VM_EXIT_CONTROLS, vmx_caps.exit);
	vmcs_write32(VM_ENTRY_CONTROLS, vmx_caps.entry);
	vmcs_write32(EXCEPTION_BITMAP, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO, 0);
	vmcs_write64(MSR_BITMAP, vmx_caps.msr_bitmap);
	vmcs_write64(TSC_OFFSET, 0);
	vmcs_write64(EPT_POINTER, p2m_ept_pointer(&v->domain->arch.p2m));
	if (x->vpid)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, x->vpid);
	/* No shadow VMCS: the link pointer must be all ones (§27.3.1.5). */
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
}

/* VPIDs 1..65535 in turn (0 is the host's); a reused one is flushed when handed out. */
static uint16_t vmx_alloc_vpid(void)
{
	return (uint16_t)(__atomic_fetch_add(&vpid_counter, 1, __ATOMIC_RELAXED) % 0xffff + 1);
}

static void vmx_set_segment(enum vmx_seg s, const struct hvm_seg *h)
{
	/* Xen's attribute bits 11:8 are the VMCS's 15:12; a null data segment is unusable (§25.4.1). */
	uint32_t ar = h->ar ? (h->ar & 0xffu) | ((uint32_t)(h->ar & 0xf00u) << 4) : AR_UNUSABLE;

	vmcs_write16(seg_selector(s), h->sel);
	vmcs_write32(seg_ar(s), ar);
	vmcs_write32(seg_limit(s), h->limit);
	vmcs_writenat(seg_base(s), h->base);
}

/*
 * Loads a start state (the PVH entry state, or a VCPUOP_initialise context)
 * into the current VMCS. The guest-state checks of §27.3.1 accept a 32-bit
 * protected-mode start with paging off thanks to unrestricted guest, and a
 * long-mode start with EFER.LMA and the IA-32e entry control set together.
 */
static void vmx_load_init_state(struct vcpu *v)
{
	const struct hvm_init_state *in = &v->arch.hvm.init;
	static const struct hvm_seg ldtr = {0, 0, 0, 0};
	uint32_t entry = vmcs_read32(VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE;

	vmx_set_segment(SEG_CS, &in->cs);
	vmx_set_segment(SEG_SS, &in->ss);
	vmx_set_segment(SEG_DS, &in->ds);
	vmx_set_segment(SEG_ES, &in->es);
	vmx_set_segment(SEG_FS, &in->fs);
	vmx_set_segment(SEG_GS, &in->gs);
	vmx_set_segment(SEG_TR, &in->tr);
	vmx_set_segment(SEG_LDTR, &ldtr);
	vmcs_writenat(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0);
	vmcs_writenat(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0);
	vmx_cr_reset(v, in->cr0, in->cr4);
	vmcs_writenat(GUEST_CR3, in->cr3);
	vmcs_write64(GUEST_IA32_EFER, in->efer);
	if (in->efer & EFER_LMA)
		entry |= ENTRY_IA32E_MODE;
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
	vmcs_write64(GUEST_IA32_PAT, GUEST_PAT_DEFAULT);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_writenat(GUEST_DR7, DR7_DEFAULT);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writenat(GUEST_SYSENTER_ESP, 0);
	vmcs_writenat(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0); /* active */
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_writenat(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO, 0);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vmx_caps.cpu);
	v->arch.hvm.regs = in->regs;
	v->arch.hvm.init_pending = false;
	v->arch.hvm.irq_window = false;
	vmx_flush_guest_tlb(v);
}

static void vmx_vcpu_destroy(struct vcpu *v);

/* Only memory here: the VMCS is set up on the first CPU that runs the vCPU (vmx_vcpu_load). */
static int vmx_vcpu_create(struct vcpu *v)
{
	struct vmx_vcpu *x = xzalloc(sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->vmcs_pa = alloc_pages(0);
	if (!x->vmcs_pa) {
		xfree(x);
		return -ENOMEM;
	}
	memset(pa_to_va(x->vmcs_pa), 0, PAGE_SIZE);
	*(uint32_t *)pa_to_va(x->vmcs_pa) = vmx_caps.revision; /* bit 31 clear: an ordinary VMCS */
	x->cpu = VMX_NO_CPU;
	if (vmx_caps.vpid)
		x->vpid = vmx_alloc_vpid();
	v->arch.hvm.vendor = x;
	return 0;
}

/* The vCPU was put (its VMCS cleared) or never ran: the VMCS is active on no CPU. */
static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (!x)
		return;
	free_pages(x->vmcs_pa, 0);
	xfree(x);
	v->arch.hvm.vendor = NULL;
}

/*
 * The vCPU gets this CPU: its VMCS becomes current here (VMPTRLD). The first
 * time, VMCLEAR initializes the region (§25.11.3) and the controls are
 * written; whenever it arrives from another CPU, the host state is this
 * CPU's and the translations its VPID may have cached here earlier are
 * dropped. The guest's CR2 is live in the register while it owns the CPU.
 */
static void vmx_vcpu_load(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_cpu *c = &vmx_cpus[smp_processor_id()];
	unsigned int errors = vmwrite_errors;

	if (!x->ready && !vmx_vmclear(x->vmcs_pa))
		panic("VMX: VMCLEAR of d%u vCPU%u's new VMCS failed", v->domain->domain_id, v->vcpu_id);
	if (!vmx_vmptrld(x->vmcs_pa))
		panic("VMX: VMPTRLD of d%u vCPU%u's VMCS at 0x%lx failed", v->domain->domain_id, v->vcpu_id,
		      x->vmcs_pa);
	c->current_vmcs = x->vmcs_pa;
	if (!x->ready) {
		vmx_set_controls(v);
		x->ready = true;
	}
	if (x->cpu != smp_processor_id()) {
		x->cpu = smp_processor_id();
		vmx_set_host_state();
		vmx_flush_guest_tlb(v);
	}
	if (vmwrite_errors != errors)
		panic("VMX: cannot set up d%u vCPU%u's VMCS", v->domain->domain_id, v->vcpu_id);
	write_cr2(x->cr2);
}

/* The vCPU leaves this CPU: VMCLEAR writes its VMCS back and makes it movable (§25.11.1). */
static void vmx_vcpu_put(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_cpu *c = &vmx_cpus[smp_processor_id()];

	x->cr2 = read_cr2();
	vmx_msrs_put(v);
	vmx_vmclear(x->vmcs_pa);
	if (c->current_vmcs == x->vmcs_pa)
		c->current_vmcs = 0;
	x->launched = false; /* a cleared VMCS is entered with VMLAUNCH again */
}

/*
 * External interrupts are injected through the VM-entry interruption field
 * (§26.6), which does not look at the guest's RFLAGS.IF or its STI / MOV SS
 * blocking: they are checked here, and while the guest cannot take the
 * interrupt, interrupt-window exiting (§25.6.2) makes it exit as soon as it can.
 */
static void vmx_deliver_irq(struct vcpu *v, int vector)
{
	uint32_t ctl = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL), want = ctl & ~CPU_INTR_WINDOW_EXITING;
	bool can = !(vmcs_read32(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID) && (v->arch.hvm.regs.rflags & RFLAGS_IF) &&
		   !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));

	if (vector >= 0 && can)
		vmcs_write32(VM_ENTRY_INTR_INFO, (uint8_t)vector | INTR_INFO_VALID); /* type 0: external */
	else if (vector >= 0)
		want |= CPU_INTR_WINDOW_EXITING;
	v->arch.hvm.irq_window = want & CPU_INTR_WINDOW_EXITING;
	if (want != ctl)
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, want);
}

/*
 * An event whose delivery the exit interrupted (IDT-vectoring information,
 * §28.2.4) is delivered again on the next entry, with its error code and
 * instruction length.
 */
static void vmx_reinject(void)
{
	uint32_t info = vmcs_read32(IDT_VECTORING_INFO);

	if (!(info & INTR_INFO_VALID))
		return;
	if (info & INTR_INFO_DELIVER_CODE)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs_read32(IDT_VECTORING_ERROR_CODE));
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	vmcs_write32(VM_ENTRY_INTR_INFO, info & ~(1u << 12)); /* bit 12 is undefined here */
}

/*
 * One trip into the guest, with host interrupts off from here until the
 * generic loop enables them after the exit (a host interrupt that arrives
 * meanwhile makes the guest exit at once). RIP, RSP and RFLAGS live in the
 * VMCS; entry.S swaps the other registers. MOV to CR0/CR3/CR4 and LMSW are
 * VMX mechanics, not guest policy: cr.c emulates them and the guest is
 * entered again without returning to the generic code.
 */
static void vmx_vcpu_run(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct guest_regs *r = &v->arch.hvm.regs;
	int fail;

	vmx_load_vmcs(v);
	if (v->arch.hvm.init_pending)
		vmx_load_init_state(v);
	vmx_msrs_switch(v);
	for (;;) {
		vmcs_writenat(GUEST_RIP, r->rip);
		vmcs_writenat(GUEST_RSP, r->gpr[GPR_RSP]);
		vmcs_writenat(GUEST_RFLAGS, r->rflags);
		fail = vmx_enter(r->gpr, x->launched);
		if (fail) {
			vmx_entry_failed(v, fail);
			return;
		}
		r->rip = vmcs_readnat(GUEST_RIP);
		r->gpr[GPR_RSP] = vmcs_readnat(GUEST_RSP);
		r->rflags = vmcs_readnat(GUEST_RFLAGS);
		vmx_translate_exit(v);
		vmx_reinject();
		/* A VMCS becomes "launched" only by an entry that did not fail (§27.1, §27.8). */
		if (!(x->exit_reason & EXIT_REASON_ENTRY_FAILED))
			x->launched = true;
		/*
		 * An NMI that made the guest exit is gone (NMI exiting, §26.2):
		 * give it to the host's own handler, whose IRET also ends the
		 * NMI blocking the exit left in place.
		 */
		if (v->arch.hvm.exit.reason == HVM_EXIT_NMI)
			__asm__ volatile("int $2" ::: "memory");
		if (v->arch.hvm.exit.reason != HVM_EXIT_CR_ACCESS || !vmx_handle_cr_access(v))
			return;
	}
}

/* The guest's privilege level is SS.DPL (§5.5 of Vol. 3A; right in real mode too). */
static unsigned int vmx_get_cpl(struct vcpu *v)
{
	vmx_load_vmcs(v);
	return (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;
}

/* EPT large leaves as IA32_VMX_EPT_VPID_CAP offers them (SDM App. A.10). */
static void vmx_p2m_page_sizes(bool *allow_2m, bool *allow_1g)
{
	*allow_2m = boot_cpu.ept_2m;
	*allow_1g = boot_cpu.ept_1g;
}

const struct hvm_ops vmx_ops = {
    .name = "Intel VT-x (VMX) with EPT",
    .cpu_enable = vmx_cpu_enable,
    .vcpu_create = vmx_vcpu_create,
    .vcpu_destroy = vmx_vcpu_destroy,
    .vcpu_load = vmx_vcpu_load,
    .vcpu_put = vmx_vcpu_put,
    .vcpu_run = vmx_vcpu_run,
    .deliver_irq = vmx_deliver_irq,
    .p2m_flush_local = vmx_p2m_flush_local,
    .advance_rip = vmx_advance_rip,
    .inject_exception = vmx_inject_exception,
    .get_cr = vmx_get_cr,
    .get_cpl = vmx_get_cpl,
    .get_msr = vmx_get_msr,
    .set_msr = vmx_set_msr,
    .dump = vmx_dump,
    .p2m_format = &p2m_ept_ops,
    .p2m_page_sizes = vmx_p2m_page_sizes,
    .hypercall_insn = {0x0f, 0x01, 0xc1}, /* VMCALL */
};
