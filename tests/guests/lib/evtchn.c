/*
 * Event channels for the test guests (events.h): shared_info, the 2-level ABI's bits, the
 * upcall interrupt and its dispatch, blocking and polling.
 */
#include "events.h"

#define BITS_PER_WORD (8 * sizeof(xen_ulong_t))
#define APIC_BASE_MSR 0x1b
#define APIC_BASE_X2APIC (1u << 10)
#define X2APIC_EOI_MSR 0x80b
#define X2APIC_SVR_MSR 0x80f
#define XAPIC_EOI 0xb0
#define XAPIC_SVR 0xf0
#define APIC_SVR_ENABLE 0x100u
#define CPUID1_EDX_APIC (1u << 9)

volatile struct shared_info *xen_shared_info;
volatile unsigned long evtchn_upcalls, evtchn_untracked;

static struct {
	evtchn_handler_t fn;
	void *data;
} handlers[EVTCHN_TRACKED];
static volatile unsigned long counts[EVTCHN_TRACKED];
static volatile uint32_t *xapic; /* the per-vCPU vector on a CPU with a local APIC: EOI needed */
static bool x2apic_eoi;

static void sched_block_fixup(struct cpu_regs *regs);

volatile struct shared_info *xen_map_shared_info(void)
{
	struct xen_add_to_physmap xatp = {
	    .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = SHARED_INFO_GFN};
	long rc;

	if (xen_shared_info)
		return xen_shared_info;
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
	if (rc)
		xtf_failure("XENMEM_add_to_physmap(shared_info, gfn 0x%llx) returned %ld", SHARED_INFO_GFN, rc);
	xen_shared_info = (volatile struct shared_info *)(uintptr_t)(SHARED_INFO_GFN << 12); /* identity-mapped */
	return xen_shared_info;
}

unsigned int xen_vcpu_id(void)
{
	if (xen.cpuid_max < xen.cpuid_base + 4)
		return 0;
	struct cpuid_regs r = cpuid_count(xen.cpuid_base + 4, 0);

	return r.eax & XEN_HVM_CPUID_VCPU_ID_PRESENT ? r.ebx : 0;
}

volatile struct vcpu_info *xen_vcpu_info(unsigned int vcpu)
{
	if (!xen_shared_info)
		xtf_error("shared_info is not mapped");
	if (vcpu >= XEN_LEGACY_MAX_VCPUS)
		xtf_error("vCPU %u has no vcpu_info in shared_info", vcpu);
	return &xen_shared_info->vcpu_info[vcpu];
}

/* ---- operations */

long evtchn_alloc_unbound(domid_t remote_dom, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote_dom};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	*port = op.port;
	return rc;
}

long evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port, evtchn_port_t *port)
{
	struct evtchn_bind_interdomain op = {.remote_dom = remote_dom, .remote_port = remote_port};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);

	*port = op.local_port;
	return rc;
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = {.virq = virq, .vcpu = vcpu};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);

	*port = op.port;
	return rc;
}

long evtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = {.port = port};

	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

long evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = {.port = port};

	return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

long evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = {.port = port};

	return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

long evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = port;
	return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

static volatile xen_ulong_t *port_word(volatile xen_ulong_t *bitmap, evtchn_port_t port)
{
	if (!xen_shared_info)
		xtf_error("shared_info is not mapped");
	if (port >= BITS_PER_WORD * BITS_PER_WORD)
		xtf_error("port %u is beyond the 2-level ABI", port);
	return &bitmap[port / BITS_PER_WORD];
}

#define PORT_BIT(port) ((xen_ulong_t)1 << ((port) % BITS_PER_WORD))

bool evtchn_is_pending(evtchn_port_t port)
{
	return __atomic_load_n(port_word(xen_shared_info->evtchn_pending, port), __ATOMIC_ACQUIRE) & PORT_BIT(port);
}

bool evtchn_test_and_clear_pending(evtchn_port_t port)
{
	return __atomic_fetch_and(port_word(xen_shared_info->evtchn_pending, port), ~PORT_BIT(port), __ATOMIC_SEQ_CST) &
	       PORT_BIT(port);
}

bool evtchn_is_masked(evtchn_port_t port)
{
	return __atomic_load_n(port_word(xen_shared_info->evtchn_mask, port), __ATOMIC_ACQUIRE) & PORT_BIT(port);
}

