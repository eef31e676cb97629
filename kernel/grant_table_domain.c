/* Domains' grant tables: memory, hooks, table frames in the guest, and tables outliving their domain. */
#include <asm/page.h>
#include <mica/domain.h>
#include <mica/domain_gnttab.h>
#include <mica/errno.h>
#include <mica/guest_ram.h>
#include <mica/heap.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/spinlock.h>
#include <mica/string.h>

#define MAPTRACK_PAGES GNTTAB_MAPTRACK_PAGES(DOMAIN_GNTTAB_MAPTRACK)
_Static_assert(DOMAIN_GNTTAB_FRAMES <= GNTTAB_MAX_FRAMES, "within the v1 logic's limit");

/* The table's directories; its pages come and go through the v1 logic (hooks below). */
struct domain_gnttab {
	struct gnttab_domain gt; /* first: the hooks get &gt */
	struct domain *d;        /* NULL once the domain is destroyed */
	struct gnttab_frame frames[DOMAIN_GNTTAB_FRAMES];
	struct gnttab_maptrack *maptrack[MAPTRACK_PAGES];
	spinlock_t frames_lock;
	gfn_t frame_gfn[DOMAIN_GNTTAB_FRAMES]; /* where the guest mapped each shared frame */
	struct domain_gnttab *next_orphan;
};

static struct domain_gnttab *orphans; /* tables whose domain is gone but whose grants are mapped */
static spinlock_t orphans_lock = SPINLOCK_INIT;

static struct domain_gnttab *to_dg(struct gnttab_domain *gt)
{
	return (struct domain_gnttab *)gt;
}

/* ---- hooks (include/mica/grant_table.h states when each runs) ---- */

static struct gnttab_domain *hook_lookup(domid_t domid)
{
	struct domain *d = domain_lookup(domid);

	return d && d->gnttab ? &d->gnttab->gt : NULL;
}

/* Only the domain's own RAM can be granted or copied by frame: the page reference checks that. */
static int16_t hook_gfn_to_frame(struct gnttab_domain *gt, gfn_t gfn, bool write, mfn_t *frame)
{
	struct domain *d = to_dg(gt)->d;
	bool writable;

	if (!d)
		return GNTST_bad_domain;
	if (arch_physmap_query(d, gfn, frame, &writable) < 0 || (write && !writable) || !page_get(*frame, d->domain_id))
		return GNTST_bad_page;
	return GNTST_okay;
}

static void hook_put_frame(mfn_t frame)
{
	page_put(frame);
}

/*
 * A host mapping replaces whatever the mapper had at gfn, read-only in the p2m for a read-only
 * map. Mapping one's own page this way is refused: guest RAM is ballooned out by gfn, and a
 * second gfn of the same page would outlive it.
 */
static int16_t hook_map_into(struct gnttab_domain *gt, gfn_t gfn, mfn_t frame, bool readonly)
{
	struct domain *d = to_dg(gt)->d;

	if (!d)
		return GNTST_bad_domain;
	if (page_get(frame, d->domain_id)) {
		page_put(frame);
		return GNTST_general_error;
	}
	return arch_physmap_map(d, gfn, frame, 1, readonly ? PHYSMAP_RO : PHYSMAP_RW) < 0 ? GNTST_general_error
											  : GNTST_okay;
}

/* Removes the mapping only if gfn still shows this frame (the guest may have replaced it). */
static void hook_unmap_from(struct gnttab_domain *gt, gfn_t gfn, mfn_t frame)
{
	struct domain *d = to_dg(gt)->d;
	mfn_t now;

	if (d && arch_physmap_query(d, gfn, &now, NULL) == 0 && mfn_eq(now, frame))
		arch_physmap_unmap(d, gfn, 1);
}

static void hook_copy(mfn_t src, uint16_t src_off, mfn_t dst, uint16_t dst_off, uint16_t len)
{
	memmove((uint8_t *)pa_to_va(mfn_to_maddr(dst)) + dst_off,
		(const uint8_t *)pa_to_va(mfn_to_maddr(src)) + src_off, len);
}

static const struct gnttab_hooks hooks = {
    .lookup_domain = hook_lookup,
    .gfn_to_frame = hook_gfn_to_frame,
    .put_frame = hook_put_frame,
    .map_into = hook_map_into,
    .unmap_from = hook_unmap_from,
    .copy = hook_copy,
    .alloc_pages = alloc_pages_va,
    .free_pages = free_pages_va,
};

/* ---- tables ---- */

static void dg_free(struct domain_gnttab *dg)
{
	gnttab_domain_free(&dg->gt);
	xfree(dg);
}

