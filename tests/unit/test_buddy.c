/* Unit tests for the buddy frame allocator (kernel/buddy.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <mica/buddy.h>
#include <mica/printk.h>
#include <mica/string.h>

static int printk_calls;
static char printk_last[256];

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(printk_last, sizeof(printk_last), fmt, ap);
	va_end(ap);
	printk_calls++;
}

struct fixture {
	struct buddy b;
	struct page_info *frames;
	uint64_t base, nr;
};

static struct fixture *fx_new(uint64_t base, uint64_t nr)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->frames = calloc(nr ? nr : 1, sizeof(struct page_info));
	assert_non_null(f->frames);
	f->base = base;
	f->nr = nr;
	buddy_init(&f->b, f->frames, base, nr);
	printk_calls = 0;
	return f;
}

static void fx_free(struct fixture *f)
{
	free(f->frames);
	free(f);
}

/* Independent of buddy_check: mark free frames from the lists, none twice. */
static uint64_t shadow_free_walk(const struct buddy *b, uint8_t *map)
{
	uint64_t total = 0;

	for (unsigned int o = 0; o < BUDDY_NR_ORDERS; o++) {
		for (uint32_t i = b->free_head[o]; i != BUDDY_NIL; i = b->frames[i].next) {
			uint64_t pfn = b->base_pfn + i;
			assert_int_equal(pfn % (1ULL << o), 0);
			assert_true(i + (1ULL << o) <= b->nr_frames);
			for (uint64_t t = 0; t < (1ULL << o); t++) {
				assert_int_equal(map[i + t], 0);
				map[i + t] = 1;
			}
			total += 1ULL << o;
		}
	}
	return total;
}

static void assert_consistent(const struct buddy *b)
{
	uint8_t *map = calloc(b->nr_frames ? b->nr_frames : 1, 1);

	assert_non_null(map);
	assert_int_equal(shadow_free_walk(b, map), buddy_nr_free(b));
	free(map);
	assert_true(buddy_check(b));
}

static void test_init_all_reserved(void **state)
{
	(void)state;
	struct fixture *f = fx_new(0x100, 64);
	uint64_t pfn;

	assert_int_equal(buddy_nr_free(&f->b), 0);
	assert_false(buddy_alloc(&f->b, 0, &pfn));
	assert_int_equal(f->b.stats.nr_alloc_fail, 1);
	assert_consistent(&f->b);
	fx_free(f);
}

static void test_add_range_clipped(void **state)
{
	(void)state;
	struct fixture *f = fx_new(1000, 100);

	assert_int_equal(buddy_add_free_range(&f->b, 900, 150), 50); /* [1000,1050) */
	assert_int_equal(buddy_nr_free(&f->b), 50);
	assert_int_equal(buddy_add_free_range(&f->b, 1040, 1000), 50); /* [1050,1100) new */
	assert_int_equal(buddy_nr_free(&f->b), 100);
	assert_int_equal(buddy_add_free_range(&f->b, 1000, 100), 0); /* already free */
	assert_int_equal(buddy_add_free_range(&f->b, 0, 10), 0);
	assert_int_equal(buddy_add_free_range(&f->b, 5000, 10), 0);
	assert_int_equal(buddy_add_free_range(&f->b, UINT64_MAX - 5, 100), 0); /* wraps */
	assert_int_equal(buddy_add_free_range(&f->b, 1000, 0), 0);
	assert_consistent(&f->b);
	fx_free(f);
}

static void test_split_and_merge(void **state)
{
	(void)state;
	struct fixture *f = fx_new(0x40000, 1024);
	uint64_t pfn;

	buddy_add_free_range(&f->b, 0x40000, 1024);
	assert_int_equal(f->b.nr_free_blocks[10], 1);
	assert_true(buddy_alloc(&f->b, 0, &pfn));
	assert_int_equal(pfn, 0x40000);
	for (unsigned int o = 0; o < 10; o++)
		assert_int_equal(f->b.nr_free_blocks[o], 1);
	assert_int_equal(f->b.nr_free_blocks[10], 0);
	assert_int_equal(buddy_nr_free(&f->b), 1023);
	assert_consistent(&f->b);

	assert_true(buddy_free(&f->b, pfn, 0));
	for (unsigned int o = 0; o < 10; o++)
		assert_int_equal(f->b.nr_free_blocks[o], 0);
	assert_int_equal(f->b.nr_free_blocks[10], 1);
	assert_int_equal(buddy_nr_free(&f->b), 1024);
	assert_consistent(&f->b);
	fx_free(f);
}