void evtchn_mask(evtchn_port_t port)
{
	__atomic_fetch_or(port_word(xen_shared_info->evtchn_mask, port), PORT_BIT(port), __ATOMIC_SEQ_CST);
}

/* ---- the upcall */

void evtchn_set_handler(evtchn_port_t port, evtchn_handler_t fn, void *data)
{
	if (port >= EVTCHN_TRACKED)
		xtf_error("port %u: handlers only for ports below %u", port, EVTCHN_TRACKED);
	handlers[port].data = data;
	__atomic_store_n(&handlers[port].fn, fn, __ATOMIC_RELEASE);
}

unsigned long evtchn_events(evtchn_port_t port)
{
	return port < EVTCHN_TRACKED ? __atomic_load_n(&counts[port], __ATOMIC_ACQUIRE) : 0;
}

static void dispatch(evtchn_port_t port)
{
	if (port >= EVTCHN_TRACKED) {
		__atomic_fetch_add(&evtchn_untracked, 1, __ATOMIC_RELAXED);
		return;
	}
	evtchn_handler_t fn = __atomic_load_n(&handlers[port].fn, __ATOMIC_ACQUIRE);

	if (fn)
		fn(port, handlers[port].data);
	__atomic_fetch_add(&counts[port], 1, __ATOMIC_RELEASE); /* after the handler: a waiter sees its effects */
}

static void apic_eoi(void)
{
	if (x2apic_eoi)
		wrmsr(X2APIC_EOI_MSR, 0);
	else if (xapic)
		xapic[XAPIC_EOI / 4] = 0;
}

static void upcall(struct cpu_regs *regs)
{
	volatile struct vcpu_info *vi = xen_vcpu_info(xen_vcpu_id());
	volatile xen_ulong_t *pending = xen_shared_info->evtchn_pending, *mask = xen_shared_info->evtchn_mask;

	apic_eoi();
	sched_block_fixup(regs);
	__atomic_fetch_add(&evtchn_upcalls, 1, __ATOMIC_RELAXED);
	do {
		/* Acknowledge first: an event set from here on raises the upcall again. */
		__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
		xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);

		while (sel) {
			unsigned int w = (unsigned int)__builtin_ctzll(sel);

			sel &= sel - 1;
			xen_ulong_t ready = __atomic_load_n(&pending[w], __ATOMIC_ACQUIRE) & ~mask[w];

			while (ready) {
				unsigned int b = (unsigned int)__builtin_ctzll(ready);
				xen_ulong_t bit = (xen_ulong_t)1 << b;

				ready &= ready - 1;
				if (__atomic_fetch_and(&pending[w], ~bit, __ATOMIC_SEQ_CST) & bit)
					dispatch(w * BITS_PER_WORD + b);
			}
		}
	} while (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE));
}

/*
 * Real Xen delivers the per-vCPU upcall vector through the vCPU's emulated local APIC: that
 * needs the APIC software-enabled (SVR bit 8) and an EOI per interrupt. Mica has no local APIC
 * and says so in CPUID.1:EDX.APIC, and then none of this is touched.
 */
static void apic_prepare(void)
{
	if (!(cpuid(1).edx & CPUID1_EDX_APIC))
		return;
	uint64_t base = rdmsr(APIC_BASE_MSR);

	if (base & APIC_BASE_X2APIC) {
		wrmsr(X2APIC_SVR_MSR, rdmsr(X2APIC_SVR_MSR) | APIC_SVR_ENABLE);
		x2apic_eoi = true;
	} else {
		xapic = (volatile uint32_t *)(uintptr_t)(base & 0xfffff000u); /* below 4 GiB: identity-mapped */
		xapic[XAPIC_SVR / 4] |= APIC_SVR_ENABLE;
	}
	printk("events: local APIC %s enabled for the per-vCPU vector (EOI per upcall)\n",
	       x2apic_eoi ? "(x2APIC)" : "(xAPIC)");
}

