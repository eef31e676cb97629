/* Unit tests for the PVH builder's guest writes (kernel/pvh_build.c) over fake guest memory. */
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

/* ---- fake guest memory: [base, base + size), prefilled with POISON ---- */

#define POISON 0xaa

struct fake_mem {
	uint64_t base;
	size_t size;
	uint8_t *bytes;
	int calls;
	int fail_at; /* this call (0-based) returns -EFAULT; -1: never */
	int out_of_range;
};

static struct fake_mem mem;

static void mem_init(uint64_t base, size_t size)
{
	free(mem.bytes);
	mem = (struct fake_mem){.base = base, .size = size, .bytes = malloc(size), .fail_at = -1};
	assert_non_null(mem.bytes);
	memset(mem.bytes, POISON, size);
}

static uint8_t *at(uint64_t gpa)
{
	assert_true(gpa >= mem.base && gpa - mem.base < mem.size);
	return mem.bytes + (gpa - mem.base);
}

static int mem_check(struct fake_mem *m, uint64_t gpa, size_t len)
{
	if (m->fail_at == m->calls++)
		return -EFAULT;
	if (gpa < m->base || len > m->size || gpa - m->base > m->size - len) {
		m->out_of_range++;
		return -EFAULT;
	}
	return 0;
}

static int fake_copy(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	struct fake_mem *m = ctx;
	int rc = mem_check(m, gpa, len);

	if (!rc)
		memcpy(m->bytes + (gpa - m->base), src, len);
	return rc;
}

static int fake_zero(void *ctx, uint64_t gpa, size_t len)
{
	struct fake_mem *m = ctx;
	int rc = mem_check(m, gpa, len);

	if (!rc)
		memset(m->bytes + (gpa - m->base), 0, len);
	return rc;
}

static const struct pvh_mem_ops ops = {fake_copy, fake_zero};

static void assert_poison(uint64_t gpa, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (*at(gpa + i) != POISON)
			fail_msg("guest byte 0x%llx was written", (unsigned long long)(gpa + i));
}

static void assert_zero(uint64_t gpa, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (*at(gpa + i) != 0)
			fail_msg("guest byte 0x%llx is not zero", (unsigned long long)(gpa + i));
}

static int teardown(void **state)
{
	free(mem.bytes);
	mem.bytes = NULL;
	return 0;
}

/* ---- loading segments ---- */

static uint8_t *parse_fixture(const char *path, struct pvh_elf_info *info)
{
	char err[160];
	size_t len;
	uint8_t *f = read_fixture(path, &len);

	assert_int_equal(pvh_elf_parse(f, len, info, err, sizeof(err)), 0);
	return f;
}

/* File bytes land at paddr + off, the bss is zeroed exactly, nothing else is touched. */
static void check_loaded(const uint8_t *f, uint64_t off, uint64_t text_off, uint64_t text_sz, uint64_t data_off,
			 uint64_t text_pa, uint64_t data_pa)
{
	text_pa += off;
	data_pa += off;
	assert_poison(mem.base, text_pa - mem.base);
	assert_memory_equal(at(text_pa), f + text_off, text_sz);
	assert_poison(text_pa + text_sz, data_pa - text_pa - text_sz);
	assert_memory_equal(at(data_pa), f + data_off, FIX_DATA_SZ);
	for (int i = 0; i < FIX_DATA_SZ; i++)
		assert_int_equal(*at(data_pa + i), 0x5a);
	assert_zero(data_pa + FIX_DATA_SZ, FIX_DATA_MEMSZ - FIX_DATA_SZ);
	assert_poison(data_pa + FIX_DATA_MEMSZ, mem.base + mem.size - data_pa - FIX_DATA_MEMSZ);
	assert_int_equal(mem.out_of_range, 0);
}

static void test_load_elf64(void **state)
{
	struct pvh_elf_info info;
	uint8_t *f = parse_fixture(FIX64, &info);

	mem_init(0xf00000, 0x200000);
	assert_int_equal(pvh_load_segments(f, &info, 0, &ops, &mem), 0);
	check_loaded(f, 0, FIX64_TEXT_OFF, FIX64_TEXT_SZ, FIX64_DATA_OFF, FIX64_ENTRY, FIX64_DATA_PA);
	assert_int_equal(pvh_entry(&info, 0), FIX64_ENTRY);
	free(f);
}

static void test_load_elf32(void **state)
{
	struct pvh_elf_info info;
	uint8_t *f = parse_fixture(FIX32, &info);

	mem_init(0x100000, 0x200000);
	assert_int_equal(pvh_load_segments(f, &info, 0, &ops, &mem), 0);
	check_loaded(f, 0, FIX32_TEXT_OFF, FIX32_TEXT_SZ, FIX32_DATA_OFF, FIX32_ENTRY, FIX32_DATA_PA);
	free(f);
}

