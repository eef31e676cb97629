/*
 * Unit tests for guest RAM (kernel/guest_ram.c): populate, allocate, balloon out, remove and
 * destroy, with max_pages accounting, over a real buddy allocator with page references
 * (kernel/page_ref.c) and a fake physical map. Every test ends with every frame free again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_ram.h>
#include <mica/heap.h>
#include <mica/mm.h>
#include <mica/page_ref.h>

#define BASE 0x4000
#define NR 4096
#define NR_GFNS 8192

void printk(const char *fmt, ...)
{
	(void)fmt;
}
void *xmalloc(size_t size)
{
	return malloc(size);
}
void xfree(void *p)
{
	free(p);
}

/* ---- the allocator: a real buddy, as kernel/page_alloc.c wraps it ---- */
static struct page_info frames[NR];
static struct buddy b;
static int fail_allocs;

paddr_t alloc_pages(unsigned int order)
{
	uint64_t pfn;

	if (fail_allocs) {
		fail_allocs--;
		return 0;
	}
	return buddy_alloc(&b, order, &pfn) ? pfn << PAGE_SHIFT : 0;
}

void clear_pages(paddr_t pa, unsigned int order)
{
}
void page_assign(mfn_t m, unsigned int order, uint16_t domid)
{
	page_ref_assign(&b, mfn_x(m), order, page_owner_of_domid(domid));
}
bool page_get(mfn_t m, uint16_t domid)
{
	return page_ref_get(&b, mfn_x(m), page_owner_of_domid(domid));
}
void page_put(mfn_t m)
{
	page_ref_put(&b, mfn_x(m));
}
void page_release(mfn_t m, unsigned int order)
{
	page_ref_release(&b, mfn_x(m), order);
}
bool page_release_frame(mfn_t block, unsigned int order, mfn_t frame)
{
	return page_ref_release_frame(&b, mfn_x(block), order, mfn_x(frame));
}

/* ---- the physical map: gfn -> mfn + 1 (0: nothing), with a writable bit ---- */
static uint64_t p2m[NR_GFNS];
static bool p2m_writable[NR_GFNS];
static int fail_maps;

int arch_physmap_query(struct domain *d, gfn_t gfn, mfn_t *mfn, bool *writable)
{
	if (gfn_x(gfn) >= NR_GFNS)
		return -EINVAL;
	if (!p2m[gfn_x(gfn)])
		return -ENOENT;
	if (mfn)
		*mfn = _mfn(p2m[gfn_x(gfn)] - 1);
	if (writable)
		*writable = p2m_writable[gfn_x(gfn)];
	return 0;
}

int arch_physmap_map(struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr, enum physmap_access access)
{
	if (gfn_x(gfn) + nr > NR_GFNS)
		return -EINVAL;
	for (uint64_t i = 0; i < nr; i++) {
		if (fail_maps && i == nr / 2) { /* a prefix is mapped, as p2m_map leaves it on -ENOMEM */
			fail_maps--;
			return -ENOMEM;
		}
		p2m[gfn_x(gfn) + i] = mfn_x(mfn) + i + 1;
		p2m_writable[gfn_x(gfn) + i] = access != PHYSMAP_RO;
	}
	return 0;
}

int arch_physmap_unmap(struct domain *d, gfn_t gfn, uint64_t nr)
{
	if (gfn_x(gfn) + nr > NR_GFNS)
		return -EINVAL;
	for (uint64_t i = 0; i < nr; i++)
		p2m[gfn_x(gfn) + i] = 0;
	return 0;
}

/* ---- fixture ---- */
static struct domain dom;

static int setup(void **state)
{
	buddy_init(&b, frames, BASE, NR);
	buddy_add_free_range(&b, BASE, NR);
	memset(p2m, 0, sizeof(p2m));
	memset(&dom, 0, sizeof(dom));
	dom.domain_id = 5;
	dom.max_pages = 1024;
	fail_allocs = fail_maps = 0;
	return 0;
}

