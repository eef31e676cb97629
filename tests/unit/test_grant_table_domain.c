/*
 * Unit tests for domains' grant tables (kernel/grant_table_domain.c) over the real v1 logic:
 * the hooks against a fake physical map and fake page references, the table frames a guest
 * maps, and the lifetime rules: a destroyed granter's table outlives it while another domain
 * maps its grants, a destroyed mapper's mappings are dropped, and every allocation comes back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <asm/page.h>
#include <mica/domain.h>
#include <mica/domain_gnttab.h>
#include <mica/errno.h>
#include <mica/guest_ram.h>
#include <mica/heap.h>
#include <mica/mm.h>

/* ---- allocations, counted ---- */
static int live_allocs;
bool directmap_ready; /* false: pa_to_va is the identity, so host memory works as frames */

paddr_t va_to_pa(const void *va)
{
	return (paddr_t)(uintptr_t)va;
}
void *xzalloc(size_t size)
{
	live_allocs++;
	return calloc(1, size);
}
void *xzalloc_array(size_t n, size_t size)
{
	live_allocs++;
	return calloc(n, size);
}
void xfree(void *p)
{
	if (p)
		live_allocs--;
	free(p);
}
static int fail_pages; /* page allocations fail while set */

void *alloc_pages_va(unsigned int order)
{
	void *p;

	if (fail_pages)
		return NULL;
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);

	live_allocs++;
	memset(p, 0xee, PAGE_SIZE << order); /* the v1 logic must clear it */
	return p;
}
void free_pages_va(void *va, unsigned int order)
{
	live_allocs--;
	free(va);
}

static char last_msg[256];
static int outlives_msgs, freed_msgs;
void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	outlives_msgs += strstr(last_msg, "outlives") != NULL;
	freed_msgs += strstr(last_msg, "table freed") != NULL;
}

/* ---- three domains, 8 RAM pages each (real host memory) and a 128-frame physical map ---- */
#define NDOMS 3
#define RAM_PAGES 8
#define NR_GFNS 128
struct fake {
	struct domain d;
	bool alive;
	uint8_t *ram;
	int refs[RAM_PAGES];
	uint64_t p2m[NR_GFNS]; /* mfn + 1, 0: nothing */
	bool writable[NR_GFNS];
};
static struct fake fakes[NDOMS + 1];

static uint64_t ram_mfn(domid_t id, unsigned int page)
{
	return ((uintptr_t)fakes[id].ram >> PAGE_SHIFT) + page;
}

struct domain *domain_lookup(domid_t id)
{
	return id >= 1 && id <= NDOMS && fakes[id].alive ? &fakes[id].d : NULL;
}

static struct fake *fake_of(struct domain *d)
{
	return &fakes[d->domain_id];
}

int arch_physmap_query(struct domain *d, gfn_t gfn, mfn_t *mfn, bool *writable)
{
	struct fake *f = fake_of(d);

	if (gfn_x(gfn) >= NR_GFNS)
		return -EINVAL;
	if (!f->p2m[gfn_x(gfn)])
		return -ENOENT;
	if (mfn)
		*mfn = _mfn(f->p2m[gfn_x(gfn)] - 1);
	if (writable)
		*writable = f->writable[gfn_x(gfn)];
	return 0;
}

int arch_physmap_map(struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr, enum physmap_access access)
{
	struct fake *f = fake_of(d);

	if (gfn_x(gfn) + nr > NR_GFNS)
		return -EINVAL;
	for (uint64_t i = 0; i < nr; i++) {
		f->p2m[gfn_x(gfn) + i] = mfn_x(mfn) + i + 1;
		f->writable[gfn_x(gfn) + i] = access != PHYSMAP_RO;
	}
	return 0;
}

int arch_physmap_unmap(struct domain *d, gfn_t gfn, uint64_t nr)
{
	for (uint64_t i = 0; i < nr; i++)
		fake_of(d)->p2m[gfn_x(gfn) + i] = 0;
	return 0;
}

