/* Grant tables v1: entry status protocol, pins, maptrack and the GNTTABOP_* operations. */
#include <mica/errno.h>
#include <mica/grant_table.h>
#include <mica/string.h>

#define GNTTAB_MAP_PARTS (GNTMAP_host_map | GNTMAP_device_map)

/* flags and domid of a v1 entry, read and compare-exchanged as one 32-bit word (as Xen does). */
union gnttab_combo {
	uint32_t raw;
	struct {
		uint16_t flags;
		domid_t domid;
	} f;
};
typedef uint32_t __attribute__((may_alias)) gnttab_word_t;

_Static_assert(offsetof(grant_entry_v1_t, flags) == 0, "v1 flags at offset 0");
_Static_assert(offsetof(grant_entry_v1_t, domid) == 2, "v1 domid at offset 2");
_Static_assert(sizeof(grant_entry_v1_t) == 8, "v1 entry is 8 bytes");
_Static_assert(sizeof(struct gnttab_active) == 16, "active entries stay small");
_Static_assert(GNTTAB_ENTRIES_PER_FRAME * sizeof(struct gnttab_active) == PAGE_SIZE << GNTTAB_ACTIVE_ORDER,
	       "a frame's active entries fill their pages");

/* ---- tables ---- */

static void *gnttab_zalloc(struct gnttab_domain *d, unsigned int order)
{
	void *p = d->hooks->alloc_pages(order);

	if (p)
		memset(p, 0, PAGE_SIZE << order);
	return p;
}

int gnttab_domain_init(struct gnttab_domain *d, domid_t domid, const struct gnttab_hooks *hooks,
		       const struct gnttab_mem *mem)
{
	uint32_t frames = MIN(mem->max_frames, GNTTAB_MAX_FRAMES);
	int rc;

	if (!hooks || !hooks->alloc_pages || !hooks->free_pages || !mem->frames || frames < GNTTAB_INITIAL_FRAMES ||
	    (mem->maptrack_max && !mem->maptrack))
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->domid = domid;
	d->hooks = hooks;
	d->lock = (spinlock_t)SPINLOCK_INIT;
	d->frames = mem->frames;
	d->max_frames = frames;
	memset(d->frames, 0, frames * sizeof(*d->frames));
	d->maptrack = mem->maptrack;
	d->maptrack_max = mem->maptrack_max;
	if (d->maptrack_max)
		memset(d->maptrack, 0, GNTTAB_MAPTRACK_PAGES(d->maptrack_max) * sizeof(*d->maptrack));
	d->maptrack_free = GNTTAB_MAPTRACK_NONE;
	rc = gnttab_grow(d, GNTTAB_INITIAL_FRAMES);
	if (rc < 0)
		gnttab_domain_free(d);
	return rc;
}

void gnttab_domain_free(struct gnttab_domain *d)
{
	if (!d->hooks)
		return;
	for (uint32_t i = 0; d->frames && i < d->max_frames; i++) {
		if (d->frames[i].shared)
			d->hooks->free_pages(d->frames[i].shared, 0);
		if (d->frames[i].active)
			d->hooks->free_pages(d->frames[i].active, GNTTAB_ACTIVE_ORDER);
		d->frames[i] = (struct gnttab_frame){NULL, NULL};
	}
	for (uint32_t p = 0; p < GNTTAB_MAPTRACK_PAGES(d->maptrack_max); p++) {
		if (d->maptrack[p])
			d->hooks->free_pages(d->maptrack[p], 0);
		d->maptrack[p] = NULL;
	}
	d->nr_frames = 0;
	d->maptrack_size = 0;
	d->maptrack_free = GNTTAB_MAPTRACK_NONE;
}

/*
 * Every new frame's page is had and zeroed before any is published (the slots beyond nr_frames
 * are invisible to readers): on failure the ones taken go back and the table is unchanged. Then
 * nr_frames is raised (release), so that a reader that sees the new size sees complete frames.
 */
int gnttab_grow(struct gnttab_domain *d, uint32_t nr_frames)
{
	uint32_t have, got;
	int rc = 0;

	spin_lock(&d->lock);
	have = got = d->nr_frames;
	if (nr_frames > d->max_frames) {
		rc = -EINVAL;
	} else if (nr_frames > have) {
		while (got < nr_frames && (d->frames[got].shared = gnttab_zalloc(d, 0)))
			got++;
		if (got == nr_frames) {
			__atomic_store_n(&d->nr_frames, nr_frames, __ATOMIC_RELEASE);
		} else {
			while (got-- > have) {
				d->hooks->free_pages(d->frames[got].shared, 0);
				d->frames[got].shared = NULL;
			}
			rc = -ENOMEM;
		}
	}
	spin_unlock(&d->lock);
	return rc;
}