/* The table starts with its first shared frame; the rest comes when the guest uses it. */
int domain_gnttab_create(struct domain *d)
{
	struct domain_gnttab *dg = xzalloc(sizeof(*dg));
	struct gnttab_mem mem;
	int rc;

	if (!dg)
		return -ENOMEM;
	mem = (struct gnttab_mem){dg->frames, DOMAIN_GNTTAB_FRAMES, dg->maptrack, DOMAIN_GNTTAB_MAPTRACK};
	rc = gnttab_domain_init(&dg->gt, d->domain_id, &hooks, &mem);
	if (rc < 0) {
		xfree(dg);
		return rc;
	}
	dg->gt.owner = d;
	dg->d = d;
	dg->frames_lock = (spinlock_t)SPINLOCK_INIT;
	for (unsigned int i = 0; i < DOMAIN_GNTTAB_FRAMES; i++)
		dg->frame_gfn[i] = INVALID_GFN;
	d->gnttab = dg;
	return 0;
}

struct gnttab_domain *domain_gnttab(struct domain *d)
{
	return d->gnttab ? &d->gnttab->gt : NULL;
}

static uint32_t pinned_entries(struct domain_gnttab *dg)
{
	uint32_t n;

	spin_lock(&dg->gt.lock);
	n = dg->gt.nr_pinned;
	spin_unlock(&dg->gt.lock);
	return n;
}

void domain_gnttab_destroy(struct domain *d)
{
	struct domain_gnttab *dg = d->gnttab;
	uint32_t pinned;

	if (!dg)
		return;
	gnttab_release_mappings(&dg->gt); /* also marks the table dying: no new pins */
	d->gnttab = NULL;
	dg->d = NULL;
	dg->gt.owner = NULL;
	pinned = pinned_entries(dg);
	if (!pinned) {
		dg_free(dg);
	} else {
		printk("Mica: d%u's grant table outlives it: %u entries still mapped or copied by other domains\n",
		       d->domain_id, pinned);
		spin_lock(&orphans_lock);
		dg->next_orphan = orphans;
		orphans = dg;
		spin_unlock(&orphans_lock);
	}
	gnttab_reap(); /* d's own mappings may have held the last pins of an orphan, or of this table */
}

/*
 * An orphan's last unpin ran on another CPU with its lock held; taking that lock here (in
 * gnttab_domain_pinned) waits for it, and nothing touches the table after that unlock.
 */
void gnttab_reap(void)
{
	struct domain_gnttab **link, *dg, *freed = NULL;

	if (!__atomic_load_n(&orphans, __ATOMIC_ACQUIRE))
		return;
	spin_lock(&orphans_lock);
	for (link = &orphans; (dg = *link);) {
		if (gnttab_domain_pinned(&dg->gt)) {
			link = &dg->next_orphan;
			continue;
		}
		*link = dg->next_orphan;
		dg->next_orphan = freed;
		freed = dg;
	}
	spin_unlock(&orphans_lock);
	while ((dg = freed)) {
		freed = dg->next_orphan;
		printk("Mica: d%u's grant table freed: no other domain maps its grants any more\n", dg->gt.domid);
		dg_free(dg);
	}
}

/* ---- table frames in the guest ---- */

/* Frame i's machine frame; i is within the table. */
static mfn_t shared_frame(struct domain_gnttab *dg, unsigned int i)
{
	return maddr_to_mfn(va_to_pa(gnttab_shared_frame(&dg->gt, i)));
}

/* A frame mapped elsewhere before moves: its old gfn is unmapped if it still shows it (as Xen does). */
int gnttab_map_frame(struct domain *d, uint64_t idx, gfn_t gfn)
{
	struct domain_gnttab *dg = d->gnttab;
	gfn_t old;
	mfn_t now;
	int rc;

	if (!dg || idx >= dg->gt.max_frames)
		return -EINVAL;
	rc = gnttab_grow(&dg->gt, (uint32_t)idx + 1);
	if (rc < 0)
		return rc;
	spin_lock(&dg->frames_lock);
	old = dg->frame_gfn[idx];
	rc = arch_physmap_map(d, gfn, shared_frame(dg, (unsigned int)idx), 1, PHYSMAP_RW);
	if (rc == 0) {
		if (!gfn_eq(old, INVALID_GFN) && !gfn_eq(old, gfn) && arch_physmap_query(d, old, &now, NULL) == 0 &&
		    mfn_eq(now, shared_frame(dg, (unsigned int)idx)))
			arch_physmap_unmap(d, old, 1);
		dg->frame_gfn[idx] = gfn;
	}
	spin_unlock(&dg->frames_lock);
	return rc;
}

gfn_t gnttab_frame_gfn(struct domain *d, unsigned int i)
{
	struct domain_gnttab *dg = d->gnttab;
	gfn_t gfn = INVALID_GFN;
	mfn_t now;

	if (!dg || i >= DOMAIN_GNTTAB_FRAMES)
		return INVALID_GFN;
	spin_lock(&dg->frames_lock);
	if (!gfn_eq(dg->frame_gfn[i], INVALID_GFN) && arch_physmap_query(d, dg->frame_gfn[i], &now, NULL) == 0 &&
	    mfn_eq(now, shared_frame(dg, i)))
		gfn = dg->frame_gfn[i];
	spin_unlock(&dg->frames_lock);
	return gfn;
}