/* Page references: only a domain's own RAM pages, as kernel/page_ref.c checks owners. */
static int *ref_of(mfn_t mfn, domid_t *owner)
{
	for (domid_t id = 1; id <= NDOMS; id++)
		if (fakes[id].ram && mfn_x(mfn) >= ram_mfn(id, 0) && mfn_x(mfn) < ram_mfn(id, RAM_PAGES)) {
			*owner = id;
			return &fakes[id].refs[mfn_x(mfn) - ram_mfn(id, 0)];
		}
	return NULL;
}

bool page_get(mfn_t mfn, uint16_t domid)
{
	domid_t owner;
	int *r = ref_of(mfn, &owner);

	if (!r || owner != domid)
		return false;
	(*r)++;
	return true;
}

void page_put(mfn_t mfn)
{
	domid_t owner;
	int *r = ref_of(mfn, &owner);

	assert_non_null(r);
	assert_true(*r > 0);
	(*r)--;
}

/* ---- fixture ---- */
static int base_allocs;

static void fake_domain_up(domid_t id)
{
	struct fake *f = &fakes[id];

	memset(&f->d, 0, sizeof(f->d));
	memset(f->p2m, 0, sizeof(f->p2m));
	memset(f->refs, 0, sizeof(f->refs));
	f->d.domain_id = id;
	f->ram = aligned_alloc(PAGE_SIZE, RAM_PAGES * PAGE_SIZE);
	memset(f->ram, 0, RAM_PAGES * PAGE_SIZE);
	for (unsigned int g = 0; g < RAM_PAGES; g++) /* RAM at gfns 0..7 */
		arch_physmap_map(&f->d, _gfn(g), _mfn(ram_mfn(id, g)), 1, PHYSMAP_RAM);
	assert_int_equal(domain_gnttab_create(&f->d), 0);
	f->alive = true;
}

/* What domain_destroy does for grant tables: out of the registry, then the table. */
static void fake_domain_down(domid_t id)
{
	fakes[id].alive = false;
	domain_gnttab_destroy(&fakes[id].d);
	assert_null(fakes[id].d.gnttab);
}

static int setup(void **state)
{
	base_allocs = live_allocs;
	outlives_msgs = freed_msgs = 0;
	for (domid_t id = 1; id <= NDOMS; id++)
		fake_domain_up(id);
	return 0;
}

static int teardown(void **state)
{
	for (domid_t id = 1; id <= NDOMS; id++) {
		if (fakes[id].alive)
			fake_domain_down(id);
		for (unsigned int p = 0; p < RAM_PAGES; p++)
			assert_int_equal(fakes[id].refs[p], 0);
		free(fakes[id].ram);
		fakes[id].ram = NULL;
	}
	assert_int_equal(live_allocs, base_allocs); /* every table, orphan or not, freed */
	return 0;
}

static grant_entry_v1_t *entry_of(domid_t id, grant_ref_t ref)
{
	return fakes[id].d.gnttab ? gnttab_shared_entry(domain_gnttab(&fakes[id].d), ref) : NULL;
}

static void grant(domid_t from, grant_ref_t ref, domid_t to, unsigned int gfn, uint16_t flags)
{
	grant_entry_v1_t *e = entry_of(from, ref);

	e->frame = gfn;
	e->domid = to;
	e->flags = GTF_permit_access | flags;
}

static int16_t map(domid_t mapper, domid_t granter, grant_ref_t ref, unsigned int gfn, bool ro, grant_handle_t *h)
{
	struct gnttab_map_grant_ref op = {.host_addr = (uint64_t)gfn << PAGE_SHIFT,
					  .flags = GNTMAP_host_map | (ro ? GNTMAP_readonly : 0),
					  .ref = ref,
					  .dom = granter};
	int16_t rc = gnttab_map_grant_ref(domain_gnttab(&fakes[mapper].d), &op);

	*h = op.handle;
	return rc;
}

