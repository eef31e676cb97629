/*
 * HYPERVISOR_memory_op (xen/include/public/memory.h): reservations (populate, increase and
 * decrease, i.e. ballooning), the physical map (add_to_physmap for shared_info and grant table
 * frames, its batch form, remove_from_physmap) and what a guest may ask about its memory.
 */
#include <mica/domain.h>
#include <mica/domain_gnttab.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/guest_ram.h>
#include <mica/hypercall.h>
#include <mica/mm.h>

#include <xen/memory.h>

#define MEMOP_EXTENT_SHIFT 6 /* bits above the command carry Xen's continuation (start extent) */

/* The domain an argument names: the caller, or any domain for the privileged. */
static long target_domid(struct vcpu *v, domid_t domid, struct domain **out)
{
	if (domid == DOMID_SELF || domid == v->domain->domain_id) {
		*out = v->domain;
		return 0;
	}
	if (!v->domain->privileged)
		return -EPERM;
	*out = domain_lookup(domid);
	return *out ? 0 : -ESRCH;
}

static long target_domain(struct vcpu *v, uint64_t arg, struct domain **out)
{
	struct xen_memory_domain md;

	if (copy_from_guest(v, &md, arg, sizeof(md)))
		return -EFAULT;
	return target_domid(v, md.domid, out);
}

/* ---- reservations ---- */

/* Balloons out the 2^order pages from gfn, one by one as Xen does: a failure stops the extent. */
static int release_extent(struct domain *d, uint64_t gfn, unsigned int order)
{
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		int rc = guest_ram_release(d, _gfn(gfn + i));

		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * increase_reservation, decrease_reservation and populate_physmap, with Xen's result: the
 * number of extents done, the first failure stopping the batch. Mica's differences: bad
 * arguments give an error code instead of 0 (an extent_order above 9 or any mem_flags is
 * -EINVAL), and an extent list that faults before anything was done gives -EFAULT. A translated
 * guest's increase_reservation gets pages that are counted but not mapped, as on Xen (the list
 * is not written).
 */
static long reservation(struct vcpu *v, unsigned int cmd, uint64_t arg)
{
	struct xen_memory_reservation r;
	struct domain *d;
	uint64_t list, i;
	long rc;

	if (copy_from_guest(v, &r, arg, sizeof(r)))
		return -EFAULT;
	if (r.extent_order > GUEST_RAM_MAX_ORDER || r.mem_flags)
		return -EINVAL;
	rc = target_domid(v, r.domid, &d);
	if (rc)
		return rc;
	list = (uint64_t)(uintptr_t)r.extent_start.p;
	for (i = 0; i < r.nr_extents; i++) {
		xen_pfn_t gfn = 0;

		if (cmd != XENMEM_increase_reservation && copy_from_guest(v, &gfn, list + i * sizeof(gfn), sizeof(gfn)))
			return i ? (long)i : -EFAULT;
		if (cmd == XENMEM_populate_physmap)
			rc = guest_ram_populate(d, _gfn(gfn), r.extent_order);
		else if (cmd == XENMEM_decrease_reservation)
			rc = release_extent(d, gfn, r.extent_order);
		else
			rc = guest_ram_allocate(d, r.extent_order);
		if (rc < 0)
			break;
	}
	return (long)i;
}

/* ---- the physical map ---- */

static int add_one(struct domain *d, unsigned int space, uint64_t idx, uint64_t gpfn)
{
	switch (space) {
	case XENMAPSPACE_shared_info:
		if (idx != 0)
			return -EINVAL;
		domain_update_time(d);
		return arch_map_shared_info(d, gpfn);
	case XENMAPSPACE_grant_table:
		if (idx & XENMAPIDX_grant_table_status)
			return -EINVAL; /* status frames exist in grant tables v2 only */
		return gnttab_map_frame(d, idx, _gfn(gpfn));
	default:
		return -ENOSYS; /* gmfn, gmfn_range, gmfn_foreign, dev_mmio */
	}
}

/* XENMEM_add_to_physmap: the caller's shared_info page or one of its grant table frames. */
static long add_to_physmap(struct vcpu *v, uint64_t arg)
{
	struct xen_add_to_physmap xatp;
	struct domain *d = v->domain;

	if (copy_from_guest(v, &xatp, arg, sizeof(xatp)))
		return -EFAULT;
	if (xatp.domid != DOMID_SELF && xatp.domid != d->domain_id)
		return -EPERM;
	return add_one(d, xatp.space, xatp.idx, xatp.gpfn);
}

