/*
 * HYPERVISOR_grant_table_op (xen/include/public/grant_table.h), version 1: copies each
 * operation in, runs it on the caller's table (kernel/grant_table.c) and copies the result out.
 * Batched operations (map, unmap, copy) report per operation in its status field and return 0;
 * a fault on the array returns -EFAULT with the operations before it done, as on Xen.
 */
#include <mica/domain.h>
#include <mica/domain_gnttab.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>

#define GNTTABOP_CMD_BITS 12 /* Xen keeps continuation state above the command */
/*
 * Mica has no hypercall continuations yet, so a batch runs to its end in one go: at most this
 * many operations (4096 copies of a page: 16 MiB) per call, more is -E2BIG.
 */
#define GNTTAB_BATCH_MAX 4096u

/* An operation that takes exactly one struct (Xen refuses any other count with -EINVAL). */
#define GNTTAB_ONE(T, call)                                   \
	do {                                                  \
		T op;                                         \
		long rc;                                      \
		if (count != 1)                               \
			return -EINVAL;                       \
		if (copy_from_guest(v, &op, uop, sizeof(op))) \
			return -EFAULT;                       \
		rc = call;                                    \
		if (copy_to_guest(v, uop, &op, sizeof(op)))   \
			return -EFAULT;                       \
		return rc;                                    \
	} while (0)

/* setup_table: the table grows, then frame_list gets where each frame is mapped (or ~0). */
static long setup_table(struct vcpu *v, struct gnttab_domain *gt, struct gnttab_setup_table *op)
{
	uint64_t list = (uint64_t)(uintptr_t)op->frame_list.p;
	struct domain *d = v->domain;

	if (gnttab_setup_table(gt, op) != GNTST_okay)
		return 0;
	if (op->dom != DOMID_SELF && op->dom != d->domain_id && !(d = domain_lookup(op->dom)))
		return 0; /* went away meanwhile */
	for (uint32_t i = 0; i < op->nr_frames; i++) {
		xen_pfn_t gfn = gfn_x(gnttab_frame_gfn(d, i));

		if (copy_to_guest(v, list + i * sizeof(gfn), &gfn, sizeof(gfn))) {
			op->status = GNTST_bad_virt_addr;
			break;
		}
	}
	return 0;
}

/*
 * map_grant_ref: a device mapping would hand out a machine address, which only a domain that
 * drives devices (the privileged one, for now) may see. A mapping whose result cannot be
 * written back is undone, so that the guest never holds a handle it does not know.
 */
static long map_batch(struct vcpu *v, struct gnttab_domain *gt, uint64_t uop, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t at = uop + (uint64_t)i * sizeof(struct gnttab_map_grant_ref);
		struct gnttab_map_grant_ref op;

		if (copy_from_guest(v, &op, at, sizeof(op)))
			return -EFAULT;
		if ((op.flags & GNTMAP_device_map) && !gt->privileged) {
			op.status = GNTST_general_error;
			op.handle = ~(grant_handle_t)0;
		} else {
			gnttab_map_grant_ref(gt, &op);
		}
		if (copy_to_guest(v, at, &op, sizeof(op))) {
			if (op.status == GNTST_okay) {
				struct gnttab_unmap_grant_ref undo = {
				    .host_addr = op.host_addr, .dev_bus_addr = op.dev_bus_addr, .handle = op.handle};

				gnttab_unmap_grant_ref(gt, &undo);
			}
			return -EFAULT;
		}
	}
	return 0;
}

/* unmap_grant_ref and copy write back only the status, as Xen does. */
static long unmap_batch(struct vcpu *v, struct gnttab_domain *gt, uint64_t uop, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t at = uop + (uint64_t)i * sizeof(struct gnttab_unmap_grant_ref);
		struct gnttab_unmap_grant_ref op;

		if (copy_from_guest(v, &op, at, sizeof(op)))
			return -EFAULT;
		gnttab_unmap_grant_ref(gt, &op);
		if (copy_to_guest(v, at + offsetof(struct gnttab_unmap_grant_ref, status), &op.status,
				  sizeof(op.status)))
			return -EFAULT;
	}
	return 0;
}

static long copy_batch(struct vcpu *v, struct gnttab_domain *gt, uint64_t uop, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t at = uop + (uint64_t)i * sizeof(struct gnttab_copy);
		struct gnttab_copy op;

		if (copy_from_guest(v, &op, at, sizeof(op)))
			return -EFAULT;
		gnttab_copy(gt, &op);
		if (copy_to_guest(v, at + offsetof(struct gnttab_copy, status), &op.status, sizeof(op.status)))
			return -EFAULT;
	}
	return 0;
}

long do_grant_table_op(struct vcpu *v, const uint64_t *args)
{
	struct gnttab_domain *gt = domain_gnttab(v->domain);
	uint32_t cmd = (uint32_t)args[0], count = (uint32_t)args[2]; /* both unsigned int in Xen */
	uint64_t uop = args[1];
	long rc;

	if (!gt)
		return -ENOSYS;
	if ((int32_t)count < 0 || cmd >> GNTTABOP_CMD_BITS)
		return -EINVAL;
	gt->privileged = v->domain->privileged; /* may change after the table was made */
	switch (cmd) {
	case GNTTABOP_setup_table:
		GNTTAB_ONE(struct gnttab_setup_table, setup_table(v, gt, &op));
	case GNTTABOP_query_size:
		GNTTAB_ONE(struct gnttab_query_size, (gnttab_query_size(gt, &op), 0));
	case GNTTABOP_set_version:
		GNTTAB_ONE(struct gnttab_set_version, gnttab_set_version(gt, &op));
	case GNTTABOP_get_version:
		GNTTAB_ONE(struct gnttab_get_version, gnttab_get_version(gt, &op));
	case GNTTABOP_map_grant_ref:
	case GNTTABOP_unmap_grant_ref:
	case GNTTABOP_copy:
		break;
	default: /* dump_table, transfer, unmap_and_replace, get_status_frames, swap_grant_ref, cache_flush */
		return -ENOSYS;
	}
	if (count > GNTTAB_BATCH_MAX)
		return -E2BIG;
	if (cmd == GNTTABOP_map_grant_ref)
		return map_batch(v, gt, uop, count);
	rc = cmd == GNTTABOP_copy ? copy_batch(v, gt, uop, count) : unmap_batch(v, gt, uop, count);
	gnttab_reap(); /* this may have dropped the last pin on a destroyed domain's table */
	return rc;
}
