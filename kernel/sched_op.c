/* HYPERVISOR_sched_op (xen/include/public/sched.h): yield, block, poll, shutdown. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>
#include <mica/sched.h>
#include <xen/sched.h>

#define POLL_MAX_PORTS 128 /* as Xen */

struct poll_set {
	evtchn_port_t ports[POLL_MAX_PORTS];
	unsigned int nr;
};

static bool port_pending(struct domain *d, evtchn_port_t port)
{
	const xen_ulong_t *pending = d->shared_info->evtchn_pending;
	unsigned int bits = sizeof(xen_ulong_t) * 8;

	return __atomic_load_n(&pending[port / bits], __ATOMIC_SEQ_CST) & ((xen_ulong_t)1 << (port % bits));
}

static bool any_pending(struct vcpu *v, void *arg)
{
	const struct poll_set *ps = arg;

	for (unsigned int i = 0; i < ps->nr; i++)
		if (port_pending(v->domain, ps->ports[i]))
			return true;
	return false;
}

/*
 * SCHEDOP_poll: return once one of the ports is pending (masked or not) or
 * the timeout (absolute system time, 0 = none) passed. Any event of the
 * domain wakes a polling vCPU, as any of several ports may; the guest looks
 * again, as it must on Xen too. The vCPU stops polling at its next exit.
 */
static long sched_poll(struct vcpu *v, uint64_t arg)
{
	struct sched_poll sp;
	struct poll_set ps;

	if (copy_from_guest(v, &sp, arg, sizeof(sp)))
		return -EFAULT;
	if (sp.nr_ports > POLL_MAX_PORTS)
		return -EINVAL;
	ps.nr = sp.nr_ports;
	if (copy_from_guest(v, ps.ports, (uint64_t)(uintptr_t)sp.ports.p, ps.nr * sizeof(evtchn_port_t)))
		return -EFAULT;
	for (unsigned int i = 0; i < ps.nr; i++)
		if (ps.ports[i] >= v->domain->evtchn.max_ports)
			return -EINVAL;
	__atomic_store_n(&v->polling, true, __ATOMIC_SEQ_CST);
	if (any_pending(v, &ps)) {
		__atomic_store_n(&v->polling, false, __ATOMIC_RELEASE);
		return 0;
	}
	if (sp.timeout) {
		if (sp.timeout <= now_ns()) {
			__atomic_store_n(&v->polling, false, __ATOMIC_RELEASE);
			return 0;
		}
		timer_set(&v->poll_timer, sp.timeout);
	}
	vcpu_block_until(v, any_pending, &ps);
	return 0;
}

/* SCHEDOP_remote_shutdown: the privileged domain stops another one. */
static long remote_shutdown(struct vcpu *v, uint64_t arg)
{
	struct sched_remote_shutdown rs;
	struct domain *d;

	if (!v->domain->privileged)
		return -EPERM;
	if (copy_from_guest(v, &rs, arg, sizeof(rs)))
		return -EFAULT;
	if (rs.reason > SHUTDOWN_MAX)
		return -EINVAL;
	d = domain_lookup(rs.domain_id);
	if (!d)
		return -ESRCH;
	domain_shutdown(d, rs.reason);
	return 0;
}

long do_sched_op(struct vcpu *v, const uint64_t *args)
{
	uint64_t cmd = args[0], arg = args[1];
	struct sched_shutdown s;

	switch (cmd) {
	case SCHEDOP_yield:
		vcpu_yield(v);
		return 0;
	case SCHEDOP_block:
		vcpu_block(v);
		return 0;
	case SCHEDOP_poll:
		return sched_poll(v, arg);
	case SCHEDOP_shutdown:
		if (copy_from_guest(v, &s, arg, sizeof(s)))
			return -EFAULT;
		if (s.reason > SHUTDOWN_MAX)
			return -EINVAL;
		domain_shutdown(v->domain, s.reason);
		return 0;
	case SCHEDOP_remote_shutdown:
		return remote_shutdown(v, arg);
	default:
		return -ENOSYS;
	}
}
