/* Hypercall dispatch: a declarative table indexed by Xen's hypercall numbers. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/hypercall.h>
#include <xen/xen.h>

long hypercall_dispatch_table(const struct hypercall_entry *table, size_t size, struct vcpu *v, uint64_t nr,
			      const uint64_t *args)
{
	const struct hypercall_entry *e;

	if (nr >= size || !table[nr].fn)
		return -ENOSYS;
	e = &table[nr];
	if (e->caller == HC_PRIVILEGED && !v->domain->privileged)
		return -EPERM;
	v->hypercalls++;
	return e->fn(v, args);
}

static const struct hypercall_entry hypercall_table[] = {
    [__HYPERVISOR_set_timer_op] = {do_set_timer_op, 1, HC_ANY, "set_timer_op"},
    [__HYPERVISOR_memory_op] = {do_memory_op, 2, HC_ANY, "memory_op"},
    [__HYPERVISOR_xen_version] = {do_xen_version, 2, HC_ANY, "xen_version"},
    [__HYPERVISOR_console_io] = {do_console_io, 3, HC_ANY, "console_io"},
    [__HYPERVISOR_vcpu_op] = {do_vcpu_op, 3, HC_ANY, "vcpu_op"},
    [__HYPERVISOR_sched_op] = {do_sched_op, 2, HC_ANY, "sched_op"},
    [__HYPERVISOR_event_channel_op] = {do_event_channel_op, 2, HC_ANY, "event_channel_op"},
    [__HYPERVISOR_hvm_op] = {do_hvm_op, 2, HC_ANY, "hvm_op"},
    [__HYPERVISOR_grant_table_op] = {do_grant_table_op, 3, HC_ANY, "grant_table_op"},
    [__HYPERVISOR_domctl] = {do_ctl, 1, HC_PRIVILEGED, "mica_ctl"}, /* Mica's own control interface */
};

long hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t *args)
{
	return hypercall_dispatch_table(hypercall_table, sizeof(hypercall_table) / sizeof(hypercall_table[0]), v, nr,
					args);
}