/* The domain's books agree with the allocator: chunks cover mem_pages frames, all owned. */
static void assert_books(void)
{
	uint64_t pages = 0;

	for (unsigned int i = 0; i < dom.ram.nr; i++) {
		unsigned int order;

		assert_true(buddy_is_allocated(&b, mfn_x(dom.ram.chunks[i].mfn), &order));
		assert_int_equal(order, dom.ram.chunks[i].order);
		for (uint64_t f = 0; f < (1ULL << order); f++)
			assert_int_equal(page_ref_owner(&b, mfn_x(dom.ram.chunks[i].mfn) + f), page_owner_of_domid(5));
		pages += 1ULL << order;
	}
	assert_int_equal(pages, dom.mem_pages);
	assert_true(buddy_check(&b));
}

static int teardown(void **state)
{
	guest_ram_destroy(&dom);
	assert_int_equal(dom.mem_pages, 0);
	assert_int_equal(buddy_nr_free(&b), NR);
	assert_true(buddy_check(&b));
	return 0;
}

static void test_populate(void **state)
{
	mfn_t m;

	assert_int_equal(guest_ram_populate(&dom, _gfn(0x200), 9), 0);
	assert_int_equal(guest_ram_populate(&dom, _gfn(7), 0), 0);
	assert_int_equal(dom.mem_pages, 513);
	assert_int_equal(arch_physmap_query(&dom, _gfn(0x3ff), &m, NULL), 0);
	assert_int_equal(arch_physmap_query(&dom, _gfn(0x200), NULL, NULL), 0);
	assert_int_equal(guest_ram_populate(&dom, _gfn(0x201), 9), -EINVAL); /* unaligned */
	assert_int_equal(guest_ram_populate(&dom, _gfn(0x400), 10), -EINVAL);
	assert_int_equal(guest_ram_populate(&dom, _gfn(7), 0), -EBUSY);
	assert_int_equal(guest_ram_populate(&dom, _gfn(0), 9), -EBUSY); /* gfn 7 is in the way */
	assert_int_equal(guest_ram_populate(&dom, _gfn(NR_GFNS), 0), -EINVAL);
	assert_int_equal(dom.mem_pages, 513);
	assert_int_equal(buddy_nr_free(&b), NR - 513);
	assert_books();
}

static void test_populate_stops_at_max_pages(void **state)
{
	dom.max_pages = 600;
	assert_int_equal(guest_ram_populate(&dom, _gfn(0), 9), 0);
	assert_int_equal(guest_ram_populate(&dom, _gfn(0x200), 9), -ENOMEM);
	for (unsigned int i = 0; i < 88; i++)
		assert_int_equal(guest_ram_populate(&dom, _gfn(0x200 + i), 0), 0);
	assert_int_equal(guest_ram_populate(&dom, _gfn(0x300), 0), -ENOMEM);
	assert_int_equal(guest_ram_allocate(&dom, 0), -ENOMEM);
	assert_int_equal(dom.mem_pages, 600);
	assert_int_equal(buddy_nr_free(&b), NR - 600);
	assert_books();
}

/* Failures leave nothing behind: no page, no mapping, no count. */
static void test_populate_failures_leak_nothing(void **state)
{
	fail_allocs = 1;
	assert_int_equal(guest_ram_populate(&dom, _gfn(0x200), 9), -ENOMEM);
	fail_maps = 1;
	assert_int_equal(guest_ram_populate(&dom, _gfn(0x200), 9), -ENOMEM);
	assert_int_equal(arch_physmap_query(&dom, _gfn(0x200), NULL, NULL), -ENOENT);
	assert_int_equal(dom.mem_pages, 0);
	assert_int_equal(dom.ram.nr, 0);
	assert_int_equal(buddy_nr_free(&b), NR);
	assert_int_equal(guest_ram_populate(&dom, _gfn(0x200), 9), 0);
	assert_books();
}