static void test_merge_out_of_order(void **state)
{
	(void)state;
	struct fixture *f = fx_new(0, 16);
	uint64_t p[16];

	buddy_add_free_range(&f->b, 0, 16);
	for (int i = 0; i < 16; i++)
		assert_true(buddy_alloc(&f->b, 0, &p[i]));
	static const int order[16] = {5, 0, 15, 3, 8, 1, 14, 7, 2, 12, 9, 4, 11, 6, 13, 10};
	for (int i = 0; i < 16; i++) {
		assert_true(buddy_free(&f->b, p[order[i]], 0));
		assert_consistent(&f->b);
	}
	assert_int_equal(f->b.nr_free_blocks[4], 1);
	fx_free(f);
}

static void test_exhaustion(void **state)
{
	(void)state;
	struct fixture *f = fx_new(0x12345, 5000);
	uint64_t blocks_before[BUDDY_NR_ORDERS], *pfns = calloc(5000, sizeof(uint64_t)), n = 0;

	assert_non_null(pfns);
	buddy_add_free_range(&f->b, 0x12345, 5000);
	memcpy(blocks_before, f->b.nr_free_blocks, sizeof(blocks_before));
	while (buddy_alloc(&f->b, 0, &pfns[n]))
		n++;
	assert_int_equal(n, 5000);
	assert_int_equal(buddy_nr_free(&f->b), 0);
	assert_consistent(&f->b);
	for (uint64_t i = 0; i < n; i++)
		assert_true(buddy_free(&f->b, pfns[n - 1 - i], 0));
	assert_int_equal(buddy_nr_free(&f->b), 5000);
	assert_memory_equal(blocks_before, f->b.nr_free_blocks, sizeof(blocks_before));
	assert_consistent(&f->b);
	free(pfns);
	fx_free(f);
}

static void test_exhaustion_mixed_orders(void **state)
{
	(void)state;
	struct fixture *f = fx_new(3, 777);
	uint64_t pfns[800];
	unsigned int ords[800];
	int n = 0;

	buddy_add_free_range(&f->b, 3, 777);
	for (int o = 6; o >= 0; o--) {
		while (buddy_alloc(&f->b, (unsigned int)o, &pfns[n]))
			ords[n++] = (unsigned int)o;
	}
	assert_int_equal(buddy_nr_free(&f->b), 0);
	assert_consistent(&f->b);
	for (int i = 0; i < n; i++)
		assert_true(buddy_free(&f->b, pfns[i], ords[i]));
	assert_int_equal(buddy_nr_free(&f->b), 777);
	assert_consistent(&f->b);
	fx_free(f);
}

static void test_alignment_every_order(void **state)
{
	(void)state;
	uint64_t base = 0x12345, nr = (1ULL << 19) + 777;
	struct fixture *f = fx_new(base, nr);

	buddy_add_free_range(&f->b, base, nr);
	for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++) {
		uint64_t pfn;
		assert_true(buddy_alloc(&f->b, o, &pfn));
		assert_int_equal(pfn & ((1ULL << o) - 1), 0);
		assert_true(pfn >= base && pfn + (1ULL << o) <= base + nr);
		unsigned int got;
		assert_true(buddy_is_allocated(&f->b, pfn, &got));
		assert_int_equal(got, o);
		assert_true(buddy_free(&f->b, pfn, o));
	}
	assert_int_equal(buddy_nr_free(&f->b), nr);
	assert_consistent(&f->b);
	fx_free(f);
}

static void test_max_order_blocks(void **state)
{
	(void)state;
	uint64_t nr = 1ULL << (BUDDY_MAX_ORDER + 1);
	struct fixture *f = fx_new(0, nr);
	uint64_t a, b, c;

	buddy_add_free_range(&f->b, 0, nr);
	assert_int_equal(f->b.nr_free_blocks[BUDDY_MAX_ORDER], 2);
	assert_false(buddy_alloc(&f->b, BUDDY_MAX_ORDER + 1, &a));
	assert_true(buddy_alloc(&f->b, BUDDY_MAX_ORDER, &a));
	assert_true(buddy_alloc(&f->b, BUDDY_MAX_ORDER, &b));
	assert_false(buddy_alloc(&f->b, BUDDY_MAX_ORDER, &c));
	assert_false(buddy_alloc(&f->b, 0, &c));
	assert_true(buddy_free(&f->b, a, BUDDY_MAX_ORDER));
	assert_true(buddy_free(&f->b, b, BUDDY_MAX_ORDER));
	/* Two max-order buddies must not merge beyond BUDDY_MAX_ORDER. */
	assert_int_equal(f->b.nr_free_blocks[BUDDY_MAX_ORDER], 2);
	assert_consistent(&f->b);
	fx_free(f);
}

