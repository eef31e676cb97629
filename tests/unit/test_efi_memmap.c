/* Unit tests for the UEFI memory map conversion of mica.efi (arch/x86/efi/memmap.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "memmap.h"

#define DESC_SIZE 48 /* what real firmware (EDK2) reports */
#define MAX_DESC 2048
#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

static uint8_t map[MAX_DESC * DESC_SIZE];
static size_t map_size;
static struct boot_mem_range out[BOOT_MAX_MEM_RANGES];
static struct efi_memmap_stats stats;

static void map_reset(void)
{
	/* The 8 bytes past each descriptor are junk that must be ignored. */
	memset(map, 0xee, sizeof(map));
	map_size = 0;
}

static void add(uint32_t type, uint64_t base, uint64_t bytes)
{
	struct efi_mem_desc d = {type, 0, base, 0, bytes >> 12, 0xf};

	assert_true(map_size + DESC_SIZE <= sizeof(map));
	memcpy(map + map_size, &d, sizeof(d));
	map_size += DESC_SIZE;
}

static unsigned int convert(unsigned int max)
{
	return efi_memmap_convert(map, map_size, DESC_SIZE, out, max, &stats);
}

static void expect_range(unsigned int i, uint64_t base, uint64_t length, uint32_t type)
{
	if (out[i].base != base || out[i].length != length || out[i].type != type)
		fail_msg("range %u: got %#llx+%#llx type %u, want %#llx+%#llx type %u", i,
			 (unsigned long long)out[i].base, (unsigned long long)out[i].length, out[i].type,
			 (unsigned long long)base, (unsigned long long)length, type);
}

static int setup(void **state)
{
	(void)state;
	map_reset();
	memset(out, 0, sizeof(out));
	return 0;
}

