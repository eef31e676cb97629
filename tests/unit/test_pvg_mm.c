/*
 * pv-guest's memory (pv-guest/kernel/mm.c) on the host: a fake RAM of FAKE_MB MiB is mapped at
 * its guest-physical address (the kernel is identity-mapped), with the image at 1 MiB
 * (__image_start/__image_end come from --defsym) and a start info naming the RAM. Checked:
 * reservations (image, bitmap, start info, command line, modules), natural alignment, zeroed
 * pages, sbrk and alloc_pages meeting in the middle without overlap, frees, and the statistics.
 */
#include <pv/mm.h>
#include <pv/setup.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xen/arch-x86/hvm/start_info.h>
#include <cmocka.h>

#define FAKE_BASE 0x0UL
#define RAM_BYTES (8UL << 20)
#define IMAGE_START 0x100000UL
#define IMAGE_END 0x140000UL /* -Wl,--defsym in pvg_mm.mk */
#define SI_ADDR 0x140000UL   /* the start info right after the image, as Mica puts it */
#define MOD_ADDR 0x300000UL

const struct hvm_start_info *start_info;
uint8_t hypercall_page[4096]; /* never called: the start info has a memory map */
void *sbrk(ptrdiff_t incr);

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fail_msg("panic");
	abort();
}

static uint8_t *ram;