static void test_odd_base_ranges(void **state)
{
	(void)state;
	struct fixture *f = fx_new(7, 1000);
	uint64_t pfn;

	buddy_add_free_range(&f->b, 7, 1);
	buddy_add_free_range(&f->b, 9, 3);
	buddy_add_free_range(&f->b, 13, 51);
	buddy_add_free_range(&f->b, 101, 899);
	assert_int_equal(buddy_nr_free(&f->b), 1 + 3 + 51 + 899);
	assert_consistent(&f->b);
	/* [101, 1000) holds aligned 256-frame blocks at 256, 512 and 768 */
	assert_true(buddy_alloc(&f->b, 8, &pfn));
	assert_int_equal(pfn % 256, 0);
	assert_true(pfn >= 256 && pfn + 256 <= 1007);
	assert_true(buddy_free(&f->b, pfn, 8));
	assert_false(buddy_alloc(&f->b, 10, &pfn));
	/* Fill the holes: everything merges into maximal aligned blocks. */
	buddy_add_free_range(&f->b, 7, 1000);
	assert_int_equal(buddy_nr_free(&f->b), 1000);
	assert_consistent(&f->b);
	fx_free(f);
}

static void test_double_free_rejected(void **state)
{
	(void)state;
	struct fixture *f = fx_new(0, 64);
	uint64_t a, b;

	buddy_add_free_range(&f->b, 0, 64);
	assert_true(buddy_alloc(&f->b, 2, &a));
	assert_true(buddy_alloc(&f->b, 2, &b));
	assert_true(buddy_free(&f->b, a, 2));
	assert_false(buddy_free(&f->b, a, 2));
	assert_non_null(strstr(printk_last, "double free"));
	assert_true(buddy_free(&f->b, b, 2));
	/* After merging, the old head is a tail of a bigger free block. */
	assert_false(buddy_free(&f->b, b, 2));
	assert_int_equal(f->b.stats.nr_bad_free, 2);
	assert_int_equal(buddy_nr_free(&f->b), 64);
	assert_consistent(&f->b);
	fx_free(f);
}

static void test_bad_free_rejected(void **state)
{
	(void)state;
	struct fixture *f = fx_new(0x100, 256);
	uint64_t a;

	buddy_add_free_range(&f->b, 0x110, 200);
	assert_true(buddy_alloc(&f->b, 3, &a));
	uint64_t before = buddy_nr_free(&f->b);

	assert_false(buddy_free(&f->b, a + 1, 0));  /* tail of an allocated block */
	assert_false(buddy_free(&f->b, a + 4, 2));  /* inside, aligned for its order */
	assert_false(buddy_free(&f->b, a + 1, 3));  /* misaligned */
	assert_false(buddy_free(&f->b, a, 2));      /* wrong order */
	assert_false(buddy_free(&f->b, a, 4));      /* wrong order */
	assert_false(buddy_free(&f->b, 0x100, 0));  /* reserved frame */
	assert_false(buddy_free(&f->b, 0x10, 0));   /* below window */
	assert_false(buddy_free(&f->b, 0x1000, 0)); /* above window */
	assert_false(buddy_free(&f->b, a, 99));     /* absurd order */
	assert_false(buddy_free(&f->b, 0x100, 8));  /* reserved block */
	assert_int_equal(f->b.stats.nr_bad_free, 10);
	assert_int_equal(buddy_nr_free(&f->b), before);
	assert_consistent(&f->b);
	assert_true(buddy_free(&f->b, a, 3));
	assert_int_equal(buddy_nr_free(&f->b), 200);
	assert_consistent(&f->b);
	fx_free(f);
}

