/* Unit tests for boot-time memory bookkeeping (kernel/bootmem.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <mica/bootmem.h>

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static struct boot_info *bi_new(void)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));

	assert_non_null(bi);
	/* A typical PC: low RAM, a hole, RAM to 2 GiB, ACPI, and RAM above 4 GiB. */
	bi->mem[0] = (struct boot_mem_range){0, 640 * 1024, BOOT_MEM_RAM, 0};
	bi->mem[1] = (struct boot_mem_range){0xF0000, 0x10000, BOOT_MEM_RESERVED, 0};
	bi->mem[2] = (struct boot_mem_range){1 * MiB, 2 * GiB - 1 * MiB - 64 * 1024, BOOT_MEM_RAM, 0};
	bi->mem[3] = (struct boot_mem_range){2 * GiB - 64 * 1024, 64 * 1024, BOOT_MEM_ACPI_RECLAIM, 0};
	bi->mem[4] = (struct boot_mem_range){4 * GiB, 2 * GiB, BOOT_MEM_RAM, 0};
	bi->nr_mem = 5;
	return bi;
}

struct sum {
	uint64_t bytes;
	unsigned int calls;
	uint64_t last_end;
	bool ordered;
};

static void add(uint64_t base, uint64_t end, void *ctx)
{
	struct sum *s = ctx;

	assert_true(end > base);
	assert_int_equal(base % 4096, 0);
	assert_int_equal(end % 4096, 0);
	s->bytes += end - base;
	s->calls++;
}

static void test_totals(void **state)
{
	struct boot_info *bi = bi_new();

	assert_int_equal(bootmem_ram_total(bi), 640 * 1024 + 2 * GiB - 1 * MiB - 64 * 1024 + 2 * GiB);
	assert_int_equal(bootmem_ram_end(bi), 6 * GiB);
	free(bi);
}

static void test_free_minus_reserved(void **state)
{
	struct boot_info *bi = bi_new();
	struct bootmem bm;
	struct sum s = {0};
	uint64_t pages;

	bootmem_init(&bm, bi, 4 * GiB);
	assert_true(bootmem_reserve(&bm, 0, 1 * MiB, "low"));
	assert_true(bootmem_reserve(&bm, 2 * MiB, 3 * MiB + 100, "image")); /* rounds out to pages */
	assert_true(bootmem_reserve(&bm, 4 * GiB + 10 * MiB, 1 * MiB, "module"));
	pages = bootmem_for_each_free(&bm, add, &s);
	assert_int_equal(s.bytes, pages * 4096);
	assert_int_equal(s.bytes, (2 * GiB - 1 * MiB - 64 * 1024) - (3 * MiB + 4096) + 2 * GiB - 1 * MiB);
	assert_int_equal(s.calls, 4); /* 1-2M, 5M+4K..2G, 4G..4G+10M, 4G+11M..6G */
	free(bi);
}

static void test_alloc_below_limit_and_reserved(void **state)
{
	struct boot_info *bi = bi_new();
	struct bootmem bm;
	uint64_t a, b;

	bootmem_init(&bm, bi, 4 * GiB);
	bootmem_reserve(&bm, 0, 1 * MiB, "low");
	a = bootmem_alloc(&bm, 16 * MiB, 2 * MiB);
	assert_int_not_equal(a, 0);
	assert_int_equal(a % (2 * MiB), 0);
	assert_true(a + 16 * MiB <= 2 * GiB - 64 * 1024); /* inside RAM below the ACPI range */
	b = bootmem_alloc(&bm, 4096, 4096);
	assert_int_not_equal(b, 0);
	assert_true(b + 4096 <= a || b >= a + 16 * MiB); /* no overlap with the first allocation */
	free(bi);
}

static void test_alloc_exhaustion_and_bad_args(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));
	struct bootmem bm;

	bi->mem[0] = (struct boot_mem_range){1 * MiB, 64 * 1024, BOOT_MEM_RAM, 0};
	bi->nr_mem = 1;
	bootmem_init(&bm, bi, 4 * GiB);
	assert_int_equal(bootmem_alloc(&bm, 0, 4096), 0);          /* empty */
	assert_int_equal(bootmem_alloc(&bm, 4096, 3000), 0);       /* not a power of two */
	assert_int_equal(bootmem_alloc(&bm, 128 * 1024, 4096), 0); /* too big */
	for (int i = 0; i < 16; i++)
		assert_int_not_equal(bootmem_alloc(&bm, 4096, 4096), 0);
	assert_int_equal(bootmem_alloc(&bm, 4096, 4096), 0); /* exhausted */
	free(bi);
}

static void test_reserved_table_full(void **state)
{
	struct boot_info *bi = bi_new();
	struct bootmem bm;

	bootmem_init(&bm, bi, 4 * GiB);
	for (int i = 0; i < BOOTMEM_MAX_RESERVED; i++)
		assert_true(bootmem_reserve(&bm, (uint64_t)i * 2 * MiB, 4096, "r"));
	assert_false(bootmem_reserve(&bm, 1 * GiB, 4096, "one too many"));
	free(bi);
}

static void test_reserve_wrapping_range(void **state)
{
	struct boot_info *bi = bi_new();
	struct bootmem bm;
	struct sum s = {0};

	bootmem_init(&bm, bi, 4 * GiB);
	assert_true(bootmem_reserve(&bm, 5 * GiB, UINT64_MAX, "to the top"));
	bootmem_for_each_free(&bm, add, &s);
	assert_int_equal(s.bytes, 640 * 1024 + 2 * GiB - 1 * MiB - 64 * 1024 + 1 * GiB);
	free(bi);
}

/* Broken firmware maps overlap: a reserved range inside RAM must never be handed out. */
static void test_overlapping_firmware_ranges(void **state)
{
	struct boot_info *bi = bi_new();
	struct bootmem bm;
	struct sum s = {0};
	uint64_t a;

	bi->mem[5] = (struct boot_mem_range){1 * GiB, 16 * MiB, BOOT_MEM_RESERVED, 0}; /* inside mem[2] */
	bi->nr_mem = 6;
	bootmem_init(&bm, bi, 4 * GiB);
	bootmem_for_each_free(&bm, add, &s);
	assert_int_equal(s.bytes, bootmem_ram_total(bi) - 16 * MiB);
	/* carving from the top of low RAM must step around it too */
	for (int i = 0; i < 64; i++) {
		a = bootmem_alloc(&bm, 16 * MiB, 16 * MiB);
		assert_int_not_equal(a, 0);
		assert_true(a + 16 * MiB <= 1 * GiB || a >= 1 * GiB + 16 * MiB);
	}
	free(bi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_totals),
	    cmocka_unit_test(test_free_minus_reserved),
	    cmocka_unit_test(test_alloc_below_limit_and_reserved),
	    cmocka_unit_test(test_alloc_exhaustion_and_bad_args),
	    cmocka_unit_test(test_reserved_table_full),
	    cmocka_unit_test(test_reserve_wrapping_range),
	    cmocka_unit_test(test_overlapping_firmware_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
