/* Unit tests for the hypervisor ELF checks of mica.efi (arch/x86/efi/elf_load.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mica/boot_info.h>

#include "elf_load.h"

/*
 * The synthetic image: ELF header, 3 program headers (text, data+bss, note),
 * text at 0x1000 -> paddr 0x200000, data at 0x1100 -> 0x201000 (+ bss up to
 * 0x204000), notes at 0x1200: a "GNU" note first, then the "Mica" entry note.
 */
#define TEXT_OFF 0x1000
#define DATA_OFF 0x1100
#define NOTE_OFF 0x1200
#define IMG_SIZE 0x1300
#define BASE 0x200000ULL
#define ENTRY (BASE + 0x10)

static _Alignas(8) uint8_t elf[IMG_SIZE];

static struct elf64_ehdr *ehdr(void)
{
	return (struct elf64_ehdr *)elf;
}

static struct elf64_phdr *phdr(unsigned int i)
{
	return (struct elf64_phdr *)(elf + sizeof(struct elf64_ehdr)) + i;
}

static size_t put_note(size_t off, const char *name, uint32_t type, const void *desc, uint32_t descsz)
{
	struct elf64_nhdr nh = {(uint32_t)strlen(name) + 1, descsz, type};

	memcpy(elf + off, &nh, sizeof(nh));
	off += sizeof(nh);
	memcpy(elf + off, name, nh.n_namesz);
	off += ALIGN_UP(nh.n_namesz, 4);
	memcpy(elf + off, desc, descsz);
	return off + ALIGN_UP(descsz, 4);
}

/* Offset of the Mica note's desc (the 8-byte entry) inside elf[]. */
static size_t mica_desc_off;

static void build_good(void)
{
	struct elf64_ehdr *eh = ehdr();
	uint64_t entry = ENTRY;
	uint32_t gnu[4] = {0, 3, 2, 0};
	size_t off;

	memset(elf, 0, sizeof(elf));
	memcpy(eh->e_ident, ELF_MAG, 4);
	eh->e_ident[4] = ELFCLASS64;
	eh->e_ident[5] = ELFDATA2LSB;
	eh->e_ident[6] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0xffffffff80000000ULL; /* virtual; the loader ignores it */
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(struct elf64_phdr);
	eh->e_phnum = 3;

	*phdr(0) = (struct elf64_phdr){PT_LOAD, 5, TEXT_OFF, 0, BASE, 0x100, 0x100, 0x1000};
	*phdr(1) = (struct elf64_phdr){PT_LOAD, 6, DATA_OFF, 0, BASE + 0x1000, 0x10, 0x3000, 0x1000};
	for (int i = 0; i < 0x100; i++)
		elf[TEXT_OFF + i] = (uint8_t)(i + 1);
	memset(elf + DATA_OFF, 0xda, 0x10);

	off = put_note(NOTE_OFF, "GNU", 3, gnu, sizeof(gnu));
	mica_desc_off = off + sizeof(struct elf64_nhdr) + 8;
	off = put_note(off, MICA_ELFNOTE_NAME, MICA_ELFNOTE_ENTRY64, &entry, sizeof(entry));
	*phdr(2) = (struct elf64_phdr){PT_NOTE, 4, NOTE_OFF, 0, 0, off - NOTE_OFF, off - NOTE_OFF, 4};
}

static struct mica_elf_image img;
static const char *why;

static void expect_bad(size_t size, const char *needle)
{
	why = NULL;
	assert_int_equal(mica_elf_check(elf, size, &img, &why), -1);
	assert_non_null(why);
	if (!strstr(why, needle))
		fail_msg("reason '%s' lacks '%s'", why, needle);
}

static int setup(void **state)
{
	(void)state;
	build_good();
	return 0;
}

static void test_good(void **state)
{
	(void)state;
	assert_int_equal(mica_elf_check(elf, sizeof(elf), &img, &why), 0);
	assert_int_equal(img.paddr_lo, BASE);
	assert_int_equal(img.paddr_hi, BASE + 0x4000);
	assert_int_equal(img.entry, ENTRY);
	assert_int_equal(img.alloc_size, MICA_IMAGE_ALIGN);
	assert_int_equal(img.nr_load, 2);
	assert_int_equal(mica_elf_entry_at(&img, 0x40000000ULL), 0x40000010ULL);
}

