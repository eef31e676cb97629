/*
 * The store ring of a boot domain, set up as Xen's toolstack sets one up: a page of the
 * domain's own RAM at DOMAIN_STORE_GFN (one page over its memory, as Xen's special pages
 * are) and an unbound event channel to domain 0, announced in HVM_PARAM_STORE_PFN and
 * HVM_PARAM_STORE_EVTCHN. The store daemon in dom0 finds the domain, reads both parameters,
 * maps the page (MICA_CTL_MAP_FOREIGN) and binds the channel; Mica never touches the page.
 * Only when there is a dom0 to serve it: without one the parameters stay 0 and a guest
 * knows it has no store.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_ram.h>
#include <mica/hypercall.h>

#include <xen/hvm/params.h>

int domain_store_setup(struct domain *d)
{
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = 0};
	int rc;

	d->max_pages++;
	rc = guest_ram_populate(d, _gfn(DOMAIN_STORE_GFN), 0);
	if (rc < 0)
		return rc;
	rc = evtchn_op_alloc_unbound(&d->evtchn, true, &op);
	if (rc < 0)
		return rc;
	d->hvm_params[HVM_PARAM_STORE_PFN] = DOMAIN_STORE_GFN;
	d->hvm_params[HVM_PARAM_STORE_EVTCHN] = op.port;
	return 0;
}