static int16_t unmap(domid_t mapper, unsigned int gfn, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref op = {.host_addr = (uint64_t)gfn << PAGE_SHIFT, .handle = h};

	return gnttab_unmap_grant_ref(domain_gnttab(&fakes[mapper].d), &op);
}

/* ---- tests ---- */

/* A new table: its first frame, cleared; no active entries, no maptrack; the rest on demand. */
static void test_table_starts_small(void **state)
{
	struct gnttab_domain *gt = domain_gnttab(&fakes[1].d);
	int allocs = live_allocs;

	assert_non_null(gt);
	assert_int_equal(gt->domid, 1);
	assert_int_equal(gt->max_frames, DOMAIN_GNTTAB_FRAMES);
	assert_int_equal(gt->maptrack_max, DOMAIN_GNTTAB_MAPTRACK);
	assert_int_equal(gt->maptrack_size, 0);
	assert_int_equal(gnttab_nr_frames(gt), GNTTAB_INITIAL_FRAMES);
	for (unsigned int i = 0; i < GNTTAB_ENTRIES_PER_FRAME; i++)
		assert_int_equal(entry_of(1, i)->flags, 0);
	assert_null(entry_of(1, GNTTAB_ENTRIES_PER_FRAME));
	fake_domain_down(1);
	assert_int_equal(allocs - live_allocs, 2); /* the table and its one frame */
	assert_int_equal(domain_gnttab_create(&fakes[1].d), 0);
	assert_int_equal(live_allocs, allocs);
	fakes[1].alive = true;
}

/* The map hooks: the granter's page at the mapper's gfn, read-only where asked, one reference. */
static void test_map_reaches_the_page(void **state)
{
	grant_handle_t rw, ro;

	fakes[1].ram[2 * PAGE_SIZE + 5] = 0x42;
	grant(1, 3, 2, 2, 0);
	grant(1, 4, 2, 2, GTF_readonly);
	assert_int_equal(map(2, 1, 3, 100, false, &rw), GNTST_okay);
	assert_int_equal(map(2, 1, 4, 101, true, &ro), GNTST_okay);
	assert_int_equal(fakes[2].p2m[100], ram_mfn(1, 2) + 1);
	assert_true(fakes[2].writable[100]);
	assert_int_equal(fakes[2].p2m[101], ram_mfn(1, 2) + 1);
	assert_false(fakes[2].writable[101]);
	assert_int_equal(fakes[1].refs[2], 2); /* one per pinned entry */
	assert_int_equal(unmap(2, 100, rw), GNTST_okay);
	assert_int_equal(unmap(2, 101, ro), GNTST_okay);
	assert_int_equal(fakes[2].p2m[100], 0);
	assert_int_equal(fakes[1].refs[2], 0);
	assert_int_equal(fakes[1].p2m[2], ram_mfn(1, 2) + 1); /* the granter's own map untouched */
}

/* Only a domain's own RAM can be granted; one's own page cannot be host-mapped a second time. */
static void test_what_can_be_granted(void **state)
{
	grant_handle_t h;
	struct gnttab_copy c = {.source = {.u.ref = 6, .domid = 1},
				.dest = {.u.gmfn = 100, .domid = DOMID_SELF},
				.len = 8,
				.flags = GNTCOPY_source_gref};

	grant(1, 5, 2, 120, 0); /* nothing mapped there */
	assert_int_equal(map(2, 1, 5, 100, false, &h), GNTST_bad_page);
	grant(1, 6, 1, 1, 0); /* to itself */
	assert_int_equal(map(1, DOMID_SELF, 6, 100, false, &h), GNTST_general_error);
	assert_int_equal(fakes[1].p2m[100], 0);
	assert_int_equal(fakes[1].refs[1], 0);
	/* the mapper's own frames by gfn: a foreign map at gfn 100 is not its RAM */
	grant(1, 7, 2, 1, 0);
	assert_int_equal(map(2, 1, 7, 100, false, &h), GNTST_okay);
	c.source.u.ref = 7;
	assert_int_equal(gnttab_copy(domain_gnttab(&fakes[2].d), &c), GNTST_bad_page);
	c.dest.u.gmfn = 3;
	memcpy(fakes[1].ram + PAGE_SIZE, "granted", 8);
	assert_int_equal(gnttab_copy(domain_gnttab(&fakes[2].d), &c), GNTST_okay);
	assert_memory_equal(fakes[2].ram + 3 * PAGE_SIZE, "granted", 8);
	assert_int_equal(unmap(2, 100, h), GNTST_okay);
	/* a map over a frame the guest has since replaced leaves the new mapping alone */
	assert_int_equal(map(2, 1, 7, 100, false, &h), GNTST_okay);
	fakes[2].p2m[100] = ram_mfn(2, 4) + 1;
	assert_int_equal(unmap(2, 100, h), GNTST_okay);
	assert_int_equal(fakes[2].p2m[100], ram_mfn(2, 4) + 1);
	assert_int_equal(fakes[1].refs[1], 0);
}

