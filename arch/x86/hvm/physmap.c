/* A domain's physical map for the generic code (include/mica/guest_ram.h), over its p2m. */
#include <asm/p2m.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_ram.h>

static const unsigned int physmap_rights[] = {
    [PHYSMAP_RAM] = P2M_ACCESS_RWX,
    [PHYSMAP_RW] = P2M_ACCESS_R | P2M_ACCESS_W,
    [PHYSMAP_RO] = P2M_ACCESS_R,
    [PHYSMAP_MMIO] = P2M_ACCESS_R | P2M_ACCESS_W,
};

int arch_physmap_query(struct domain *d, gfn_t gfn, mfn_t *mfn, bool *writable)
{
	unsigned int access;
	int rc = p2m_query(&d->arch.p2m, gfn, mfn, &access, NULL, NULL);

	if (rc == 0 && writable)
		*writable = access & P2M_ACCESS_W;
	return rc;
}

int arch_physmap_map(struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr, enum physmap_access access)
{
	return p2m_map(&d->arch.p2m, gfn, mfn, nr, physmap_rights[access],
		       access == PHYSMAP_MMIO ? P2M_MT_UC : P2M_MT_WB);
}

int arch_physmap_unmap(struct domain *d, gfn_t gfn, uint64_t nr)
{
	return p2m_unmap(&d->arch.p2m, gfn, nr);
}
