/*
 * Unit tests for foreign mappings (kernel/foreign_map.c): fake domains whose
 * physical maps are real p2m tables (NPT format) in fake memory, and fake
 * page references whose owner is encoded in the frame number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "p2m_fake.h"
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/foreign_map.h>
#include <mica/guest_ram.h>
#include <mica/heap.h>
#include <mica/mm.h>

/* ---- fakes: the heap, and page references (frame (id + 1) << 24 | n belongs to domain id) */
static unsigned int live_records;

void *xzalloc(size_t size)
{
	live_records++;
	return calloc(1, size);
}

void xfree(void *p)
{
	if (p)
		live_records--;
	free(p);
}

#define MAX_REFS 8192
static struct {
	uint64_t mfn;
	unsigned int refs;
} refs[MAX_REFS];
static unsigned int live_refs;

static uint64_t frame_of(domid_t id, uint64_t n)
{
	return ((uint64_t)id + 1) << 24 | n;
}

static unsigned int *refs_of(uint64_t mfn)
{
	for (unsigned int i = 0; i < MAX_REFS; i++)
		if (refs[i].refs && refs[i].mfn == mfn)
			return &refs[i].refs;
	for (unsigned int i = 0; i < MAX_REFS; i++)
		if (!refs[i].refs) {
			refs[i].mfn = mfn;
			return &refs[i].refs;
		}
	fail();
	return NULL;
}

bool page_get(mfn_t mfn, uint16_t domid)
{
	if ((mfn_x(mfn) >> 24) != (uint64_t)domid + 1)
		return false;
	++*refs_of(mfn_x(mfn));
	live_refs++;
	return true;
}

void page_put(mfn_t mfn)
{
	unsigned int *r = refs_of(mfn_x(mfn));

	assert_true(*r > 0);
	--*r;
	live_refs--;
}

static unsigned int refs_on(uint64_t mfn)
{
	for (unsigned int i = 0; i < MAX_REFS; i++)
		if (refs[i].refs && refs[i].mfn == mfn)
			return refs[i].refs;
	return 0;
}

/* ---- fixture: dom0 (the caller), d1 with 64 frames of RAM at gfn 0, d2 with none */
#define RAM_PAGES 64
#define HOLE 0x10000 /* a caller frame far from anything mapped */

static struct fake_mem mem, mem1, mem2; /* table memory of dom0 (checked by the tests), d1, d2 */
static struct domain dom0, d1, d2;

static void domain_init(struct domain *d, domid_t id, struct fake_mem *m)
{
	fake_init(m);
	memset(d, 0, sizeof(*d));
	d->domain_id = id;
	assert_int_equal(p2m_init(&d->arch.p2m, &p2m_npt_ops, &fake_table_ops, m, true, false), 0);
}

static int setup(void **state)
{
	memset(refs, 0, sizeof(refs));
	live_refs = 0;
	domain_init(&dom0, 0, &mem);
	domain_init(&d1, 1, &mem1);
	domain_init(&d2, 2, &mem2);
	assert_int_equal(arch_physmap_map(&d1, _gfn(0), _mfn(frame_of(1, 0)), RAM_PAGES, PHYSMAP_RAM), 0);
	/* a hypervisor page mapped read-write, as shared_info is: not d1's RAM */
	assert_int_equal(arch_physmap_map(&d1, _gfn(0xfe000), _mfn(0x777), 1, PHYSMAP_RW), 0);
	return 0;
}

static int teardown(void **state)
{
	foreign_map_domain_gone(&dom0);
	foreign_map_domain_gone(&d1);
	foreign_map_domain_gone(&d2);
	assert_int_equal(live_records, 0); /* every record freed */
	assert_int_equal(live_refs, 0);    /* every reference dropped */
	p2m_destroy(&dom0.arch.p2m);
	p2m_destroy(&d1.arch.p2m);
	p2m_destroy(&d2.arch.p2m);
	assert_int_equal(mem.live + mem1.live + mem2.live, 0);
	fake_release(&mem);
	fake_release(&mem1);
	fake_release(&mem2);
	return 0;
}

