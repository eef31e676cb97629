/*
 * Event channels: shared_info, the upcall vector (HVM_PARAM_CALLBACK_IRQ, vector type, which
 * Xen and Mica both deliver without a local APIC EOI) and the 2-level dispatch.
 */
#include <pv/arch.h>
#include <pv/events.h>
#include <pv/hypercall.h>
#include <pv/mm.h>

#include <errno.h>

#define BITS_PER_WORD (8 * sizeof(xen_ulong_t))

struct shared_info *HYPERVISOR_shared_info;
unsigned long evtchn_upcalls;
static unsigned long unhandled;

static struct {
	evtchn_handler_t fn;
	void *data;
} handlers[NR_EVS];

/*
 * shared_info goes over a page of our own RAM (as Linux does), not into a hole of the physical
 * map: dom0's holes are the machine's device memory (PCI BARs it maps 1:1). The RAM page under
 * it stays allocated for good.
 */
void init_events(void)
{
	void *page = alloc_page();
	struct xen_add_to_physmap xatp = {
	    .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = virt_to_gfn(page)};
	struct xen_hvm_param p = {
	    .domid = DOMID_SELF,
	    .index = HVM_PARAM_CALLBACK_IRQ,
	    .value = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | UPCALL_VECTOR,
	};
	long rc = page ? HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp) : -ENOMEM;

	if (rc)
		panic("events: cannot map shared_info (XENMEM_add_to_physmap returned %ld)", rc);
	HYPERVISOR_shared_info = page;
	/* Every port masked until a handler is bound. */
	for (unsigned int w = 0; w < ARRAY_SIZE(HYPERVISOR_shared_info->evtchn_mask); w++)
		__atomic_store_n(&HYPERVISOR_shared_info->evtchn_mask[w], ~(xen_ulong_t)0, __ATOMIC_SEQ_CST);
	rc = HYPERVISOR_hvm_op(HVMOP_set_param, &p);
	if (rc)
		panic("events: cannot set the upcall vector (HVM_PARAM_CALLBACK_IRQ returned %ld)", rc);
	HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_mask = 0;
}

static bool port_ok(evtchn_port_t port)
{
	return port > 0 && port < NR_EVS;
}

void mask_evtchn(evtchn_port_t port)
{
	if (port < NR_EVS)
		__atomic_fetch_or(&HYPERVISOR_shared_info->evtchn_mask[port / BITS_PER_WORD],
				  (xen_ulong_t)1 << (port % BITS_PER_WORD), __ATOMIC_SEQ_CST);
}

void unmask_evtchn(evtchn_port_t port)
{
	struct evtchn_unmask op = {.port = port};

	/* The hypercall re-raises the upcall when the port was pending while masked. */
	(void)HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

void clear_evtchn(evtchn_port_t port)
{
	if (port < NR_EVS)
		__atomic_fetch_and(&HYPERVISOR_shared_info->evtchn_pending[port / BITS_PER_WORD],
				   ~((xen_ulong_t)1 << (port % BITS_PER_WORD)), __ATOMIC_SEQ_CST);
}

int evtchn_bind(evtchn_port_t port, evtchn_handler_t handler, void *data)
{
	if (!port_ok(port))
		return -EINVAL;
	unsigned long flags = local_irq_save();

	handlers[port].fn = handler;
	handlers[port].data = data;
	local_irq_restore(flags);
	unmask_evtchn(port);
	return 0;
}

void evtchn_unbind(evtchn_port_t port)
{
	if (!port_ok(port))
		return;
	mask_evtchn(port);
	unsigned long flags = local_irq_save();

	handlers[port].fn = NULL;
	handlers[port].data = NULL;
	local_irq_restore(flags);
}

static int bind_new(long rc, evtchn_port_t port, evtchn_handler_t handler, void *data)
{
	if (rc)
		return (int)rc;
	if (!port_ok(port)) {
		struct evtchn_close c = {.port = port};

		(void)HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
		return -ENOSPC;
	}
	return evtchn_bind(port, handler, data);
}

int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *data, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	*port = op.port;
	return bind_new(rc, op.port, handler, data);
}

int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_handler_t handler, void *data,
			    evtchn_port_t *local_port)
{
	struct evtchn_bind_interdomain op = {.remote_dom = remote, .remote_port = remote_port};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);

	*local_port = op.local_port;
	return bind_new(rc, op.local_port, handler, data);
}

int evtchn_bind_virq(uint32_t virq, evtchn_handler_t handler, void *data, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = {.virq = virq, .vcpu = 0};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);

	*port = op.port;
	return bind_new(rc, op.port, handler, data);
}

int evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = {.port = port};

	evtchn_unbind(port);
	return (int)HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

int notify_remote_via_evtchn(evtchn_port_t port)
{
	struct evtchn_send op = {.port = port};

	return (int)HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

/*
 * The upcall, interrupts off: acknowledge (evtchn_upcall_pending = 0) before scanning, so an
 * event set from then on raises it again; then take the selector word by word and each
 * pending, unmasked port, clearing its pending bit before its handler runs.
 */
void do_upcall(struct trap_regs *r)
{
	struct shared_info *s = HYPERVISOR_shared_info;
	struct vcpu_info *vi = &s->vcpu_info[0];

	(void)r;
	evtchn_upcalls++;
	do {
		__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
		xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);

		while (sel) {
			unsigned int w = (unsigned int)__builtin_ctzll(sel);

			sel &= sel - 1;
			xen_ulong_t ready =
			    __atomic_load_n(&s->evtchn_pending[w], __ATOMIC_ACQUIRE) & ~s->evtchn_mask[w];

			while (ready) {
				unsigned int b = (unsigned int)__builtin_ctzll(ready);
				xen_ulong_t bit = (xen_ulong_t)1 << b;
				evtchn_port_t port = w * BITS_PER_WORD + b;

				ready &= ready - 1;
				if (!(__atomic_fetch_and(&s->evtchn_pending[w], ~bit, __ATOMIC_SEQ_CST) & bit))
					continue;
				if (port < NR_EVS && handlers[port].fn)
					handlers[port].fn(port, handlers[port].data);
				else
					unhandled++;
			}
		}
	} while (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE));
}
