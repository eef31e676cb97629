/*
 * dom0's commands of the control interface (docs/abi.md): its devices (DMA memory, device
 * memory) and the toolstack's console attachment and names. The table and the checks all
 * commands share are in ctl.c.
 */
#include <public/mica/ctl.h>
#include <mica/dma_mem.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_ram.h>
#include <mica/iomem.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/spinlock.h>
#include <mica/string.h>

#include "ctl_int.h"

/* ---- dom0's devices (docs/abi.md, "dom0's devices") */

/* Domain 0 only, the hardware domain: privilege alone (a second toolstack domain) is not enough. */
static bool is_hardware_domain(const struct domain *d)
{
	return d->domain_id == 0 && d->privileged;
}

/* The order of a power of two from 1 to MICA_CTL_DMA_MAX_PAGES, or -1. */
int ctl_dma_order(uint32_t nr_pages)
{
	if (!nr_pages || nr_pages > MICA_CTL_DMA_MAX_PAGES || (nr_pages & (nr_pages - 1)))
		return -1;
	return __builtin_ctz(nr_pages);
}

long ctl_dma_alloc(struct vcpu *v, struct domain *unused, struct mica_ctl *c)
{
	struct mica_ctl_dma *m = &c->u.dma;
	int order = ctl_dma_order(m->nr_pages);
	mfn_t mfn;
	int rc;

	if (!is_hardware_domain(v->domain))
		return -EPERM;
	if (m->pad || order < 0)
		return -EINVAL;
	rc = dma_mem_alloc(v->domain, (unsigned int)order, &mfn);
	if (rc)
		return rc;
	m->base = mfn_to_maddr(mfn);
	return 0;
}

long ctl_dma_free(struct vcpu *v, struct domain *unused, struct mica_ctl *c)
{
	const struct mica_ctl_dma *m = &c->u.dma;
	int order = ctl_dma_order(m->nr_pages);

	if (!is_hardware_domain(v->domain))
		return -EPERM;
	if (m->pad || order < 0 || (m->base & (PAGE_SIZE - 1)))
		return -EINVAL;
	return dma_mem_free(v->domain, maddr_to_mfn(m->base), (unsigned int)order);
}

/* Device registers at guest frame == machine frame, uncached; all of the range or none of it. */
long ctl_iomem_map(struct vcpu *v, struct domain *unused, struct mica_ctl *c)
{
	const struct mica_ctl_iomem *m = &c->u.iomem;
	struct domain *d = v->domain;
	const char *why = NULL;
	long rc;

	if (!is_hardware_domain(d))
		return -EPERM;
	rc = iomem_check(m->mfn, m->nr_pages, &why);
	if (rc == -EPERM)
		printk("Mica: d%u may not map frames 0x%lx+0x%lx as device memory: %s\n", d->domain_id, m->mfn,
		       m->nr_pages, why);
	if (rc)
		return rc;
	spin_lock(&ctl_lock);
	rc = ctl_range_unmapped(d, m->mfn, m->nr_pages);
	if (rc == 0) {
		rc = arch_physmap_map(d, _gfn(m->mfn), _mfn(m->mfn), m->nr_pages, PHYSMAP_MMIO);
		if (rc)
			arch_physmap_unmap(d, _gfn(m->mfn), m->nr_pages); /* the prefix that was mapped */
	}
	spin_unlock(&ctl_lock);
	return rc;
}

/* ---- consoles and names */

/* Gives the console's input to d (the caller's own: takes it back); or only reports who has it. */
long ctl_console_attach(struct vcpu *v, struct domain *unused, struct mica_ctl *c)
{
	struct mica_ctl_console *con = &c->u.console;
	struct domain *d;
	int focus, att;

	if (con->flags & ~MICA_CTL_CONSOLE_QUERY)
		return -EINVAL;
	if (!(con->flags & MICA_CTL_CONSOLE_QUERY)) {
		d = domain_lookup(c->domain);
		if (!d || d->dying)
			return -ESRCH;
		if (d != v->domain && (!d->console_ring || domain_is_dead(d)))
			return -ENODEV; /* no console to attach to (or nobody to read what is typed) */
		domain_console_attach(d, v->domain->domain_id);
	} else if (c->domain) {
		return -EINVAL;
	}
	focus = domain_console_focus_id();
	att = domain_console_attached_id();
	con->focus = focus < 0 ? MICA_CTL_CONSOLE_NONE : (uint16_t)focus;
	con->attached = att < 0 ? MICA_CTL_CONSOLE_NONE : (uint16_t)att;
	return 0;
}

/* Printable ASCII without spaces, 1 .. MICA_CTL_NAME_LEN - 1 of them, NUL-terminated. */
static bool rename_ok(const char *name)
{
	size_t i;

	for (i = 0; i < MICA_CTL_NAME_LEN && name[i]; i++)
		if (name[i] <= 0x20 || name[i] > 0x7e)
			return false;
	if (i == 0 || i == MICA_CTL_NAME_LEN)
		return false;
	return ctl_all_zero(name + i, MICA_CTL_NAME_LEN - i); /* nothing hidden after the NUL */
}

long ctl_rename(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	const char *name = c->u.rename.name;
	long rc = 0;

	if (!rename_ok(name))
		return -EINVAL;
	spin_lock(&ctl_lock);
	for (unsigned int id = 0; id < DOMAIN_ID_MAX && !rc; id++) {
		struct domain *o = domain_lookup((domid_t)id);

		if (o && o != d && !o->dying && !strncmp(o->name, name, DOMAIN_NAME_MAX))
			rc = -EEXIST;
	}
	if (!rc) {
		printk("Mica: d%u (%s) renamed %s by d%u\n", d->domain_id, d->name, name, v->domain->domain_id);
		mica_strlcpy(d->name, name, sizeof(d->name));
	}
	spin_unlock(&ctl_lock);
	return rc;
}
