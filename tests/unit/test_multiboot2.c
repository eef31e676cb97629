/* Unit tests for the Multiboot2 information parser (arch/x86/boot/multiboot2.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <mica/multiboot2.h>
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

/* ---- MBI builder ---- */

#define MBI_CAP (64 * 1024)
#define MBI_PHYS 0x10000ULL

struct mbi {
	uint64_t buf[MBI_CAP / 8]; /* 8-byte aligned like a real MBI */
	size_t len;
};

static struct mbi *mbi_new(void)
{
	struct mbi *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->len = 8;
	return m;
}

static uint8_t *mbi_bytes(struct mbi *m)
{
	return (uint8_t *)m->buf;
}

/* Append a tag with a payload; returns its offset. */
static size_t mbi_tag(struct mbi *m, uint32_t type, const void *payload, size_t len)
{
	size_t off = m->len;
	struct mb2_tag t = {type, (uint32_t)(8 + len)};

	assert_true(off + 8 + len + 8 <= MBI_CAP);
	memcpy(mbi_bytes(m) + off, &t, 8);
	if (len)
		memcpy(mbi_bytes(m) + off + 8, payload, len);
	m->len = ALIGN_UP(off + 8 + len, 8);
	return off;
}

static size_t mbi_string(struct mbi *m, uint32_t type, const char *s)
{
	return mbi_tag(m, type, s, strlen(s) + 1);
}

static void mbi_module(struct mbi *m, uint32_t start, uint32_t end, const char *cmd)
{
	uint8_t p[600];
	size_t n = strlen(cmd) + 1;

	assert_true(8 + n <= sizeof(p));
	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, cmd, n);
	mbi_tag(m, MB2_TAG_MODULE, p, 8 + n);
}

static void mbi_mmap(struct mbi *m, const struct mb2_mmap_entry *e, size_t n, uint32_t entry_size)
{
	uint8_t *p = calloc(1, 8 + n * entry_size);
	uint32_t hdr[2] = {entry_size, 0};

	assert_non_null(p);
	memcpy(p, hdr, 8);
	for (size_t i = 0; i < n; i++)
		memcpy(p + 8 + i * entry_size, &e[i], sizeof(e[i]));
	mbi_tag(m, MB2_TAG_MMAP, p, 8 + n * entry_size);
	free(p);
}

static void mbi_fb(struct mbi *m, uint8_t fb_type, size_t len)
{
	struct mb2_tag_framebuffer fb = {
	    .addr = 0xfd000000,
	    .pitch = 4096,
	    .width = 1024,
	    .height = 768,
	    .bpp = 32,
	    .fb_type = fb_type,
	    .red_pos = 16,
	    .red_size = 8,
	    .green_pos = 8,
	    .green_size = 8,
	    .blue_pos = 0,
	    .blue_size = 8,
	};

	mbi_tag(m, MB2_TAG_FRAMEBUFFER, (uint8_t *)&fb + 8, len - 8);
}

/* End tag and total size. Returns the total size. */
static size_t mbi_finish(struct mbi *m)
{
	mbi_tag(m, MB2_TAG_END, NULL, 0);
	uint32_t total = (uint32_t)m->len;
	memcpy(mbi_bytes(m), &total, 4);
	return m->len;
}

static int parse(struct mbi *m, struct boot_info *bi)
{
	return mb2_parse(mbi_bytes(m), m->len, MBI_PHYS, bi);
}

static struct boot_info *bi_new(void)
{
	struct boot_info *bi = malloc(sizeof(*bi));

	assert_non_null(bi);
	memset(bi, 0xa5, sizeof(*bi));
	printk_calls = 0;
	return bi;
}

static const struct mb2_mmap_entry realistic_map[] = {
    {0x0, 0x9fc00, MB2_MEM_AVAILABLE, 0},
    {0x9fc00, 0x400, MB2_MEM_RESERVED, 0},
    {0x100000, 0x3ff00000, MB2_MEM_AVAILABLE, 0},
    {0x40000000, 0x3fee0000, MB2_MEM_AVAILABLE, 0}, /* adjacent: merged */
    {0x7fee0000, 0x20000, MB2_MEM_ACPI_RECLAIMABLE, 0},
};

