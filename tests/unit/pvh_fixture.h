/*
 * The real PVH kernels in tests/unit/data/pvh/ (built by make-fixtures.sh) and what
 * readelf says about them, shared by test_pvh.c and test_pvh_build.c.
 */
#ifndef TEST_PVH_FIXTURE_H
#define TEST_PVH_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#define FIX64 "tests/unit/data/pvh/elf64-pvh.elf"
#define FIX64_ENTRY 0x1000000u
#define FIX64_TEXT_OFF 0xf0
#define FIX64_TEXT_SZ 0x88 /* .text + .notes */
#define FIX64_DATA_OFF 0x178
#define FIX64_DATA_PA 0x1001000u

#define FIX32 "tests/unit/data/pvh/elf32-pvh.elf"
#define FIX32_ENTRY 0x200000u
#define FIX32_TEXT_OFF 0xa0
#define FIX32_TEXT_SZ 0x70
#define FIX32_DATA_OFF 0x110
#define FIX32_DATA_PA 0x201000u

#define FIX_DATA_SZ 0x40      /* 64 bytes of 0x5a */
#define FIX_DATA_MEMSZ 0x3040 /* + 0x3000 of bss */

/* Reads a whole file into an exactly sized heap buffer, so ASan sees any overread. */
static inline uint8_t *read_fixture(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	assert_true(n > 0);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif
