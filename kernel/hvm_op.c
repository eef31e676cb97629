/*
 * HYPERVISOR_hvm_op (xen/include/public/hvm/hvm_op.h): HVM parameters.
 * A domain reads its own; it sets only those Xen lets a guest set
 * (the event-channel callback). The privileged domain reads and sets any
 * domain's, as a toolstack does for the store and console pages.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

static bool guest_may_set(uint32_t index)
{
	return index == HVM_PARAM_CALLBACK_IRQ;
}

static long param_op(struct vcpu *v, uint64_t arg, bool set)
{
	struct xen_hvm_param p;
	struct domain *d = v->domain;
	bool self;

	if (copy_from_guest(v, &p, arg, sizeof(p)))
		return -EFAULT;
	if (p.index >= HVM_NR_PARAMS)
		return -EINVAL;
	self = p.domid == DOMID_SELF || p.domid == d->domain_id;
	if (!self) {
		if (!d->privileged)
			return -EPERM;
		d = domain_lookup(p.domid);
		if (!d)
			return -ESRCH;
	}
	if (set) {
		if (self && !d->privileged && !guest_may_set(p.index))
			return -EPERM;
		__atomic_store_n(&d->hvm_params[p.index], p.value, __ATOMIC_RELEASE);
		return 0;
	}
	p.value = __atomic_load_n(&d->hvm_params[p.index], __ATOMIC_ACQUIRE);
	return copy_to_guest(v, arg, &p, sizeof(p)) ? -EFAULT : 0;
}

/* HVMOP_set_evtchn_upcall_vector: a vCPU's own upcall vector (Xen refuses the exception vectors). */
static long set_upcall_vector(struct vcpu *v, uint64_t arg)
{
	struct xen_hvm_evtchn_upcall_vector u;
	struct domain *d = v->domain;

	if (copy_from_guest(v, &u, arg, sizeof(u)))
		return -EFAULT;
	if (u.vector < 0x10)
		return -EINVAL;
	if (u.vcpu >= d->max_vcpus || !d->vcpus[u.vcpu])
		return -ENOENT;
	__atomic_store_n(&d->vcpus[u.vcpu]->upcall_vector, u.vector, __ATOMIC_RELEASE);
	return 0;
}

long do_hvm_op(struct vcpu *v, const uint64_t *args)
{
	switch (args[0]) {
	case HVMOP_set_evtchn_upcall_vector:
		return set_upcall_vector(v, args[1]);
	case HVMOP_set_param:
		return param_op(v, args[1], true);
	case HVMOP_get_param:
		return param_op(v, args[1], false);
	default:
		return -ENOSYS;
	}
}