/* A populated block comes back whole, without memory; anything else is left alone. */
static void test_unpopulate(void **state)
{
	unsigned int order = 99;
	mfn_t m;

	assert_int_equal(guest_ram_populate(&dom, _gfn(0x200), 9), 0);
	assert_int_equal(guest_ram_populate(&dom, _gfn(7), 0), 0);
	assert_int_equal(guest_ram_unpopulate(&dom, _gfn(0x201), &order), -ENOENT); /* not its first frame */
	assert_int_equal(guest_ram_unpopulate(&dom, _gfn(8), &order), -ENOENT);     /* a hole */
	assert_int_equal(guest_ram_unpopulate(&dom, _gfn(NR_GFNS), &order), -ENOENT);
	assert_int_equal(order, 99);
	fail_allocs = 100; /* it needs none */
	assert_int_equal(guest_ram_unpopulate(&dom, _gfn(0x200), &order), 0);
	assert_int_equal(order, 9);
	assert_int_equal(arch_physmap_query(&dom, _gfn(0x3ff), NULL, NULL), -ENOENT);
	assert_int_equal(dom.mem_pages, 1);
	fail_allocs = 0;
	assert_books();
	/* a block no longer mapped as it was given (one frame moved elsewhere) stays */
	assert_int_equal(guest_ram_populate(&dom, _gfn(0x400), 9), 0);
	assert_int_equal(arch_physmap_query(&dom, _gfn(0x401), &m, NULL), 0);
	p2m[0x401] = 0;
	assert_int_equal(guest_ram_unpopulate(&dom, _gfn(0x400), &order), -ENOENT);
	assert_int_equal(dom.mem_pages, 513);
	/* a single page comes back as a block of order 0 */
	assert_int_equal(guest_ram_unpopulate(&dom, _gfn(7), &order), 0);
	assert_int_equal(order, 0);
	assert_int_equal(buddy_nr_free(&b), NR - 512);
	assert_books();
}

static void test_allocate_counts_without_mapping(void **state)
{
	assert_int_equal(guest_ram_allocate(&dom, 9), 0);
	assert_int_equal(guest_ram_allocate(&dom, 0), 0);
	assert_int_equal(guest_ram_allocate(&dom, 10), -EINVAL);
	assert_int_equal(dom.mem_pages, 513);
	for (unsigned int g = 0; g < NR_GFNS; g++)
		assert_int_equal(p2m[g], 0);
	assert_books();
}

/* Ballooning every frame of a 2 MiB chunk out, in a scattered order, returns all of it. */
static void test_release_whole_chunk_page_by_page(void **state)
{
	assert_int_equal(guest_ram_populate(&dom, _gfn(0x400), 9), 0);
	for (unsigned int i = 0; i < 512; i++) {
		unsigned int g = 0x400 + (i * 37) % 512;

		assert_int_equal(guest_ram_release(&dom, _gfn(g)), 0);
		assert_int_equal(guest_ram_release(&dom, _gfn(g)), -ENOENT);
		assert_int_equal(dom.mem_pages, 511 - i);
		if (i % 64 == 0)
			assert_books();
	}
	assert_int_equal(dom.ram.nr, 0);
	assert_int_equal(buddy_nr_free(&b), NR);
	assert_int_equal(b.nr_free_blocks[12], 1); /* merged back whole */
}

/* Only the domain's own RAM can be ballooned out. */
static void test_release_refuses_foreign_and_holes(void **state)
{
	uint64_t other;

	assert_true(buddy_alloc(&b, 0, &other));
	page_ref_assign(&b, other, 0, page_owner_of_domid(6));
	p2m[9] = other + 1; /* another domain's page, as a grant mapping shows it */
	assert_int_equal(guest_ram_release(&dom, _gfn(9)), -ENOENT);
	assert_int_equal(guest_ram_release(&dom, _gfn(10)), -ENOENT);
	assert_int_equal(guest_ram_release(&dom, _gfn(NR_GFNS + 1)), -ENOENT);
	assert_int_equal(p2m[9], other + 1);
	p2m[9] = 0;
	page_ref_release(&b, other, 0);
}