/* The ELF64 fixture's PHYS32_RELOC: align 0x200000, min 0x1000000, max 0x3fffffff. */
static void test_load_relocated(void **state)
{
	struct pvh_elf_info info;
	uint8_t *f = parse_fixture(FIX64, &info);

	mem_init(0x1100000, 0x200000);
	assert_int_equal(pvh_load_segments(f, &info, 0x200000, &ops, &mem), 0);
	check_loaded(f, 0x200000, FIX64_TEXT_OFF, FIX64_TEXT_SZ, FIX64_DATA_OFF, FIX64_ENTRY, FIX64_DATA_PA);
	assert_int_equal(pvh_entry(&info, 0x200000), FIX64_ENTRY + 0x200000);

	assert_int_equal(pvh_reloc_check(&info, 0x3ee00000), 0); /* last aligned start that fits */
	const int64_t bad[] = {0x100000, -0x200000, 0x3f000000, 1LL << 32, -(1LL << 32), INT64_MIN, INT64_MAX};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pvh_reloc_check(&info, bad[i]), -EINVAL);
		assert_int_equal(pvh_load_segments(f, &info, bad[i], &ops, &mem), -EINVAL);
	}
	assert_int_equal(mem.calls, 3); /* the good load: text, data, bss; the bad ones wrote nothing */
	free(f);

	f = parse_fixture(FIX32, &info); /* no PHYS32_RELOC: it stays where it was linked */
	assert_int_equal(pvh_reloc_check(&info, 0), 0);
	assert_int_equal(pvh_reloc_check(&info, 0x200000), -EINVAL);
	assert_int_equal(pvh_load_segments(f, &info, 0x200000, &ops, &mem), -EINVAL);
	free(f);
}

static void test_load_errors_propagate(void **state)
{
	struct pvh_elf_info info;
	uint8_t *f = parse_fixture(FIX64, &info);

	for (int fail = 0; fail < 3; fail++) {
		mem_init(0xf00000, 0x200000);
		mem.fail_at = fail;
		assert_int_equal(pvh_load_segments(f, &info, 0, &ops, &mem), -EFAULT);
		assert_int_equal(mem.calls, fail + 1); /* stops at the first failure */
	}
	free(f);
}

/* ---- start info ---- */

#define AREA 0x11000ULL
#define GUARD 0x1000

static const struct hvm_memmap_table_entry memmap[] = {
    {0, 0x9fc00, XEN_HVM_MEMMAP_TYPE_RAM, 0},
    {0xf0000, 0x10000, XEN_HVM_MEMMAP_TYPE_RESERVED, 0x1234}, /* reserved field is not copied */
    {0x100000, 0x7f00000, XEN_HVM_MEMMAP_TYPE_RAM, 0},
    {0x8000000, 0x20000, XEN_HVM_MEMMAP_TYPE_ACPI, 0},
};

static const struct pvh_module modules[] = {
    {0x2000000, 0x1234, "initrd"},
    {0x3000000, 0x10, NULL},
};

static const char cmdline[] = "console=hvc0 root=/dev/xvda";

static struct pvh_start_params full_params(uint64_t area_size)
{
	return (struct pvh_start_params){
	    .area_gpa = AREA,
	    .area_size = area_size,
	    .cmdline = cmdline,
	    .rsdp_gpa = 0xe0000,
	    .memmap = memmap,
	    .nr_memmap = 4,
	    .modules = modules,
	    .nr_modules = 2,
	};
}

/*
 * The layout: start info 0x11000 (56 bytes), memory map 0x11038 (4 * 24), module list
 * 0x11098 (2 * 32), command line 0x110d8 (28 with the NUL), module 0's 0x110f8 (7).
 */
#define FULL_SIZE 0xff

static int build(const struct pvh_start_params *p, uint64_t *gpa)
{
	mem_init(p->area_gpa - GUARD, p->area_size + 2 * GUARD);
	return pvh_build_start_info(p, &ops, &mem, gpa);
}

