/* Unit tests for the PVH kernel checks (kernel/pvh_elf.c): real fixtures and images built here. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mica/errno.h>
#include <mica/pvh.h>

#include "pvh_fixture.h"
#include "pvh_image.h"

static const char no_entry_msg[] =
    "not a PVH kernel: no XEN_ELFNOTE_PHYS32_ENTRY note (Mica boots guests through the Xen PVH entry)";

static struct pvh_elf_info info;
static char err[160];

/* Parses a heap copy of exactly len bytes, so that ASan catches any read past the end. */
static int parse(const uint8_t *image, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, image, len);
	rc = pvh_elf_parse(copy, len, &info, err, sizeof(err));
	free(copy);
	if (rc)
		assert_true(err[0] != '\0');
	else
		assert_string_equal(err, "");
	return rc;
}

static void expect_error(const uint8_t *image, size_t len, const char *part)
{
	assert_true(parse(image, len) < 0);
	if (!strstr(err, part))
		fail_msg("error \"%s\" does not mention \"%s\"", err, part);
	assert_int_equal(info.nr_segments, 0);
}

static int setup(void **state)
{
	(void)state;
	notes_len = 0;
	memset(notes, 0, sizeof(notes));
	return 0;
}

/* ---- the real fixtures ---- */

static void test_fixture_elf64(void **state)
{
	size_t len;
	uint8_t *f = read_fixture(FIX64, &len);

	assert_true(len < 8192);
	assert_int_equal(parse(f, len), 0);
	assert_int_equal(info.elf_class, 64);
	assert_int_equal(info.entry, FIX64_ENTRY);
	assert_int_equal(info.nr_segments, 2);
	assert_int_equal(info.segments[0].offset, FIX64_TEXT_OFF);
	assert_int_equal(info.segments[0].paddr, FIX64_ENTRY); /* p_paddr, not the 0xffffffff81000000 vaddr */
	assert_int_equal(info.segments[0].filesz, FIX64_TEXT_SZ);
	assert_int_equal(info.segments[0].memsz, FIX64_TEXT_SZ);
	assert_int_equal(info.segments[1].offset, FIX64_DATA_OFF);
	assert_int_equal(info.segments[1].paddr, FIX64_DATA_PA);
	assert_int_equal(info.segments[1].filesz, FIX_DATA_SZ);
	assert_int_equal(info.segments[1].memsz, FIX_DATA_MEMSZ);
	assert_int_equal(info.paddr_lo, 0x1000000);
	assert_int_equal(info.paddr_hi, FIX64_DATA_PA + FIX_DATA_MEMSZ);
	assert_true(info.reloc.present);
	assert_int_equal(info.reloc.align, 0x200000);
	assert_int_equal(info.reloc.min, 0x1000000);
	assert_int_equal(info.reloc.max, 0x3fffffff);
	free(f);
}

static void test_fixture_elf32(void **state)
{
	size_t len;
	uint8_t *f = read_fixture(FIX32, &len);

	assert_true(len < 8192);
	assert_int_equal(parse(f, len), 0);
	assert_int_equal(info.elf_class, 32);
	assert_int_equal(info.entry, FIX32_ENTRY); /* from the 8-byte note */
	assert_int_equal(info.nr_segments, 2);
	assert_int_equal(info.segments[0].offset, FIX32_TEXT_OFF);
	assert_int_equal(info.segments[0].paddr, FIX32_ENTRY);
	assert_int_equal(info.segments[0].filesz, FIX32_TEXT_SZ);
	assert_int_equal(info.segments[1].offset, FIX32_DATA_OFF);
	assert_int_equal(info.segments[1].paddr, FIX32_DATA_PA);
	assert_int_equal(info.segments[1].memsz, FIX_DATA_MEMSZ);
	assert_int_equal(info.paddr_lo, FIX32_ENTRY);
	assert_int_equal(info.paddr_hi, FIX32_DATA_PA + FIX_DATA_MEMSZ);
	assert_false(info.reloc.present);
	free(f);
}

