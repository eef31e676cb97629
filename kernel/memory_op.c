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
	return arch_map_shared_info(d, xatp.gpfn);
}

long do_memory_op(struct vcpu *v, const uint64_t *args)
{
	uint64_t cmd = args[0] & 0xf; /* upper bits: continuation (MEMOP_EXTENT_SHIFT), unused here */

	if (args[0] >> 32)
		return -EINVAL;
	switch (cmd) {
	case XENMEM_add_to_physmap:
		return add_to_physmap(v, args[1]);
	default:
		return -ENOSYS;
	}
}