static void test_realistic(void **state)
{
	(void)state;
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();
	uint8_t rsdp1[20] = "RSD PTR v1", rsdp2[36] = "RSD PTR v2";
	uint64_t systab = 0x7f9e0018;
	uint32_t meminfo[2] = {639, 2096000}, load_base = 0x200000;

	mbi_string(m, MB2_TAG_CMDLINE, "console=com1,115200 dom0_mem=1G");
	mbi_string(m, MB2_TAG_BOOT_LOADER_NAME, "GRUB 2.12");
	mbi_tag(m, MB2_TAG_BASIC_MEMINFO, meminfo, 8);
	mbi_module(m, 0x1000000, 0x1234567, "/boot/vmlinuz root=/dev/xvda1 console=hvc0");
	mbi_module(m, 0x1235000, 0x2000000, "/boot/initrd.img");
	mbi_mmap(m, realistic_map, ARRAY_SIZE(realistic_map), 24);
	size_t old_off = mbi_tag(m, MB2_TAG_ACPI_OLD, rsdp1, sizeof(rsdp1));
	size_t new_off = mbi_tag(m, MB2_TAG_ACPI_NEW, rsdp2, sizeof(rsdp2));
	mbi_fb(m, MB2_FB_RGB, MB2_FB_RGB_SIZE);
	mbi_tag(m, MB2_TAG_EFI64, &systab, 8);
	mbi_tag(m, MB2_TAG_LOAD_BASE_ADDR, &load_base, 4);
	mbi_tag(m, 0x4242, "whatever", 8); /* unknown tags are skipped */
	mbi_finish(m);

	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(printk_calls, 0);
	assert_int_equal(bi->magic, BOOT_INFO_MAGIC);
	assert_int_equal(bi->version, BOOT_INFO_VERSION);
	assert_int_equal(bi->loader, BOOT_LOADER_MULTIBOOT2);
	assert_string_equal(bi->loader_name, "GRUB 2.12");
	assert_string_equal(bi->cmdline, "console=com1,115200 dom0_mem=1G");

	assert_int_equal(bi->nr_mem, 4);
	assert_int_equal(bi->mem[0].base, 0);
	assert_int_equal(bi->mem[0].length, 0x9fc00);
	assert_int_equal(bi->mem[0].type, BOOT_MEM_RAM);
	assert_int_equal(bi->mem[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi->mem[2].base, 0x100000);
	assert_int_equal(bi->mem[2].length, 0x7fde0000);
	assert_int_equal(bi->mem[2].type, BOOT_MEM_RAM);
	assert_int_equal(bi->mem[3].type, BOOT_MEM_ACPI_RECLAIM);

	assert_int_equal(bi->nr_modules, 2);
	assert_int_equal(bi->modules[0].base, 0x1000000);
	assert_int_equal(bi->modules[0].size, 0x234567);
	assert_string_equal(bi->modules[0].cmdline, "/boot/vmlinuz root=/dev/xvda1 console=hvc0");
	assert_int_equal(bi->modules[1].base, 0x1235000);
	assert_int_equal(bi->modules[1].size, 0x2000000 - 0x1235000);
	assert_string_equal(bi->modules[1].cmdline, "/boot/initrd.img");

	/* The RSDP is the ACPI 2.0 copy inside the MBI. */
	(void)old_off;
	assert_int_equal(bi->rsdp, MBI_PHYS + new_off + 8);
	assert_memory_equal(mbi_bytes(m) + (bi->rsdp - MBI_PHYS), "RSD PTR v2", 10);

	assert_int_equal(bi->fb.base, 0xfd000000);
	assert_int_equal(bi->fb.width, 1024);
	assert_int_equal(bi->fb.height, 768);
	assert_int_equal(bi->fb.pitch, 4096);
	assert_int_equal(bi->fb.bpp, 32);
	assert_int_equal(bi->fb.red_pos, 16);
	assert_int_equal(bi->fb.green_pos, 8);
	assert_int_equal(bi->fb.blue_pos, 0);
	assert_int_equal(bi->fb.blue_size, 8);

	assert_true(bi->flags & BOOT_FLAG_EFI_SYSTAB);
	assert_false(bi->flags & BOOT_FLAG_PXE);
	assert_int_equal(bi->efi_system_table, systab);
	assert_int_equal(bi->image_base, 0x200000);
	assert_int_equal(bi->image_size, 0);
	free(bi);
	free(m);
}

static void test_rsdp_old_only(void **state)
{
	(void)state;
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();
	uint8_t rsdp1[20] = "RSD PTR ";

	mbi_string(m, MB2_TAG_CMDLINE, "");
	size_t off = mbi_tag(m, MB2_TAG_ACPI_OLD, rsdp1, sizeof(rsdp1));
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->rsdp, MBI_PHYS + off + 8);
	assert_string_equal(bi->cmdline, "");
	assert_int_equal(bi->nr_mem, 0);
	assert_int_equal(bi->fb.base, 0);
	assert_int_equal(printk_calls, 1); /* "no memory map" */
	free(bi);
	free(m);
}