static void test_type_table(void **state)
{
	(void)state;
	static const struct {
		uint32_t efi, boot;
	} cases[] = {
	    {MICA_EFI_RESERVED, BOOT_MEM_RESERVED},
	    {MICA_EFI_LOADER_CODE, BOOT_MEM_RAM},
	    {MICA_EFI_LOADER_DATA, BOOT_MEM_RAM},
	    {MICA_EFI_BS_CODE, BOOT_MEM_RAM},
	    {MICA_EFI_BS_DATA, BOOT_MEM_RAM},
	    {MICA_EFI_RT_CODE, BOOT_MEM_FIRMWARE},
	    {MICA_EFI_RT_DATA, BOOT_MEM_FIRMWARE},
	    {MICA_EFI_CONVENTIONAL, BOOT_MEM_RAM},
	    {MICA_EFI_UNUSABLE, BOOT_MEM_UNUSABLE},
	    {MICA_EFI_ACPI_RECLAIM, BOOT_MEM_ACPI_RECLAIM},
	    {MICA_EFI_ACPI_NVS, BOOT_MEM_ACPI_NVS},
	    {MICA_EFI_MMIO, BOOT_MEM_MMIO},
	    {MICA_EFI_MMIO_PORT, BOOT_MEM_MMIO},
	    {MICA_EFI_PAL_CODE, BOOT_MEM_RESERVED},
	    {MICA_EFI_PERSISTENT, BOOT_MEM_RESERVED},
	    {MICA_EFI_UNACCEPTED, BOOT_MEM_RESERVED},
	    {16, BOOT_MEM_RESERVED},
	    {0x70000001u, BOOT_MEM_RESERVED}, /* OEM */
	    {0x80000001u, BOOT_MEM_RESERVED}, /* OS loader */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(efi_mem_type_to_boot(cases[i].efi), cases[i].boot);
}

/* A map shaped like OVMF's: each type lands in the right range, neighbours merge. */
static void test_ovmf_like(void **state)
{
	(void)state;
	add(MICA_EFI_BS_CODE, 0, KiB(4));
	add(MICA_EFI_CONVENTIONAL, KiB(4), KiB(636));
	add(MICA_EFI_CONVENTIONAL, MiB(1), MiB(7));
	add(MICA_EFI_ACPI_NVS, MiB(8), KiB(32));
	add(MICA_EFI_CONVENTIONAL, MiB(8) + KiB(32), MiB(8) - KiB(32));
	add(MICA_EFI_LOADER_DATA, MiB(16), MiB(2));
	add(MICA_EFI_LOADER_CODE, MiB(18), KiB(64));
	add(MICA_EFI_BS_DATA, MiB(18) + KiB(64), MiB(100) - KiB(64));
	add(MICA_EFI_ACPI_RECLAIM, MiB(118), KiB(8));
	add(MICA_EFI_RT_DATA, MiB(118) + KiB(8), KiB(8));
	add(MICA_EFI_RT_CODE, MiB(118) + KiB(16), KiB(16));
	add(MICA_EFI_RESERVED, MiB(118) + KiB(32), KiB(32));
	add(MICA_EFI_MMIO, GiB(3) + MiB(896), MiB(64));
	add(MICA_EFI_UNUSABLE, GiB(5), MiB(1));
	add(MICA_EFI_RESERVED, GiB(1024), GiB(1));

	assert_int_equal(convert(BOOT_MAX_MEM_RANGES), 10);
	assert_int_equal(stats.nr_desc, 15);
	assert_int_equal(stats.nr_skipped, 0);
	assert_int_equal(stats.nr_dropped, 0);
	expect_range(0, 0, KiB(640), BOOT_MEM_RAM);
	expect_range(1, MiB(1), MiB(7), BOOT_MEM_RAM);
	expect_range(2, MiB(8), KiB(32), BOOT_MEM_ACPI_NVS);
	expect_range(3, MiB(8) + KiB(32), MiB(110) - KiB(32), BOOT_MEM_RAM);
	expect_range(4, MiB(118), KiB(8), BOOT_MEM_ACPI_RECLAIM);
	expect_range(5, MiB(118) + KiB(8), KiB(24), BOOT_MEM_FIRMWARE);
	expect_range(6, MiB(118) + KiB(32), KiB(32), BOOT_MEM_RESERVED);
	expect_range(7, GiB(3) + MiB(896), MiB(64), BOOT_MEM_MMIO);
	expect_range(8, GiB(5), MiB(1), BOOT_MEM_UNUSABLE);
	expect_range(9, GiB(1024), GiB(1), BOOT_MEM_RESERVED);
}

/* The UEFI map need not be sorted; a late descriptor may bridge two ranges. */
static void test_unsorted_bridge(void **state)
{
	(void)state;
	add(MICA_EFI_CONVENTIONAL, MiB(32), MiB(32));
	add(MICA_EFI_RESERVED, MiB(128), MiB(1));
	add(MICA_EFI_CONVENTIONAL, 0, MiB(16));
	add(MICA_EFI_BS_DATA, MiB(16), MiB(16)); /* joins [0,16M) and [32M,64M) */
	add(MICA_EFI_LOADER_DATA, MiB(64), MiB(1));

	assert_int_equal(convert(BOOT_MAX_MEM_RANGES), 2);
	expect_range(0, 0, MiB(65), BOOT_MEM_RAM);
	expect_range(1, MiB(128), MiB(1), BOOT_MEM_RESERVED);
}

static void test_no_merge_across_gap_or_type(void **state)
{
	(void)state;
	add(MICA_EFI_CONVENTIONAL, 0, MiB(1));
	add(MICA_EFI_CONVENTIONAL, MiB(1) + KiB(4), MiB(1)); /* one page gap */
	add(MICA_EFI_ACPI_RECLAIM, MiB(2) + KiB(4), KiB(4)); /* adjacent, other type */
	assert_int_equal(convert(BOOT_MAX_MEM_RANGES), 3);
	expect_range(0, 0, MiB(1), BOOT_MEM_RAM);
	expect_range(1, MiB(1) + KiB(4), MiB(1), BOOT_MEM_RAM);
	expect_range(2, MiB(2) + KiB(4), KiB(4), BOOT_MEM_ACPI_RECLAIM);
}

static void test_skips_empty_and_wrapping(void **state)
{
	(void)state;
	add(MICA_EFI_CONVENTIONAL, MiB(1), 0);
	add(MICA_EFI_CONVENTIONAL, UINT64_MAX & ~0xfffULL, KiB(8));
	add(MICA_EFI_CONVENTIONAL, 0, MiB(1));
	assert_int_equal(convert(BOOT_MAX_MEM_RANGES), 1);
	assert_int_equal(stats.nr_desc, 3);
	assert_int_equal(stats.nr_skipped, 2);
	expect_range(0, 0, MiB(1), BOOT_MEM_RAM);
}

static void test_descriptor_size(void **state)
{
	(void)state;
	struct efi_mem_desc d[2] = {
	    {MICA_EFI_CONVENTIONAL, 0, 0, 0, 16, 0},
	    {MICA_EFI_ACPI_NVS, 0, KiB(64), 0, 1, 0},
	};

	/* Packed descriptors (size 40) work as well. */
	assert_int_equal(efi_memmap_convert(d, sizeof(d), sizeof(d[0]), out, 8, &stats), 2);
	expect_range(1, KiB(64), KiB(4), BOOT_MEM_ACPI_NVS);
	/* A descriptor size below the structure is refused. */
	assert_int_equal(efi_memmap_convert(d, sizeof(d), 24, out, 8, &stats), 0);
	/* A trailing partial descriptor is ignored. */
	assert_int_equal(efi_memmap_convert(d, sizeof(d) - 1, sizeof(d[0]), out, 8, &stats), 1);
	assert_int_equal(stats.nr_desc, 1);
	/* An empty map gives no ranges. */
	assert_int_equal(efi_memmap_convert(d, 0, DESC_SIZE, out, 8, &stats), 0);
}

/* Full output: reserved ranges go first, RAM stays. */
static void test_overflow_drops_reserved_first(void **state)
{
	(void)state;
	const unsigned int pairs = 400; /* 801 ranges for 512 slots */

	/* RAM and reserved alternate with gaps, so nothing merges. */
	for (unsigned int i = 0; i < pairs; i++) {
		add(MICA_EFI_RESERVED, MiB(4 * i + 2), MiB(1));
		add(MICA_EFI_CONVENTIONAL, MiB(4 * i), MiB(1));
	}
	add(MICA_EFI_MMIO, GiB(4000), MiB(1));

	unsigned int n = convert(BOOT_MAX_MEM_RANGES);

	assert_int_equal(n, BOOT_MAX_MEM_RANGES);
	assert_int_equal(stats.nr_dropped, 2 * pairs + 1 - BOOT_MAX_MEM_RANGES);
	assert_int_equal(stats.lost_bytes, 0);
	unsigned int ram = 0, mmio = 0;
	for (unsigned int i = 0; i < n; i++) {
		ram += out[i].type == BOOT_MEM_RAM;
		mmio += out[i].type == BOOT_MEM_MMIO;
		if (i)
			assert_true(out[i - 1].base < out[i].base);
	}
	assert_int_equal(ram, pairs);
	assert_int_equal(mmio, 1); /* MMIO outranks reserved */
}

/* More RAM ranges than slots: the loss is counted, never silent. */
static void test_overflow_counts_lost_ram(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 20; i++)
		add(MICA_EFI_CONVENTIONAL, MiB(2 * i), MiB(1));
	add(MICA_EFI_RESERVED, GiB(1), MiB(1));

	assert_int_equal(convert(16), 16);
	assert_int_equal(stats.nr_dropped, 5);
	assert_int_equal(stats.lost_bytes, MiB(4)); /* 4 RAM ranges + the reserved one */
	for (unsigned int i = 0; i < 16; i++)
		expect_range(i, MiB(2 * i), MiB(1), BOOT_MEM_RAM);
	/* Zero capacity drops everything. */
	assert_int_equal(convert(0), 0);
	assert_int_equal(stats.nr_dropped, 21);
}

/* Merging still works when the output is full. */
static void test_full_but_mergeable(void **state)
{
	(void)state;
	add(MICA_EFI_CONVENTIONAL, 0, MiB(1));
	add(MICA_EFI_RESERVED, MiB(2), MiB(1));
	add(MICA_EFI_CONVENTIONAL, MiB(1), MiB(1));
	assert_int_equal(convert(2), 2);
	assert_int_equal(stats.nr_dropped, 0);
	expect_range(0, 0, MiB(2), BOOT_MEM_RAM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_type_table, setup),
	    cmocka_unit_test_setup(test_ovmf_like, setup),
	    cmocka_unit_test_setup(test_unsorted_bridge, setup),
	    cmocka_unit_test_setup(test_no_merge_across_gap_or_type, setup),
	    cmocka_unit_test_setup(test_skips_empty_and_wrapping, setup),
	    cmocka_unit_test_setup(test_descriptor_size, setup),
	    cmocka_unit_test_setup(test_overflow_drops_reserved_first, setup),
	    cmocka_unit_test_setup(test_overflow_counts_lost_ram, setup),
	    cmocka_unit_test_setup(test_full_but_mergeable, setup),
	};

	return cmocka_run_group_tests_name("efi_memmap", tests, NULL, NULL);
}