/* XENMEM_add_to_physmap_batch: add_to_physmap per index, each result in errs[]. */
static long add_to_physmap_batch(struct vcpu *v, uint64_t arg)
{
	struct xen_add_to_physmap_batch b;
	struct domain *d = v->domain;
	uint64_t idxs, gpfns, errs;

	if (copy_from_guest(v, &b, arg, sizeof(b)))
		return -EFAULT;
	if (b.domid != DOMID_SELF && b.domid != d->domain_id)
		return -EPERM;
	if (b.u.res0)
		return -EINVAL; /* only gmfn_foreign uses it */
	if (b.space != XENMAPSPACE_shared_info && b.space != XENMAPSPACE_grant_table)
		return -ENOSYS;
	idxs = (uint64_t)(uintptr_t)b.idxs.p;
	gpfns = (uint64_t)(uintptr_t)b.gpfns.p;
	errs = (uint64_t)(uintptr_t)b.errs.p;
	for (unsigned int i = 0; i < b.size; i++) {
		xen_ulong_t idx;
		xen_pfn_t gpfn;
		int err;

		if (copy_from_guest(v, &idx, idxs + i * sizeof(idx), sizeof(idx)) ||
		    copy_from_guest(v, &gpfn, gpfns + i * sizeof(gpfn), sizeof(gpfn)))
			return -EFAULT;
		err = add_one(d, b.space, idx, gpfn);
		if (copy_to_guest(v, errs + i * sizeof(err), &err, sizeof(err)))
			return -EFAULT;
	}
	return 0;
}

/* XENMEM_remove_from_physmap: whatever is at gpfn goes; RAM stays the domain's, as on Xen. */
static long remove_from_physmap(struct vcpu *v, uint64_t arg)
{
	struct xen_remove_from_physmap xrfp;
	struct domain *d;
	long rc;

	if (copy_from_guest(v, &xrfp, arg, sizeof(xrfp)))
		return -EFAULT;
	rc = target_domid(v, xrfp.domid, &d);
	return rc ? rc : guest_physmap_remove(d, _gfn(xrfp.gpfn));
}

/* An entry as BIOS INT 15h, EAX=E820h returns it. */
struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __packed;

/*
 * XENMEM_memory_map: the guest's RAM as the builder laid it out (one range
 * from 0 today, as in the start info). A NULL buffer asks how many entries.
 */
static long memory_map(struct vcpu *v, uint64_t arg)
{
	struct e820_entry ram = {0, domain_ram_end(v->domain), 1 /* E820_RAM */};
	struct xen_memory_map map;
	uint64_t buffer;

	if (copy_from_guest(v, &map, arg, sizeof(map)))
		return -EFAULT;
	buffer = (uint64_t)(uintptr_t)map.buffer.p;
	if (buffer && map.nr_entries < 1)
		return -EINVAL;
	if (buffer && copy_to_guest(v, buffer, &ram, sizeof(ram)))
		return -EFAULT;
	map.nr_entries = 1;
	return copy_to_guest(v, arg, &map, sizeof(map)) ? -EFAULT : 0;
}

long do_memory_op(struct vcpu *v, const uint64_t *args)
{
	struct domain *d;
	long rc;

	/* No command here continues, so no start extent may come with one. */
	if (args[0] >> MEMOP_EXTENT_SHIFT)
		return -EINVAL;
	switch (args[0]) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation(v, (unsigned int)args[0], args[1]);
	case XENMEM_add_to_physmap:
		return add_to_physmap(v, args[1]);
	case XENMEM_add_to_physmap_batch:
		return add_to_physmap_batch(v, args[1]);
	case XENMEM_remove_from_physmap:
		return remove_from_physmap(v, args[1]);
	case XENMEM_maximum_ram_page:
		return (long)mm_max_frame();
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		rc = target_domain(v, args[1], &d);
		if (rc)
			return rc;
		return (long)(args[0] == XENMEM_current_reservation ? d->mem_pages : d->max_pages);
	case XENMEM_maximum_gpfn:
		rc = target_domain(v, args[1], &d);
		return rc ? rc : (long)(domain_ram_end(d) >> PAGE_SHIFT) - 1;
	case XENMEM_memory_map:
		return memory_map(v, args[1]);
	default:
		return -ENOSYS;
	}
}