static void test_place(void **state)
{
	(void)state;
	uint8_t *dst = malloc(MICA_IMAGE_ALIGN);

	assert_non_null(dst);
	assert_int_equal(mica_elf_check(elf, sizeof(elf), &img, &why), 0);
	memset(dst, 0xaa, MICA_IMAGE_ALIGN);
	mica_elf_place(elf, &img, dst);
	assert_memory_equal(dst, elf + TEXT_OFF, 0x100);
	for (size_t i = 0x100; i < 0x1000; i++) /* gap between segments */
		assert_int_equal(dst[i], 0);
	for (size_t i = 0; i < 0x10; i++)
		assert_int_equal(dst[0x1000 + i], 0xda);
	for (size_t i = 0x1010; i < MICA_IMAGE_ALIGN; i++) /* bss and the rest */
		assert_int_equal(dst[i], 0);
	free(dst);
}

static void test_truncated(void **state)
{
	(void)state;
	expect_bad(0, "bad magic");
	expect_bad(3, "bad magic");
	expect_bad(4, "too small");
	expect_bad(sizeof(struct elf64_ehdr) - 1, "too small");
	expect_bad(sizeof(struct elf64_ehdr) + sizeof(struct elf64_phdr), "program headers outside");
	expect_bad(DATA_OFF + 8, "PT_LOAD segment outside the file");
	expect_bad(NOTE_OFF + 4, "PT_NOTE segment outside the file");
}

static void test_bad_ident(void **state)
{
	(void)state;
	elf[1] = 'X';
	expect_bad(sizeof(elf), "bad magic");
	build_good();
	elf[4] = 1; /* ELFCLASS32 */
	expect_bad(sizeof(elf), "64-bit");
	build_good();
	elf[5] = 2; /* big endian */
	expect_bad(sizeof(elf), "little-endian");
	build_good();
	ehdr()->e_version = 0;
	expect_bad(sizeof(elf), "version");
}

static void test_wrong_machine_or_type(void **state)
{
	(void)state;
	ehdr()->e_machine = 3; /* EM_386 */
	expect_bad(sizeof(elf), "x86-64");
	build_good();
	ehdr()->e_type = 3; /* ET_DYN */
	expect_bad(sizeof(elf), "ET_EXEC");
}

static void test_phdr_out_of_bounds(void **state)
{
	(void)state;
	ehdr()->e_phoff = sizeof(elf) - 10;
	expect_bad(sizeof(elf), "program headers outside");
	ehdr()->e_phoff = UINT64_MAX - 8; /* offset + size overflows */
	expect_bad(sizeof(elf), "program headers outside");
	build_good();
	ehdr()->e_phnum = 0;
	expect_bad(sizeof(elf), "program headers");
	ehdr()->e_phnum = 0xffff;
	expect_bad(sizeof(elf), "too many program headers");
	build_good();
	ehdr()->e_phentsize = 8;
	expect_bad(sizeof(elf), "entry size");
}

static void test_segment_out_of_bounds(void **state)
{
	(void)state;
	phdr(1)->p_offset = sizeof(elf);
	expect_bad(sizeof(elf), "PT_LOAD segment outside the file");
	phdr(1)->p_offset = UINT64_MAX - 4; /* p_offset + p_filesz overflows */
	expect_bad(sizeof(elf), "PT_LOAD segment outside the file");
	build_good();
	phdr(1)->p_filesz = UINT64_MAX;
	phdr(1)->p_memsz = UINT64_MAX;
	expect_bad(sizeof(elf), "outside the file");
	build_good();
	phdr(1)->p_filesz = 0x4000;
	expect_bad(sizeof(elf), "p_filesz > p_memsz");
	build_good();
	phdr(1)->p_paddr = UINT64_MAX - 0x100; /* p_paddr + p_memsz wraps */
	expect_bad(sizeof(elf), "wraps");
}

static void test_segment_layout(void **state)
{
	(void)state;
	phdr(1)->p_paddr = BASE + 0x80; /* overlaps the text segment */
	expect_bad(sizeof(elf), "overlap");
	build_good();
	phdr(0)->p_type = PT_NOTE + 100;
	phdr(1)->p_type = PT_NOTE + 100;
	expect_bad(sizeof(elf), "no PT_LOAD");
	build_good();
	phdr(0)->p_paddr = BASE + 0x1000 * 8; /* lowest is now the data segment: not 2M aligned */
	expect_bad(sizeof(elf), "not 2 MiB aligned");
	build_good();
	phdr(1)->p_paddr = BASE + (2ULL << 30); /* span > 1 GiB */
	expect_bad(sizeof(elf), "larger than 1 GiB");
}