static void test_minimal(void **state)
{
	(void)state;
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();

	mbi_finish(m);
	assert_int_equal(m->len, 16);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->nr_modules, 0);
	assert_int_equal(bi->rsdp, 0);
	assert_int_equal(bi->flags, 0);
	/* Bytes after the end tag are ignored. */
	assert_int_equal(mb2_parse(mbi_bytes(m), 4096, MBI_PHYS, bi), MB2_OK);
	free(bi);
	free(m);
}

static void test_bad_total_size(void **state)
{
	(void)state;
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();
	uint32_t *total = (uint32_t *)mbi_bytes(m);

	mbi_string(m, MB2_TAG_CMDLINE, "x");
	mbi_finish(m);
	assert_int_equal(mb2_parse(mbi_bytes(m), m->len - 1, MBI_PHYS, bi), MB2_ERR_TOTAL_SIZE);
	assert_int_equal(mb2_parse(mbi_bytes(m), 4, MBI_PHYS, bi), MB2_ERR_TOTAL_SIZE);
	assert_int_equal(mb2_parse(mbi_bytes(m), 0, MBI_PHYS, bi), MB2_ERR_TOTAL_SIZE);
	*total = 8;
	assert_int_equal(parse(m, bi), MB2_ERR_TOTAL_SIZE);
	*total = 15;
	assert_int_equal(parse(m, bi), MB2_ERR_TOTAL_SIZE);
	*total = 0xffffffff;
	assert_int_equal(parse(m, bi), MB2_ERR_TOTAL_SIZE);
	assert_int_equal(mb2_parse(mbi_bytes(m) + 4, m->len - 4, MBI_PHYS, bi), MB2_ERR_ALIGN);
	assert_true(printk_calls >= 7);
	free(bi);
	free(m);
}

static void test_truncated(void **state)
{
	(void)state;
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();

	mbi_string(m, MB2_TAG_CMDLINE, "hello");
	mbi_mmap(m, realistic_map, ARRAY_SIZE(realistic_map), 24);
	size_t full = mbi_finish(m);
	/* A total_size that cuts the MBI short at every possible place. */
	for (uint32_t cut = 16; cut < full; cut++) {
		memcpy(mbi_bytes(m), &cut, 4);
		int rc = parse(m, bi);
		assert_true(rc == MB2_ERR_TAG_OVERRUN || rc == MB2_ERR_NO_END);
	}
	free(bi);
	free(m);
}

static void test_bad_tag_sizes(void **state)
{
	(void)state;
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();
	struct mb2_tag *t;

	size_t off = mbi_string(m, MB2_TAG_CMDLINE, "abc");
	mbi_finish(m);
	t = (struct mb2_tag *)(mbi_bytes(m) + off);
	t->size = 4;
	assert_int_equal(parse(m, bi), MB2_ERR_TAG_SIZE);
	t->size = 0; /* would loop forever if accepted */
	assert_int_equal(parse(m, bi), MB2_ERR_TAG_SIZE);
	t->size = 0x1000;
	assert_int_equal(parse(m, bi), MB2_ERR_TAG_OVERRUN);
	t->size = 0xfffffff8;
	assert_int_equal(parse(m, bi), MB2_ERR_TAG_OVERRUN);
	t->size = 12;
	assert_int_equal(parse(m, bi), MB2_OK);
	free(bi);
	free(m);
}

static void test_tag_too_small_for_type(void **state)
{
	(void)state;
	static const uint32_t types[] = {MB2_TAG_MODULE,      MB2_TAG_BASIC_MEMINFO, MB2_TAG_MMAP,
					 MB2_TAG_FRAMEBUFFER, MB2_TAG_EFI64,         MB2_TAG_ACPI_OLD,
					 MB2_TAG_ACPI_NEW,    MB2_TAG_EFI_MMAP,      MB2_TAG_LOAD_BASE_ADDR};
	uint8_t zero[16] = {0};

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		struct mbi *m = mbi_new();
		struct boot_info *bi = bi_new();
		mbi_tag(m, types[i], zero, 0);
		mbi_finish(m);
		assert_int_equal(parse(m, bi), MB2_ERR_TAG_SIZE);
		free(bi);
		free(m);
	}
	/* An RGB framebuffer tag without its colour fields. */
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();
	mbi_fb(m, MB2_FB_RGB, MB2_FB_COMMON_SIZE);
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_ERR_TAG_SIZE);
	free(bi);
	free(m);
}

