/* Unit tests for grant tables v1 (kernel/grant_table.c) over fake domains, frames and p2m. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mica/errno.h>
#include <mica/grant_table.h>

#define NDOMS 4
#define MAX_FRAMES 4
#define NR_MAPTRACK 8
#define BIG_MAPTRACK (2 * GNTTAB_MAPTRACK_PER_PAGE + 10) /* domain 3's: three maptrack pages */
#define NR_GFNS 16
#define RO_GFN 15      /* the p2m allows only reads of this gfn */
#define MAP_BASE 0x100 /* mappers' host_addr gfns start here */

/* ---- the fake world: domain d's gfn g is machine frame d * NR_GFNS + g ---- */

struct fake_dom {
	struct gnttab_domain gt;
	bool alive;
	struct gnttab_frame frames[GNTTAB_MAX_FRAMES];
	struct gnttab_maptrack *maptrack[GNTTAB_MAPTRACK_PAGES(BIG_MAPTRACK)];
	uint64_t p2m_mapped[64]; /* host-map slots: gfn MAP_BASE + i -> mfn + 1, 0 = empty */
};

static struct fake_dom doms[NDOMS];
static int refs[NDOMS * NR_GFNS];
static uint8_t mem[NDOMS * NR_GFNS][4096];
static int race_calls, race_changes, puts, map_fail;
static void (*race_action)(grant_entry_v1_t *e);

/* Table pages: counted per order, filled with junk (the logic must clear what it uses), and
 * refused once alloc_budget (when not -1) allocations have been made. Atomic: threads use them. */
static int pages_live[2], alloc_budget = -1;

static void *fake_alloc_pages(unsigned int order)
{
	void *p;

	assert_true(order <= 1);
	if (__atomic_load_n(&alloc_budget, __ATOMIC_SEQ_CST) == 0)
		return NULL;
	if (__atomic_load_n(&alloc_budget, __ATOMIC_SEQ_CST) > 0)
		__atomic_fetch_sub(&alloc_budget, 1, __ATOMIC_SEQ_CST);
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
	memset(p, 0xee, PAGE_SIZE << order);
	__atomic_fetch_add(&pages_live[order], 1, __ATOMIC_SEQ_CST);
	return p;
}

static void fake_free_pages(void *p, unsigned int order)
{
	__atomic_fetch_sub(&pages_live[order], 1, __ATOMIC_SEQ_CST);
	free(p);
}

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
		race_action(gnttab_shared_entry(granter, ref));
	}
}

static const struct gnttab_hooks hooks = {
    .lookup_domain = fake_lookup,
    .gfn_to_frame = fake_gfn_to_frame,
    .put_frame = fake_put_frame,
    .map_into = fake_map_into,
    .unmap_from = fake_unmap_from,
    .copy = fake_copy,
    .alloc_pages = fake_alloc_pages,
    .free_pages = fake_free_pages,
    .race_window = fake_race,
};

static int setup(void **state)
{
	memset(doms, 0, sizeof(doms));
	memset(refs, 0, sizeof(refs));
	race_calls = race_changes = puts = map_fail = 0;
	race_action = NULL;
	alloc_budget = -1;
	for (domid_t i = 0; i < NDOMS; i++) {
		struct gnttab_mem m = {doms[i].frames, MAX_FRAMES, doms[i].maptrack,
				       i == 3 ? BIG_MAPTRACK : NR_MAPTRACK};

		assert_int_equal(gnttab_domain_init(&doms[i].gt, i, &hooks, &m), 0);
		doms[i].alive = true;
	}
	doms[0].gt.privileged = true;
	return 0;
}

/* Every mapping dropped, every table freed: no pin, reference or page is left. */
static int teardown(void **state)
{
	for (domid_t i = 0; i < NDOMS; i++)
		gnttab_release_mappings(&doms[i].gt);
	for (domid_t i = 0; i < NDOMS; i++) {
		assert_false(gnttab_domain_pinned(&doms[i].gt));
		gnttab_domain_free(&doms[i].gt);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(refs); i++)
		assert_int_equal(refs[i], 0);
	assert_int_equal(pages_live[0], 0);
	assert_int_equal(pages_live[1], 0);
	return 0;
}