/* The granter goes first: its table outlives it until the mapper unmaps. */
static void test_granter_destroyed_while_mapped(void **state)
{
	int allocs_before;
	grant_handle_t h;

	grant(1, 3, 2, 2, 0);
	assert_int_equal(map(2, 1, 3, 100, false, &h), GNTST_okay);
	allocs_before = live_allocs;
	fake_domain_down(1);
	assert_int_equal(outlives_msgs, 1);
	assert_int_equal(freed_msgs, 0);
	assert_int_equal(live_allocs, allocs_before); /* nothing freed yet */
	assert_int_equal(fakes[1].refs[2], 1);
	assert_int_equal(fakes[2].p2m[100], ram_mfn(1, 2) + 1); /* still mapped and readable */
	{
		grant_handle_t h2;

		assert_int_equal(map(2, 1, 3, 101, false, &h2), GNTST_bad_domain); /* no new pins */
	}
	assert_int_equal(unmap(2, 100, h), GNTST_okay);
	assert_int_equal(fakes[1].refs[2], 0);
	gnttab_reap(); /* as grant_table_op does after unmaps */
	assert_int_equal(freed_msgs, 1);
	assert_true(live_allocs < allocs_before);
	gnttab_reap();
	assert_int_equal(freed_msgs, 1);
}

/* Both go, the granter first: the mapper's destruction drops the last pin and frees the table. */
static void test_both_destroyed(void **state)
{
	grant_handle_t h;

	grant(1, 3, 2, 2, 0);
	grant(1, 4, 2, 3, GTF_readonly);
	assert_int_equal(map(2, 1, 3, 100, false, &h), GNTST_okay);
	assert_int_equal(map(2, 1, 4, 101, true, &h), GNTST_okay);
	fake_domain_down(1);
	assert_int_equal(outlives_msgs, 1);
	fake_domain_down(2);
	assert_int_equal(freed_msgs, 1);
	assert_int_equal(fakes[2].p2m[100], 0);
	assert_int_equal(fakes[2].p2m[101], 0);
}

/* The mapper goes first: its mappings go, and the live granter sees its entries unpinned. */
static void test_mapper_destroyed_while_mapping(void **state)
{
	grant_handle_t h;

	grant(1, 3, 2, 2, 0);
	grant(3, 3, 2, 5, 0);
	assert_int_equal(map(2, 1, 3, 100, false, &h), GNTST_okay);
	assert_int_equal(map(2, 3, 3, 101, false, &h), GNTST_okay);
	assert_true(entry_of(1, 3)->flags & GTF_writing);
	fake_domain_down(2);
	assert_int_equal(outlives_msgs, 0);
	assert_false(entry_of(1, 3)->flags & (GTF_reading | GTF_writing));
	assert_false(entry_of(3, 3)->flags & (GTF_reading | GTF_writing));
	assert_int_equal(fakes[1].refs[2], 0);
	assert_int_equal(fakes[3].refs[5], 0);
	assert_int_equal(fakes[2].p2m[100], 0);
}