/* Every prefix of a good image is refused without reading past its end; the whole one passes. */
static void check_truncations(const uint8_t *image, size_t len)
{
	for (size_t n = 0; n < len; n++)
		if (parse(image, n) >= 0)
			fail_msg("a %zu-byte prefix of a %zu-byte image was accepted", n, len);
	assert_int_equal(parse(image, len), 0);
}

static void test_truncated_fixtures(void **state)
{
	const char *paths[] = {FIX64, FIX32};

	for (int i = 0; i < 2; i++) {
		size_t len;
		uint8_t *f = read_fixture(paths[i], &len);

		check_truncations(f, len);
		free(f);
	}
}

static void test_truncated_built(void **state)
{
	for (int cls = 32; cls <= 64; cls += 32) {
		notes_len = 0;
		note_entry64(0x100000);
		build_std(cls);
		check_truncations(img, img_len);
		build(cls, std_segs, 2, true); /* notes in a section only */
		check_truncations(img, img_len);
	}
}

/* Random byte corruption of the fixtures: never a crash; anything accepted is self-consistent. */
static void test_corrupted_fixtures(void **state)
{
	const char *paths[] = {FIX64, FIX32};

	srand(1234);
	for (int i = 0; i < 2; i++) {
		size_t len;
		uint8_t *f = read_fixture(paths[i], &len), *c = malloc(len);

		assert_non_null(c);
		for (int iter = 0; iter < 4000; iter++) {
			memcpy(c, f, len);
			for (int k = 0, flips = 1 + rand() % 4; k < flips; k++)
				c[rand() % len] = (uint8_t)rand();
			if (parse(c, len))
				continue;
			for (unsigned int s = 0; s < info.nr_segments; s++) {
				assert_true(info.segments[s].offset + info.segments[s].filesz <= len);
				assert_true(info.segments[s].paddr + info.segments[s].memsz <= PVH_4GIB);
			}
		}
		free(c);
		free(f);
	}
}

/* ---- the entry note ---- */

static void test_entry_note_widths(void **state)
{
	for (int cls = 32; cls <= 64; cls += 32) {
		notes_len = 0;
		note_entry32(0x100010);
		build_std(cls);
		assert_int_equal(parse(img, img_len), 0);
		assert_int_equal(info.elf_class, cls);
		assert_int_equal(info.entry, 0x100010);
		assert_false(info.reloc.present);

		notes_len = 0;
		note_entry64(0x101040); /* in the bss: still inside a loaded segment */
		build_std(cls);
		assert_int_equal(parse(img, img_len), 0);
		assert_int_equal(info.entry, 0x101040);
	}
}

static void test_entry_note_bad(void **state)
{
	uint8_t odd[6] = {0};

	note_entry64(0x100000000ULL);
	build_std(64);
	expect_error(img, img_len, "not below 4 GiB");

	notes_len = 0;
	note_entry64(0xffffffff00100000ULL);
	build_std(32);
	expect_error(img, img_len, "not below 4 GiB");

	notes_len = 0;
	note_add("Xen", XEN_ELFNOTE_PHYS32_ENTRY, odd, sizeof(odd));
	build_std(64);
	expect_error(img, img_len, "6-byte value");

	notes_len = 0;
	note_entry32(0x200000); /* outside both segments */
	build_std(64);
	expect_error(img, img_len, "outside every loadable segment");

	notes_len = 0;
	note_entry32(0x100000);
	note_entry64(0x100004);
	build_std(64);
	expect_error(img, img_len, "disagree");

	notes_len = 0;
	note_entry32(0x100000);
	note_entry64(0x100000); /* the same value twice is fine */
	build_std(64);
	assert_int_equal(parse(img, img_len), 0);
}

static void test_missing_entry_note(void **state)
{
	uint32_t e = 0x100000;

	/* Other owners' notes of type 18 do not count, nor other Xen notes. */
	note_add("Mica", XEN_ELFNOTE_PHYS32_ENTRY, &e, 4);
	note_add("XEN", XEN_ELFNOTE_PHYS32_ENTRY, &e, 4);
	note_add("Xen", XEN_ELFNOTE_ENTRY, &e, 4);
	note_add("Xen", XEN_ELFNOTE_GUEST_OS, "linux", 6);
	note_raw(3, 4, XEN_ELFNOTE_PHYS32_ENTRY); /* "Xen" without its NUL in namesz */
	memcpy(notes + notes_len, &e, 4);
	notes_len += 4;
	for (int cls = 32; cls <= 64; cls += 32) {
		build_std(cls);
		assert_int_equal(parse(img, img_len), -EINVAL);
		assert_string_equal(err, no_entry_msg);
		build(cls, std_segs, 2, false); /* no notes at all */
		assert_int_equal(parse(img, img_len), -EINVAL);
		assert_string_equal(err, no_entry_msg);
	}
}