#define D0 (&doms[0].gt)
#define GR (&doms[1].gt)  /* the granter */
#define MP (&doms[2].gt)  /* the mapper */
#define BIG (&doms[3].gt) /* a mapper with several maptrack pages */
#define SH(d, ref) gnttab_shared_entry((d), (ref))
#define ACT(d, ref) gnttab_active_peek((d), (ref))

static void grant(struct gnttab_domain *d, grant_ref_t ref, domid_t to, uint32_t gfn, uint16_t flags)
{
	SH(d, ref)->domid = to;
	SH(d, ref)->frame = gfn;
	SH(d, ref)->flags = flags;
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
	assert_null(SH(GR, 600)); /* not in the table yet */
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
	assert_int_equal(SH(GR, 4)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(map(MP, 1, 4, HM | RO, MAP_BASE, &h), GNTST_okay);
	assert_int_equal(SH(GR, 4)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
	grant(GR, 5, 2, 5, GTF_permit_access | GTF_sub_page);
	assert_int_equal(map(MP, 1, 5, HM, MAP_BASE + 1, NULL), GNTST_general_error);
	assert_int_equal(map(MP, 1, 512, HM, MAP_BASE + 1, NULL), GNTST_bad_gntref);
	assert_int_equal(map(MP, 1, UINT32_MAX, HM, MAP_BASE + 1, NULL), GNTST_bad_gntref);
	grant(GR, 6, 2, 6, GTF_permit_access);
	assert_int_equal(map(MP, 1, 6, 0, MAP_BASE + 1, NULL), GNTST_bad_gntref);
	assert_int_equal(map(MP, 1, 6, HM | GNTMAP_contains_pte, MAP_BASE + 1, NULL), GNTST_general_error);
	assert_int_equal(map(MP, 7, 6, HM, MAP_BASE + 1, NULL), GNTST_bad_domain);
	assert_int_equal(SH(GR, 6)->flags, GTF_permit_access);
	assert_int_equal(GR->nr_pinned, 1);
	assert_int_equal(frame_refs(1, 4), 1);
	assert_int_equal(unmap(MP, h, MAP_BASE), GNTST_okay);
	assert_int_equal(frame_refs(1, 4), 0);
	assert_int_equal(SH(GR, 4)->flags, GTF_permit_access | GTF_readonly);
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
	assert_int_equal(SH(GR, 1)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(MP, h, MAP_BASE), GNTST_okay);
	assert_int_equal(doms[2].p2m_mapped[0], 0);
	assert_int_equal(unmap(MP, h, MAP_BASE), GNTST_bad_handle); /* double unmap */
	assert_int_equal(SH(GR, 1)->flags, GTF_permit_access);
	assert_int_equal(frame_refs(1, 1), 0);
}

/* ---- status bits and pins ---- */

static void test_status_refcounts(void **state)
{
	const uint16_t base = GTF_permit_access;
	grant_handle_t r1, r2, w1, w2;

	grant(GR, 7, 2, 7, base);
	assert_int_equal(map(MP, 1, 7, HM | RO, MAP_BASE, &r1), GNTST_okay);
	assert_int_equal(SH(GR, 7)->flags, base | GTF_reading);
	assert_int_equal(map(MP, 1, 7, HM, MAP_BASE + 1, &w1), GNTST_okay);
	assert_int_equal(SH(GR, 7)->flags, base | GTF_reading | GTF_writing);
	assert_int_equal(map(MP, 1, 7, HM, MAP_BASE + 2, &w2), GNTST_okay);
	assert_int_equal(map(MP, 1, 7, HM | RO, MAP_BASE + 3, &r2), GNTST_okay);
	assert_int_equal(ACT(GR, 7)->pin_read, 2);
	assert_int_equal(ACT(GR, 7)->pin_write, 2);
	assert_int_equal(frame_refs(1, 7), 1); /* one reference for all the pins */
	assert_int_equal(doms[2].p2m_mapped[3], 1 * NR_GFNS + 7 + 1);
	assert_int_equal(unmap(MP, w1, MAP_BASE + 1), GNTST_okay);
	assert_int_equal(SH(GR, 7)->flags, base | GTF_reading | GTF_writing);
	assert_int_equal(unmap(MP, w2, MAP_BASE + 2), GNTST_okay);
	assert_int_equal(SH(GR, 7)->flags, base | GTF_reading);
	assert_int_equal(unmap(MP, r1, MAP_BASE), GNTST_okay);
	assert_int_equal(SH(GR, 7)->flags, base | GTF_reading);
	assert_int_equal(frame_refs(1, 7), 1);
	assert_int_equal(unmap(MP, r2, MAP_BASE + 3), GNTST_okay);
	assert_int_equal(SH(GR, 7)->flags, base);
	assert_int_equal(frame_refs(1, 7), 0);
	assert_false(gnttab_domain_pinned(GR));
	assert_int_equal(MP->maptrack_used, 0);
}

static void test_write_upgrade_needs_writable_p2m(void **state)
{
	grant_handle_t h;

	grant(GR, 8, 2, RO_GFN, GTF_permit_access);
	assert_int_equal(map(MP, 1, 8, HM, MAP_BASE, NULL), GNTST_bad_page);
	assert_int_equal(SH(GR, 8)->flags, GTF_permit_access);
	assert_int_equal(map(MP, 1, 8, HM | RO, MAP_BASE, &h), GNTST_okay);
	assert_int_equal(map(MP, 1, 8, HM, MAP_BASE + 1, NULL), GNTST_bad_page);
	assert_int_equal(SH(GR, 8)->flags, GTF_permit_access | GTF_reading);
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
	assert_int_equal(ACT(GR, 9)->pin_write, 2);
	un.handle = op.handle;
	un.dev_bus_addr = 0x1000; /* wrong device address */
	assert_int_equal(gnttab_unmap_grant_ref(MP, &un), GNTST_bad_dev_addr);
	un.dev_bus_addr = 0; /* host part only */
	assert_int_equal(gnttab_unmap_grant_ref(MP, &un), GNTST_okay);
	assert_int_equal(ACT(GR, 9)->pin_write, 1);
	assert_int_equal(SH(GR, 9)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	un.host_addr = 0;
	un.dev_bus_addr = op.dev_bus_addr;
	assert_int_equal(gnttab_unmap_grant_ref(MP, &un), GNTST_okay);
	assert_int_equal(SH(GR, 9)->flags, GTF_permit_access);
	assert_int_equal(gnttab_unmap_grant_ref(MP, &un), GNTST_bad_handle);
}

static void test_map_into_failure_unpins(void **state)
{
	grant(GR, 10, 2, 10, GTF_permit_access);
	map_fail = 1;
	assert_int_equal(map(MP, 1, 10, HM, MAP_BASE, NULL), GNTST_general_error);
	assert_int_equal(SH(GR, 10)->flags, GTF_permit_access);
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
	assert_int_equal(SH(GR, 11)->flags & (GTF_reading | GTF_writing), 0);

	grant(GR, 12, 2, 12, GTF_permit_access);
	race_action = revoke;
	race_changes = 1;
	assert_int_equal(map(MP, 1, 12, HM, MAP_BASE, NULL), GNTST_general_error);
	assert_int_equal(SH(GR, 12)->flags, GTF_invalid);

	grant(GR, 13, 2, 13, GTF_permit_access);
	race_action = make_readonly;
	race_changes = 1;
	assert_int_equal(map(MP, 1, 13, HM, MAP_BASE, NULL), GNTST_general_error);
	assert_int_equal(SH(GR, 13)->flags, GTF_permit_access | GTF_readonly);
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
	assert_int_equal(SH(GR, 1)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(SH(GR, 2)->flags, GTF_permit_access);
	assert_int_equal(SH(D0, 3)->flags, GTF_permit_access);
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
	assert_int_equal(SH(GR, 1)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(SH(GR, 2)->flags, GTF_permit_access);
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
	assert_int_equal(ACT(GR, 1)->pin_read, NR_MAPTRACK);
	assert_int_equal(unmap(MP, h[3], MAP_BASE + 3), GNTST_okay);
	assert_int_equal(map(MP, 1, 1, HM | RO, MAP_BASE + NR_MAPTRACK, &h[3]), GNTST_okay);
	gnttab_release_mappings(MP);
	assert_int_equal(MP->maptrack_used, 0);
	assert_int_equal(SH(GR, 1)->flags, GTF_permit_access | GTF_readonly);
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
	struct gnttab_frame frames[1];
	struct gnttab_mem m = {frames, 0, NULL, 0};
	struct gnttab_hooks no_pages = hooks;
	int pages = pages_live[0];

	assert_int_equal(gnttab_domain_init(&d, 5, &hooks, &m), -EINVAL);
	m.max_frames = 1;
	m.maptrack_max = 4;
	assert_int_equal(gnttab_domain_init(&d, 5, &hooks, &m), -EINVAL);
	m.maptrack_max = 0;
	no_pages.alloc_pages = NULL;
	assert_int_equal(gnttab_domain_init(&d, 5, &no_pages, &m), -EINVAL);
	alloc_budget = 0; /* not even the first frame */
	assert_int_equal(gnttab_domain_init(&d, 5, &hooks, &m), -ENOMEM);
	assert_int_equal(pages_live[0], pages);
	alloc_budget = -1;
	assert_int_equal(gnttab_domain_init(&d, 5, &hooks, &m), 0);
	assert_int_equal(map(&d, 1, 0, HM, MAP_BASE, NULL), GNTST_no_space); /* no maptrack at all */
	gnttab_domain_free(&d);
	gnttab_domain_free(&d); /* twice is harmless */
}

/* ---- growth ---- */

/* A table starts with one frame and no active entries; frames come when asked, zeroed. */
static void test_table_grows_on_demand(void **state)
{
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 3};
	struct gnttab_query_size qs = {.dom = DOMID_SELF};
	int pages = pages_live[0];
	grant_handle_t h;

	assert_int_equal(pages, NDOMS); /* one shared frame each */
	assert_int_equal(pages_live[1], 0);
	assert_non_null(gnttab_shared_frame(GR, 0));
	assert_null(gnttab_shared_frame(GR, 1));
	assert_null(SH(GR, 512));
	assert_null(ACT(GR, 0));
	assert_int_equal(SH(GR, 511)->flags, 0); /* cleared, not the allocator's junk */
	assert_int_equal(gnttab_setup_table(GR, &st), GNTST_okay);
	assert_int_equal(pages_live[0], pages + 2);
	assert_non_null(SH(GR, 3 * 512 - 1));
	assert_null(SH(GR, 3 * 512));
	for (grant_ref_t r = 512; r < 3 * 512; r++)
		assert_int_equal(SH(GR, r)->flags | SH(GR, r)->domid | SH(GR, r)->frame, 0);
	assert_int_equal(gnttab_query_size(GR, &qs), GNTST_okay);
	assert_int_equal(qs.nr_frames, 3);
	/* the first pin of an entry of frame 2 brings that frame's active entries, no other */
	grant(GR, 1030, 2, 4, GTF_permit_access);
	assert_int_equal(map(MP, 1, 1030, HM, MAP_BASE, &h), GNTST_okay);
	assert_int_equal(pages_live[1], 1);
	assert_non_null(ACT(GR, 1030));
	assert_int_equal(ACT(GR, 1030)->pin_write, 1);
	assert_int_equal(ACT(GR, 1024)->pin_write, 0);
	assert_null(ACT(GR, 0));
	assert_null(ACT(GR, 1023));
	assert_int_equal(unmap(MP, h, MAP_BASE), GNTST_okay);
	assert_int_equal(pages_live[1], 1); /* kept until the table goes */
	/* asking for fewer frames changes nothing */
	assert_int_equal(gnttab_grow(GR, 2), 0);
	assert_int_equal(gnttab_nr_frames(GR), 3);
	assert_int_equal(pages_live[0], pages + 2 + 1); /* and the mapper's first maptrack page */
}

/* No memory for one of the new frames: the request fails and the table is as it was. */
static void test_growth_without_memory(void **state)
{
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 4};
	struct gnttab_query_size qs = {.dom = DOMID_SELF};
	int pages = pages_live[0];

	alloc_budget = 2; /* three are needed */
	assert_int_equal(gnttab_setup_table(GR, &st), GNTST_general_error);
	assert_int_equal(pages_live[0], pages);
	assert_int_equal(gnttab_nr_frames(GR), 1);
	for (uint32_t i = 1; i < MAX_FRAMES; i++)
		assert_null(GR->frames[i].shared);
	assert_int_equal(gnttab_query_size(GR, &qs), GNTST_okay);
	assert_int_equal(qs.nr_frames, 1);
	assert_null(SH(GR, 700)); /* beyond the table: no entry to write */
	alloc_budget = -1;
	assert_int_equal(map(MP, 1, 700, HM, MAP_BASE, NULL), GNTST_bad_gntref);
	alloc_budget = 0;
	assert_int_equal(gnttab_grow(GR, 2), -ENOMEM);
	assert_int_equal(gnttab_grow(GR, MAX_FRAMES + 1), -EINVAL);
	alloc_budget = -1;
	assert_int_equal(gnttab_setup_table(GR, &st), GNTST_okay);
	assert_int_equal(gnttab_nr_frames(GR), 4);
	assert_int_equal(pages_live[0], pages + 3 + 1); /* and the mapper's maptrack page */
}

/* No memory for a frame's active entries at its first pin: map and copy fail, nothing changes. */
static void test_active_entries_without_memory(void **state)
{
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 2};
	grant_handle_t h;

	assert_int_equal(gnttab_setup_table(GR, &st), GNTST_okay);
	grant(GR, 1, 2, 1, GTF_permit_access);
	grant(GR, 600, 2, 2, GTF_permit_access);
	assert_int_equal(map(MP, 1, 1, HM, MAP_BASE, &h), GNTST_okay); /* MP's maptrack, GR's frame 0 */
	alloc_budget = 0;
	assert_int_equal(map(MP, 1, 600, HM, MAP_BASE + 1, NULL), GNTST_no_space);
	assert_int_equal(copy(MP, GNTCOPY_source_gref, 600, 1, 0, 3, DOMID_SELF, 0, 8), GNTST_no_space);
	assert_int_equal(SH(GR, 600)->flags, GTF_permit_access);
	assert_null(ACT(GR, 600));
	assert_int_equal(frame_refs(1, 2), 0);
	assert_int_equal(MP->maptrack_used, 1);
	assert_int_equal(doms[2].p2m_mapped[1], 0);
	alloc_budget = -1;
	assert_int_equal(map(MP, 1, 600, HM, MAP_BASE + 1, NULL), GNTST_okay);
	assert_int_equal(ACT(GR, 600)->pin_write, 1);
}

/* Maptrack: no handles until the first map, then a page of them at a time up to the maximum. */
static void test_maptrack_grows_by_pages(void **state)
{
	const uint32_t ro_dev = GNTMAP_device_map | RO;
	grant_handle_t h;

	grant(GR, 1, 3, 1, GTF_permit_access | GTF_readonly);
	assert_int_equal(BIG->maptrack_size, 0);
	assert_int_equal(MP->maptrack_size, 0);
	for (uint32_t i = 0; i < BIG_MAPTRACK; i++) {
		assert_int_equal(map(BIG, 1, 1, ro_dev, 0, &h), GNTST_okay);
		assert_int_equal(h, i); /* handles in order, across pages */
		assert_int_equal(BIG->maptrack_size,
				 MIN((i / GNTTAB_MAPTRACK_PER_PAGE + 1) * GNTTAB_MAPTRACK_PER_PAGE, BIG_MAPTRACK));
	}
	assert_non_null(doms[3].maptrack[2]);
	assert_int_equal(map(BIG, 1, 1, ro_dev, 0, NULL), GNTST_no_space); /* the maximum */
	assert_int_equal(ACT(GR, 1)->pin_read, BIG_MAPTRACK);
	{
		struct gnttab_unmap_grant_ref un = {.dev_bus_addr = (uint64_t)(1 * NR_GFNS + 1) << PAGE_SHIFT,
						    .handle = GNTTAB_MAPTRACK_PER_PAGE + 3};

		assert_int_equal(gnttab_unmap_grant_ref(BIG, &un), GNTST_okay);
		assert_int_equal(gnttab_unmap_grant_ref(BIG, &un), GNTST_bad_handle);
		un.handle = BIG_MAPTRACK;
		assert_int_equal(gnttab_unmap_grant_ref(BIG, &un), GNTST_bad_handle);
	}
	assert_int_equal(map(BIG, 1, 1, ro_dev, 0, &h), GNTST_okay); /* the freed handle again */
	assert_int_equal(h, GNTTAB_MAPTRACK_PER_PAGE + 3);
	gnttab_release_mappings(BIG);
	assert_int_equal(BIG->maptrack_used, 0);
	assert_int_equal(ACT(GR, 1)->pin_read, 0);
	assert_int_equal(SH(GR, 1)->flags, GTF_permit_access | GTF_readonly);
}

/* No memory for a maptrack page: the map fails before anything is pinned. */
static void test_maptrack_without_memory(void **state)
{
	grant_handle_t h;

	grant(GR, 1, 2, 1, GTF_permit_access);
	alloc_budget = 0;
	assert_int_equal(map(MP, 1, 1, HM, MAP_BASE, NULL), GNTST_no_space);
	assert_int_equal(MP->maptrack_size, 0);
	assert_null(ACT(GR, 1));
	assert_int_equal(SH(GR, 1)->flags, GTF_permit_access);
	assert_int_equal(frame_refs(1, 1), 0);
	alloc_budget = -1;
	assert_int_equal(map(MP, 1, 1, HM, MAP_BASE, &h), GNTST_okay);
	assert_int_equal(h, 0);
}

/* Pins of one kind stop at GNTTAB_PIN_MAX, before the entry or the frame is touched. */
static void test_pin_limit(void **state)
{
	grant_handle_t h;

	grant(GR, 2, 2, 2, GTF_permit_access | GTF_readonly);
	assert_int_equal(map(MP, 1, 2, HM | RO, MAP_BASE, &h), GNTST_okay);
	ACT(GR, 2)->pin_read = GNTTAB_PIN_MAX; /* as if that many mappings existed */
	assert_int_equal(map(MP, 1, 2, HM | RO, MAP_BASE + 1, NULL), GNTST_general_error);
	assert_int_equal(copy(MP, GNTCOPY_source_gref, 2, 1, 0, 3, DOMID_SELF, 0, 8), GNTST_general_error);
	assert_int_equal(ACT(GR, 2)->pin_read, GNTTAB_PIN_MAX);
	assert_int_equal(MP->maptrack_used, 1);
	assert_int_equal(frame_refs(1, 2), 1);
	ACT(GR, 2)->pin_read = 1;
	assert_int_equal(unmap(MP, h, MAP_BASE), GNTST_okay);
	assert_int_equal(frame_refs(1, 2), 0);
}

/*
 * Growth published to other CPUs: one thread grows the table a frame at a time and grants the
 * first entry of each new frame; another, on another CPU, keeps reading the size and every
 * frame it covers (complete and zeroed where nobody wrote) and maps each grant as it appears.
 */
struct grow_race {
	uint32_t frames;     /* to grow to */
	uint32_t granted;    /* frames whose first entry is granted (release) */
	unsigned int errors; /* what the reader saw wrong */
	unsigned int maps;
};

static void *grow_thread(void *arg)
{
	struct grow_race *r = arg;

	for (uint32_t f = 1; f < r->frames; f++) {
		if (gnttab_grow(GR, f + 1) != 0)
			__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
		grant(GR, f * GNTTAB_ENTRIES_PER_FRAME, 2, f % NR_GFNS, GTF_permit_access | GTF_readonly);
		__atomic_store_n(&r->granted, f + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *read_thread(void *arg)
{
	struct grow_race *r = arg;
	uint32_t seen = 1, mapped = 1;

	while (mapped < r->frames) {
		uint32_t n = gnttab_nr_frames(GR), granted = __atomic_load_n(&r->granted, __ATOMIC_ACQUIRE);

		if (n < seen || n > r->frames)
			__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
		seen = n;
		for (uint32_t f = 0; f < n; f++) {
			grant_entry_v1_t *last = SH(GR, f * GNTTAB_ENTRIES_PER_FRAME + GNTTAB_ENTRIES_PER_FRAME - 1);

			if (!last || __atomic_load_n(&last->flags, __ATOMIC_RELAXED))
				__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
		}
		for (; mapped < granted; mapped++) {
			struct gnttab_map_grant_ref op = {
			    .flags = GNTMAP_device_map | RO, .ref = mapped * GNTTAB_ENTRIES_PER_FRAME, .dom = 1};

			if (gnttab_map_grant_ref(MP, &op) == GNTST_okay)
				r->maps++;
			else
				__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

/* Frees domain id's table and sets it up again with these maxima. */
static void reinit(domid_t id, uint32_t frames, uint32_t maptrack)
{
	struct gnttab_mem m = {doms[id].frames, frames, doms[id].maptrack, maptrack};

	gnttab_domain_free(&doms[id].gt);
	assert_int_equal(gnttab_domain_init(&doms[id].gt, id, &hooks, &m), 0);
}

static void test_growth_seen_by_other_cpus(void **state)
{
	for (int round = 0; round < 200; round++) {
		struct grow_race r = {.frames = GNTTAB_MAX_FRAMES, .granted = 1};
		pthread_t grower, reader;

		reinit(1, GNTTAB_MAX_FRAMES, NR_MAPTRACK); /* a granter with room for every frame */
		reinit(2, MAX_FRAMES, BIG_MAPTRACK);       /* a mapper with a handle for each */
		assert_int_equal(pthread_create(&reader, NULL, read_thread, &r), 0);
		assert_int_equal(pthread_create(&grower, NULL, grow_thread, &r), 0);
		assert_int_equal(pthread_join(grower, NULL), 0);
		assert_int_equal(pthread_join(reader, NULL), 0);
		assert_int_equal(r.errors, 0);
		assert_int_equal(r.maps, GNTTAB_MAX_FRAMES - 1);
		assert_int_equal(gnttab_nr_frames(GR), GNTTAB_MAX_FRAMES);
		assert_int_equal(pages_live[1], GNTTAB_MAX_FRAMES - 1); /* active entries of each mapped frame */
		gnttab_release_mappings(MP);
		assert_false(gnttab_domain_pinned(GR));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_setup_table_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_version, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_map_permissions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unmap_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_status_refcounts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_upgrade_needs_writable_p2m, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_and_device_parts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_map_into_failure_unpins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_racing_revoke, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_copy_combinations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_copy_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_maptrack_exhaustion, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_granter_destroyed_while_mapped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_init_rejects_bad_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table_grows_on_demand, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_growth_without_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_active_entries_without_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_maptrack_grows_by_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_maptrack_without_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_growth_seen_by_other_cpus, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