/* Entry ref's pins (lock held; ref within the table), its frame's active entries allocated at
 * the first pin. NULL when there is no memory for them. */
static struct gnttab_active *gnttab_active_get(struct gnttab_domain *d, grant_ref_t ref)
{
	struct gnttab_frame *f = &d->frames[ref / GNTTAB_ENTRIES_PER_FRAME];

	if (!f->active) {
		struct gnttab_active *a = gnttab_zalloc(d, GNTTAB_ACTIVE_ORDER);

		if (!a)
			return NULL;
		__atomic_store_n(&f->active, a, __ATOMIC_RELEASE);
	}
	return &f->active[ref % GNTTAB_ENTRIES_PER_FRAME];
}

/* The domain an op names: the caller itself, or (privileged callers only) another one. */
static struct gnttab_domain *gnttab_get_domain(struct gnttab_domain *cd, domid_t domid)
{
	if (domid == DOMID_SELF || domid == cd->domid)
		return cd;
	return cd->hooks->lookup_domain(domid);
}

static void gnttab_put_domain(struct gnttab_domain *cd, struct gnttab_domain *d)
{
	if (d && d != cd && cd->hooks->put_domain)
		cd->hooks->put_domain(d);
}

/* Xen's order: an unknown domain is GNTST_bad_domain, then the privilege check. */
static int16_t gnttab_get_target(struct gnttab_domain *cd, domid_t domid, struct gnttab_domain **out)
{
	*out = gnttab_get_domain(cd, domid);
	if (!*out)
		return GNTST_bad_domain;
	if (*out != cd && !cd->privileged)
		return GNTST_permission_denied;
	return GNTST_okay;
}

int16_t gnttab_setup_table(struct gnttab_domain *cd, struct gnttab_setup_table *op)
{
	struct gnttab_domain *d;
	int16_t rc = gnttab_get_target(cd, op->dom, &d);

	if (rc == GNTST_okay && gnttab_grow(d, op->nr_frames) != 0)
		rc = GNTST_general_error;
	gnttab_put_domain(cd, d);
	op->status = rc;
	return rc;
}

int16_t gnttab_query_size(struct gnttab_domain *cd, struct gnttab_query_size *op)
{
	struct gnttab_domain *d;
	int16_t rc = gnttab_get_target(cd, op->dom, &d);

	if (rc == GNTST_okay) {
		op->nr_frames = gnttab_nr_frames(d);
		op->max_nr_frames = d->max_frames;
	}
	gnttab_put_domain(cd, d);
	op->status = rc;
	return rc;
}

/* Xen answers -ENOSYS for version 2 when its max version is 1, -EINVAL for anything else. */
int gnttab_set_version(struct gnttab_domain *cd, struct gnttab_set_version *op)
{
	uint32_t want = op->version;

	op->version = 1;
	if (want == 1)
		return 0;
	return want == 2 ? -ENOSYS : -EINVAL;
}

int gnttab_get_version(struct gnttab_domain *cd, struct gnttab_get_version *op)
{
	struct gnttab_domain *d;
	int16_t rc = gnttab_get_target(cd, op->dom, &d);

	gnttab_put_domain(cd, d);
	if (rc == GNTST_bad_domain)
		return -ESRCH;
	if (rc != GNTST_okay)
		return -EPERM;
	op->version = 1;
	return 0;
}

/* ---- the shared entry status protocol and pins (granter's lock held) ---- */

/*
 * Set GTF_reading (and GTF_writing) in the shared entry, checking in the same compare-exchange
 * that the entry still grants ld access of the right kind. The granter may change the entry
 * concurrently; a changed word is re-checked, a bounded number of times so that a guest cannot
 * livelock us.
 */