static void test_reserve_range(void **state)
{
	(void)state;
	struct fixture *f = fx_new(0, 1024);
	uint64_t a, pfn;

	buddy_add_free_range(&f->b, 0, 1024);
	assert_true(buddy_alloc(&f->b, 4, &a)); /* [0, 16) */
	assert_int_equal(buddy_reserve_range(&f->b, 300, 100), 100);
	assert_int_equal(buddy_nr_free(&f->b), 1024 - 16 - 100);
	assert_consistent(&f->b);
	/* Allocated frames and already reserved ones are left alone. */
	assert_int_equal(buddy_reserve_range(&f->b, 0, 20), 4);
	assert_int_equal(buddy_reserve_range(&f->b, 300, 100), 0);
	assert_true(buddy_is_allocated(&f->b, a, NULL));
	assert_consistent(&f->b);
	while (buddy_alloc(&f->b, 0, &pfn))
		assert_true(pfn >= 20 && (pfn < 300 || pfn >= 400));
	assert_true(buddy_free(&f->b, a, 4));
	/* Give the reserved frames back. */
	assert_int_equal(buddy_add_free_range(&f->b, 300, 100), 100);
	assert_consistent(&f->b);
	fx_free(f);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct live {
	uint64_t pfn;
	unsigned int order;
};

static void stress_check(const struct buddy *b, const struct live *lv, int n)
{
	uint8_t *map = calloc(b->nr_frames, 1);

	assert_non_null(map);
	assert_int_equal(shadow_free_walk(b, map), buddy_nr_free(b));
	for (int i = 0; i < n; i++) {
		uint64_t idx = lv[i].pfn - b->base_pfn;
		for (uint64_t t = 0; t < (1ULL << lv[i].order); t++) {
			assert_int_equal(map[idx + t], 0);
			map[idx + t] = 2;
		}
	}
	free(map);
	assert_true(buddy_check(b));
}

static void test_random_stress(void **state)
{
	(void)state;
	uint64_t base = 0x2001, nr = 20000;
	struct fixture *f = fx_new(base, nr);
	struct live *lv = calloc(4096, sizeof(*lv));
	int n = 0;

	assert_non_null(lv);
	buddy_add_free_range(&f->b, base, 9000);
	buddy_add_free_range(&f->b, base + 9500, nr);
	uint64_t total = buddy_nr_free(&f->b);
	for (int step = 0; step < 60000; step++) {
		bool do_alloc = n == 0 || (n < 4096 && rng() % 100 < 55);
		if (do_alloc) {
			unsigned int o = (unsigned int)(rng() % 100 < 80 ? rng() % 3 : rng() % 10);
			uint64_t pfn;
			if (buddy_alloc(&f->b, o, &pfn)) {
				assert_int_equal(pfn & ((1ULL << o) - 1), 0);
				lv[n++] = (struct live){pfn, o};
			}
		} else {
			int i = (int)(rng() % (uint64_t)n);
			assert_true(buddy_free(&f->b, lv[i].pfn, lv[i].order));
			lv[i] = lv[--n];
		}
		if (step % 2000 == 0)
			stress_check(&f->b, lv, n);
	}
	stress_check(&f->b, lv, n);
	while (n > 0) {
		n--;
		assert_true(buddy_free(&f->b, lv[n].pfn, lv[n].order));
	}
	assert_int_equal(buddy_nr_free(&f->b), total);
	assert_int_equal(f->b.stats.nr_bad_free, 0);
	stress_check(&f->b, lv, 0);
	free(lv);
	fx_free(f);
}

/* A split block's pieces are freed one by one, in any order, and merge back whole. */
static void test_split_allocated(void **state)
{
	(void)state;
	struct fixture *f = fx_new(0x200, 512);
	uint64_t pfn;
	unsigned int order;

	buddy_add_free_range(&f->b, 0x200, 512);
	assert_true(buddy_alloc(&f->b, 9, &pfn));
	assert_false(buddy_split(&f->b, pfn + 1, 9)); /* not a head */
	assert_false(buddy_split(&f->b, pfn, 8));     /* wrong order */
	assert_false(buddy_split(&f->b, pfn, 0));
	/* isolate frame 5: halves 0x100, 0x80, ..., then frames 4 and 5 */
	for (unsigned int o = 9; o > 0; o--) {
		uint64_t head = pfn + (5 & ~((1ULL << o) - 1));

		assert_true(buddy_split(&f->b, head, o));
		assert_consistent(&f->b);
	}
	assert_true(buddy_is_allocated(&f->b, pfn + 5, &order));
	assert_int_equal(order, 0);
	assert_true(buddy_is_allocated(&f->b, pfn + 0x100, &order));
	assert_int_equal(order, 8);
	assert_int_equal(buddy_nr_free(&f->b), 0);
	assert_true(buddy_free(&f->b, pfn + 5, 0));
	assert_int_equal(buddy_nr_free(&f->b), 1);
	assert_false(buddy_free(&f->b, pfn, 9)); /* the old block is no longer one */
	assert_true(buddy_free(&f->b, pfn + 0x100, 8));
	assert_true(buddy_free(&f->b, pfn + 4, 0));
	for (unsigned int o = 1; o < 8; o++) {
		uint64_t piece = pfn + ((5 & ~((1ULL << (o + 1)) - 1)) | (~5ULL & (1ULL << o)));

		assert_true(buddy_free(&f->b, piece, o));
		assert_consistent(&f->b);
	}
	assert_int_equal(buddy_nr_free(&f->b), 512);
	assert_int_equal(f->b.nr_free_blocks[9], 1);
	assert_consistent(&f->b);
	fx_free(f);
}

/* buddy_alloc_range: every block inside the range, aligned, until the range is used up. */
static void test_alloc_range(void **state)
{
	(void)state;
	struct fixture *f = fx_new(0x1000, 0x4000);
	uint64_t pfn, got = 0, pfns[64], before[BUDDY_NR_ORDERS];
	unsigned int n = 0;

	buddy_add_free_range(&f->b, 0x1000, 0x4000);
	memcpy(before, f->b.nr_free_blocks, sizeof(before));
	assert_false(buddy_alloc_range(&f->b, 0, 0x2000, 0x2000, &pfn)); /* empty range */
	assert_false(buddy_alloc_range(&f->b, BUDDY_MAX_ORDER + 1, 0, UINT64_MAX, &pfn));
	assert_false(buddy_alloc_range(&f->b, 4, 0x2003, 0x2012, &pfn)); /* no aligned 16 inside */
	assert_false(buddy_alloc_range(&f->b, 0, 0, 0x1000, &pfn));      /* below the window */
	assert_true(buddy_alloc_range(&f->b, 4, 0x2003, 0x2020, &pfn));
	assert_int_equal(pfn, 0x2010);
	assert_consistent(&f->b);
	assert_true(buddy_free(&f->b, pfn, 4));
	assert_memory_equal(before, f->b.nr_free_blocks, sizeof(before)); /* merged back whole */
	/* [0x3000, 0x3400) in blocks of 64: exactly 16 of them, then none */
	while (n < 64 && buddy_alloc_range(&f->b, 6, 0x3000, 0x3400, &pfns[n])) {
		assert_true(pfns[n] >= 0x3000 && pfns[n] + 64 <= 0x3400);
		assert_int_equal(pfns[n] & 63, 0);
		got += 64;
		n++;
	}
	assert_int_equal(n, 16);
	assert_int_equal(buddy_nr_free(&f->b), 0x4000 - got);
	assert_consistent(&f->b);
	/* outside the range memory is left: a plain allocation still succeeds */
	assert_true(buddy_alloc(&f->b, 6, &pfn));
	assert_true(pfn < 0x3000 || pfn >= 0x3400);
	assert_true(buddy_free(&f->b, pfn, 6));
	for (unsigned int i = 0; i < n; i++)
		assert_true(buddy_free(&f->b, pfns[i], 6));
	assert_int_equal(buddy_nr_free(&f->b), 0x4000);
	assert_consistent(&f->b);
	fx_free(f);
}

static void test_check_detects_corruption(void **state)
{
	(void)state;
	struct fixture *f = fx_new(0, 64);

	buddy_add_free_range(&f->b, 0, 64);
	assert_true(buddy_check(&f->b));
	f->b.nr_free++;
	assert_false(buddy_check(&f->b));
	f->b.nr_free--;
	f->frames[5].flags = PGI_ALLOC; /* a head inside the free 64-frame block */
	assert_false(buddy_check(&f->b));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_all_reserved),
	    cmocka_unit_test(test_add_range_clipped),
	    cmocka_unit_test(test_split_and_merge),
	    cmocka_unit_test(test_merge_out_of_order),
	    cmocka_unit_test(test_exhaustion),
	    cmocka_unit_test(test_exhaustion_mixed_orders),
	    cmocka_unit_test(test_alignment_every_order),
	    cmocka_unit_test(test_max_order_blocks),
	    cmocka_unit_test(test_odd_base_ranges),
	    cmocka_unit_test(test_double_free_rejected),
	    cmocka_unit_test(test_bad_free_rejected),
	    cmocka_unit_test(test_reserve_range),
	    cmocka_unit_test(test_random_stress),
	    cmocka_unit_test(test_split_allocated),
	    cmocka_unit_test(test_alloc_range),
	    cmocka_unit_test(test_check_detects_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