static void expect_map(struct domain *d, uint64_t gfn, uint64_t mfn, unsigned int access)
{
	unsigned int a;
	mfn_t m;

	assert_int_equal(p2m_query(&d->arch.p2m, _gfn(gfn), &m, &a, NULL, NULL), 0);
	assert_int_equal(mfn_x(m), mfn);
	assert_int_equal(a, access);
}

static void expect_hole(struct domain *d, uint64_t gfn, uint64_t nr)
{
	for (uint64_t i = 0; i < nr; i++)
		assert_int_equal(p2m_query(&d->arch.p2m, _gfn(gfn + i), NULL, NULL, NULL, NULL), -ENOENT);
}

/* ---- tests */
static void test_map_and_unmap(void **state)
{
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(10), _gfn(HOLE), 3, false), 0);
	expect_map(&dom0, HOLE, frame_of(1, 10), RW);
	expect_map(&dom0, HOLE + 2, frame_of(1, 12), RW);
	expect_hole(&dom0, HOLE + 3, 1);
	assert_int_equal(refs_on(frame_of(1, 11)), 1);
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(10), _gfn(HOLE + 8), 1, true), 0);
	expect_map(&dom0, HOLE + 8, frame_of(1, 10), R); /* read-only, never executable */
	assert_int_equal(refs_on(frame_of(1, 10)), 2);
	/* unmapping names the mapping's first caller frame and the mapped domain */
	assert_int_equal(foreign_unmap(&dom0, 1, _gfn(HOLE + 1)), -ENOENT);
	assert_int_equal(foreign_unmap(&dom0, 2, _gfn(HOLE)), -ENOENT);
	assert_int_equal(foreign_unmap(&d2, 1, _gfn(HOLE)), -ENOENT); /* only the caller's own */
	assert_int_equal(foreign_unmap(&dom0, 1, _gfn(HOLE)), 0);
	expect_hole(&dom0, HOLE, 3);
	assert_int_equal(live_refs, 1);
	assert_int_equal(foreign_unmap(&dom0, 1, _gfn(HOLE)), -ENOENT);
	assert_int_equal(foreign_unmap(&dom0, 1, _gfn(HOLE + 8)), 0);
	expect_hole(&dom0, HOLE + 8, 1);
	assert_int_equal(live_refs, 0);
	expect_map(&d1, 10, frame_of(1, 10), RWX); /* the owner's map is untouched */
	p2m_check_tables(&dom0.arch.p2m, &mem);
}

static void test_bad_arguments(void **state)
{
	assert_int_equal(foreign_map(&d1, &d1, _gfn(0), _gfn(HOLE), 1, false), -EINVAL); /* itself */
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(HOLE), 0, false), -EINVAL);
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(HOLE), FOREIGN_MAP_MAX_PAGES + 1, false), -EINVAL);
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(d1.arch.p2m.max_gfn - 1), _gfn(HOLE), 2, false), -EINVAL);
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(dom0.arch.p2m.max_gfn), 1, false), -EINVAL);
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(UINT64_MAX), 1, false), -EINVAL);
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(UINT64_MAX - 1), _gfn(HOLE), 2, false), -EINVAL);
	expect_hole(&dom0, HOLE, 4);
	assert_int_equal(live_records, 0);
	assert_int_equal(live_refs, 0);
}

static void test_all_or_nothing(void **state)
{
	/* the last frame is past d1's RAM: nothing is mapped, no reference kept */
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(RAM_PAGES - 2), _gfn(HOLE), 3, false), -ENOENT);
	expect_hole(&dom0, HOLE, 3);
	assert_int_equal(live_refs, 0);
	/* a frame that is mapped but is not d1's RAM */
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0xfe000), _gfn(HOLE), 1, false), -ENOENT);
	/* a caller frame in use: its own mapping stays */
	assert_int_equal(arch_physmap_map(&dom0, _gfn(HOLE + 2), _mfn(frame_of(0, 5)), 1, PHYSMAP_RAM), 0);
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(HOLE), 3, false), -EBUSY);
	expect_hole(&dom0, HOLE, 2);
	expect_map(&dom0, HOLE + 2, frame_of(0, 5), RWX);
	/* foreign frames cannot be passed on: d2 may not map from dom0 what dom0 maps of d1 */
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(5), _gfn(HOLE), 1, false), 0);
	assert_int_equal(foreign_map(&d2, &dom0, _gfn(HOLE), _gfn(HOLE), 1, false), -ENOENT);
	assert_int_equal(live_refs, 1);
	/* out of table memory half way: what was mapped is taken back, and the references */
	mem.fail_after = 0;
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(HOLE + 0x10000), 2, false), -ENOMEM);
	mem.fail_after = -1;
	expect_hole(&dom0, HOLE + 0x10000, 2);
	assert_int_equal(live_refs, 1);
	p2m_check_tables(&dom0.arch.p2m, &mem);
	assert_int_equal(live_records, 1); /* the one mapping made */
	arch_physmap_unmap(&dom0, _gfn(HOLE + 2), 1);
}