static void test_missing_end_tag(void **state)
{
	(void)state;
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();

	mbi_string(m, MB2_TAG_CMDLINE, "abcdefg");
	mbi_string(m, MB2_TAG_BOOT_LOADER_NAME, "x");
	uint32_t total = (uint32_t)m->len;
	memcpy(mbi_bytes(m), &total, 4);
	assert_int_equal(parse(m, bi), MB2_ERR_NO_END);
	assert_non_null(strstr(printk_last, "end tag"));
	free(bi);
	free(m);
}

static void test_unterminated_strings(void **state)
{
	(void)state;
	static const uint32_t types[] = {MB2_TAG_CMDLINE, MB2_TAG_BOOT_LOADER_NAME};

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		struct mbi *m = mbi_new();
		struct boot_info *bi = bi_new();
		mbi_tag(m, types[i], "abcdefgh", 8); /* no NUL inside the tag */
		mbi_finish(m);
		assert_int_equal(parse(m, bi), MB2_ERR_STRING);
		free(bi);
		free(m);
	}
	/* Empty string area, and a module whose command line runs out. */
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();
	mbi_tag(m, MB2_TAG_CMDLINE, NULL, 0);
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_ERR_STRING);
	free(m);
	m = mbi_new();
	uint32_t mod[4] = {0x100000, 0x200000, 0x41414141, 0x41414141};
	mbi_tag(m, MB2_TAG_MODULE, mod, sizeof(mod));
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_ERR_STRING);
	free(bi);
	free(m);
}

static void test_too_many_modules(void **state)
{
	(void)state;
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();
	char name[32];

	for (int i = 0; i < BOOT_MAX_MODULES + 4; i++) {
		snprintf(name, sizeof(name), "mod%d", i);
		mbi_module(m, 0x1000000 + (uint32_t)i * 0x10000, 0x1000000 + (uint32_t)i * 0x10000 + 100, name);
	}
	mbi_string(m, MB2_TAG_CMDLINE, "after the modules");
	mbi_finish(m);
	int rc = parse(m, bi);
	assert_int_equal(rc, MB2_ERR_TOO_MANY_MODULES);
	assert_true(mb2_error_is_lossy(rc));
	assert_int_equal(bi->nr_modules, BOOT_MAX_MODULES);
	for (int i = 0; i < BOOT_MAX_MODULES; i++) {
		snprintf(name, sizeof(name), "mod%d", i);
		assert_string_equal(bi->modules[i].cmdline, name);
		assert_int_equal(bi->modules[i].size, 100);
	}
	assert_string_equal(bi->cmdline, "after the modules"); /* parsing went on */
	assert_non_null(strstr(printk_last, "modules"));
	free(bi);
	free(m);
}

static void test_bad_module(void **state)
{
	(void)state;
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();

	mbi_module(m, 0x2000000, 0x1000000, "backwards");
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_ERR_MODULE);
	free(m);
	m = mbi_new();
	mbi_module(m, 0x2000000, 0x2000000, ""); /* empty module, empty command line */
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->nr_modules, 1);
	assert_int_equal(bi->modules[0].size, 0);
	free(bi);
	free(m);
}

