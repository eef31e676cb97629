/*
 * Foreign mappings (mica/foreign_map.h), kept on one list under one lock.
 *
 * Lifetime, as on Xen: a mapping holds a reference on each page it maps
 * (page_get against the owner's id, which also proves the page is the
 * owner's RAM). When the owner balloons a page out or is destroyed, the page
 * stays allocated until the last reference drops, so a mapped page is never
 * freed and the mapping stays valid; the caller's unmap, or its own
 * destruction, drops the references. Only the ids of the domains involved
 * are kept, so a mapping outlives the domain it maps.
 *
 * Lock order: the foreign-mapping lock, then a physical map's, then the
 * allocator's.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/foreign_map.h>
#include <mica/guest_ram.h>
#include <mica/heap.h>
#include <mica/mm.h>
#include <mica/spinlock.h>

struct foreign_mapping {
	struct foreign_mapping *next;
	struct domain *caller;
	uint16_t target_id;
	gfn_t caller_gfn;
	unsigned int nr;
	mfn_t frames[]; /* one reference held on each */
};

static struct foreign_mapping *mappings;
static unsigned int nr_mappings;
static spinlock_t foreign_lock = SPINLOCK_INIT;

/* 0 if every caller frame is a hole, -EBUSY if one is mapped, -EINVAL if one is out of range. */
static int all_holes(struct domain *caller, gfn_t gfn, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		int rc = arch_physmap_query(caller, gfn_add(gfn, i), NULL, NULL);

		if (rc != -ENOENT)
			return rc == 0 ? -EBUSY : rc;
	}
	return 0;
}

/* A reference on each of d's frames; only d's own RAM passes page_get. Undone on failure. */
static int get_frames(struct domain *d, gfn_t gfn, unsigned int nr, mfn_t *frames)
{
	for (unsigned int i = 0; i < nr; i++) {
		int rc = arch_physmap_query(d, gfn_add(gfn, i), &frames[i], NULL);

		if (rc == 0 && !page_get(frames[i], d->domain_id))
			rc = -ENOENT;
		if (rc < 0) {
			while (i--)
				page_put(frames[i]);
			return rc;
		}
	}
	return 0;
}

/* Removes what is still ours from the caller's map, then drops the references. */
static void unmap_frames(struct domain *caller, gfn_t gfn, unsigned int nr, const mfn_t *frames)
{
	for (unsigned int i = 0; i < nr; i++) {
		mfn_t now;

		/* The caller may have mapped something else there since (add_to_physmap). */
		if (arch_physmap_query(caller, gfn_add(gfn, i), &now, NULL) == 0 && mfn_eq(now, frames[i]))
			arch_physmap_unmap(caller, gfn_add(gfn, i), 1); /* a 4 KiB leaf: nothing to split */
		page_put(frames[i]);
	}
}

int foreign_map(struct domain *caller, struct domain *d, gfn_t gfn, gfn_t caller_gfn, unsigned int nr, bool readonly)
{
	struct foreign_mapping *m;
	unsigned int done = 0;
	int rc;

	if (caller == d || !nr || nr > FOREIGN_MAP_MAX_PAGES || gfn_x(gfn) + nr < gfn_x(gfn) ||
	    gfn_x(caller_gfn) + nr < gfn_x(caller_gfn))
		return -EINVAL;
	/* Physical maps start at frame 0: a range whose last frame is in bounds is. */
	if (arch_physmap_query(d, gfn_add(gfn, nr - 1), NULL, NULL) == -EINVAL ||
	    arch_physmap_query(caller, gfn_add(caller_gfn, nr - 1), NULL, NULL) == -EINVAL)
		return -EINVAL;
	m = xzalloc(sizeof(*m) + nr * sizeof(m->frames[0]));
	if (!m)
		return -ENOMEM;
	spin_lock(&foreign_lock);
	rc = nr_mappings >= FOREIGN_MAP_MAX_MAPPINGS ? -ENOSPC : all_holes(caller, caller_gfn, nr);
	if (rc == 0)
		rc = get_frames(d, gfn, nr, m->frames);
	for (; rc == 0 && done < nr; done++)
		rc = arch_physmap_map(caller, gfn_add(caller_gfn, done), m->frames[done], 1,
				      readonly ? PHYSMAP_RO : PHYSMAP_RW);
	if (rc < 0 && done) { /* references were taken: give back the frames mapped and all of them */
		arch_physmap_unmap(caller, caller_gfn, done);
		for (unsigned int i = 0; i < nr; i++)
			page_put(m->frames[i]);
	}
	if (rc == 0) {
		m->next = mappings;
		m->caller = caller;
		m->target_id = d->domain_id;
		m->caller_gfn = caller_gfn;
		m->nr = nr;
		mappings = m;
		nr_mappings++;
	}
	spin_unlock(&foreign_lock);
	if (rc < 0)
		xfree(m);
	return rc;
}

int foreign_unmap(struct domain *caller, uint16_t domid, gfn_t caller_gfn)
{
	struct foreign_mapping **pp, *m = NULL;

	spin_lock(&foreign_lock);
	for (pp = &mappings; *pp; pp = &(*pp)->next) {
		if ((*pp)->caller == caller && (*pp)->target_id == domid && gfn_eq((*pp)->caller_gfn, caller_gfn)) {
			m = *pp;
			*pp = m->next;
			nr_mappings--;
			unmap_frames(caller, m->caller_gfn, m->nr, m->frames);
			break;
		}
	}
	spin_unlock(&foreign_lock);
	if (!m)
		return -ENOENT;
	xfree(m);
	return 0;
}

void foreign_map_domain_gone(struct domain *d)
{
	struct foreign_mapping **pp = &mappings, *m, *gone = NULL;

	spin_lock(&foreign_lock);
	while ((m = *pp)) {
		if (m->caller != d) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		nr_mappings--;
		unmap_frames(d, m->caller_gfn, m->nr, m->frames);
		m->next = gone;
		gone = m;
	}
	spin_unlock(&foreign_lock);
	while ((m = gone)) {
		gone = m->next;
		xfree(m);
	}
}