static void test_note_in_section(void **state)
{
	note_entry32(0x100020);
	build(64, std_segs, 2, true);
	assert_int_equal(parse(img, img_len), 0);
	assert_int_equal(info.entry, 0x100020);

	put_note_shdrs(64, 4);
	memcpy(img + SH_OFF + sizeof(Elf64_Shdr) + offsetof(Elf64_Shdr, sh_offset), &(uint64_t){IMG_CAP}, 8);
	expect_error(img, img_len, "section 1 outside the file");
}

/* A PT_NOTE with 8-byte alignment (as GNU property notes have) pads name and desc to 8. */
static void test_note_align8(void **state)
{
	uint32_t gnu[7] = {4, 12, 5, 0x00554e47, 1, 2, 3}; /* "GNU", 12-byte desc -> 16 with padding */
	struct seg segs[3] = {std_segs[0], std_segs[1], std_segs[2]};

	memcpy(notes, gnu, sizeof(gnu));
	notes_len = 32;
	note_entry32(0x100008);
	segs[2].align = 8;
	build(64, segs, 3, false);
	assert_int_equal(parse(img, img_len), 0);
	assert_int_equal(info.entry, 0x100008);
}

static void test_note_huge_sizes(void **state)
{
	const uint32_t sizes[][2] = {
	    {0xffffffff, 4}, {0xfffffffd, 4}, {4, 0xffffffff}, {4, 0xfffffff0}, {4, 0x1000}, {64, 4},
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		notes_len = 0;
		note_raw(sizes[i][0], sizes[i][1], XEN_ELFNOTE_PHYS32_ENTRY);
		note_entry32(0x100000);
		build_std(i % 2 ? 32 : 64);
		expect_error(img, img_len, "malformed note");
		build(64, std_segs, 2, true);
		expect_error(img, img_len, "malformed note");
	}
}

/* ---- PHYS32_RELOC ---- */

static void test_reloc_note(void **state)
{
	uint32_t full[3] = {0x200000, 0x1000000, 0x3fffffff};
	struct seg segs[3] = {std_segs[0], std_segs[1], std_segs[2]};

	note_add("Xen", XEN_ELFNOTE_PHYS32_RELOC, full, 12);
	note_entry32(0x100000);
	build_std(64);
	assert_int_equal(parse(img, img_len), 0);
	assert_true(info.reloc.present);
	assert_int_equal(info.reloc.align, 0x200000);
	assert_int_equal(info.reloc.min, 0x1000000);
	assert_int_equal(info.reloc.max, 0x3fffffff);

	/* Only the alignment given: min and max take Xen's defaults. */
	notes_len = 0;
	note_add("Xen", XEN_ELFNOTE_PHYS32_RELOC, full, 4);
	note_entry32(0x100000);
	build_std(32);
	assert_int_equal(parse(img, img_len), 0);
	assert_int_equal(info.reloc.align, 0x200000);
	assert_int_equal(info.reloc.min, 0);
	assert_int_equal(info.reloc.max, 0xffffffff);

	/* Empty note: alignment from the largest PT_LOAD p_align if >= 4 KiB, else 2 MiB. */
	notes_len = 0;
	note_add("Xen", XEN_ELFNOTE_PHYS32_RELOC, NULL, 0);
	note_entry32(0x100000);
	segs[1].align = 0x10000;
	build(64, segs, 3, false);
	assert_int_equal(parse(img, img_len), 0);
	assert_true(info.reloc.present);
	assert_int_equal(info.reloc.align, 0x10000);
	segs[0].align = segs[1].align = 0x10;
	build(64, segs, 3, false);
	assert_int_equal(parse(img, img_len), 0);
	assert_int_equal(info.reloc.align, PVH_RELOC_ALIGN_DEFAULT);
}