static void test_long_cmdlines(void **state)
{
	(void)state;
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();
	char *s = malloc(3000);

	memset(s, 'a', 2999);
	s[2999] = '\0';
	mbi_string(m, MB2_TAG_CMDLINE, s);
	mbi_string(m, MB2_TAG_BOOT_LOADER_NAME, s);
	s[590] = '\0';
	mbi_module(m, 0x100000, 0x200000, s);
	mbi_finish(m);
	int rc = parse(m, bi);
	assert_int_equal(rc, MB2_ERR_TOO_LONG);
	assert_true(mb2_error_is_lossy(rc));
	assert_int_equal(strlen(bi->cmdline), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(strlen(bi->loader_name), BOOT_LOADER_NAME_MAX - 1);
	assert_int_equal(strlen(bi->modules[0].cmdline), BOOT_MODULE_CMDLINE_MAX - 1);
	assert_int_equal(bi->nr_modules, 1);
	free(s);
	free(bi);
	free(m);
}

static void test_huge_mmap(void **state)
{
	(void)state;
	size_t n = 1500;
	struct mb2_mmap_entry *e = calloc(n, sizeof(*e));
	struct mbi *m = mbi_new();
	struct boot_info *bi = bi_new();

	for (size_t i = 0; i < n; i++)
		e[i] = (struct mb2_mmap_entry){i * 0x1000, 0x1000, i % 2 ? MB2_MEM_RESERVED : MB2_MEM_AVAILABLE, 0};
	mbi_mmap(m, e, n, 24);
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->nr_mem, BOOT_MAX_MEM_RANGES);
	assert_int_equal(bi->mem[BOOT_MAX_MEM_RANGES - 1].base, (BOOT_MAX_MEM_RANGES - 1) * 0x1000);
	assert_non_null(strstr(printk_last, "dropped"));
	free(m);

	/* The same number of contiguous RAM entries collapses into one range. */
	m = mbi_new();
	for (size_t i = 0; i < n; i++)
		e[i].type = MB2_MEM_AVAILABLE;
	mbi_mmap(m, e, n, 24);
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->nr_mem, 1);
	assert_int_equal(bi->mem[0].length, n * 0x1000);
	free(e);
	free(bi);
	free(m);
}

static void test_mmap_entry_formats(void **state)
{
	(void)state;
	static const struct mb2_mmap_entry e[] = {
	    {0, 0x1000, MB2_MEM_NVS, 0},
	    {0x1000, 0, MB2_MEM_AVAILABLE, 0},
	    {0x2000, 0x1000, MB2_MEM_BADRAM, 0},
	    {0x3000, 0x1000, 99, 0},
	    {UINT64_MAX - 0xfff, 0x10000, MB2_MEM_AVAILABLE, 0},
	};
	struct boot_info *bi = bi_new();
	struct mbi *m = mbi_new();

	mbi_mmap(m, e, ARRAY_SIZE(e), 32); /* larger entries than we know: fine */
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->nr_mem, 4); /* the zero-length entry is dropped */
	assert_int_equal(bi->mem[0].type, BOOT_MEM_ACPI_NVS);
	assert_int_equal(bi->mem[1].type, BOOT_MEM_UNUSABLE);
	assert_int_equal(bi->mem[2].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi->mem[3].length, 0xfff); /* clipped at the top */
	free(m);

	static const uint32_t bad_sizes[] = {0, 8, 16, 20, 28};
	for (size_t i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		m = mbi_new();
		uint32_t hdr[2] = {bad_sizes[i], 0};
		mbi_tag(m, MB2_TAG_MMAP, hdr, sizeof(hdr));
		mbi_finish(m);
		assert_int_equal(parse(m, bi), MB2_ERR_MMAP);
		free(m);
	}
	free(bi);
}

static void mbi_efi_mmap(struct mbi *m, const struct mb2_efi_mem_desc *d, size_t n)
{
	uint32_t dsize = 48;
	uint8_t *p = calloc(1, 8 + n * dsize);
	uint32_t hdr[2] = {dsize, 1};

	memcpy(p, hdr, 8);
	for (size_t i = 0; i < n; i++)
		memcpy(p + 8 + i * dsize, &d[i], sizeof(d[i]));
	mbi_tag(m, MB2_TAG_EFI_MMAP, p, 8 + n * dsize);
	free(p);
}

