/* Choosing the hardware-container backend once at boot, and the vCPU run loop. */
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/hvm.h>
#include <asm/percpu.h>
#include <mica/domain.h>
#include <mica/guest_mem.h>
#include <mica/printk.h>
#include <mica/string.h>
#include <xen/hvm/params.h>

const struct hvm_ops *hvm;

bool hvm_init(void)
{
	int rc;

	if (boot_cpu.svm && !boot_cpu.svm_disabled && boot_cpu.npt)
		hvm = &svm_ops;
	else if (boot_cpu.vmx && !boot_cpu.vmx_disabled && boot_cpu.ept && boot_cpu.unrestricted_guest)
		hvm = &vmx_ops;
	else
		return false;
	rc = hvm->cpu_enable();
	if (rc < 0) {
		printk("HVM: cannot enable %s on CPU0 (error %d); guests cannot run\n", hvm->name, rc);
		hvm = NULL;
		return false;
	}
	printk("HVM: guests run in hardware containers: %s\n", hvm->name);
	return true;
}

void hvm_cpu_enable_ap(void)
{
	int rc;

	if (!hvm)
		return;
	rc = hvm->cpu_enable();
	if (rc < 0)
		printk("HVM: cannot enable %s on CPU%u (error %d)\n", hvm->name, smp_processor_id(), rc);
}

/* The x87/SSE state a vCPU starts with (FNINIT's, and MXCSR's reset value). */
void hvm_fpu_init(struct fxsave_area *f)
{
	memset(f, 0, sizeof(*f));
	f->bytes[0] = 0x7f; /* FCW 0x037f */
	f->bytes[1] = 0x03;
	f->bytes[24] = 0x80; /* MXCSR 0x1f80 */
	f->bytes[25] = 0x1f;
}

/* The scheduler gives v this CPU: its control structure and its FPU state come in. */
void arch_vcpu_switch_in(struct vcpu *v)
{
	hvm->vcpu_load(v);
	fxrstor(&v->arch.hvm.fpu);
}

void arch_vcpu_switch_out(struct vcpu *v)
{
	fxsave(&v->arch.hvm.fpu);
	hvm->vcpu_put(v);
}

void hvm_vcpu_set_init_state(struct vcpu *v, const struct hvm_init_state *st)
{
	v->arch.hvm.init = *st;
	__atomic_store_n(&v->arch.hvm.init_pending, true, __ATOMIC_RELEASE);
}

void hvm_pvh_init_state(struct hvm_init_state *st, uint32_t entry, uint32_t start_info)
{
	static const struct hvm_seg code = {0x08, 0xc9b, 0xffffffff, 0}, data = {0x10, 0xc93, 0xffffffff, 0};

	memset(st, 0, sizeof(*st));
	st->cr0 = CR0_PE | (1ULL << 4); /* PE, ET */
	st->cs = code;
	st->ds = st->es = st->fs = st->gs = st->ss = data;
	st->tr = (struct hvm_seg){0x18, 0x08b, 0x67, 0}; /* a busy 32-bit TSS */
	st->regs.rip = entry;
	st->regs.rflags = 0x2;
	st->regs.gpr[GPR_RBX] = start_info;
}

/* The vector event upcalls are injected on: the vCPU's own, else the domain's callback vector. */
static int upcall_vector(const struct vcpu *v)
{
	uint64_t via = __atomic_load_n(&v->domain->hvm_params[HVM_PARAM_CALLBACK_IRQ], __ATOMIC_ACQUIRE);

	if (v->upcall_vector)
		return v->upcall_vector;
	if ((via >> 56) == HVM_PARAM_CALLBACK_TYPE_VECTOR && (uint8_t)via >= 0x10)
		return (uint8_t)via;
	return -1;
}

/*
 * Runs v, which the scheduler gave this CPU and whose context is loaded,
 * until the scheduler wants the CPU back (*resched) or v may not run any
 * more. Host interrupts are on between two trips into the guest (they made
 * it exit), off from the last checks before an entry until after the exit.
 * Returns with interrupts off.
 *
 * Before each entry: cached translations of a p2m that changed are dropped
 * (the domain's flush_pending bit for this CPU, see hvm/domain.c; in_guest
 * is published first so that whoever changes the p2m either sees this CPU
 * about to enter or has its bit seen here), and a pending event upcall is
 * injected (or an interrupt window requested).
 */
void arch_vcpu_run(struct vcpu *v, volatile bool *resched)
{
	struct cpu *c = this_cpu();
	struct domain *d = v->domain;
	uint64_t bit = 1ULL << c->id;

	for (;;) {
		irq_disable();
		__atomic_store_n(&c->in_guest, d, __ATOMIC_SEQ_CST);
		if (*resched || !vcpu_runnable(v)) {
			__atomic_store_n(&c->in_guest, NULL, __ATOMIC_RELEASE);
			return;
		}
		if (__atomic_load_n(&d->arch.flush_pending, __ATOMIC_SEQ_CST) & bit) {
			__atomic_fetch_and(&d->arch.flush_pending, ~bit, __ATOMIC_SEQ_CST);
			hvm->p2m_flush_local(v);
		}
		if (!v->arch.hvm.init_pending) {
			if (v->runstate_dirty && v->runstate_gva) {
				/* the guest's copy, through its own page tables: a bad address is its loss */
				copy_to_guest(v, v->runstate_gva, &v->runstate, sizeof(v->runstate));
				v->runstate_dirty = false;
			}
			int vector = vcpu_event_pending(v) ? upcall_vector(v) : -1;

			if (vector >= 0 || v->arch.hvm.irq_window)
				hvm->deliver_irq(v, vector);
		}
		hvm->vcpu_run(v);
		__atomic_store_n(&c->in_guest, NULL, __ATOMIC_RELEASE);
		irq_enable();
		v->arch.hvm.exits++;
		hvm_handle_exit(v);
	}
}