/* A page someone holds a reference on (a grant pin) is freed when the reference drops. */
static void test_release_referenced_page(void **state)
{
	mfn_t m;

	assert_int_equal(guest_ram_populate(&dom, _gfn(0x200), 9), 0);
	assert_int_equal(arch_physmap_query(&dom, _gfn(0x210), &m, NULL), 0);
	assert_true(page_get(m, 5));
	assert_int_equal(guest_ram_release(&dom, _gfn(0x210)), 0);
	assert_int_equal(dom.mem_pages, 511);
	assert_int_equal(buddy_nr_free(&b), NR - 512); /* still held */
	assert_false(page_get(m, 5));                  /* and no new references */
	page_put(m);
	assert_int_equal(buddy_nr_free(&b), NR - 511);
	assert_books();
}

/* Destroying a domain whose pages are referenced: they come back at the last put. */
static void test_destroy_with_references(void **state)
{
	mfn_t m1, m2;

	assert_int_equal(guest_ram_populate(&dom, _gfn(0), 9), 0);
	assert_int_equal(guest_ram_populate(&dom, _gfn(0x200), 0), 0);
	assert_int_equal(arch_physmap_query(&dom, _gfn(100), &m1, NULL), 0);
	assert_int_equal(arch_physmap_query(&dom, _gfn(0x200), &m2, NULL), 0);
	assert_true(page_get(m1, 5));
	assert_true(page_get(m2, 5));
	guest_ram_destroy(&dom);
	assert_int_equal(dom.mem_pages, 0);
	assert_int_equal(buddy_nr_free(&b), NR - 2);
	page_put(m2);
	page_put(m1);
	assert_int_equal(buddy_nr_free(&b), NR);
}

/* remove_from_physmap leaves RAM owned and counted; it is freed with the domain. */
static void test_remove_keeps_ram_owned(void **state)
{
	assert_int_equal(guest_ram_populate(&dom, _gfn(4), 0), 0);
	assert_int_equal(guest_physmap_remove(&dom, _gfn(4)), 0);
	assert_int_equal(guest_physmap_remove(&dom, _gfn(4)), -ENOENT);
	assert_int_equal(guest_physmap_remove(&dom, _gfn(NR_GFNS)), -ENOENT);
	assert_int_equal(guest_ram_release(&dom, _gfn(4)), -ENOENT);
	assert_int_equal(dom.mem_pages, 1);
	assert_int_equal(guest_ram_populate(&dom, _gfn(4), 0), 0);
	assert_int_equal(dom.mem_pages, 2);
	assert_books();
}

/* Random populate and balloon traffic keeps the books and the allocator in step. */
static void test_random_traffic(void **state)
{
	uint32_t seed = 12345;
	unsigned int populated = 0, released = 0;

	dom.max_pages = 3000;
	for (unsigned int i = 0; i < 20000; i++) {
		unsigned int g, order;
		int rc;

		seed = seed * 1103515245u + 12345u;
		order = (seed >> 8) % 8 == 0 ? 9 : 0;
		g = (seed >> 12) % NR_GFNS;
		if ((seed >> 4) & 1) {
			g &= ~((1u << order) - 1);
			rc = guest_ram_populate(&dom, _gfn(g), order);
			assert_true(rc == 0 || rc == -EBUSY || rc == -ENOMEM || rc == -EINVAL);
			populated += rc == 0;
		} else {
			rc = guest_ram_release(&dom, _gfn(g));
			assert_true(rc == 0 || rc == -ENOENT);
			released += rc == 0;
		}
		assert_true(dom.mem_pages <= dom.max_pages);
		if (i % 2000 == 0)
			assert_books();
	}
	assert_true(populated > 1000 && released > 1000);
	assert_books();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_populate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_populate_stops_at_max_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_populate_failures_leak_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unpopulate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_allocate_counts_without_mapping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release_whole_chunk_page_by_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release_refuses_foreign_and_holes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release_referenced_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_destroy_with_references, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_keeps_ram_owned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_traffic, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
