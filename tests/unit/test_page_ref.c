/* Unit tests for guest page ownership and references (kernel/page_ref.c) over a real buddy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <mica/page_ref.h>
#include <mica/printk.h>

#define BASE 0x1000
#define NR 2048
#define OWNER_A page_owner_of_domid(1)
#define OWNER_B page_owner_of_domid(2)

static int printk_calls;

void printk(const char *fmt, ...)
{
	(void)fmt;
	printk_calls++;
}

static struct page_info frames[NR];
static struct buddy b;

static int setup(void **state)
{
	buddy_init(&b, frames, BASE, NR);
	buddy_add_free_range(&b, BASE, NR);
	printk_calls = 0;
	return 0;
}

static uint64_t alloc_owned(unsigned int order, uint32_t owner)
{
	uint64_t pfn;

	assert_true(buddy_alloc(&b, order, &pfn));
	page_ref_assign(&b, pfn, order, owner);
	return pfn;
}

static void assert_all_free(void)
{
	assert_int_equal(buddy_nr_free(&b), NR);
	assert_true(buddy_check(&b));
	for (unsigned int i = 0; i < NR; i++) {
		assert_int_equal(frames[i].refs, 0);
		assert_int_equal(frames[i].owner, PAGE_OWNER_NONE);
	}
}

static void test_get_checks_owner(void **state)
{
	uint64_t p = alloc_owned(0, OWNER_A);

	assert_int_equal(page_ref_owner(&b, p), OWNER_A);
	assert_false(page_ref_get(&b, p, OWNER_B));
	assert_false(page_ref_get(&b, p, PAGE_OWNER_NONE));
	assert_false(page_ref_get(&b, BASE + NR, OWNER_A)); /* outside the frame table */
	assert_false(page_ref_get(&b, BASE - 1, OWNER_A));
	assert_true(page_ref_get(&b, p, OWNER_A));
	assert_false(page_ref_put(&b, p)); /* still owned: nothing freed */
	assert_int_equal(printk_calls, 0);
	assert_false(page_ref_put(&b, p)); /* no reference left: refused loudly */
	assert_int_equal(printk_calls, 1);
	assert_int_equal(page_ref_release(&b, p, 0), 1);
	assert_all_free();
}

static void test_release_unreferenced_block(void **state)
{
	uint64_t p = alloc_owned(9, OWNER_A);

	assert_int_equal(buddy_nr_free(&b), NR - 512);
	assert_int_equal(page_ref_release(&b, p, 9), 512);
	assert_all_free();
	assert_int_equal(b.nr_free_blocks[11], 1); /* merged back whole */
}

/* Referenced frames outlive the release; the last put frees each, and everything merges back. */
static void test_release_referenced_block(void **state)
{
	uint64_t p = alloc_owned(9, OWNER_A);

	assert_true(page_ref_get(&b, p + 3, OWNER_A));
	assert_true(page_ref_get(&b, p + 300, OWNER_A));
	assert_true(page_ref_get(&b, p + 300, OWNER_A));
	assert_int_equal(page_ref_release(&b, p, 9), 510);
	assert_int_equal(buddy_nr_free(&b), NR - 2);
	assert_true(buddy_check(&b));
	assert_int_equal(page_ref_owner(&b, p + 3), PAGE_OWNER_DYING);
	assert_false(page_ref_get(&b, p + 3, OWNER_A)); /* released: no new references */
	assert_false(page_ref_get(&b, p + 4, OWNER_A)); /* freed */
	assert_true(page_ref_put(&b, p + 3));
	assert_false(page_ref_put(&b, p + 300));
	assert_int_equal(buddy_nr_free(&b), NR - 1);
	assert_true(page_ref_put(&b, p + 300));
	assert_all_free();
	assert_int_equal(b.nr_free_blocks[11], 1);
}

/* Ballooning one frame out of a 2 MiB block: the rest stays allocated and owned, in halves. */
static void test_release_one_frame(void **state)
{
	uint64_t p = alloc_owned(9, OWNER_A);
	unsigned int order;

	assert_false(page_ref_release_frame(&b, p, 8, p + 5));     /* wrong order */
	assert_false(page_ref_release_frame(&b, p + 1, 9, p + 5)); /* not a head */
	assert_false(page_ref_release_frame(&b, p, 9, p + 512));   /* outside */
	assert_true(page_ref_release_frame(&b, p, 9, p + 5));
	assert_int_equal(buddy_nr_free(&b), NR - 511);
	assert_int_equal(page_ref_owner(&b, p + 5), PAGE_OWNER_NONE);
	assert_int_equal(page_ref_owner(&b, p + 4), OWNER_A);
	assert_true(buddy_is_allocated(&b, p + 256, &order));
	assert_int_equal(order, 8);
	assert_true(buddy_is_allocated(&b, p + 4, &order));
	assert_int_equal(order, 0);
	assert_true(buddy_is_allocated(&b, p + 6, &order));
	assert_int_equal(order, 1);
	assert_true(buddy_is_allocated(&b, p, &order));
	assert_int_equal(order, 2);
	/* the pieces, as the owner's chunk list records them, go back one by one */
	assert_int_equal(page_ref_release(&b, p + 4, 0), 1);
	assert_int_equal(page_ref_release(&b, p + 6, 1), 2);
	assert_int_equal(page_ref_release(&b, p, 2), 4);
	for (unsigned int o = 3; o < 9; o++)
		assert_int_equal(page_ref_release(&b, p + (1ULL << o), o), 1ULL << o);
	assert_all_free();
}

static void test_release_referenced_frame(void **state)
{
	uint64_t p = alloc_owned(2, OWNER_B);

	assert_true(page_ref_get(&b, p + 2, OWNER_B));
	assert_true(page_ref_release_frame(&b, p, 2, p + 2));
	assert_int_equal(buddy_nr_free(&b), NR - 4); /* still referenced */
	assert_true(page_ref_put(&b, p + 2));
	assert_int_equal(page_ref_release(&b, p, 1), 2);
	assert_int_equal(page_ref_release(&b, p + 3, 0), 1);
	assert_all_free();
}

static void test_refs_saturate(void **state)
{
	uint64_t p = alloc_owned(0, OWNER_A);

	for (unsigned int i = 0; i < PAGE_REFS_MAX; i++)
		assert_true(page_ref_get(&b, p, OWNER_A));
	assert_false(page_ref_get(&b, p, OWNER_A));
	assert_int_equal(page_ref_release(&b, p, 0), 0);
	for (unsigned int i = 0; i < PAGE_REFS_MAX; i++)
		assert_int_equal(page_ref_put(&b, p), i + 1 == PAGE_REFS_MAX);
	assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_get_checks_owner, setup),
	    cmocka_unit_test_setup(test_release_unreferenced_block, setup),
	    cmocka_unit_test_setup(test_release_referenced_block, setup),
	    cmocka_unit_test_setup(test_release_one_frame, setup),
	    cmocka_unit_test_setup(test_release_referenced_frame, setup),
	    cmocka_unit_test_setup(test_refs_saturate, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
