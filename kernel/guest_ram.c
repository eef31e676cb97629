/* Guest RAM: populate, balloon, account and free a domain's pages (include/mica/guest_ram.h). */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_ram.h>
#include <mica/heap.h>
#include <mica/mm.h>
#include <mica/string.h>

#define RAM_CHUNKS_MIN 16 /* 256 bytes: a small domain in 2 MiB pieces needs a few */

/* ---- the chunk list ---- */

int ram_chunks_reserve(struct domain_ram *r, unsigned int extra)
{
	unsigned int cap = r->cap ? r->cap : RAM_CHUNKS_MIN;
	struct ram_chunk *c;

	if (r->nr + extra <= r->cap)
		return 0;
	while (cap < r->nr + extra)
		cap *= 2;
	c = xmalloc(cap * sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (r->nr)
		memcpy(c, r->chunks, r->nr * sizeof(*c));
	xfree(r->chunks);
	r->chunks = c;
	r->cap = cap;
	return 0;
}

void ram_chunks_add(struct domain_ram *r, mfn_t mfn, unsigned int order)
{
	r->chunks[r->nr++] = (struct ram_chunk){mfn, order};
}

int ram_chunks_find(const struct domain_ram *r, mfn_t frame)
{
	for (unsigned int i = 0; i < r->nr; i++) {
		uint64_t base = mfn_x(r->chunks[i].mfn);

		if (mfn_x(frame) >= base && mfn_x(frame) - base < (1ULL << r->chunks[i].order))
			return (int)i;
	}
	return -1;
}

void ram_chunks_carve(struct domain_ram *r, unsigned int i, mfn_t frame)
{
	struct ram_chunk c = r->chunks[i];
	uint64_t block = mfn_x(c.mfn);

	r->chunks[i] = r->chunks[--r->nr];
	for (unsigned int order = c.order; order > 0; order--) {
		uint64_t half = 1ULL << (order - 1);

		if (mfn_x(frame) >= block + half) {
			ram_chunks_add(r, _mfn(block), order - 1);
			block += half;
		} else {
			ram_chunks_add(r, _mfn(block + half), order - 1);
		}
	}
}

/* ---- populate, allocate, release ---- */

/* 0 if nothing is mapped in [gfn, gfn + nr), -EBUSY if something is, -EINVAL if out of range. */
static int range_unmapped(struct domain *d, gfn_t gfn, uint64_t nr)
{
	for (uint64_t i = 0; i < nr; i++) {
		int rc = arch_physmap_query(d, gfn_add(gfn, i), NULL, NULL);

		if (rc != -ENOENT)
			return rc == 0 ? -EBUSY : rc;
	}
	return 0;
}

/* A new block for d, owned and counted but not mapped (d's RAM lock held). */
static int ram_alloc(struct domain *d, unsigned int order, mfn_t *mfn)
{
	paddr_t pa;

	if (d->mem_pages + (1ULL << order) > d->max_pages || ram_chunks_reserve(&d->ram, 1) < 0)
		return -ENOMEM;
	pa = alloc_pages(order);
	if (!pa)
		return -ENOMEM;
	*mfn = maddr_to_mfn(pa);
	page_assign(*mfn, order, d->domain_id);
	ram_chunks_add(&d->ram, *mfn, order);
	d->mem_pages += 1ULL << order;
	return 0;
}

/* Undoes the last ram_alloc. */
static void ram_unalloc(struct domain *d, mfn_t mfn, unsigned int order)
{
	d->ram.nr--;
	d->mem_pages -= 1ULL << order;
	page_release(mfn, order);
}

int guest_ram_populate(struct domain *d, gfn_t gfn, unsigned int order)
{
	uint64_t nr = 1ULL << order;
	mfn_t mfn;
	int rc;

	if (order > GUEST_RAM_MAX_ORDER || (gfn_x(gfn) & (nr - 1)))
		return -EINVAL;
	spin_lock(&d->ram.lock);
	rc = range_unmapped(d, gfn, nr);
	if (rc == 0)
		rc = ram_alloc(d, order, &mfn);
	if (rc == 0) {
		clear_pages(mfn_to_maddr(mfn), order);
		rc = arch_physmap_map(d, gfn, mfn, nr, PHYSMAP_RAM);
		if (rc < 0) {
			arch_physmap_unmap(d, gfn, nr); /* a failed map may have left a prefix */
			ram_unalloc(d, mfn, order);
		}
	}
	spin_unlock(&d->ram.lock);
	return rc;
}

/* Whether [gfn, gfn + nr) maps [mfn, mfn + nr), frame by frame. */
static bool maps_block(struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr)
{
	for (uint64_t i = 0; i < nr; i++) {
		mfn_t m;

		if (arch_physmap_query(d, gfn_add(gfn, i), &m, NULL) < 0 || !mfn_eq(m, mfn_add(mfn, i)))
			return false;
	}
	return true;
}

int guest_ram_unpopulate(struct domain *d, gfn_t gfn, unsigned int *order)
{
	struct ram_chunk c;
	mfn_t mfn;
	int i = -1, rc;

	spin_lock(&d->ram.lock);
	rc = arch_physmap_query(d, gfn, &mfn, NULL);
	if (rc == 0) {
		i = ram_chunks_find(&d->ram, mfn);
		if (i < 0 || !mfn_eq(d->ram.chunks[i].mfn, mfn) ||
		    !maps_block(d, gfn, mfn, 1ULL << d->ram.chunks[i].order))
			rc = -ENOENT;
	}
	if (rc == 0) {
		c = d->ram.chunks[i];
		rc = arch_physmap_unmap(d, gfn, 1ULL << c.order); /* whole leaves: nothing to split */
	}
	if (rc == 0) {
		d->ram.chunks[i] = d->ram.chunks[--d->ram.nr];
		d->mem_pages -= 1ULL << c.order;
		page_release(c.mfn, c.order);
		*order = c.order;
	}
	spin_unlock(&d->ram.lock);
	return rc == -EINVAL ? -ENOENT : rc;
}

int guest_ram_allocate(struct domain *d, unsigned int order)
{
	mfn_t mfn;
	int rc;

	if (order > GUEST_RAM_MAX_ORDER)
		return -EINVAL;
	spin_lock(&d->ram.lock);
	rc = ram_alloc(d, order, &mfn);
	spin_unlock(&d->ram.lock);
	return rc;
}

/*
 * Only a page of d's own RAM is taken: a foreign grant mapping or a hypervisor page at gfn is
 * not d's to free. Unmapped first, so that no new reference can find it through the p2m.
 */
int guest_ram_release(struct domain *d, gfn_t gfn)
{
	struct ram_chunk c = {0};
	mfn_t mfn;
	int i = -1, rc;

	spin_lock(&d->ram.lock);
	rc = arch_physmap_query(d, gfn, &mfn, NULL);
	if (rc == 0 && (i = ram_chunks_find(&d->ram, mfn)) < 0)
		rc = -ENOENT;
	if (rc == 0) {
		c = d->ram.chunks[i];
		rc = ram_chunks_reserve(&d->ram, c.order);
	}
	if (rc == 0)
		rc = arch_physmap_unmap(d, gfn, 1);
	if (rc == 0) {
		page_release_frame(c.mfn, c.order, mfn);
		ram_chunks_carve(&d->ram, (unsigned int)i, mfn);
		d->mem_pages--;
	}
	spin_unlock(&d->ram.lock);
	return rc == -EINVAL ? -ENOENT : rc;
}

int guest_physmap_remove(struct domain *d, gfn_t gfn)
{
	int rc;

	spin_lock(&d->ram.lock);
	rc = arch_physmap_query(d, gfn, NULL, NULL);
	if (rc == 0)
		rc = arch_physmap_unmap(d, gfn, 1);
	spin_unlock(&d->ram.lock);
	return rc == -EINVAL ? -ENOENT : rc;
}

void guest_ram_destroy(struct domain *d)
{
	spin_lock(&d->ram.lock);
	for (unsigned int i = 0; i < d->ram.nr; i++) {
		page_release(d->ram.chunks[i].mfn, d->ram.chunks[i].order);
		d->mem_pages -= 1ULL << d->ram.chunks[i].order;
	}
	xfree(d->ram.chunks);
	d->ram.chunks = NULL;
	d->ram.nr = d->ram.cap = 0;
	spin_unlock(&d->ram.lock);
}