static void test_missing_note(void **state)
{
	(void)state;
	memcpy(elf + mica_desc_off - 8, "Mice", 4);
	expect_bad(sizeof(elf), "no \"Mica\" entry note");
	build_good();
	phdr(2)->p_type = PT_LOAD + 100; /* no PT_NOTE, no section headers */
	expect_bad(sizeof(elf), "no \"Mica\" entry note");
	build_good();
	/* Right name, other type: not the entry note. */
	memcpy(elf + mica_desc_off - 12, &(uint32_t){7}, 4);
	expect_bad(sizeof(elf), "no \"Mica\" entry note");
}

static void test_bad_note(void **state)
{
	(void)state;
	memcpy(elf + mica_desc_off - 16, &(uint32_t){4}, 4); /* n_descsz = 4 */
	expect_bad(sizeof(elf), "not 8 bytes");
	build_good();
	memcpy(elf + mica_desc_off - 16, &(uint32_t){0xfffffff0u}, 4); /* huge n_descsz */
	expect_bad(sizeof(elf), "malformed ELF note");
	build_good();
	memcpy(elf + NOTE_OFF, &(uint32_t){0xffffffffu}, 4); /* huge n_namesz */
	expect_bad(sizeof(elf), "malformed ELF note");
	build_good();
	phdr(2)->p_filesz -= 6; /* last note cut short: padding runs past the end */
	expect_bad(sizeof(elf), "malformed ELF note");
}

static void test_entry_outside_span(void **state)
{
	(void)state;
	memcpy(elf + mica_desc_off, &(uint64_t){BASE + 0x4000}, 8);
	expect_bad(sizeof(elf), "outside the loaded segments");
	memcpy(elf + mica_desc_off, &(uint64_t){BASE - 1}, 8);
	expect_bad(sizeof(elf), "outside the loaded segments");
}

/* The note may come from a SHT_NOTE section when no PT_NOTE holds it. */
static void test_note_in_section(void **state)
{
	(void)state;
	_Alignas(8) uint8_t big[IMG_SIZE + 2 * sizeof(struct elf64_shdr)];
	struct elf64_shdr sh[2] = {
	    {0},
	    {.sh_type = SHT_NOTE, .sh_offset = NOTE_OFF, .sh_size = phdr(2)->p_filesz, .sh_addralign = 4},
	};
	struct elf64_ehdr *eh = ehdr();

	phdr(2)->p_type = PT_LOAD + 100;
	eh->e_shoff = IMG_SIZE;
	eh->e_shentsize = sizeof(struct elf64_shdr);
	eh->e_shnum = 2;
	memcpy(big, elf, IMG_SIZE);
	memcpy(big + IMG_SIZE, sh, sizeof(sh));
	assert_int_equal(mica_elf_check(big, sizeof(big), &img, &why), 0);
	assert_int_equal(img.entry, ENTRY);
	/* A section table outside the file is ignored, not trusted. */
	assert_int_equal(mica_elf_check(big, sizeof(big) - 1, &img, &why), -1);
	assert_non_null(strstr(why, "no \"Mica\" entry note"));
}

/* Random corruption must never read outside the buffer (ASan watches). */
static void test_fuzz(void **state)
{
	(void)state;
	srand(7);
	for (int round = 0; round < 20000; round++) {
		build_good();
		for (int n = 0; n < 1 + rand() % 4; n++) {
			size_t at = (size_t)rand() % (NOTE_OFF + 0x40);

			if (at >= 0x100 && at < NOTE_OFF)
				at %= 0x100; /* mostly headers and notes */
			elf[at] = (uint8_t)rand();
		}
		size_t size = rand() % 8 ? sizeof(elf) : (size_t)rand() % sizeof(elf);
		uint8_t *copy = malloc(size ? size : 1);

		assert_non_null(copy);
		memcpy(copy, elf, size);
		if (mica_elf_check(copy, size, &img, &why) == 0)
			assert_true(img.entry >= img.paddr_lo && img.entry < img.paddr_hi);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_good, setup),
	    cmocka_unit_test_setup(test_place, setup),
	    cmocka_unit_test_setup(test_truncated, setup),
	    cmocka_unit_test_setup(test_bad_ident, setup),
	    cmocka_unit_test_setup(test_wrong_machine_or_type, setup),
	    cmocka_unit_test_setup(test_phdr_out_of_bounds, setup),
	    cmocka_unit_test_setup(test_segment_out_of_bounds, setup),
	    cmocka_unit_test_setup(test_segment_layout, setup),
	    cmocka_unit_test_setup(test_missing_note, setup),
	    cmocka_unit_test_setup(test_bad_note, setup),
	    cmocka_unit_test_setup(test_entry_outside_span, setup),
	    cmocka_unit_test_setup(test_note_in_section, setup),
	    cmocka_unit_test_setup(test_fuzz, setup),
	};

	return cmocka_run_group_tests_name("elf_load", tests, NULL, NULL);
}
