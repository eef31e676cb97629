/*
 * Generic exit handling, written once for both backends: one handler per
 * vendor-neutral exit reason, found by index. A handler returns false when
 * the vCPU must not be entered again.
 */
#include <asm/cpu.h>
#include <asm/hvm.h>
#include <asm/hvm_policy.h>
#include <mica/domain.h>
#include <mica/hypercall.h>
#include <mica/printk.h>
#include <mica/sched.h>

#define VEC_UD 6
#define VEC_GP 13
#define DEBUG_PORT 0xe9 /* Xen's HVM debug console port */

typedef bool (*exit_handler_t)(struct vcpu *v, struct hvm_exit *e);

static bool handle_nothing(struct vcpu *v, struct hvm_exit *e)
{
	return true;
}

static bool handle_cpuid(struct vcpu *v, struct hvm_exit *e)
{
	uint64_t *g = v->arch.hvm.regs.gpr;
	struct cpuid_regs r = guest_cpuid(v, (uint32_t)g[GPR_RAX], (uint32_t)g[GPR_RCX]);

	g[GPR_RAX] = r.eax;
	g[GPR_RBX] = r.ebx;
	g[GPR_RCX] = r.ecx;
	g[GPR_RDX] = r.edx;
	hvm->advance_rip(v);
	return true;
}

/*
 * HLT with interrupts enabled waits for the next event upcall, as SCHEDOP_block
 * does: the vCPU gives up its CPU until an event is pending. With interrupts
 * masked nothing can ever end the halt, so the vCPU goes down.
 */
static bool handle_hlt(struct vcpu *v, struct hvm_exit *e)
{
	hvm->advance_rip(v);
	if (!(v->arch.hvm.regs.rflags & RFLAGS_IF)) {
		printk("(d%u) vCPU%u halted with interrupts disabled: it will not run again\n", v->domain->domain_id,
		       v->vcpu_id);
		vcpu_pause_flags_set(v, VPF_DOWN);
		return false;
	}
	vcpu_block(v);
	return true;
}

/*
 * PVH has no emulated devices: reads see all ones, writes vanish, except Xen's 0xe9 debug port
 * and, for dom0, the PCI configuration ports (hvm/pci_cfg.c).
 */
static bool handle_io(struct vcpu *v, struct hvm_exit *e)
{
	uint64_t *rax = &v->arch.hvm.regs.gpr[GPR_RAX];
	uint64_t mask = e->io.size == 4 ? 0xffffffffULL : (1ULL << (e->io.size * 8)) - 1;

	if (e->io.string) {
		hvm->inject_exception(v, VEC_GP, true, 0);
		return true;
	}
	if (hvm_pci_cfg_io(v, e->io.port, e->io.size, e->io.in, rax)) {
		hvm->advance_rip(v);
		return true;
	}
	if (e->io.in)
		*rax = e->io.size == 4 ? mask : (*rax & ~mask) | mask;
	else if (e->io.port == DEBUG_PORT)
		domain_console_write(v->domain, (const char *)rax, 1);
	hvm->advance_rip(v);
	return true;
}

static bool handle_msr_read(struct vcpu *v, struct hvm_exit *e)
{
	uint64_t *g = v->arch.hvm.regs.gpr, val;

	if (guest_rdmsr(v, (uint32_t)g[GPR_RCX], &val) < 0) {
		hvm->inject_exception(v, VEC_GP, true, 0);
		return true;
	}
	g[GPR_RAX] = (uint32_t)val;
	g[GPR_RDX] = val >> 32;
	hvm->advance_rip(v);
	return true;
}

static bool handle_msr_write(struct vcpu *v, struct hvm_exit *e)
{
	uint64_t *g = v->arch.hvm.regs.gpr;
	uint64_t val = (g[GPR_RDX] << 32) | (uint32_t)g[GPR_RAX];

	if (guest_wrmsr(v, (uint32_t)g[GPR_RCX], val) < 0) {
		hvm->inject_exception(v, VEC_GP, true, 0);
		return true;
	}
	hvm->advance_rip(v);
	return !domain_is_dead(v->domain);
}

static bool handle_hypercall(struct vcpu *v, struct hvm_exit *e)
{
	hvm->advance_rip(v); /* first: a hypercall may change the vCPU's state */
	hvm_hypercall(v);
	return !domain_is_dead(v->domain);
}

static bool handle_virt_insn(struct vcpu *v, struct hvm_exit *e)
{
	hvm->inject_exception(v, VEC_UD, false, 0);
	return true;
}

static bool handle_triple_fault(struct vcpu *v, struct hvm_exit *e)
{
	domain_crash(v->domain, "triple fault on vCPU%u", v->vcpu_id);
	return false;
}

static bool handle_npf(struct vcpu *v, struct hvm_exit *e)
{
	domain_crash(v->domain, "vCPU%u: %s of guest-physical 0x%lx, which is not mapped", v->vcpu_id,
		     e->npf.write  ? "write"
		     : e->npf.exec ? "instruction fetch"
				   : "read",
		     e->npf.gpa);
	return false;
}

static bool handle_fatal(struct vcpu *v, struct hvm_exit *e)
{
	domain_crash(v->domain, "vCPU%u: unhandled exit %s (vendor code 0x%lx, info 0x%lx 0x%lx)", v->vcpu_id,
		     hvm_exit_name(e->reason), e->vendor_code, e->info1, e->info2);
	return false;
}

static const exit_handler_t exit_handlers[HVM_EXIT_COUNT] = {
    [HVM_EXIT_UNKNOWN] = handle_fatal,
    [HVM_EXIT_EXTINT] = handle_nothing,
    [HVM_EXIT_NMI] = handle_nothing,
    [HVM_EXIT_CPUID] = handle_cpuid,
    [HVM_EXIT_HLT] = handle_hlt,
    [HVM_EXIT_IO] = handle_io,
    [HVM_EXIT_MSR_READ] = handle_msr_read,
    [HVM_EXIT_MSR_WRITE] = handle_msr_write,
    [HVM_EXIT_CR_ACCESS] = handle_fatal,
    [HVM_EXIT_EXCEPTION] = handle_fatal,
    [HVM_EXIT_TRIPLE_FAULT] = handle_triple_fault,
    [HVM_EXIT_NPF] = handle_npf,
    [HVM_EXIT_HYPERCALL] = handle_hypercall,
    [HVM_EXIT_VIRT_INSN] = handle_virt_insn,
    [HVM_EXIT_INVALID] = handle_fatal,
    [HVM_EXIT_PREEMPT] = handle_nothing,
    [HVM_EXIT_INTR_WINDOW] = handle_nothing, /* the next entry injects what is due */
};

static const char *const exit_names[HVM_EXIT_COUNT] = {
    "unknown",
    "external interrupt",
    "NMI",
    "CPUID",
    "HLT",
    "I/O",
    "RDMSR",
    "WRMSR",
    "CR access",
    "exception",
    "triple fault",
    "nested page fault",
    "hypercall",
    "virtualization instruction",
    "invalid guest state",
    "preemption",
    "interrupt window",
};

const char *hvm_exit_name(enum hvm_exit_reason r)
{
	return r < HVM_EXIT_COUNT ? exit_names[r] : "?";
}

bool hvm_handle_exit(struct vcpu *v)
{
	struct hvm_exit *e = &v->arch.hvm.exit;

	if (e->reason >= HVM_EXIT_COUNT)
		return handle_fatal(v, e);
	return exit_handlers[e->reason](v, e);
}
