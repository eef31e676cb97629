/*
 * HYPERVISOR_vcpu_op (xen/include/public/vcpu.h): bringing vCPUs up and down
 * (with a vcpu_hvm_context, as for PVH), their one-shot timers, and where
 * their vcpu_info lives.
 */
#include <asm/hvm.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>
#include <mica/sched.h>
#include <mica/string.h>
#include <mica/vcpu_context.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/vcpu.h>

static long vcpu_initialise(struct vcpu *v, struct vcpu *target, uint64_t arg)
{
	struct vcpu_hvm_context ctx;
	struct hvm_init_state st;
	int rc;

	if (copy_from_guest(v, &ctx, arg, sizeof(ctx)))
		return -EFAULT;
	if (__atomic_exchange_n(&target->initialised, true, __ATOMIC_ACQ_REL))
		return -EEXIST;
	rc = vcpu_context_to_init_state(&ctx, &st);
	if (rc < 0) {
		__atomic_store_n(&target->initialised, false, __ATOMIC_RELEASE);
		return rc;
	}
	hvm_vcpu_set_init_state(target, &st);
	return 0;
}

/*
 * VCPUOP_register_vcpu_info: the vCPU's vcpu_info moves into a guest page
 * (a guest frame for a PVH guest; it may not cross the page). What the old
 * one held comes along; event delivery and the pvclock use the new one.
 */
static long register_vcpu_info(struct vcpu *v, struct vcpu *target, uint64_t arg)
{
	struct vcpu_register_vcpu_info r;
	struct vcpu_info *vi;
	uint8_t *page;

	if (copy_from_guest(v, &r, arg, sizeof(r)))
		return -EFAULT;
	if (r.offset > PAGE_SIZE - sizeof(struct vcpu_info) || r.rsvd)
		return -EINVAL;
	if (target->vcpu_info_registered)
		return -EINVAL; /* once per vCPU, as in Xen */
	/* held until the vCPU goes: the guest cannot balloon the page out from under its vcpu_info */
	page = guest_page_get(v->domain, r.mfn, true, &target->vcpu_info_page);
	if (!page)
		return -EINVAL;
	vi = (struct vcpu_info *)(page + r.offset);
	memcpy(vi, vcpu_info_of(target), sizeof(*vi));
	target->vcpu_info_registered = true;
	evtchn_set_vcpu_info(&v->domain->evtchn, target->vcpu_id, vi);
	domain_update_time(v->domain);
	return 0;
}

/*
 * VCPUOP_register_runstate_memory_area: a guest-virtual address (Xen's rule
 * on x86), written through the vCPU's own page tables whenever its runstate
 * changed, before it next runs. 0 stops the updates.
 */
static long register_runstate(struct vcpu *v, struct vcpu *target, uint64_t arg)
{
	struct vcpu_register_runstate_memory_area a;

	if (copy_from_guest(v, &a, arg, sizeof(a)))
		return -EFAULT;
	target->runstate_gva = a.addr.p;
	target->runstate_dirty = true;
	if (target == v && a.addr.p && copy_to_guest(v, a.addr.p, &v->runstate, sizeof(v->runstate)))
		return -EFAULT;
	return 0;
}

static long set_singleshot(struct vcpu *v, uint64_t arg)
{
	struct vcpu_set_singleshot_timer t;

	if (copy_from_guest(v, &t, arg, sizeof(t)))
		return -EFAULT;
	if ((t.flags & VCPU_SSHOTTMR_future) && t.timeout_abs_ns < now_ns())
		return -ETIME;
	timer_set(&v->singleshot_timer, t.timeout_abs_ns);
	return 0;
}

long do_vcpu_op(struct vcpu *v, const uint64_t *args)
{
	uint64_t cmd = args[0], id = args[1], arg = args[2];
	struct domain *d = v->domain;
	struct vcpu *target;

	if (id >= d->max_vcpus || !d->vcpus[id])
		return -ENOENT;
	target = d->vcpus[id];
	switch (cmd) {
	case VCPUOP_initialise:
		return vcpu_initialise(v, target, arg);
	case VCPUOP_up:
		if (!__atomic_load_n(&target->initialised, __ATOMIC_ACQUIRE))
			return -EINVAL;
		vcpu_pause_flags_clear(target, VPF_DOWN);
		return 0;
	case VCPUOP_down:
		vcpu_pause_flags_set(target, VPF_DOWN);
		return 0;
	case VCPUOP_is_up:
		return !(__atomic_load_n(&target->pause_flags, __ATOMIC_ACQUIRE) & VPF_DOWN);
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, target, arg);
	case VCPUOP_set_singleshot_timer:
		if (target != v)
			return -EINVAL; /* Xen: only the caller's own */
		return set_singleshot(v, arg);
	case VCPUOP_stop_singleshot_timer:
		if (target != v)
			return -EINVAL;
		timer_stop(&v->singleshot_timer);
		return 0;
	case VCPUOP_get_runstate_info:
		return copy_to_guest(v, arg, &target->runstate, sizeof(target->runstate)) ? -EFAULT : 0;
	case VCPUOP_register_runstate_memory_area:
		return register_runstate(v, target, arg);
	case VCPUOP_stop_periodic_timer:
		return 0; /* there is no periodic timer: nothing to stop */
	default:
		/* periodic timers, NMIs, physical ids, vcpu_time areas: not offered */
		return -ENOSYS;
	}
}

/* set_timer_op: the caller's one-shot timer at an absolute system time; 0 stops it. */
long do_set_timer_op(struct vcpu *v, const uint64_t *args)
{
	if (!args[0])
		timer_stop(&v->singleshot_timer);
	else
		timer_set(&v->singleshot_timer, args[0]);
	return 0;
}
