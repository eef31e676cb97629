/* Unit tests for grant tables v1 (kernel/grant_table.c) over fake domains, frames and p2m. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mica/errno.h>
#include <mica/grant_table.h>

#define NDOMS 3
#define MAX_FRAMES 4
#define NR_MAPTRACK 8
#define NR_GFNS 16
#define RO_GFN 15      /* the p2m allows only reads of this gfn */
#define MAP_BASE 0x100 /* mappers' host_addr gfns start here */

/* ---- the fake world: domain d's gfn g is machine frame d * NR_GFNS + g ---- */

struct fake_dom {
	struct gnttab_domain gt;
	bool alive;
	grant_entry_v1_t shared[MAX_FRAMES * 512];
	struct gnttab_active active[MAX_FRAMES * 512];
	struct gnttab_maptrack maptrack[NR_MAPTRACK];
	uint64_t p2m_mapped[64]; /* host-map slots: gfn MAP_BASE + i -> mfn + 1, 0 = empty */
};

static struct fake_dom doms[NDOMS];
static int refs[NDOMS * NR_GFNS];
static uint8_t mem[NDOMS * NR_GFNS][4096];
static int race_calls, race_changes, puts, map_fail;
static void (*race_action)(grant_entry_v1_t *e);

static struct gnttab_domain *fake_lookup(domid_t domid)
{
	return domid < NDOMS && doms[domid].alive ? &doms[domid].gt : NULL;
}

static int16_t fake_gfn_to_frame(struct gnttab_domain *d, gfn_t gfn, bool write, mfn_t *frame)
{
	if (gfn_x(gfn) >= NR_GFNS || (write && gfn_x(gfn) == RO_GFN))
		return GNTST_bad_page;
	*frame = _mfn(d->domid * NR_GFNS + gfn_x(gfn));
	refs[mfn_x(*frame)]++;
	return GNTST_okay;
}

static void fake_put_frame(mfn_t frame)
{
	assert_true(refs[mfn_x(frame)] > 0);
	refs[mfn_x(frame)]--;
	puts++;
}

static int16_t fake_map_into(struct gnttab_domain *d, gfn_t gfn, mfn_t frame, bool ro)
{
	struct fake_dom *fd = (struct fake_dom *)d;
	uint64_t slot = gfn_x(gfn) - MAP_BASE;

	if (map_fail || gfn_x(gfn) < MAP_BASE || slot >= 64 || fd->p2m_mapped[slot])
		return GNTST_general_error;
	fd->p2m_mapped[slot] = mfn_x(frame) + 1;
	return GNTST_okay;
}

static void fake_unmap_from(struct gnttab_domain *d, gfn_t gfn, mfn_t frame)
{
	struct fake_dom *fd = (struct fake_dom *)d;

	assert_int_equal(fd->p2m_mapped[gfn_x(gfn) - MAP_BASE], mfn_x(frame) + 1);
	fd->p2m_mapped[gfn_x(gfn) - MAP_BASE] = 0;
}

static void fake_copy(mfn_t src, uint16_t so, mfn_t dst, uint16_t dof, uint16_t len)
{
	assert_true(refs[mfn_x(src)] > 0 && refs[mfn_x(dst)] > 0);
	memcpy(&mem[mfn_x(dst)][dof], &mem[mfn_x(src)][so], len);
}

static void fake_race(struct gnttab_domain *granter, grant_ref_t ref)
{
	race_calls++;
	if (race_action && race_changes > 0) {
		race_changes--;
		race_action(&granter->shared[ref]);
	}
}

static const struct gnttab_hooks hooks = {
    .lookup_domain = fake_lookup,
    .gfn_to_frame = fake_gfn_to_frame,
    .put_frame = fake_put_frame,
    .map_into = fake_map_into,
    .unmap_from = fake_unmap_from,
    .copy = fake_copy,
    .race_window = fake_race,
};

static int setup(void **state)
{
	memset(doms, 0, sizeof(doms));
	memset(refs, 0, sizeof(refs));
	race_calls = race_changes = puts = map_fail = 0;
	race_action = NULL;
	for (domid_t i = 0; i < NDOMS; i++) {
		struct gnttab_mem m = {doms[i].shared, doms[i].active, MAX_FRAMES, doms[i].maptrack, NR_MAPTRACK};

		assert_int_equal(gnttab_domain_init(&doms[i].gt, i, &hooks, &m), 0);
		doms[i].alive = true;
	}
	doms[0].gt.privileged = true;
	return 0;
}