static void test_start_info_layout(void **state)
{
	struct pvh_start_params p = full_params(0x2000);
	struct hvm_start_info si;
	struct hvm_memmap_table_entry e;
	struct hvm_modlist_entry m;
	uint64_t gpa = 0;

	assert_int_equal(build(&p, &gpa), 0);
	assert_int_equal(gpa, AREA);
	memcpy(&si, at(gpa), sizeof(si));
	assert_int_equal(si.magic, XEN_HVM_START_MAGIC_VALUE);
	assert_int_equal(si.magic, 0x336ec578);
	assert_int_equal(si.version, 1);
	assert_int_equal(si.flags, 0);
	assert_int_equal(si.nr_modules, 2);
	assert_int_equal(si.modlist_paddr, AREA + 0x98);
	assert_int_equal(si.cmdline_paddr, AREA + 0xd8);
	assert_int_equal(si.rsdp_paddr, 0xe0000);
	assert_int_equal(si.memmap_paddr, AREA + 0x38);
	assert_int_equal(si.memmap_entries, 4);
	assert_int_equal(si.reserved, 0);

	for (unsigned int i = 0; i < 4; i++) {
		memcpy(&e, at(si.memmap_paddr + i * sizeof(e)), sizeof(e));
		assert_int_equal(e.addr, memmap[i].addr);
		assert_int_equal(e.size, memmap[i].size);
		assert_int_equal(e.type, memmap[i].type);
		assert_int_equal(e.reserved, 0);
	}
	memcpy(&m, at(si.modlist_paddr), sizeof(m));
	assert_int_equal(m.paddr, 0x2000000);
	assert_int_equal(m.size, 0x1234);
	assert_int_equal(m.cmdline_paddr, AREA + 0xf8);
	assert_int_equal(m.reserved, 0);
	assert_string_equal((const char *)at(m.cmdline_paddr), "initrd");
	memcpy(&m, at(si.modlist_paddr + sizeof(m)), sizeof(m));
	assert_int_equal(m.paddr, 0x3000000);
	assert_int_equal(m.size, 0x10);
	assert_int_equal(m.cmdline_paddr, 0);
	assert_string_equal((const char *)at(si.cmdline_paddr), cmdline);

	assert_zero(AREA + 0xd8 + sizeof(cmdline), 0xf8 - 0xd8 - sizeof(cmdline)); /* padding */
	assert_poison(AREA - GUARD, GUARD);
	assert_poison(AREA + FULL_SIZE, 0x2000 + GUARD - FULL_SIZE);
	assert_int_equal(mem.out_of_range, 0);
}

static void test_start_info_minimal(void **state)
{
	struct pvh_start_params p = {.area_gpa = AREA + 3, .area_size = 0x100}; /* start rounds up to 8 */
	struct hvm_start_info si;
	uint64_t gpa = 0;

	assert_int_equal(build(&p, &gpa), 0);
	assert_int_equal(gpa, AREA + 8);
	memcpy(&si, at(gpa), sizeof(si));
	assert_int_equal(si.magic, XEN_HVM_START_MAGIC_VALUE);
	assert_int_equal(si.version, 1);
	assert_int_equal(si.nr_modules, 0);
	assert_int_equal(si.modlist_paddr, 0);
	assert_int_equal(si.cmdline_paddr, 0);
	assert_int_equal(si.rsdp_paddr, 0);
	assert_int_equal(si.memmap_paddr, 0);
	assert_int_equal(si.memmap_entries, 0);
	assert_poison(AREA + 8 + sizeof(si), 0x100 - 8 - sizeof(si) + 3);

	p.cmdline = ""; /* an empty command line is still one */
	assert_int_equal(build(&p, &gpa), 0);
	memcpy(&si, at(gpa), sizeof(si));
	assert_int_equal(si.cmdline_paddr, AREA + 8 + 56);
	assert_int_equal(*at(si.cmdline_paddr), 0);
}

static void test_start_info_nospace(void **state)
{
	struct pvh_start_params p;
	uint64_t gpa = 0x1234;

	for (uint64_t size = 0; size < FULL_SIZE; size++) {
		p = full_params(size);
		assert_int_equal(build(&p, &gpa), -ENOSPC);
		assert_int_equal(mem.calls, 0);
		assert_int_equal(gpa, 0x1234);
	}
	p = full_params(FULL_SIZE);
	assert_int_equal(build(&p, &gpa), 0);
	assert_int_equal(gpa, AREA);
	assert_poison(AREA + FULL_SIZE, GUARD);
}

static void expect_einval(const struct pvh_start_params *p)
{
	uint64_t gpa = 0;

	mem_init(0x10000, 0x10000);
	assert_int_equal(pvh_build_start_info(p, &ops, &mem, &gpa), -EINVAL);
	assert_int_equal(mem.calls, 0);
}