static int16_t gnttab_set_status(struct gnttab_domain *rd, grant_ref_t ref, domid_t ld, bool readonly, bool mapflag)
{
	volatile gnttab_word_t *word = (volatile gnttab_word_t *)gnttab_shared_entry(rd, ref);
	uint16_t mask = GTF_type_mask | (mapflag ? GTF_sub_page : 0);
	union gnttab_combo cur, want;

	cur.raw = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	for (int tries = 0; tries < GNTTAB_SET_STATUS_TRIES; tries++) {
		if ((cur.f.flags & mask) != GTF_permit_access || cur.f.domid != ld)
			return GNTST_general_error;
		if (!readonly && (cur.f.flags & GTF_readonly))
			return GNTST_general_error;
		want = cur;
		want.f.flags |= GTF_reading | (readonly ? 0 : GTF_writing);
		if (rd->hooks->race_window)
			rd->hooks->race_window(rd, ref);
		if (__atomic_compare_exchange_n(word, &cur.raw, want.raw, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return GNTST_okay;
	}
	return GNTST_general_error; /* the entry kept changing under us */
}

/* Make GTF_reading/GTF_writing say what the pins say. */
static void gnttab_sync_status(struct gnttab_domain *rd, grant_ref_t ref, const struct gnttab_active *act)
{
	uint16_t clear = 0;

	if (!act->pin_write)
		clear |= GTF_writing;
	if (!act->pin_write && !act->pin_read)
		clear |= GTF_reading;
	if (clear)
		__atomic_fetch_and(&gnttab_shared_entry(rd, ref)->flags, (uint16_t)~clear, __ATOMIC_RELEASE);
}

/*
 * The frame reference behind the pins: taken at the first pin from the gfn in the entry (read
 * after our status bits are set, when the granter may no longer change it). A first writer on
 * a read-pinned entry re-checks that the p2m allows writes, keeping the one reference; the gfn
 * is read again (struct gnttab_active says why that is safe).
 */
static int16_t gnttab_take_frame(struct gnttab_domain *rd, grant_ref_t ref, struct gnttab_active *act, domid_t ld,
				 bool readonly)
{
	gfn_t gfn = _gfn(__atomic_load_n(&gnttab_shared_entry(rd, ref)->frame, __ATOMIC_ACQUIRE));
	mfn_t frame;
	int16_t rc;

	if (!act->pin_read && !act->pin_write) {
		rc = rd->hooks->gfn_to_frame(rd, gfn, !readonly, &act->frame);
		if (rc == GNTST_okay) {
			act->domid = ld;
			rd->nr_pinned++;
		}
		return rc;
	}
	if (readonly || act->pin_write)
		return GNTST_okay;
	rc = rd->hooks->gfn_to_frame(rd, gfn, true, &frame);
	if (rc != GNTST_okay)
		return rc;
	if (!mfn_eq(frame, act->frame))
		rc = GNTST_general_error;
	rd->hooks->put_frame(frame);
	return rc;
}

/*
 * Stricter than Xen: the shared entry is re-validated on every pin, not only the first. Pins of
 * one kind are capped at GNTTAB_PIN_MAX (Xen caps them lower), before the entry is touched.
 */
static int16_t gnttab_pin_locked(struct gnttab_domain *rd, grant_ref_t ref, domid_t ld, bool readonly, bool mapflag,
				 uint32_t npins, mfn_t *frame)
{
	struct gnttab_active *act;
	int16_t rc;

	if (ref >= gnttab_nr_entries(rd))
		return GNTST_bad_gntref;
	act = gnttab_active_get(rd, ref);
	if (!act)
		return GNTST_no_space;
	if ((act->pin_read || act->pin_write) && act->domid != ld)
		return GNTST_general_error;
	if ((uint32_t)(readonly ? act->pin_read : act->pin_write) + npins > GNTTAB_PIN_MAX)
		return GNTST_general_error;
	rc = gnttab_set_status(rd, ref, ld, readonly, mapflag);
	if (rc == GNTST_okay)
		rc = gnttab_take_frame(rd, ref, act, ld, readonly);
	if (rc != GNTST_okay) {
		gnttab_sync_status(rd, ref, act);
		return rc;
	}
	if (readonly)
		act->pin_read += npins;
	else
		act->pin_write += npins;
	*frame = act->frame;
	return GNTST_okay;
}

static int16_t gnttab_pin(struct gnttab_domain *rd, grant_ref_t ref, domid_t ld, bool readonly, bool mapflag,
			  uint32_t npins, mfn_t *frame)
{
	int16_t rc;

	spin_lock(&rd->lock);
	if (rd->dying)
		rc = GNTST_bad_domain;
	else
		rc = gnttab_pin_locked(rd, ref, ld, readonly, mapflag, npins, frame);
	spin_unlock(&rd->lock);
	return rc;
}

/* Drop pins; the last one clears the status bits and puts the frame reference. */
static void gnttab_unpin(struct gnttab_domain *rd, grant_ref_t ref, bool readonly, uint32_t npins)
{
	struct gnttab_active *act;

	spin_lock(&rd->lock);
	act = gnttab_active_get(rd, ref); /* pinned: allocated */
	if (readonly)
		act->pin_read -= npins;
	else
		act->pin_write -= npins;
	gnttab_sync_status(rd, ref, act);
	if (!act->pin_read && !act->pin_write) {
		rd->hooks->put_frame(act->frame);
		act->frame = INVALID_MFN;
		rd->nr_pinned--;
	}
	spin_unlock(&rd->lock);
}

bool gnttab_domain_pinned(struct gnttab_domain *granter)
{
	bool pinned;

	spin_lock(&granter->lock);
	pinned = granter->nr_pinned != 0;
	spin_unlock(&granter->lock);
	return pinned;
}

/* ---- maptrack (mapper's lock): handle h is entry h % PER_PAGE of page h / PER_PAGE ---- */

static struct gnttab_maptrack *gnttab_mt(const struct gnttab_domain *ld, grant_handle_t h)
{
	return &ld->maptrack[h / GNTTAB_MAPTRACK_PER_PAGE][h % GNTTAB_MAPTRACK_PER_PAGE];
}

/* The free list is empty: one more page of handles (fewer at the maximum) joins it. */
static void gnttab_maptrack_grow(struct gnttab_domain *ld)
{
	uint32_t first = ld->maptrack_size, n = MIN(GNTTAB_MAPTRACK_PER_PAGE, ld->maptrack_max - first);
	struct gnttab_maptrack *page;

	if (!n || !(page = gnttab_zalloc(ld, 0)))
		return;
	for (uint32_t i = 0; i < n; i++)
		page[i] = (struct gnttab_maptrack){.next_free = i + 1 < n ? first + i + 1 : ld->maptrack_free,
						   .state = GNTTAB_MT_FREE};
	ld->maptrack[first / GNTTAB_MAPTRACK_PER_PAGE] = page;
	ld->maptrack_size = first + n;
	ld->maptrack_free = first;
}

static int16_t gnttab_maptrack_get(struct gnttab_domain *ld, grant_handle_t *h)
{
	int16_t rc = GNTST_no_space;

	spin_lock(&ld->lock);
	if (ld->maptrack_free == GNTTAB_MAPTRACK_NONE)
		gnttab_maptrack_grow(ld);
	*h = ld->maptrack_free;
	if (*h != GNTTAB_MAPTRACK_NONE) {
		ld->maptrack_free = gnttab_mt(ld, *h)->next_free;
		gnttab_mt(ld, *h)->state = GNTTAB_MT_BUSY;
		ld->maptrack_used++;
		rc = GNTST_okay;
	}
	spin_unlock(&ld->lock);
	return rc;
}

static void gnttab_maptrack_put_locked(struct gnttab_domain *ld, grant_handle_t h)
{
	*gnttab_mt(ld, h) = (struct gnttab_maptrack){.next_free = ld->maptrack_free, .state = GNTTAB_MT_FREE};
	ld->maptrack_free = h;
	ld->maptrack_used--;
}

static void gnttab_maptrack_put(struct gnttab_domain *ld, grant_handle_t h)
{
	spin_lock(&ld->lock);
	gnttab_maptrack_put_locked(ld, h);
	spin_unlock(&ld->lock);
}

/* ---- map and unmap ---- */

static uint32_t gnttab_nr_parts(uint32_t parts)
{
	return !!(parts & GNTMAP_host_map) + !!(parts & GNTMAP_device_map);
}

static int16_t gnttab_map_from(struct gnttab_domain *cd, struct gnttab_domain *rd, struct gnttab_map_grant_ref *op)
{
	bool ro = op->flags & GNTMAP_readonly;
	uint32_t parts = op->flags & GNTTAB_MAP_PARTS;
	gfn_t gfn = _gfn(op->host_addr >> PAGE_SHIFT);
	grant_handle_t h;
	mfn_t frame;
	int16_t rc = gnttab_maptrack_get(cd, &h);

	if (rc != GNTST_okay)
		return rc;
	rc = gnttab_pin(rd, op->ref, cd->domid, ro, true, gnttab_nr_parts(parts), &frame);
	if (rc == GNTST_okay && (parts & GNTMAP_host_map)) {
		rc = cd->hooks->map_into(cd, gfn, frame, ro);
		if (rc != GNTST_okay)
			gnttab_unpin(rd, op->ref, ro, gnttab_nr_parts(parts));
	}
	if (rc != GNTST_okay) {
		gnttab_maptrack_put(cd, h);
		return rc;
	}
	spin_lock(&cd->lock);
	*gnttab_mt(cd, h) = (struct gnttab_maptrack){.granter = rd,
						     .ref = op->ref,
						     .flags = parts | (ro ? GNTMAP_readonly : 0),
						     .host_gfn = gfn,
						     .frame = frame,
						     .state = GNTTAB_MT_LIVE};
	spin_unlock(&cd->lock);
	op->handle = h;
	if (parts & GNTMAP_device_map)
		op->dev_bus_addr = mfn_x(frame) << PAGE_SHIFT;
	return GNTST_okay;
}

int16_t gnttab_map_grant_ref(struct gnttab_domain *cd, struct gnttab_map_grant_ref *op)
{
	struct gnttab_domain *rd = NULL;
	int16_t rc;

	op->handle = ~(grant_handle_t)0;
	if (!(op->flags & GNTTAB_MAP_PARTS))
		rc = GNTST_bad_gntref; /* Xen's answer to "map it nowhere" */
	else if (op->flags & GNTMAP_contains_pte)
		rc = GNTST_general_error; /* PVH mappers give guest-physical addresses, not PTEs */
	else if (!(rd = gnttab_get_domain(cd, op->dom)) || rd->dying || cd->dying)
		rc = GNTST_bad_domain;
	else
		rc = gnttab_map_from(cd, rd, op);
	gnttab_put_domain(cd, rd);
	op->status = rc;
	return rc;
}

/* Undo the given parts of a claimed (BUSY) mapping, outside any lock but the granter's. */
static void gnttab_unmap_parts(struct gnttab_domain *cd, const struct gnttab_maptrack *m, uint32_t parts)
{
	if (parts & GNTMAP_host_map)
		cd->hooks->unmap_from(cd, m->host_gfn, m->frame);
	gnttab_unpin(m->granter, m->ref, m->flags & GNTMAP_readonly, gnttab_nr_parts(parts));
}

/* Back to LIVE with the parts left, or free when none are. */
static void gnttab_maptrack_settle(struct gnttab_domain *cd, grant_handle_t h, uint32_t parts)
{
	struct gnttab_maptrack *mt;

	spin_lock(&cd->lock);
	mt = gnttab_mt(cd, h);
	mt->flags &= ~parts;
	if (mt->flags & GNTTAB_MAP_PARTS)
		mt->state = GNTTAB_MT_LIVE;
	else
		gnttab_maptrack_put_locked(cd, h);
	spin_unlock(&cd->lock);
}

/*
 * Which parts an unmap names, as Xen reads it: the host part when host_addr is non-zero (it must
 * be where the mapping is), the device part when dev_bus_addr is non-zero (it must be the
 * frame's address). A zero address leaves that part mapped.
 */
static int16_t gnttab_unmap_parts_of(const struct gnttab_maptrack *m, const struct gnttab_unmap_grant_ref *op,
				     uint32_t *parts)
{
	*parts = 0;
	if (op->host_addr && (m->flags & GNTMAP_host_map)) {
		if ((op->host_addr >> PAGE_SHIFT) != gfn_x(m->host_gfn))
			return GNTST_general_error;
		*parts |= GNTMAP_host_map;
	}
	if (op->dev_bus_addr && (m->flags & GNTMAP_device_map)) {
		if (op->dev_bus_addr != mfn_x(m->frame) << PAGE_SHIFT)
			return GNTST_bad_dev_addr;
		*parts |= GNTMAP_device_map;
	}
	return GNTST_okay;
}

/* Check the handle and mark the mapping BUSY so that a concurrent unmap of it fails. */
static int16_t gnttab_maptrack_claim(struct gnttab_domain *cd, const struct gnttab_unmap_grant_ref *op,
				     struct gnttab_maptrack *copy, uint32_t *parts)
{
	int16_t rc = GNTST_bad_handle;

	spin_lock(&cd->lock);
	if (op->handle < cd->maptrack_size && gnttab_mt(cd, op->handle)->state == GNTTAB_MT_LIVE) {
		*copy = *gnttab_mt(cd, op->handle);
		rc = gnttab_unmap_parts_of(copy, op, parts);
		if (rc == GNTST_okay)
			gnttab_mt(cd, op->handle)->state = GNTTAB_MT_BUSY;
	}
	spin_unlock(&cd->lock);
	return rc;
}

int16_t gnttab_unmap_grant_ref(struct gnttab_domain *cd, struct gnttab_unmap_grant_ref *op)
{
	struct gnttab_maptrack m;
	uint32_t parts;
	int16_t rc = gnttab_maptrack_claim(cd, op, &m, &parts);

	if (rc == GNTST_okay) {
		if (parts)
			gnttab_unmap_parts(cd, &m, parts);
		gnttab_maptrack_settle(cd, op->handle, parts);
	}
	op->status = rc;
	return rc;
}

void gnttab_release_mappings(struct gnttab_domain *mapper)
{
	struct gnttab_maptrack m;
	uint32_t size;

	spin_lock(&mapper->lock);
	mapper->dying = true;
	size = mapper->maptrack_size;
	spin_unlock(&mapper->lock);
	for (grant_handle_t h = 0; h < size; h++) {
		struct gnttab_unmap_grant_ref op = {.handle = h};

		spin_lock(&mapper->lock);
		m = *gnttab_mt(mapper, h);
		if (m.state == GNTTAB_MT_LIVE) {
			op.host_addr = gfn_x(m.host_gfn) << PAGE_SHIFT;
			op.dev_bus_addr = mfn_x(m.frame) << PAGE_SHIFT;
		}
		spin_unlock(&mapper->lock);
		if (m.state == GNTTAB_MT_LIVE)
			gnttab_unmap_grant_ref(mapper, &op);
	}
}

/* ---- copy ---- */

struct gnttab_copy_side {
	struct gnttab_domain *d; /* NULL until the side is held */
	grant_ref_t ref;
	bool gref;
	bool write;
	mfn_t frame;
};

/* A gref side pins the granter's entry for the copy; a gfn side takes a frame reference. */
static int16_t gnttab_copy_acquire(struct gnttab_domain *cd, const struct gnttab_copy_ptr *p,
				   struct gnttab_copy_side *s)
{
	struct gnttab_domain *rd;
	int16_t rc;

	if (!s->gref) {
		rc = cd->hooks->gfn_to_frame(cd, _gfn(p->u.gmfn), s->write, &s->frame);
		if (rc == GNTST_okay)
			s->d = cd;
		return rc;
	}
	rd = gnttab_get_domain(cd, p->domid);
	if (!rd || rd->dying) {
		gnttab_put_domain(cd, rd);
		return GNTST_bad_domain;
	}
	s->ref = p->u.ref;
	rc = gnttab_pin(rd, s->ref, cd->domid, !s->write, false, 1, &s->frame);
	if (rc == GNTST_okay)
		s->d = rd;
	else
		gnttab_put_domain(cd, rd);
	return rc;
}

static void gnttab_copy_release(struct gnttab_domain *cd, struct gnttab_copy_side *s)
{
	if (!s->d)
		return;
	if (s->gref) {
		gnttab_unpin(s->d, s->ref, !s->write, 1);
		gnttab_put_domain(cd, s->d);
	} else {
		cd->hooks->put_frame(s->frame);
	}
	s->d = NULL;
}

/* Bounds, then "copy by frame only from or to yourself", as Xen checks them. */
static int16_t gnttab_copy_check(const struct gnttab_domain *cd, const struct gnttab_copy *op)
{
	if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
		return GNTST_bad_copy_arg;
	if (!(op->flags & GNTCOPY_source_gref) && op->source.domid != DOMID_SELF && op->source.domid != cd->domid)
		return GNTST_permission_denied;
	if (!(op->flags & GNTCOPY_dest_gref) && op->dest.domid != DOMID_SELF && op->dest.domid != cd->domid)
		return GNTST_permission_denied;
	return GNTST_okay;
}

int16_t gnttab_copy(struct gnttab_domain *cd, struct gnttab_copy *op)
{
	struct gnttab_copy_side src = {.gref = op->flags & GNTCOPY_source_gref, .write = false};
	struct gnttab_copy_side dst = {.gref = op->flags & GNTCOPY_dest_gref, .write = true};
	int16_t rc = gnttab_copy_check(cd, op);

	if (rc == GNTST_okay)
		rc = gnttab_copy_acquire(cd, &op->source, &src);
	if (rc == GNTST_okay)
		rc = gnttab_copy_acquire(cd, &op->dest, &dst);
	if (rc == GNTST_okay && op->len)
		cd->hooks->copy(src.frame, op->source.offset, dst.frame, op->dest.offset, op->len);
	gnttab_copy_release(cd, &dst);
	gnttab_copy_release(cd, &src);
	op->status = rc;
	return rc;
}
