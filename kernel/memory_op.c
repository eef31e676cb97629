/* HYPERVISOR_memory_op (xen/include/public/memory.h): what guests need so far. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>
#include <xen/memory.h>

/* XENMEM_add_to_physmap: only the shared_info page (index 0) of the caller itself, for now. */
static long add_to_physmap(struct vcpu *v, uint64_t arg)
{
	struct xen_add_to_physmap xatp;
	struct domain *d = v->domain;

	if (copy_from_guest(v, &xatp, arg, sizeof(xatp)))
		return -EFAULT;
	if (xatp.domid != DOMID_SELF && xatp.domid != d->domain_id)
		return -EPERM;
	if (xatp.space != XENMAPSPACE_shared_info)
		return -ENOSYS; /* grant table frames and gmfn moves come with the domains work */
	if (xatp.idx != 0)
		return -EINVAL;
	domain_update_time(d);
	return arch_map_shared_info(d, xatp.gpfn);
}

/* The domain a xen_memory_domain argument names: the caller, or any domain for the privileged. */
static long target_domain(struct vcpu *v, uint64_t arg, struct domain **out)
{
	struct xen_memory_domain md;

	if (copy_from_guest(v, &md, arg, sizeof(md)))
		return -EFAULT;
	if (md.domid == DOMID_SELF || md.domid == v->domain->domain_id) {
		*out = v->domain;
		return 0;
	}
	if (!v->domain->privileged)
		return -EPERM;
	*out = domain_lookup(md.domid);
	return *out ? 0 : -ESRCH;
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

	/* Bits above the command (MEMOP_EXTENT_SHIFT, 6) continue long operations: none here does. */
	if (args[0] >> 6)
		return -EINVAL;
	switch (args[0]) {
	case XENMEM_add_to_physmap:
		return add_to_physmap(v, args[1]);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation: /* no ballooning yet: the maximum is what it has */
		rc = target_domain(v, args[1], &d);
		return rc ? rc : (long)d->mem_pages;
	case XENMEM_maximum_gpfn:
		rc = target_domain(v, args[1], &d);
		return rc ? rc : (long)(domain_ram_end(d) >> PAGE_SHIFT) - 1;
	case XENMEM_memory_map:
		return memory_map(v, args[1]);
	default:
		return -ENOSYS;
	}
}