static void test_start_info_einval(void **state)
{
	static char line[PVH_CMDLINE_MAX + 1];
	struct hvm_memmap_table_entry mm[PVH_MAX_MEMMAP + 1] = {{0x1000, 0x1000, XEN_HVM_MEMMAP_TYPE_RAM, 0}};
	struct pvh_module mods[PVH_MAX_MODULES + 1];
	struct pvh_start_params p;
	uint64_t gpa;

	memset(line, 'x', PVH_CMDLINE_MAX);
	p = full_params(0x2000), p.cmdline = line; /* 4096 characters: no room for the NUL */
	expect_einval(&p);
	p = full_params(0x2000), p.cmdline = line + 1; /* 4095 fit */
	assert_int_equal(build(&p, &gpa), 0);
	assert_string_equal((const char *)at(AREA + 0xd8), line + 1);

	for (unsigned int i = 0; i <= PVH_MAX_MODULES; i++)
		mods[i] = (struct pvh_module){0x2000000 + i * 0x1000, 0x1000, NULL};
	p = full_params(0x2000), p.modules = mods, p.nr_modules = PVH_MAX_MODULES + 1;
	expect_einval(&p);
	p.nr_modules = PVH_MAX_MODULES;
	assert_int_equal(build(&p, &gpa), 0);
	mods[3].cmdline = line;
	expect_einval(&p);
	mods[3] = (struct pvh_module){0, 0x1000, NULL}; /* address 0 means "absent" in start info */
	expect_einval(&p);
	mods[3] = (struct pvh_module){~0ULL - 0x10, 0x1000, NULL};
	expect_einval(&p);
	mods[3] = (struct pvh_module){AREA + 0x1000, 0x10, NULL}; /* inside the area */
	expect_einval(&p);
	mods[3] = (struct pvh_module){AREA - 0x10, 0x11, NULL}; /* overlaps its first byte */
	expect_einval(&p);
	mods[3] = (struct pvh_module){AREA - 0x10, 0x10, NULL}; /* ends just before: fine */
	assert_int_equal(build(&p, &gpa), 0);

	p = full_params(0x2000), p.memmap = mm, p.nr_memmap = PVH_MAX_MEMMAP + 1;
	expect_einval(&p);
	p.nr_memmap = 1, mm[0].type = 0;
	expect_einval(&p);
	mm[0].type = XEN_HVM_MEMMAP_TYPE_PMEM + 1;
	expect_einval(&p);
	mm[0] = (struct hvm_memmap_table_entry){0x1000, 0, XEN_HVM_MEMMAP_TYPE_RAM, 0};
	expect_einval(&p);
	mm[0] = (struct hvm_memmap_table_entry){~0ULL - 0xfff, 0x1000, XEN_HVM_MEMMAP_TYPE_RAM, 0};
	expect_einval(&p);
	p.memmap = NULL;
	expect_einval(&p);
	p = full_params(0x2000), p.modules = NULL;
	expect_einval(&p);

	/* The area: not at 0, and wholly below 4 GiB. */
	p = full_params(0x2000), p.area_gpa = 0;
	expect_einval(&p);
	p = full_params(0x2000), p.area_gpa = PVH_4GIB - 0x1000;
	expect_einval(&p);
	p = full_params(0x1000), p.area_gpa = PVH_4GIB - 0x1000;
	mem_init(PVH_4GIB - 0x1000, 0x1000);
	assert_int_equal(pvh_build_start_info(&p, &ops, &mem, &gpa), 0); /* ends exactly at 4 GiB */
	p = full_params(~0ULL);
	expect_einval(&p);

	assert_int_equal(pvh_build_start_info(NULL, &ops, &mem, &gpa), -EINVAL);
	assert_int_equal(pvh_build_start_info(&p, NULL, &mem, &gpa), -EINVAL);
}

static void test_start_info_errors_propagate(void **state)
{
	struct pvh_start_params p = full_params(0x2000);
	uint64_t gpa = 0x1234;

	/* 1 zero + 4 memmap + 2 modlist + 2 strings + start info = 10 calls. */
	for (int fail = 0; fail < 10; fail++) {
		mem_init(AREA - GUARD, 0x2000 + 2 * GUARD);
		mem.fail_at = fail;
		assert_int_equal(pvh_build_start_info(&p, &ops, &mem, &gpa), -EFAULT);
		assert_int_equal(mem.calls, fail + 1);
		assert_int_equal(gpa, 0x1234);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_load_elf64, teardown),
	    cmocka_unit_test_teardown(test_load_elf32, teardown),
	    cmocka_unit_test_teardown(test_load_relocated, teardown),
	    cmocka_unit_test_teardown(test_load_errors_propagate, teardown),
	    cmocka_unit_test_teardown(test_start_info_layout, teardown),
	    cmocka_unit_test_teardown(test_start_info_minimal, teardown),
	    cmocka_unit_test_teardown(test_start_info_nospace, teardown),
	    cmocka_unit_test_teardown(test_start_info_einval, teardown),
	    cmocka_unit_test_teardown(test_start_info_errors_propagate, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
