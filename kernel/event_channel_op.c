/*
 * HYPERVISOR_event_channel_op (xen/include/public/event_channel.h): copies
 * each operation's argument in, runs it on the caller's event channels
 * (kernel/event_channel.c) and copies results out. The FIFO ABI is not offered.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>
#include <xen/event_channel.h>

/* One operation: copy in op of type T, run call, copy out when out is true. */
#define EVTCHN_CALL(T, call, out)                                               \
	do {                                                                    \
		T op;                                                           \
		long rc;                                                        \
		if (copy_from_guest(v, &op, arg, sizeof(op)))                   \
			return -EFAULT;                                         \
		rc = call;                                                      \
		if (rc == 0 && (out) && copy_to_guest(v, arg, &op, sizeof(op))) \
			return -EFAULT;                                         \
		return rc;                                                      \
	} while (0)

long do_event_channel_op(struct vcpu *v, const uint64_t *args)
{
	struct evtchn_domain *ed = &v->domain->evtchn;
	bool priv = v->domain->privileged;
	uint64_t cmd = args[0], arg = args[1];

	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		EVTCHN_CALL(struct evtchn_alloc_unbound, evtchn_op_alloc_unbound(ed, priv, &op), true);
	case EVTCHNOP_bind_interdomain:
		EVTCHN_CALL(struct evtchn_bind_interdomain, evtchn_op_bind_interdomain(ed, &op), true);
	case EVTCHNOP_bind_virq:
		EVTCHN_CALL(struct evtchn_bind_virq, evtchn_op_bind_virq(ed, &op), true);
	case EVTCHNOP_bind_ipi:
		EVTCHN_CALL(struct evtchn_bind_ipi, evtchn_op_bind_ipi(ed, &op), true);
	case EVTCHNOP_bind_vcpu:
		EVTCHN_CALL(struct evtchn_bind_vcpu, evtchn_op_bind_vcpu(ed, &op), false);
	case EVTCHNOP_close:
		EVTCHN_CALL(struct evtchn_close, evtchn_op_close(ed, &op), false);
	case EVTCHNOP_send:
		EVTCHN_CALL(struct evtchn_send, evtchn_op_send(ed, &op), false);
	case EVTCHNOP_status:
		EVTCHN_CALL(struct evtchn_status, evtchn_op_status(ed, priv, &op), true);
	case EVTCHNOP_unmask:
		EVTCHN_CALL(struct evtchn_unmask, evtchn_op_unmask(ed, &op), false);
	case EVTCHNOP_reset:
		EVTCHN_CALL(struct evtchn_reset, evtchn_op_reset(ed, priv, &op), false);
	default: /* bind_pirq, the FIFO ABI (init_control, expand_array, set_priority), reset_cont */
		return -ENOSYS;
	}
}