static void test_enomem_after_a_prefix(void **state)
{
	/* the second frame needs new tables (another 1 GiB region): the first is unmapped again */
	uint64_t at = (1ULL << 18) - 1;

	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(at - 600), 1, false), 0); /* tables for `at` */
	mem.fail_after = 0;
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(1), _gfn(at), 2, false), -ENOMEM);
	mem.fail_after = -1;
	expect_hole(&dom0, at, 2);
	assert_int_equal(live_refs, 1);
	p2m_check_tables(&dom0.arch.p2m, &mem);
}

/* The owner goes: the mapping and its references stay until the caller unmaps. */
static void test_owner_destroyed(void **state)
{
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(HOLE), 4, false), 0);
	assert_int_equal(foreign_map(&d2, &d1, _gfn(7), _gfn(HOLE), 1, true), 0);
	assert_int_equal(foreign_map(&dom0, &d2, _gfn(0), _gfn(HOLE + 100), 1, false), -ENOENT); /* d2 has no RAM */
	foreign_map_domain_gone(&d1);
	expect_map(&dom0, HOLE + 3, frame_of(1, 3), RW);
	expect_map(&d2, HOLE, frame_of(1, 7), R);
	assert_int_equal(live_refs, 5);
	assert_int_equal(foreign_unmap(&dom0, 1, _gfn(HOLE)), 0); /* by id: the domain may be gone */
	expect_hole(&dom0, HOLE, 4);
	assert_int_equal(live_refs, 1);
	p2m_check_tables(&dom0.arch.p2m, &mem);
}

/* The caller goes: its mappings leave its map and their references drop. */
static void test_caller_destroyed(void **state)
{
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(HOLE), 2, false), 0);
	assert_int_equal(foreign_map(&d2, &d1, _gfn(0), _gfn(HOLE), 1, false), 0);
	foreign_map_domain_gone(&dom0);
	expect_hole(&dom0, HOLE, 2);
	assert_int_equal(live_refs, 1); /* d2's */
	assert_int_equal(live_records, 1);
	assert_int_equal(foreign_unmap(&dom0, 1, _gfn(HOLE)), -ENOENT);
}

/* The caller mapped something else over a frame: unmapping leaves that, and still drops the reference. */
static void test_unmap_after_caller_replaced_a_frame(void **state)
{
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(HOLE), 2, false), 0);
	assert_int_equal(arch_physmap_map(&dom0, _gfn(HOLE + 1), _mfn(0x777), 1, PHYSMAP_RW), 0);
	assert_int_equal(foreign_unmap(&dom0, 1, _gfn(HOLE)), 0);
	expect_hole(&dom0, HOLE, 1);
	expect_map(&dom0, HOLE + 1, 0x777, RW);
	assert_int_equal(live_refs, 0);
	arch_physmap_unmap(&dom0, _gfn(HOLE + 1), 1);
}

static void test_mapping_limit(void **state)
{
	unsigned int i;

	for (i = 0; i < FOREIGN_MAP_MAX_MAPPINGS; i++)
		assert_int_equal(foreign_map(&dom0, &d1, _gfn(i % RAM_PAGES), _gfn(HOLE + i), 1, true), 0);
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(HOLE + i), 1, true), -ENOSPC);
	assert_int_equal(foreign_unmap(&dom0, 1, _gfn(HOLE)), 0);
	assert_int_equal(foreign_map(&dom0, &d1, _gfn(0), _gfn(HOLE + i), 1, true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_map_and_unmap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_all_or_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enomem_after_a_prefix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_owner_destroyed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_caller_destroyed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unmap_after_caller_replaced_a_frame, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mapping_limit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