static void test_reloc_note_bad(void **state)
{
	const uint32_t bad[][3] = {
	    {0, 0, 0xffffffff},                 /* zero alignment */
	    {0x300000, 0, 0xffffffff},          /* not a power of two */
	    {0x1000, 0x2000000, 0x1000000},     /* min above max */
	    {0x1000, 0x100000, 0x101fff},       /* 0x2000-byte window for a 0x3000-byte image */
	    {0x200000, 0xfff00000, 0xffffffff}, /* aligned start leaves no room below 4 GiB */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		notes_len = 0;
		note_add("Xen", XEN_ELFNOTE_PHYS32_RELOC, bad[i], 12);
		note_entry32(0x100000);
		build_std(64);
		expect_error(img, img_len, "PHYS32_RELOC");
	}
	notes_len = 0;
	note_add("Xen", XEN_ELFNOTE_PHYS32_RELOC, (uint32_t[]){0x1000, 0x100000, 0x102fff}, 12);
	note_entry32(0x100000);
	build_std(64);
	assert_int_equal(parse(img, img_len), 0); /* an exact fit is fine */
}

/* ---- headers and segments ---- */

static void test_bad_ident_and_header(void **state)
{
	const struct {
		size_t off;
		uint8_t val;
		const char *msg;
	} cases[] = {
	    {0, 0x7e, "not an ELF"},    {EI_CLASS, 3, "class"},  {EI_DATA, ELFDATA2MSB, "little-endian"},
	    {EI_VERSION, 0, "version"}, {16, ET_DYN, "ET_EXEC"}, {18, EM_ARM, "machine"},
	    {20, 0, "version"},
	};

	note_entry32(0x100000);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build_std(i % 2 ? 32 : 64);
		img[cases[i].off] = cases[i].val;
		expect_error(img, img_len, cases[i].msg);
	}
}

static void test_bad_program_headers(void **state)
{
	Elf64_Ehdr e;
	const struct {
		uint64_t phoff;
		uint16_t phnum, phentsize;
		const char *msg;
	} cases[] = {
	    {IMG_CAP, 3, sizeof(Elf64_Phdr), "outside the file"},
	    {~0ULL - 8, 3, sizeof(Elf64_Phdr), "outside the file"},
	    {0x40, 0xfffe, sizeof(Elf64_Phdr), "outside the file"},
	    {0x40, 0, sizeof(Elf64_Phdr), "0 program headers"},
	    {0x40, 0xffff, sizeof(Elf64_Phdr), "65535 program headers"},
	    {0x40, 3, sizeof(Elf32_Phdr), "program header size"},
	};

	note_entry32(0x100000);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build_std(64);
		memcpy(&e, img, sizeof(e));
		e.e_phoff = cases[i].phoff;
		e.e_phnum = cases[i].phnum;
		e.e_phentsize = cases[i].phentsize;
		memcpy(img, &e, sizeof(e));
		expect_error(img, img_len, cases[i].msg);
	}
	build(64, std_segs, 3, true);
	memcpy(&e, img, sizeof(e));
	e.e_shnum = 0;
	memcpy(img, &e, sizeof(e));
	expect_error(img, img_len, "extended section numbering");
}

static void check_bad_segment(const struct seg *bad, const char *msg)
{
	struct seg segs[3] = {std_segs[0], *bad, std_segs[2]};

	build(32, segs, 3, false);
	expect_error(img, img_len, msg);
	build(64, segs, 3, false);
	expect_error(img, img_len, msg);
}