#define D0 (&doms[0].gt)
#define GR (&doms[1].gt) /* the granter */
#define MP (&doms[2].gt) /* the mapper */

static void grant(struct gnttab_domain *d, grant_ref_t ref, domid_t to, uint32_t gfn, uint16_t flags)
{
	d->shared[ref].domid = to;
	d->shared[ref].frame = gfn;
	d->shared[ref].flags = flags;
}

static int16_t map(struct gnttab_domain *m, domid_t dom, grant_ref_t ref, uint32_t flags, uint64_t gfn,
		   grant_handle_t *h)
{
	struct gnttab_map_grant_ref op = {.host_addr = gfn << PAGE_SHIFT, .flags = flags, .ref = ref, .dom = dom};
	int16_t rc = gnttab_map_grant_ref(m, &op);

	assert_int_equal(op.status, rc);
	if (h)
		*h = op.handle;
	return rc;
}

static int16_t unmap(struct gnttab_domain *m, grant_handle_t h, uint64_t gfn)
{
	struct gnttab_unmap_grant_ref op = {.host_addr = gfn << PAGE_SHIFT, .handle = h};

	return gnttab_unmap_grant_ref(m, &op);
}

static int frame_refs(domid_t d, uint32_t gfn)
{
	return refs[d * NR_GFNS + gfn];
}

#define HM GNTMAP_host_map
#define RO GNTMAP_readonly

/* ---- sizes and versions ---- */

static void test_setup_table_limits(void **state)
{
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = MAX_FRAMES};
	struct gnttab_query_size qs = {.dom = DOMID_SELF};

	assert_int_equal(gnttab_query_size(GR, &qs), GNTST_okay);
	assert_int_equal(qs.nr_frames, GNTTAB_INITIAL_FRAMES);
	assert_int_equal(qs.max_nr_frames, MAX_FRAMES);
	grant(GR, 600, 2, 1, GTF_permit_access);
	assert_int_equal(map(MP, 1, 600, HM, MAP_BASE, NULL), GNTST_bad_gntref);
	assert_int_equal(gnttab_setup_table(GR, &st), GNTST_okay);
	assert_int_equal(gnttab_nr_entries(GR), MAX_FRAMES * 512);
	grant(GR, 600, 2, 1, GTF_permit_access);
	assert_int_equal(map(MP, 1, 600, HM, MAP_BASE, NULL), GNTST_okay);
	st.nr_frames = MAX_FRAMES + 1;
	assert_int_equal(gnttab_setup_table(GR, &st), GNTST_general_error);
	st.nr_frames = 1; /* never shrinks */
	assert_int_equal(gnttab_setup_table(GR, &st), GNTST_okay);
	assert_int_equal(GR->nr_frames, MAX_FRAMES);
	st.dom = 2;
	assert_int_equal(gnttab_setup_table(GR, &st), GNTST_permission_denied);
	assert_int_equal(gnttab_setup_table(D0, &st), GNTST_okay);
	st.dom = 9;
	assert_int_equal(gnttab_setup_table(D0, &st), GNTST_bad_domain);
	qs.dom = 1;
	assert_int_equal(gnttab_query_size(MP, &qs), GNTST_permission_denied);
	assert_int_equal(gnttab_query_size(D0, &qs), GNTST_okay);
	assert_int_equal(qs.nr_frames, MAX_FRAMES);
	assert_int_equal(gnttab_grow(GR, MAX_FRAMES + 1), -EINVAL);
}

static void test_set_version(void **state)
{
	struct gnttab_set_version sv = {.version = 2};
	struct gnttab_get_version gv = {.dom = DOMID_SELF};

	assert_int_equal(gnttab_set_version(GR, &sv), -ENOSYS);
	assert_int_equal(sv.version, 1);
	sv.version = 3;
	assert_int_equal(gnttab_set_version(GR, &sv), -EINVAL);
	sv.version = 1;
	assert_int_equal(gnttab_set_version(GR, &sv), 0);
	assert_int_equal(gnttab_get_version(GR, &gv), 0);
	assert_int_equal(gv.version, 1);
	gv.dom = 1;
	assert_int_equal(gnttab_get_version(MP, &gv), -EPERM);
	gv.dom = 9;
	assert_int_equal(gnttab_get_version(D0, &gv), -ESRCH);
}

/* ---- map permissions ---- */

static void test_map_permissions(void **state)
{
	grant_handle_t h;

	grant(GR, 1, 0, 1, GTF_permit_access); /* granted to dom0, not the mapper */
	assert_int_equal(map(MP, 1, 1, HM, MAP_BASE, NULL), GNTST_general_error);
	grant(GR, 2, 2, 2, GTF_invalid);
	assert_int_equal(map(MP, 1, 2, HM, MAP_BASE, NULL), GNTST_general_error);
	grant(GR, 3, 2, 3, GTF_accept_transfer);
	assert_int_equal(map(MP, 1, 3, HM, MAP_BASE, NULL), GNTST_general_error);
	grant(GR, 4, 2, 4, GTF_permit_access | GTF_readonly);
	assert_int_equal(map(MP, 1, 4, HM, MAP_BASE, NULL), GNTST_general_error);
	assert_int_equal(GR->shared[4].flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(map(MP, 1, 4, HM | RO, MAP_BASE, &h), GNTST_okay);
	assert_int_equal(GR->shared[4].flags, GTF_permit_access | GTF_readonly | GTF_reading);
	grant(GR, 5, 2, 5, GTF_permit_access | GTF_sub_page);
	assert_int_equal(map(MP, 1, 5, HM, MAP_BASE + 1, NULL), GNTST_general_error);
	assert_int_equal(map(MP, 1, 512, HM, MAP_BASE + 1, NULL), GNTST_bad_gntref);
	assert_int_equal(map(MP, 1, UINT32_MAX, HM, MAP_BASE + 1, NULL), GNTST_bad_gntref);
	grant(GR, 6, 2, 6, GTF_permit_access);
	assert_int_equal(map(MP, 1, 6, 0, MAP_BASE + 1, NULL), GNTST_bad_gntref);
	assert_int_equal(map(MP, 1, 6, HM | GNTMAP_contains_pte, MAP_BASE + 1, NULL), GNTST_general_error);
	assert_int_equal(map(MP, 7, 6, HM, MAP_BASE + 1, NULL), GNTST_bad_domain);
	assert_int_equal(GR->shared[6].flags, GTF_permit_access);
	assert_int_equal(GR->nr_pinned, 1);
	assert_int_equal(frame_refs(1, 4), 1);
	assert_int_equal(unmap(MP, h, MAP_BASE), GNTST_okay);
	assert_int_equal(frame_refs(1, 4), 0);
	assert_int_equal(GR->shared[4].flags, GTF_permit_access | GTF_readonly);
}

static void test_unmap_errors(void **state)
{
	grant_handle_t h;

	grant(GR, 1, 2, 1, GTF_permit_access);
	assert_int_equal(map(MP, 1, 1, HM, MAP_BASE, &h), GNTST_okay);
	assert_int_equal(unmap(MP, NR_MAPTRACK, MAP_BASE), GNTST_bad_handle);
	assert_int_equal(unmap(MP, h + 1, MAP_BASE), GNTST_bad_handle);    /* a free slot */
	assert_int_equal(unmap(D0, h, MAP_BASE), GNTST_bad_handle);        /* someone else's handle */
	assert_int_equal(unmap(MP, h, MAP_BASE + 1), GNTST_general_error); /* wrong host_addr */
	assert_int_equal(GR->shared[1].flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(MP, h, MAP_BASE), GNTST_okay);
	assert_int_equal(doms[2].p2m_mapped[0], 0);
	assert_int_equal(unmap(MP, h, MAP_BASE), GNTST_bad_handle); /* double unmap */
	assert_int_equal(GR->shared[1].flags, GTF_permit_access);
	assert_int_equal(frame_refs(1, 1), 0);
}

/* ---- status bits and pins ---- */

static void test_status_refcounts(void **state)
{
	const uint16_t base = GTF_permit_access;
	grant_handle_t r1, r2, w1, w2;

	grant(GR, 7, 2, 7, base);
	assert_int_equal(map(MP, 1, 7, HM | RO, MAP_BASE, &r1), GNTST_okay);
	assert_int_equal(GR->shared[7].flags, base | GTF_reading);
	assert_int_equal(map(MP, 1, 7, HM, MAP_BASE + 1, &w1), GNTST_okay);
	assert_int_equal(GR->shared[7].flags, base | GTF_reading | GTF_writing);
	assert_int_equal(map(MP, 1, 7, HM, MAP_BASE + 2, &w2), GNTST_okay);
	assert_int_equal(map(MP, 1, 7, HM | RO, MAP_BASE + 3, &r2), GNTST_okay);
	assert_int_equal(GR->active[7].pin_read, 2);
	assert_int_equal(GR->active[7].pin_write, 2);
	assert_int_equal(frame_refs(1, 7), 1); /* one reference for all the pins */
	assert_int_equal(doms[2].p2m_mapped[3], 1 * NR_GFNS + 7 + 1);
	assert_int_equal(unmap(MP, w1, MAP_BASE + 1), GNTST_okay);
	assert_int_equal(GR->shared[7].flags, base | GTF_reading | GTF_writing);
	assert_int_equal(unmap(MP, w2, MAP_BASE + 2), GNTST_okay);
	assert_int_equal(GR->shared[7].flags, base | GTF_reading);
	assert_int_equal(unmap(MP, r1, MAP_BASE), GNTST_okay);
	assert_int_equal(GR->shared[7].flags, base | GTF_reading);
	assert_int_equal(frame_refs(1, 7), 1);
	assert_int_equal(unmap(MP, r2, MAP_BASE + 3), GNTST_okay);
	assert_int_equal(GR->shared[7].flags, base);
	assert_int_equal(frame_refs(1, 7), 0);
	assert_false(gnttab_domain_pinned(GR));
	assert_int_equal(MP->maptrack_used, 0);
}

static void test_write_upgrade_needs_writable_p2m(void **state)
{
	grant_handle_t h;

	grant(GR, 8, 2, RO_GFN, GTF_permit_access);
	assert_int_equal(map(MP, 1, 8, HM, MAP_BASE, NULL), GNTST_bad_page);
	assert_int_equal(GR->shared[8].flags, GTF_permit_access);
	assert_int_equal(map(MP, 1, 8, HM | RO, MAP_BASE, &h), GNTST_okay);
	assert_int_equal(map(MP, 1, 8, HM, MAP_BASE + 1, NULL), GNTST_bad_page);
	assert_int_equal(GR->shared[8].flags, GTF_permit_access | GTF_reading);
	assert_int_equal(frame_refs(1, RO_GFN), 1);
	assert_int_equal(unmap(MP, h, MAP_BASE), GNTST_okay);
	assert_int_equal(frame_refs(1, RO_GFN), 0);
}

static void test_host_and_device_parts(void **state)
{
	struct gnttab_map_grant_ref op = {
	    .host_addr = MAP_BASE << PAGE_SHIFT, .flags = HM | GNTMAP_device_map, .ref = 9, .dom = 1};
	struct gnttab_unmap_grant_ref un = {.host_addr = MAP_BASE << PAGE_SHIFT};

	grant(GR, 9, 2, 9, GTF_permit_access);
	assert_int_equal(gnttab_map_grant_ref(MP, &op), GNTST_okay);
	assert_int_equal(op.dev_bus_addr, (uint64_t)(1 * NR_GFNS + 9) << PAGE_SHIFT);
	assert_int_equal(GR->active[9].pin_write, 2);
	un.handle = op.handle;
	un.dev_bus_addr = 0x1000; /* wrong device address */
	assert_int_equal(gnttab_unmap_grant_ref(MP, &un), GNTST_bad_dev_addr);
	un.dev_bus_addr = 0; /* host part only */
	assert_int_equal(gnttab_unmap_grant_ref(MP, &un), GNTST_okay);
	assert_int_equal(GR->active[9].pin_write, 1);
	assert_int_equal(GR->shared[9].flags, GTF_permit_access | GTF_reading | GTF_writing);
	un.host_addr = 0;
	un.dev_bus_addr = op.dev_bus_addr;
	assert_int_equal(gnttab_unmap_grant_ref(MP, &un), GNTST_okay);
	assert_int_equal(GR->shared[9].flags, GTF_permit_access);
	assert_int_equal(gnttab_unmap_grant_ref(MP, &un), GNTST_bad_handle);
}

static void test_map_into_failure_unpins(void **state)
{
	grant(GR, 10, 2, 10, GTF_permit_access);
	map_fail = 1;
	assert_int_equal(map(MP, 1, 10, HM, MAP_BASE, NULL), GNTST_general_error);
	assert_int_equal(GR->shared[10].flags, GTF_permit_access);
	assert_int_equal(frame_refs(1, 10), 0);
	assert_int_equal(MP->maptrack_used, 0);
}

/* ---- the granter racing the status update ---- */

static void toggle_pwt(grant_entry_v1_t *e)
{
	e->flags ^= GTF_PWT;
}

static void revoke(grant_entry_v1_t *e)
{
	e->flags &= ~GTF_permit_access;
}

static void make_readonly(grant_entry_v1_t *e)
{
	e->flags |= GTF_readonly;
}

static void test_racing_revoke(void **state)
{
	grant_handle_t h;

	grant(GR, 11, 2, 11, GTF_permit_access);
	race_action = toggle_pwt; /* harmless changes: retried */
	race_changes = GNTTAB_SET_STATUS_TRIES - 1;
	assert_int_equal(map(MP, 1, 11, HM, MAP_BASE, &h), GNTST_okay);
	assert_int_equal(race_calls, GNTTAB_SET_STATUS_TRIES);
	assert_int_equal(unmap(MP, h, MAP_BASE), GNTST_okay);

	race_calls = 0;
	race_changes = 1000; /* a guest that never stops: bounded, then refused */
	assert_int_equal(map(MP, 1, 11, HM, MAP_BASE, NULL), GNTST_general_error);
	assert_int_equal(race_calls, GNTTAB_SET_STATUS_TRIES);
	assert_int_equal(GR->shared[11].flags & (GTF_reading | GTF_writing), 0);

	grant(GR, 12, 2, 12, GTF_permit_access);
	race_action = revoke;
	race_changes = 1;
	assert_int_equal(map(MP, 1, 12, HM, MAP_BASE, NULL), GNTST_general_error);
	assert_int_equal(GR->shared[12].flags, GTF_invalid);

	grant(GR, 13, 2, 13, GTF_permit_access);
	race_action = make_readonly;
	race_changes = 1;
	assert_int_equal(map(MP, 1, 13, HM, MAP_BASE, NULL), GNTST_general_error);
	assert_int_equal(GR->shared[13].flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(frame_refs(1, 12) + frame_refs(1, 13), 0);
	assert_false(gnttab_domain_pinned(GR));
}

/* ---- copy ---- */

static int16_t copy(struct gnttab_domain *cd, uint16_t flags, uint64_t src, domid_t sd, uint16_t so, uint64_t dst,
		    domid_t dd, uint16_t dof, uint16_t len)
{
	struct gnttab_copy op = {.len = len, .flags = flags};
	int16_t rc;

	op.source.domid = sd;
	op.source.offset = so;
	op.dest.domid = dd;
	op.dest.offset = dof;
	if (flags & GNTCOPY_source_gref)
		op.source.u.ref = src;
	else
		op.source.u.gmfn = src;
	if (flags & GNTCOPY_dest_gref)
		op.dest.u.ref = dst;
	else
		op.dest.u.gmfn = dst;
	rc = gnttab_copy(cd, &op);
	assert_int_equal(op.status, rc);
	return rc;
}

static void test_copy_combinations(void **state)
{
	const uint16_t S = GNTCOPY_source_gref, D = GNTCOPY_dest_gref;
	uint8_t *g1 = mem[1 * NR_GFNS + 1], *g2 = mem[1 * NR_GFNS + 2], *m3 = mem[2 * NR_GFNS + 3];
	uint8_t *d0 = mem[0 * NR_GFNS + 4];

	grant(GR, 1, 2, 1, GTF_permit_access | GTF_readonly); /* source for the mapper */
	grant(GR, 2, 2, 2, GTF_permit_access);                /* destination for the mapper */
	grant(D0, 3, 2, 4, GTF_permit_access);                /* dom0's page for the mapper */
	memset(g1, 0xAB, 4096);
	assert_int_equal(copy(MP, S, 1, 1, 0, 3, DOMID_SELF, 100, 16), GNTST_okay); /* gref -> own gfn */
	assert_int_equal(m3[100], 0xAB);
	assert_int_equal(m3[116], 0);
	memset(m3, 0x11, 8);
	assert_int_equal(copy(MP, D, 3, 2, 0, 2, 1, 4088, 8), GNTST_okay); /* own gfn -> gref */
	assert_int_equal(g2[4095], 0x11);
	assert_int_equal(copy(MP, S | D, 1, 1, 10, 3, 0, 0, 4086), GNTST_okay); /* gref -> gref */
	assert_int_equal(d0[4085], 0xAB);
	assert_int_equal(copy(MP, 0, 3, DOMID_SELF, 0, 5, 2, 0, 4096), GNTST_okay); /* own -> own */
	assert_int_equal(mem[2 * NR_GFNS + 5][7], 0x11);
	/* nothing stays pinned or referenced */
	assert_int_equal(GR->shared[1].flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(GR->shared[2].flags, GTF_permit_access);
	assert_int_equal(D0->shared[3].flags, GTF_permit_access);
	for (unsigned i = 0; i < ARRAY_SIZE(refs); i++)
		assert_int_equal(refs[i], 0);
	assert_false(gnttab_domain_pinned(GR) || gnttab_domain_pinned(D0));
}

static void test_copy_errors(void **state)
{
	const uint16_t S = GNTCOPY_source_gref, D = GNTCOPY_dest_gref;

	grant(GR, 1, 2, 1, GTF_permit_access | GTF_readonly);
	grant(GR, 2, 0, 2, GTF_permit_access); /* granted to dom0 only */
	assert_int_equal(copy(MP, S, 1, 1, 4000, 3, DOMID_SELF, 0, 97), GNTST_bad_copy_arg);
	assert_int_equal(copy(MP, S, 1, 1, 0, 3, DOMID_SELF, 4095, 2), GNTST_bad_copy_arg);
	assert_int_equal(copy(MP, S, 1, 1, 0, 3, DOMID_SELF, 4095, 1), GNTST_okay);
	assert_int_equal(copy(MP, 0, 1, 1, 0, 3, DOMID_SELF, 0, 8), GNTST_permission_denied);
	assert_int_equal(copy(MP, S, 1, 1, 0, 3, 0, 0, 8), GNTST_permission_denied);
	assert_int_equal(copy(MP, S | D, 1, 1, 0, 1, 1, 0, 8), GNTST_general_error);      /* dest readonly */
	assert_int_equal(copy(MP, S, 2, 1, 0, 3, DOMID_SELF, 0, 8), GNTST_general_error); /* not ours */
	assert_int_equal(copy(MP, S, 9999, 1, 0, 3, DOMID_SELF, 0, 8), GNTST_bad_gntref);
	assert_int_equal(copy(MP, S, 1, 7, 0, 3, DOMID_SELF, 0, 8), GNTST_bad_domain);
	assert_int_equal(copy(MP, S, 1, 1, 0, NR_GFNS, DOMID_SELF, 0, 8), GNTST_bad_page);
	assert_int_equal(copy(MP, S, 1, 1, 0, RO_GFN, DOMID_SELF, 0, 8), GNTST_bad_page);
	assert_int_equal(GR->shared[1].flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(GR->shared[2].flags, GTF_permit_access);
	for (unsigned i = 0; i < ARRAY_SIZE(refs); i++)
		assert_int_equal(refs[i], 0);
}

/* ---- maptrack and teardown ---- */

static void test_maptrack_exhaustion(void **state)
{
	grant_handle_t h[NR_MAPTRACK];

	grant(GR, 1, 2, 1, GTF_permit_access | GTF_readonly);
	for (int i = 0; i < NR_MAPTRACK; i++)
		assert_int_equal(map(MP, 1, 1, HM | RO, MAP_BASE + i, &h[i]), GNTST_okay);
	assert_int_equal(map(MP, 1, 1, HM | RO, MAP_BASE + NR_MAPTRACK, NULL), GNTST_no_space);
	assert_int_equal(GR->active[1].pin_read, NR_MAPTRACK);
	assert_int_equal(unmap(MP, h[3], MAP_BASE + 3), GNTST_okay);
	assert_int_equal(map(MP, 1, 1, HM | RO, MAP_BASE + NR_MAPTRACK, &h[3]), GNTST_okay);
	gnttab_release_mappings(MP);
	assert_int_equal(MP->maptrack_used, 0);
	assert_int_equal(GR->shared[1].flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(frame_refs(1, 1), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(doms[2].p2m_mapped[i], 0);
	assert_int_equal(map(MP, 1, 1, HM | RO, MAP_BASE, NULL), GNTST_bad_domain); /* mapper dying */
}

/* The granter dies while its page is mapped: the page lives until the last unmap. */
static void test_granter_destroyed_while_mapped(void **state)
{
	grant_handle_t h1, h2;
	int puts_before;

	grant(GR, 1, 2, 5, GTF_permit_access);
	grant(GR, 2, 0, 5, GTF_permit_access | GTF_readonly);
	assert_int_equal(map(MP, 1, 1, HM, MAP_BASE, &h1), GNTST_okay);
	assert_int_equal(map(D0, 1, 2, HM | RO, MAP_BASE, &h2), GNTST_okay);
	refs[1 * NR_GFNS + 5]++; /* the owner's own allocation reference */
	/* destruction: the glue marks it dying, drops the owner's page references, unlists it */
	GR->dying = true;
	refs[1 * NR_GFNS + 5]--;
	doms[1].alive = false;
	assert_true(gnttab_domain_pinned(GR));
	assert_int_equal(frame_refs(1, 5), 2);
	assert_int_equal(map(MP, 1, 1, HM, MAP_BASE + 1, NULL), GNTST_bad_domain);
	puts_before = puts;
	assert_int_equal(unmap(MP, h1, MAP_BASE), GNTST_okay);
	assert_int_equal(frame_refs(1, 5), 1);
	assert_true(gnttab_domain_pinned(GR));
	assert_int_equal(unmap(D0, h2, MAP_BASE), GNTST_okay);
	assert_int_equal(frame_refs(1, 5), 0);
	assert_int_equal(puts - puts_before, 2);
	assert_false(gnttab_domain_pinned(GR)); /* now the glue may free the table */
}

static void test_init_rejects_bad_memory(void **state)
{
	struct gnttab_domain d;
	struct gnttab_mem m = {doms[0].shared, doms[0].active, 0, NULL, 0};

	assert_int_equal(gnttab_domain_init(&d, 5, &hooks, &m), -EINVAL);
	m.max_frames = 1;
	m.maptrack_size = 4;
	assert_int_equal(gnttab_domain_init(&d, 5, &hooks, &m), -EINVAL);
	m.maptrack_size = 0;
	assert_int_equal(gnttab_domain_init(&d, 5, &hooks, &m), 0);
	assert_int_equal(map(&d, 1, 0, HM, MAP_BASE, NULL), GNTST_no_space);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_setup_table_limits, setup),
	    cmocka_unit_test_setup(test_set_version, setup),
	    cmocka_unit_test_setup(test_map_permissions, setup),
	    cmocka_unit_test_setup(test_unmap_errors, setup),
	    cmocka_unit_test_setup(test_status_refcounts, setup),
	    cmocka_unit_test_setup(test_write_upgrade_needs_writable_p2m, setup),
	    cmocka_unit_test_setup(test_host_and_device_parts, setup),
	    cmocka_unit_test_setup(test_map_into_failure_unpins, setup),
	    cmocka_unit_test_setup(test_racing_revoke, setup),
	    cmocka_unit_test_setup(test_copy_combinations, setup),
	    cmocka_unit_test_setup(test_copy_errors, setup),
	    cmocka_unit_test_setup(test_maptrack_exhaustion, setup),
	    cmocka_unit_test_setup(test_granter_destroyed_while_mapped, setup),
	    cmocka_unit_test_setup(test_init_rejects_bad_memory, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
