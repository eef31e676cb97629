/* HYPERVISOR_sched_op (xen/include/public/sched.h): yield, block, shutdown. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>
#include <xen/sched.h>

long do_sched_op(struct vcpu *v, const uint64_t *args)
{
	uint64_t cmd = args[0], arg = args[1];
	struct sched_shutdown s;

	switch (cmd) {
	case SCHEDOP_yield:
		return 0;
	case SCHEDOP_block:
		/* No event sources exist yet: nothing could wake the vCPU, so return at once. */
		return 0;
	case SCHEDOP_shutdown:
		if (copy_from_guest(v, &s, arg, sizeof(s)))
			return -EFAULT;
		if (s.reason > SHUTDOWN_MAX)
			return -EINVAL;
		domain_shutdown(v->domain, s.reason);
		return 0;
	default:
		return -ENOSYS;
	}
}