static void test_bad_segments(void **state)
{
	note_entry32(0x100000);
	check_bad_segment(&(struct seg){PT_LOAD, DATA_OFF, 0xfffff000, 0x80, 0x2000, 0}, "not below 4 GiB");
	check_bad_segment(&(struct seg){PT_LOAD, DATA_OFF, 0x101000, 0x80, 0xffffffff, 0}, "not below 4 GiB");
	check_bad_segment(&(struct seg){PT_LOAD, DATA_OFF, 0x101000, 0x80, 0x40, 0}, "file size above memory size");
	check_bad_segment(&(struct seg){PT_LOAD, DATA_OFF, 0x101000, 0x200, 0x2000, 0}, "outside the file");
	check_bad_segment(&(struct seg){PT_LOAD, 0xfffffff0, 0x101000, 0x20, 0x2000, 0}, "outside the file");
	check_bad_segment(&(struct seg){PT_LOAD, DATA_OFF, 0x1000f0, 0x80, 0x100, 0}, "overlap");
	check_bad_segment(&(struct seg){PT_NOTE, IMG_CAP - 0x10, 0, 0x20, 0x20, 4}, "note segment 1 outside");

	/* 64-bit-only values. */
	struct seg segs[3] = {std_segs[0], {PT_LOAD, DATA_OFF, 0x100000000ULL, 0x80, 0x80, 0}, std_segs[2]};
	build(64, segs, 3, false);
	expect_error(img, img_len, "not below 4 GiB");
	segs[1] = (struct seg){PT_LOAD, DATA_OFF, 0x101000, 0x80, ~0ULL, 0};
	build(64, segs, 3, false);
	expect_error(img, img_len, "not below 4 GiB");
	segs[1] = (struct seg){PT_LOAD, ~0ULL - 0x10, 0x101000, 0x80, 0x2000, 0};
	build(64, segs, 3, false);
	expect_error(img, img_len, "outside the file");
}

static void test_segment_limits(void **state)
{
	struct seg segs[PVH_MAX_SEGMENTS + 2];

	note_entry32(0x100000);
	for (unsigned int i = 0; i < PVH_MAX_SEGMENTS + 1; i++)
		segs[i] = (struct seg){PT_LOAD, TEXT_OFF + i, 0x100000 + 0x1000 * i, 1, 1, 0};
	segs[PVH_MAX_SEGMENTS + 1] = std_segs[2];
	build(64, segs, PVH_MAX_SEGMENTS + 2, false);
	assert_int_equal(parse(img, img_len), -E2BIG);

	/* Empty PT_LOADs do not count and are not kept. */
	for (unsigned int i = 1; i < PVH_MAX_SEGMENTS + 1; i++)
		segs[i].filesz = segs[i].memsz = 0;
	build(64, segs, PVH_MAX_SEGMENTS + 2, false);
	assert_int_equal(parse(img, img_len), 0);
	assert_int_equal(info.nr_segments, 1);

	build(64, &std_segs[2], 1, false); /* only a PT_NOTE */
	expect_error(img, img_len, "no loadable segment");
}

static void test_err_buffer(void **state)
{
	char small[8];

	build_std(64); /* no notes */
	assert_int_equal(pvh_elf_parse(img, img_len, &info, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "not a P");
	assert_int_equal(pvh_elf_parse(img, img_len, &info, NULL, 0), -EINVAL);
	assert_int_equal(pvh_elf_parse(NULL, 0, &info, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_fixture_elf64, setup),
	    cmocka_unit_test_setup(test_fixture_elf32, setup),
	    cmocka_unit_test_setup(test_truncated_fixtures, setup),
	    cmocka_unit_test_setup(test_truncated_built, setup),
	    cmocka_unit_test_setup(test_corrupted_fixtures, setup),
	    cmocka_unit_test_setup(test_entry_note_widths, setup),
	    cmocka_unit_test_setup(test_entry_note_bad, setup),
	    cmocka_unit_test_setup(test_missing_entry_note, setup),
	    cmocka_unit_test_setup(test_note_in_section, setup),
	    cmocka_unit_test_setup(test_note_align8, setup),
	    cmocka_unit_test_setup(test_note_huge_sizes, setup),
	    cmocka_unit_test_setup(test_reloc_note, setup),
	    cmocka_unit_test_setup(test_reloc_note_bad, setup),
	    cmocka_unit_test_setup(test_bad_ident_and_header, setup),
	    cmocka_unit_test_setup(test_bad_program_headers, setup),
	    cmocka_unit_test_setup(test_bad_segments, setup),
	    cmocka_unit_test_setup(test_segment_limits, setup),
	    cmocka_unit_test_setup(test_err_buffer, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