static void test_efi_mmap_fallback(void **state)
{
	(void)state;
	static const struct mb2_efi_mem_desc d[] = {
	    {.type = 7, .phys_start = 0, .num_pages = 0xa0},
	    {.type = 3, .phys_start = 0xa0000, .num_pages = 0x10},
	    {.type = 5, .phys_start = 0xb0000, .num_pages = 0x10},
	    {.type = 9, .phys_start = 0xc0000, .num_pages = 1},
	    {.type = 11, .phys_start = 0xfec00000, .num_pages = 1},
	    {.type = 1000, .phys_start = 0xff000000, .num_pages = 1},
	};
	struct boot_info *bi = bi_new();
	struct mbi *m = mbi_new();

	mbi_efi_mmap(m, d, ARRAY_SIZE(d));
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->nr_mem, 5); /* conventional + boot services merged */
	assert_int_equal(bi->mem[0].length, 0xb0000);
	assert_int_equal(bi->mem[0].type, BOOT_MEM_RAM);
	assert_int_equal(bi->mem[1].type, BOOT_MEM_FIRMWARE);
	assert_int_equal(bi->mem[2].type, BOOT_MEM_ACPI_RECLAIM);
	assert_int_equal(bi->mem[3].type, BOOT_MEM_MMIO);
	assert_int_equal(bi->mem[4].type, BOOT_MEM_RESERVED);
	free(m);

	/* Boot services still running: their memory is not free. */
	m = mbi_new();
	mbi_tag(m, MB2_TAG_EFI_BS, NULL, 0);
	mbi_efi_mmap(m, d, ARRAY_SIZE(d));
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->mem[0].length, 0xa0000);
	assert_int_equal(bi->mem[1].type, BOOT_MEM_RESERVED);
	free(m);

	/* The Multiboot2 map wins over the EFI one, whatever the order. */
	m = mbi_new();
	mbi_efi_mmap(m, d, ARRAY_SIZE(d));
	mbi_mmap(m, realistic_map, ARRAY_SIZE(realistic_map), 24);
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->nr_mem, 4);
	assert_int_equal(bi->mem[0].length, 0x9fc00);
	free(bi);
	free(m);
}

static void test_meminfo_fallback(void **state)
{
	(void)state;
	struct boot_info *bi = bi_new();
	struct mbi *m = mbi_new();
	uint32_t meminfo[2] = {640, 0x3ff000};

	mbi_tag(m, MB2_TAG_BASIC_MEMINFO, meminfo, 8);
	mbi_tag(m, MB2_TAG_NETWORK, "dhcpack", 7);
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->nr_mem, 2);
	assert_int_equal(bi->mem[0].length, 640 * 1024);
	assert_int_equal(bi->mem[1].base, 1 << 20);
	assert_int_equal(bi->mem[1].length, 0x3ff000ULL << 10);
	assert_true(bi->flags & BOOT_FLAG_PXE);
	free(bi);
	free(m);
}

static void test_framebuffer_non_rgb(void **state)
{
	(void)state;
	struct boot_info *bi = bi_new();
	struct mbi *m = mbi_new();

	mbi_fb(m, MB2_FB_EGA_TEXT, MB2_FB_COMMON_SIZE);
	mbi_finish(m);
	assert_int_equal(parse(m, bi), MB2_OK);
	assert_int_equal(bi->fb.base, 0);
	free(bi);
	free(m);
}

static void test_header_constants(void **state)
{
	(void)state;
	uint32_t len = 48;
	uint32_t sum = MB2_HEADER_MAGIC + MB2_HEADER_ARCH_I386 + len + (uint32_t)MB2_HEADER_CHECKSUM(len);

	assert_int_equal(sum, 0);
	assert_int_equal(offsetof(struct mb2_tag_framebuffer, red_pos), MB2_FB_COMMON_SIZE);
	assert_int_equal(offsetof(struct mb2_tag_framebuffer, blue_size) + 1, MB2_FB_RGB_SIZE);
	assert_int_equal(sizeof(struct mb2_mmap_entry), 24);
	assert_int_equal(sizeof(struct mb2_efi_mem_desc), 40);
	for (int e = 0; e >= -12; e--)
		assert_non_null(mb2_strerror(e));
	assert_string_equal(mb2_strerror(MB2_ERR_NO_END), "no end tag");
	assert_string_equal(mb2_strerror(5), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_realistic),
	    cmocka_unit_test(test_rsdp_old_only),
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_bad_total_size),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_bad_tag_sizes),
	    cmocka_unit_test(test_tag_too_small_for_type),
	    cmocka_unit_test(test_missing_end_tag),
	    cmocka_unit_test(test_unterminated_strings),
	    cmocka_unit_test(test_too_many_modules),
	    cmocka_unit_test(test_bad_module),
	    cmocka_unit_test(test_long_cmdlines),
	    cmocka_unit_test(test_huge_mmap),
	    cmocka_unit_test(test_mmap_entry_formats),
	    cmocka_unit_test(test_efi_mmap_fallback),
	    cmocka_unit_test(test_meminfo_fallback),
	    cmocka_unit_test(test_framebuffer_non_rgb),
	    cmocka_unit_test(test_header_constants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
