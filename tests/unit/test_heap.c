/* Unit tests for the small-object heap (kernel/heap.c), backed by aligned_alloc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <mica/heap.h>
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

/*
 * Backend: counts pages handed out. Freed blocks go to a quarantine that is
 * only released at teardown, so a double free of a large block stays readable.
 */
#define QUARANTINE_MAX 65536
static void *quarantine[QUARANTINE_MAX];
static size_t nr_quarantine;
static int64_t pages_out;
static bool backend_fail;
static int lock_depth, lock_calls;

static void *test_alloc_pages(unsigned int order)
{
	if (backend_fail)
		return NULL;
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
	if (p)
		pages_out += 1LL << order;
	return p;
}

static void test_free_pages(void *p, unsigned int order)
{
	assert_int_equal((uintptr_t)p & (PAGE_SIZE - 1), 0);
	pages_out -= 1LL << order;
	/* Poison, but like the buddy allocator leave the first bytes alone. */
	memset((char *)p + 16, 0x5a, (PAGE_SIZE << order) - 16);
	if (nr_quarantine < QUARANTINE_MAX)
		quarantine[nr_quarantine++] = p;
	else
		free(p);
}

static void test_lock(void)
{
	assert_int_equal(lock_depth, 0);
	lock_depth++;
	lock_calls++;
}

static void test_unlock(void)
{
	assert_int_equal(lock_depth, 1);
	lock_depth--;
}

static const struct heap_page_ops test_ops = {
    .alloc_pages = test_alloc_pages,
    .free_pages = test_free_pages,
    .lock = test_lock,
    .unlock = test_unlock,
};

static int setup(void **state)
{
	(void)state;
	pages_out = 0;
	backend_fail = false;
	printk_calls = 0;
	lock_calls = 0;
	heap_init(&test_ops);
	return 0;
}

/* Every test must leave nothing allocated: trim, then no page may be out. */
static int teardown(void **state)
{
	(void)state;
	heap_trim();
	assert_int_equal(pages_out, 0);
	assert_int_equal(lock_depth, 0);
	for (size_t i = 0; i < nr_quarantine; i++)
		free(quarantine[i]);
	nr_quarantine = 0;
	return 0;
}

static void test_sizes_and_alignment(void **state)
{
	(void)state;
	static void *ptrs[6000];
	size_t n = 0;

	for (size_t size = 0; size < 5000; size++) {
		void *p = xmalloc(size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % HEAP_MIN_ALIGN, 0);
		assert_true(xmalloc_usable_size(p) >= size);
		memset(p, 0xcc, size);
		ptrs[n++] = p;
	}
	for (size_t i = 0; i < n; i++)
		xfree(ptrs[i]);
	assert_int_equal(printk_calls, 0);
	assert_true(lock_calls > 0);
}

static void test_xfree_null(void **state)
{
	(void)state;
	xfree(NULL);
	assert_int_equal(printk_calls, 0);
	assert_int_equal(xmalloc_usable_size(NULL), 0);
}

static void test_reuse_after_free(void **state)
{
	(void)state;
	void *a = xmalloc(100), *b = xmalloc(100);

	assert_ptr_not_equal(a, b);
	xfree(a);
	void *c = xmalloc(100);
	assert_ptr_equal(a, c);
	xfree(b);
	xfree(c);
}

static void test_class_pages_returned(void **state)
{
	(void)state;
	struct heap_stats st;
	void *p[200];

	for (int i = 0; i < 200; i++)
		assert_non_null(p[i] = xmalloc(64)); /* 63 per page: 4 pages */
	heap_get_stats(&st);
	assert_int_equal(st.class_pages[3], 4);
	assert_int_equal(st.class_objs[3], 200);
	assert_int_equal(pages_out, 4);
	for (int i = 0; i < 200; i++)
		xfree(p[i]);
	heap_get_stats(&st);
	assert_int_equal(st.class_objs[3], 0);
	assert_int_equal(st.class_pages[3], 1); /* one empty page stays cached */
	assert_int_equal(pages_out, 1);
	heap_trim();
	heap_get_stats(&st);
	assert_int_equal(st.class_pages[3], 0);
	assert_int_equal(pages_out, 0);
}

static void test_large_blocks(void **state)
{
	(void)state;
	static const size_t sizes[] = {2033, 4000, 4080, 4081, 8192, 65536, 1 << 20, 3000000};
	void *p[ARRAY_SIZE(sizes)];
	struct heap_stats st;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = xmalloc(sizes[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % HEAP_MIN_ALIGN, 0);
		assert_true(xmalloc_usable_size(p[i]) >= sizes[i]);
		memset(p[i], (int)i, sizes[i]);
	}
	heap_get_stats(&st);
	assert_int_equal(st.large_blocks, ARRAY_SIZE(sizes));
	assert_int_equal(st.large_pages, (uint64_t)pages_out);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		const uint8_t *b = p[i];
		for (size_t j = 0; j < sizes[i]; j += 97)
			assert_int_equal(b[j], i);
		xfree(p[i]);
	}
	heap_get_stats(&st);
	assert_int_equal(st.large_blocks, 0);
	assert_int_equal(pages_out, 0);
	assert_null(xmalloc((PAGE_SIZE << HEAP_MAX_ORDER) + 1));
	assert_null(xmalloc(SIZE_MAX));
}

static void test_zeroing(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 16, 200, 2032, 5000, 70000};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *a = xmalloc(sizes[i]);
		memset(a, 0xaa, sizes[i]);
		xfree(a);
		uint8_t *z = xzalloc(sizes[i]);
		assert_non_null(z);
		for (size_t j = 0; j < sizes[i]; j++)
			assert_int_equal(z[j], 0);
		xfree(z);
	}
	uint32_t *arr = xzalloc_array(100, sizeof(uint32_t));
	assert_non_null(arr);
	for (int i = 0; i < 100; i++)
		assert_int_equal(arr[i], 0);
	xfree(arr);
	assert_null(xzalloc_array(SIZE_MAX / 2, 4));
}

