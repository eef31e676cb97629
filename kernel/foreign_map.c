/*
 * Foreign mappings (mica/foreign_map.h), kept on one list under one lock.
 *
 * Lifetime: on main, a domain's RAM is freed only when the domain is torn
 * down, and the teardown revokes every mapping of it first (and waits until
 * no hypercall can still be using one), so a mapped page is never free. Once
 * pages carry references (the grant work), a mapping would hold one on each
 * page instead, and a page would outlive its owner until it is unmapped.
 *
 * Lock order: the foreign-mapping lock, then a p2m's lock.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/foreign_map.h>
#include <mica/heap.h>
#include <mica/printk.h>
#include <mica/spinlock.h>

struct foreign_mapping {
	struct foreign_mapping *next;
	struct domain *caller, *target;
	uint16_t caller_id, target_id;
	gfn_t gfn, caller_gfn;
	unsigned int nr;
};

static struct foreign_mapping *mappings;
static unsigned int nr_mappings;
static spinlock_t foreign_lock = SPINLOCK_INIT;

static bool range_ok(const struct p2m *p, gfn_t gfn, uint64_t nr)
{
	return gfn_x(gfn) < p->max_gfn && nr <= p->max_gfn - gfn_x(gfn);
}

/* Every caller frame is unmapped (a hole). Called with the lock held. */
static bool all_holes(struct p2m *p, gfn_t gfn, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++)
		if (p2m_query(p, gfn_add(gfn, i), NULL, NULL, NULL, NULL) != -ENOENT)
			return false;
	return true;
}

/* Maps the frames one by one; on failure, unmaps the ones done. Called with the lock held. */
static int map_frames(struct domain *caller, struct domain *d, gfn_t gfn, gfn_t caller_gfn, unsigned int nr,
		      unsigned int access)
{
	unsigned int done;
	int rc = 0;

	for (done = 0; done < nr; done++) {
		unsigned int a;
		mfn_t mfn;

		/* Guest RAM is what the p2m maps executable: not shared_info, grants or other foreign pages. */
		if (p2m_query(&d->arch.p2m, gfn_add(gfn, done), &mfn, &a, NULL, NULL) < 0 || a != P2M_ACCESS_RWX) {
			rc = -ENOENT;
			break;
		}
		rc = p2m_map(&caller->arch.p2m, gfn_add(caller_gfn, done), mfn, 1, access, P2M_MT_WB);
		if (rc < 0)
			break;
	}
	if (rc < 0 && done)
		p2m_unmap(&caller->arch.p2m, caller_gfn, done); /* 4 KiB leaves: nothing to split, cannot fail */
	return rc;
}

int foreign_map(struct domain *caller, struct domain *d, gfn_t gfn, gfn_t caller_gfn, unsigned int nr, bool readonly)
{
	unsigned int access = readonly ? P2M_ACCESS_R : P2M_ACCESS_R | P2M_ACCESS_W;
	struct foreign_mapping *m;
	int rc = 0;

	if (caller == d || !nr || nr > FOREIGN_MAP_MAX_PAGES || !range_ok(&d->arch.p2m, gfn, nr) ||
	    !range_ok(&caller->arch.p2m, caller_gfn, nr))
		return -EINVAL;
	m = xzalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	spin_lock(&foreign_lock);
	if (nr_mappings >= FOREIGN_MAP_MAX_MAPPINGS)
		rc = -ENOSPC;
	else if (!all_holes(&caller->arch.p2m, caller_gfn, nr))
		rc = -EBUSY;
	else
		rc = map_frames(caller, d, gfn, caller_gfn, nr, access);
	if (rc == 0) {
		*m = (struct foreign_mapping){.next = mappings, .caller = caller, .target = d};
		m->caller_id = caller->domain_id;
		m->target_id = d->domain_id;
		m->gfn = gfn;
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
	int rc = -ENOENT;

	spin_lock(&foreign_lock);
	for (pp = &mappings; *pp; pp = &(*pp)->next) {
		m = *pp;
		if (m->caller == caller && m->target_id == domid && gfn_eq(m->caller_gfn, caller_gfn))
			break;
	}
	if (*pp) {
		rc = p2m_unmap(&caller->arch.p2m, m->caller_gfn, m->nr);
		if (rc == 0) {
			*pp = m->next;
			nr_mappings--;
		}
	}
	spin_unlock(&foreign_lock);
	if (rc == 0)
		xfree(m);
	return rc;
}

void foreign_map_domain_gone(struct domain *d)
{
	struct foreign_mapping **pp = &mappings, *m, *gone = NULL;
	unsigned int revoked = 0;

	spin_lock(&foreign_lock);
	while ((m = *pp)) {
		if (m->caller != d && m->target != d) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		nr_mappings--;
		if (m->caller != d) { /* d's frames in another domain's physical map */
			p2m_unmap(&m->caller->arch.p2m, m->caller_gfn, m->nr);
			revoked++;
		}
		m->next = gone;
		gone = m;
	}
	spin_unlock(&foreign_lock);
	while ((m = gone)) {
		gone = m->next;
		if (m->caller != d)
			printk("Mica: d%u was destroyed while d%u mapped %u of its pages at 0x%lx: mapping revoked\n",
			       d->domain_id, m->caller_id, m->nr, gfn_x(m->caller_gfn) << PAGE_SHIFT);
		xfree(m);
	}
	/* A hypercall that translated through a revoked mapping just before may still be copying. */
	if (revoked)
		arch_synchronize_hypercalls();
}
