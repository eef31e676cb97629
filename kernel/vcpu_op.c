/* HYPERVISOR_vcpu_op (xen/include/public/vcpu.h): the calls an early guest makes. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/hypercall.h>
#include <xen/vcpu.h>

long do_vcpu_op(struct vcpu *v, const uint64_t *args)
{
	uint64_t cmd = args[0], id = args[1];
	struct domain *d = v->domain;
	struct vcpu *target;

	if (id >= d->max_vcpus || !d->vcpus[id])
		return -ENOENT;
	target = d->vcpus[id];
	switch (cmd) {
	case VCPUOP_is_up:
		return target->up;
	default:
		/* initialise/up/down, timers and vcpu_info placement come with the domains work. */
		return -ENOSYS;
	}
}