static void test_double_free_small(void **state)
{
	(void)state;
	struct heap_stats st;
	void *keep = xmalloc(48), *p = xmalloc(48);

	xfree(p);
	assert_int_equal(printk_calls, 0);
	xfree(p);
	assert_int_equal(printk_calls, 1);
	assert_non_null(strstr(printk_last, "double free"));
	heap_get_stats(&st);
	assert_int_equal(st.bad_frees, 1);
	/* The free list is intact: two fresh objects are distinct. */
	void *a = xmalloc(48), *b = xmalloc(48);
	assert_ptr_not_equal(a, b);
	xfree(a);
	xfree(b);
	xfree(keep);
	/* Last object of the page freed twice: the page is cached, still detected. */
	void *q = xmalloc(16);
	xfree(q);
	xfree(q);
	assert_int_equal(printk_calls, 2);
}

static void test_double_free_large(void **state)
{
	(void)state;
	void *p = xmalloc(10000);

	xfree(p);
	xfree(p); /* the backend quarantines the pages, so the header is readable */
	assert_int_equal(printk_calls, 1);
	assert_non_null(strstr(printk_last, "double free"));
}

static void test_bad_pointers(void **state)
{
	(void)state;
	struct heap_stats st;
	char *p = xmalloc(32), *big = xmalloc(9000);

	xfree(p + 1);
	xfree(p + 16);
	xfree(big + 16);
	xfree((void *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1)));
	heap_get_stats(&st);
	assert_int_equal(st.bad_frees, 4);
	assert_int_equal(printk_calls, 4);
	memset(p, 1, 32);
	xfree(p);
	xfree(big);
}

static void test_false_double_free_magic(void **state)
{
	(void)state;
	uint64_t *p = xmalloc(32), *q = xmalloc(32);

	/* User data that happens to look like the free-object magic is not a double free. */
	memset(p, 0xf4, 32);
	p[1] = 0xf4eef4eef4eef4eeULL;
	xfree(p);
	assert_int_equal(printk_calls, 0);
	xfree(q);
}

static void test_corrupted_free_list(void **state)
{
	(void)state;
	void *keep = xmalloc(128), *p = xmalloc(128);

	xfree(p);
	*(uintptr_t *)p = 0xdeadbeefdeadbeefULL; /* use after free clobbers the link */
	void *a = xmalloc(128);
	assert_ptr_equal(a, p);
	assert_int_equal(printk_calls, 1);
	assert_non_null(strstr(printk_last, "corrupted"));
	void *b = xmalloc(128); /* comes from a fresh page */
	assert_non_null(b);
	xfree(a);
	xfree(b);
	xfree(keep);
	/* The damaged page leaked its free objects and can never be returned. */
	heap_trim();
	assert_int_equal(pages_out, 1);
	/* Forget the damaged page and release it behind the heap's back. */
	heap_init(&test_ops);
	free((void *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1)));
	pages_out = 0;
}

static void test_out_of_memory(void **state)
{
	(void)state;
	struct heap_stats st;

	backend_fail = true;
	assert_null(xmalloc(64));
	assert_null(xmalloc(100000));
	assert_null(xzalloc(8));
	heap_get_stats(&st);
	assert_int_equal(st.failed_allocs, 3);
	backend_fail = false;
	void *p = xmalloc(64);
	assert_non_null(p);
	xfree(p);
}

static uint64_t rng_state = 0x0123456789abcdefULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct block {
	uint8_t *p;
	size_t size;
	uint8_t tag;
};

static void fill(struct block *b)
{
	for (size_t i = 0; i < b->size; i++)
		b->p[i] = (uint8_t)(b->tag + i * 7);
}

static void verify(const struct block *b)
{
	for (size_t i = 0; i < b->size; i++)
		if (b->p[i] != (uint8_t)(b->tag + i * 7))
			fail_msg("block %p (%zu bytes) overwritten at %zu", (void *)b->p, b->size, i);
}

static size_t random_size(void)
{
	uint64_t r = rng() % 100;

	if (r < 70)
		return rng() % 257;
	if (r < 95)
		return rng() % 2100;
	return 2033 + rng() % 20000;
}

static void test_stress_patterns(void **state)
{
	(void)state;
	enum { SLOTS = 1500 };
	static struct block blk[SLOTS];
	int n = 0;

	for (int step = 0; step < 40000; step++) {
		if (n < SLOTS && (n == 0 || rng() % 100 < 52)) {
			struct block *b = &blk[n++];
			b->size = random_size();
			b->tag = (uint8_t)rng();
			b->p = xmalloc(b->size);
			assert_non_null(b->p);
			assert_int_equal((uintptr_t)b->p % HEAP_MIN_ALIGN, 0);
			fill(b);
		} else {
			int i = (int)(rng() % (uint64_t)n);
			verify(&blk[i]);
			xfree(blk[i].p);
			blk[i] = blk[--n];
		}
	}
	while (n > 0) {
		verify(&blk[--n]);
		xfree(blk[n].p);
	}
	assert_int_equal(printk_calls, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_sizes_and_alignment),     T(test_xfree_null),          T(test_reuse_after_free),
	    T(test_class_pages_returned),    T(test_large_blocks),        T(test_zeroing),
	    T(test_double_free_small),       T(test_double_free_large),   T(test_bad_pointers),
	    T(test_false_double_free_magic), T(test_corrupted_free_list), T(test_out_of_memory),
	    T(test_stress_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