/* Table frames in the guest: growth, moves, what setup_table reports. */
static void test_table_frames(void **state)
{
	struct domain *d = &fakes[1].d;
	struct gnttab_domain *gt = domain_gnttab(d);
	uint64_t frame0;

	assert_int_equal(gnttab_frame_gfn(d, 0).gfn, INVALID_GFN.gfn);
	assert_int_equal(gnttab_frame_gfn(d, 3).gfn, INVALID_GFN.gfn); /* not in the table yet */
	assert_int_equal(gnttab_map_frame(d, DOMAIN_GNTTAB_FRAMES, _gfn(50)), -EINVAL);
	assert_int_equal(gnttab_map_frame(d, 0, _gfn(NR_GFNS)), -EINVAL);
	assert_int_equal(gnttab_map_frame(d, 0, _gfn(50)), 0);
	frame0 = fakes[1].p2m[50] - 1;
	assert_int_equal(frame0 << PAGE_SHIFT, (uintptr_t)gnttab_shared_frame(gt, 0));
	assert_int_equal(gnttab_frame_gfn(d, 0).gfn, 50);
	assert_int_equal(gnttab_map_frame(d, 3, _gfn(53)), 0);
	assert_int_equal(gnttab_nr_frames(gt), 4); /* grown to hold frame 3 */
	assert_int_equal((fakes[1].p2m[53] - 1) << PAGE_SHIFT, (uintptr_t)gnttab_shared_frame(gt, 3));
	assert_int_equal(entry_of(1, 4 * GNTTAB_ENTRIES_PER_FRAME - 1)->flags, 0);
	/* frame 0 moves: its old gfn goes */
	assert_int_equal(gnttab_map_frame(d, 0, _gfn(60)), 0);
	assert_int_equal(fakes[1].p2m[50], 0);
	assert_int_equal(gnttab_frame_gfn(d, 0).gfn, 60);
	fakes[1].p2m[60] = 0; /* the guest removed it */
	assert_int_equal(gnttab_frame_gfn(d, 0).gfn, INVALID_GFN.gfn);
	assert_int_equal(gnttab_frame_gfn(d, DOMAIN_GNTTAB_FRAMES).gfn, INVALID_GFN.gfn);
	/* a grant of a table frame is not a grant of RAM */
	grant(1, 9, 2, 53, 0);
	{
		grant_handle_t h;

		assert_int_equal(map(2, 1, 9, 100, false, &h), GNTST_bad_page);
	}
}

/* XENMAPSPACE_grant_table for a frame the table cannot grow to for want of memory: -ENOMEM. */
static void test_map_frame_without_memory(void **state)
{
	struct domain *d = &fakes[1].d;

	fail_pages = 1;
	assert_int_equal(gnttab_map_frame(d, 2, _gfn(52)), -ENOMEM);
	assert_int_equal(gnttab_nr_frames(domain_gnttab(d)), 1);
	assert_int_equal(fakes[1].p2m[52], 0);
	fail_pages = 0;
	assert_int_equal(gnttab_map_frame(d, 2, _gfn(52)), 0);
	assert_int_equal(gnttab_frame_gfn(d, 2).gfn, 52);
}

/* No page for a new table's first frame: the domain gets no table, nothing stays allocated. */
static void test_create_without_memory(void **state)
{
	struct domain d = {.domain_id = 3};
	int allocs = live_allocs;

	fail_pages = 1;
	assert_int_equal(domain_gnttab_create(&d), -ENOMEM);
	fail_pages = 0;
	assert_null(d.gnttab);
	assert_int_equal(live_allocs, allocs);
	domain_gnttab_destroy(&d); /* what a failed domain_create does: harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_table_starts_small, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_map_frame_without_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_without_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_map_reaches_the_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_what_can_be_granted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_granter_destroyed_while_mapped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_both_destroyed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mapper_destroyed_while_mapping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table_frames, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