void evtchn_upcall_init(uint8_t vector, enum upcall_via via)
{
	unsigned int vcpu = xen_vcpu_id();
	long rc;

	xen_map_shared_info();
	irq_set_handler(vector, upcall);
	xen_vcpu_info(vcpu)->evtchn_upcall_mask = 0; /* the PV-style mask: never block upcalls */
	if (via == UPCALL_VIA_PERCPU) {
		struct xen_hvm_evtchn_upcall_vector uv = {.vcpu = vcpu, .vector = vector};

		apic_prepare();
		rc = HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv);
		if (rc)
			xtf_failure("HVMOP_set_evtchn_upcall_vector(vCPU%u, 0x%x) returned %ld", vcpu, vector, rc);
		printk("events: upcalls on vector 0x%x for vCPU%u (HVMOP_set_evtchn_upcall_vector)\n", vector, vcpu);
		return;
	}
	struct xen_hvm_param p = {
	    .domid = DOMID_SELF,
	    .index = HVM_PARAM_CALLBACK_IRQ,
	    .value = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | vector,
	};

	rc = HYPERVISOR_hvm_op(HVMOP_set_param, &p);
	if (rc)
		xtf_failure("HVMOP_set_param(HVM_PARAM_CALLBACK_IRQ, vector 0x%x) returned %ld", vector, rc);
	printk("events: upcalls on vector 0x%x (HVM_PARAM_CALLBACK_IRQ)\n", vector);
}

/* ---- scheduling and waiting */

long sched_yield(void)
{
	return HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/*
 * SCHEDOP_block from an HVM guest sleeps unless an interrupt is deliverable at the call, which
 * Xen judges by the guest's EFLAGS.IF and interrupt shadow: IF must be 1 and the call outside
 * STI's shadow ("sti; vmcall" sleeps through an upcall that is already pending). So: STI, a NOP
 * that ends the shadow, the call. An upcall can then arrive just before the call, consume the
 * event and leave us to sleep through it: upcall() moves such an interrupted return address past
 * the call (sched_block_fixup), so the block is skipped as if it had returned at once. Callers
 * have interrupts off, so nothing can come before the STI.
 */
extern const char sched_block_vmcall[], sched_block_vmcall_done[], sched_block_vmmcall[], sched_block_vmmcall_done[];

#define BLOCK_ASM(insn, label)                                                                                 \
	asm volatile("sti\n\tnop\n\t.globl " label "\n" label ":\n\t" insn "\n\t.globl " label "_done\n" label \
		     "_done:"                                                                                  \
		     : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)                            \
		     :                                                                                         \
		     : "memory")

/* noipa: the global labels inside must exist exactly once. */
__attribute__((noipa)) long sched_block_irq_enable(void)
{
	register unsigned long r10 asm("r10") = 0;
	register unsigned long r8 asm("r8") = 0;
	unsigned long a1 = SCHEDOP_block, a2 = 0, a3 = 0;
	long ret = __HYPERVISOR_sched_op;

	if (xen.amd)
		BLOCK_ASM("vmmcall", "sched_block_vmmcall");
	else
		BLOCK_ASM("vmcall", "sched_block_vmcall");
	return ret;
}

static void sched_block_fixup(struct cpu_regs *regs)
{
	if (regs->rip == (uintptr_t)sched_block_vmcall)
		regs->rip = (uintptr_t)sched_block_vmcall_done;
	else if (regs->rip == (uintptr_t)sched_block_vmmcall)
		regs->rip = (uintptr_t)sched_block_vmmcall_done;
	else
		return;
	regs->rax = 0;
}

long sched_poll(evtchn_port_t *ports, unsigned int nr_ports, uint64_t timeout)
{
	struct sched_poll p = {.nr_ports = nr_ports, .timeout = timeout};

	set_xen_guest_handle(p.ports, ports);
	return HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

bool evtchn_wait(evtchn_port_t port, unsigned long target, uint64_t deadline, enum block_how how)
{
	for (;;) {
		irq_disable(); /* check and block with no upcall in between */
		if (evtchn_events(port) >= target)
			break;
		if (deadline && now_ns() >= deadline) {
			irq_enable();
			return false;
		}
		if (how == BLOCK_HLT)
			safe_halt();
		else
			sched_block_irq_enable();
	}
	irq_enable();
	return true;
}

long vcpu_set_singleshot_timer(uint64_t deadline, uint32_t flags)
{
	struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = deadline, .flags = flags};

	return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, xen_vcpu_id(), &t);
}

long vcpu_stop_singleshot_timer(void)
{
	return HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, xen_vcpu_id(), NULL);
}