static int setup(void **state)
{
	/* Low addresses are not ours on the host: map the fake RAM at 4 GiB + and translate. */
	ram = mmap((void *)0x100000, RAM_BYTES - 0x100000, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (ram == MAP_FAILED)
		return -1;
	struct hvm_start_info *si = (void *)SI_ADDR;
	struct hvm_memmap_table_entry *map = (void *)(SI_ADDR + 0x100);
	struct hvm_modlist_entry *mod = (void *)(SI_ADDR + 0x200);
	char *cmd = (char *)(SI_ADDR + 0x300);

	memset(si, 0, 0x1000);
	si->magic = XEN_HVM_START_MAGIC_VALUE;
	si->version = 1;
	si->memmap_paddr = (uintptr_t)map;
	si->memmap_entries = 2;
	map[0] = (struct hvm_memmap_table_entry){.addr = 0, .size = RAM_BYTES, .type = XEN_HVM_MEMMAP_TYPE_RAM};
	map[1] =
	    (struct hvm_memmap_table_entry){.addr = 0xfee00000, .size = 0x1000, .type = XEN_HVM_MEMMAP_TYPE_RESERVED};
	strcpy(cmd, "shell");
	si->cmdline_paddr = (uintptr_t)cmd;
	si->nr_modules = 1;
	si->modlist_paddr = (uintptr_t)mod;
	mod->paddr = MOD_ADDR;
	mod->size = 0x4000;
	memset((void *)MOD_ADDR, 0xab, 0x4000);
	start_info = si;
	init_mm();
	return 0;
}

static bool overlaps(uintptr_t a, size_t an, uintptr_t b, size_t bn)
{
	return a < b + bn && b < a + an;
}

static void test_init(void **state)
{
	struct mm_stats m;

	mm_stats(&m);
	assert_int_equal(m.ram_pages, (RAM_BYTES - 0x100000) / PAGE_SIZE); /* below 1 MiB is not used */
	assert_int_equal(m.image_pages, (IMAGE_END - IMAGE_START) / PAGE_SIZE);
	assert_int_equal(m.heap_bytes, 0);
	assert_int_equal(m.used_pages, 0);
	/* Free: RAM less the image, the bitmap page, the start info page and the module. */
	assert_int_equal(m.free_pages, m.ram_pages - m.image_pages - 1 - 1 - 4);
}

static void test_alloc_aligned_zeroed_reserved(void **state)
{
	void *p[4];

	for (unsigned int order = 0; order < 4; order++) {
		p[order] = alloc_pages(order);
		assert_non_null(p[order]);
		assert_int_equal((uintptr_t)p[order] & ((PAGE_SIZE << order) - 1), 0);
		for (size_t i = 0; i < (PAGE_SIZE << order); i++)
			assert_int_equal(((uint8_t *)p[order])[i], 0);
		memset(p[order], 0x5a, PAGE_SIZE << order);
		assert_false(overlaps((uintptr_t)p[order], PAGE_SIZE << order, IMAGE_START, IMAGE_END - IMAGE_START));
		assert_false(overlaps((uintptr_t)p[order], PAGE_SIZE << order, SI_ADDR, PAGE_SIZE));
		assert_false(overlaps((uintptr_t)p[order], PAGE_SIZE << order, MOD_ADDR, 0x4000));
		assert_true((uintptr_t)p[order] + (PAGE_SIZE << order) <= RAM_BYTES);
	}
	for (unsigned int order = 0; order < 4; order++)
		free_pages(p[order], order);
	/* The module was left alone. */
	for (size_t i = 0; i < 0x4000; i++)
		assert_int_equal(((uint8_t *)MOD_ADDR)[i], 0xab);
}

/* The heap grows up, pages come down; they meet, never overlap, and both fail cleanly. */
static void test_heap_meets_pages(void **state)
{
	struct mm_stats before, m;
	void *pages[2048];
	unsigned int np = 0;
	uint8_t *brk0 = sbrk(0), *top;

	mm_stats(&before);
	assert_true((uintptr_t)brk0 >= IMAGE_END + PAGE_SIZE); /* after the image and the bitmap */
	assert_false(overlaps((uintptr_t)brk0, 1, SI_ADDR, PAGE_SIZE));
	while (np < 1000) {
		void *p = alloc_pages(0);

		if (!p)
			break;
		pages[np++] = p;
	}
	assert_int_equal(np, 1000);
	/* The heap takes what is left, in steps, until it runs into the lowest allocated page. */
	while (sbrk(64 * 1024) != (void *)-1)
		;
	assert_int_equal(errno, ENOMEM);
	top = sbrk(0);
	for (unsigned int i = 0; i < np; i++)
		assert_false(overlaps((uintptr_t)brk0, (size_t)(top - brk0), (uintptr_t)pages[i], PAGE_SIZE));
	/* Then every page left (below the module too): none inside the heap or a reservation. */
	while (sbrk(PAGE_SIZE) != (void *)-1)
		;
	top = sbrk(0);
	for (void *q; np < ARRAY_SIZE(pages) && (q = alloc_pages(0));) {
		assert_false(overlaps((uintptr_t)brk0, (size_t)(top - brk0), (uintptr_t)q, PAGE_SIZE));
		assert_false(overlaps((uintptr_t)q, PAGE_SIZE, IMAGE_START, IMAGE_END - IMAGE_START));
		assert_false(overlaps((uintptr_t)q, PAGE_SIZE, SI_ADDR, PAGE_SIZE));
		assert_false(overlaps((uintptr_t)q, PAGE_SIZE, MOD_ADDR, 0x4000));
		pages[np++] = q;
	}
	assert_true(np < ARRAY_SIZE(pages));
	mm_stats(&m);
	assert_int_equal(m.free_pages, 0);
	/* The heap sits above the module, in the largest gap: not boxed in below it. */
	assert_true((uintptr_t)brk0 > MOD_ADDR);
	/* Giving it all back restores the books. */
	assert_ptr_not_equal(sbrk(-(ptrdiff_t)(top - brk0)), (void *)-1);
	for (unsigned int i = 0; i < np; i++)
		free_page(pages[i]);
	mm_stats(&m);
	assert_int_equal(m.free_pages, before.free_pages);
	assert_int_equal(m.heap_bytes, 0);
	assert_int_equal(m.used_pages, 0);
	assert_ptr_equal(sbrk(-1), (void *)-1); /* not below its start */
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),
	    cmocka_unit_test(test_alloc_aligned_zeroed_reserved),
	    cmocka_unit_test(test_heap_meets_pages),
	};

	return cmocka_run_group_tests_name("pvg_mm", tests, setup, NULL);
}
