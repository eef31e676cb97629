/*
 * Unit tests for dom0's devices through the control interface (kernel/ctl.c, kernel/dma_mem.c,
 * kernel/iomem.c): MICA_CTL_DMA_ALLOC / _FREE and MICA_CTL_IOMEM_MAP, over the fake world of
 * ctl_fake.c (real p2m tables, a real buddy allocator for machine memory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_fake.h"
#include <public/mica/ctl.h>
#include <asm/p2m.h>
#include <mica/buddy.h>
#include <mica/dma_mem.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_ram.h>
#include <mica/hypercall.h>
#include <mica/iomem.h>

#define FREE_FRAMES (LOW_RAM_PAGES + HIGH_RAM_PAGES)

static long dma_alloc(uint32_t nr, uint64_t *base)
{
	struct mica_ctl c = req(MICA_CTL_DMA_ALLOC, 0);
	long rc;

	c.u.dma.nr_pages = nr;
	c.u.dma.base = 0x1234; /* out only: ignored */
	rc = ctl(&c);
	if (base)
		*base = c.u.dma.base;
	return rc;
}

static long dma_free(uint64_t base, uint32_t nr)
{
	struct mica_ctl c = req(MICA_CTL_DMA_FREE, 0);

	c.u.dma.base = base;
	c.u.dma.nr_pages = nr;
	return ctl(&c);
}

static long iomem_map(uint64_t mfn, uint64_t nr)
{
	struct mica_ctl c = req(MICA_CTL_IOMEM_MAP, 0);

	c.u.iomem.mfn = mfn;
	c.u.iomem.nr_pages = nr;
	return ctl(&c);
}

/* gfn maps frame mfn with these rights and memory type in dom0's p2m. */
static void assert_mapped(uint64_t gfn, uint64_t mfn, unsigned int access, unsigned int memtype)
{
	mfn_t m;
	unsigned int a, t;

	assert_int_equal(p2m_query(&dom0->arch.p2m, _gfn(gfn), &m, &a, &t, NULL), 0);
	assert_int_equal(mfn_x(m), mfn);
	assert_int_equal(a, access);
	assert_int_equal(t, memtype);
}

static void assert_hole(uint64_t gfn)
{
	assert_int_equal(p2m_query(&dom0->arch.p2m, _gfn(gfn), NULL, NULL, NULL, NULL), -ENOENT);
}

/* Gives dom0 "RAM" at guest frames [gfn, gfn + nr) in its physical map (the frames are fake). */
static void dom0_ram_at(uint64_t gfn, uint64_t nr)
{
	assert_int_equal(arch_physmap_map(dom0, _gfn(gfn), _mfn(frame_of(0, gfn)), nr, PHYSMAP_RAM), 0);
}

/* ---- who may */
static void test_dom0_only(void **state)
{
	domid_t id = create(0, 1, 16);
	uint64_t base;

	/* a second privileged domain is still not the hardware domain */
	doms[id]->privileged = true;
	caller = doms[id]->vcpus[0];
	assert_int_equal(dma_alloc(1, &base), -EPERM);
	assert_int_equal(dma_free(0x100000, 1), -EPERM);
	assert_int_equal(iomem_map(0xfebf0, 1), -EPERM);
	doms[id]->privileged = false;
	assert_int_equal(dma_alloc(1, &base), -EPERM);
	assert_int_equal(iomem_map(0xfebf0, 1), -EPERM);
	caller = dom0->vcpus[0];
	dom0->privileged = false;
	assert_int_equal(dma_alloc(1, &base), -EPERM);
	assert_int_equal(iomem_map(0xfebf0, 1), -EPERM);
	assert_int_equal(buddy_nr_free(&machine), FREE_FRAMES);
	assert_int_equal(dom0->dma.pages, 0);
}

/* ---- argument checks */
static void test_dma_arguments(void **state)
{
	const uint32_t bad[] = {0, 3, 6, 1000, 1025, 2048, 0x80000000u, UINT32_MAX};
	struct mica_ctl c;
	uint64_t base;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(dma_alloc(bad[i], &base), -EINVAL);
		assert_int_equal(dma_free(0x100000, bad[i]), -EINVAL);
	}
	c = req(MICA_CTL_DMA_ALLOC, 0);
	c.u.dma.nr_pages = 1;
	c.u.dma.pad = 1;
	assert_int_equal(ctl(&c), -EINVAL);
	c.u.dma.pad = 0;
	c.u.raw[sizeof(struct mica_ctl_dma)] = 1; /* past the member */
	assert_int_equal(ctl(&c), -EINVAL);
	c = req(MICA_CTL_DMA_ALLOC, 1); /* the domain field is reserved: it is always the caller */
	c.u.dma.nr_pages = 1;
	assert_int_equal(ctl(&c), -EINVAL);
	c = req(MICA_CTL_DMA_FREE, 0);
	c.u.dma.nr_pages = 1;
	c.u.dma.pad = 7;
	assert_int_equal(ctl(&c), -EINVAL);
	assert_int_equal(buddy_nr_free(&machine), FREE_FRAMES);
	assert_int_equal(cleared, 0);
}

/* ---- blocks: aligned, zeroed, below 4 GiB, mapped 1:1 read-write write-back */
static void test_dma_blocks(void **state)
{
	const uint32_t sizes[] = {1, 2, 16, 512, 1024, 1};
	uint64_t base[ARRAY_SIZE(sizes)], pages = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint64_t mfn;

		assert_int_equal(dma_alloc(sizes[i], &base[i]), 0);
		mfn = base[i] >> PAGE_SHIFT;
		assert_int_equal(base[i] & ((uint64_t)sizes[i] * PAGE_SIZE - 1), 0);
		assert_true(base[i] + (uint64_t)sizes[i] * PAGE_SIZE <= (4ULL << 30));
		assert_true(mfn >= LOW_RAM_FIRST && mfn + sizes[i] <= LOW_RAM_FIRST + LOW_RAM_PAGES);
		for (uint32_t p = 0; p < sizes[i]; p++)
			assert_mapped(mfn + p, mfn + p, P2M_ACCESS_R | P2M_ACCESS_W, P2M_MT_WB);
		for (size_t j = 0; j < i; j++) /* no two overlap */
			assert_true(base[j] + (uint64_t)sizes[j] * PAGE_SIZE <= base[i] ||
				    base[i] + (uint64_t)sizes[i] * PAGE_SIZE <= base[j]);
		pages += sizes[i];
	}
	assert_int_equal(dom0->dma.pages, pages);
	assert_int_equal(dom0->dma.nr, ARRAY_SIZE(sizes));
	assert_int_equal(cleared, pages);
	assert_int_equal(assigned, pages);
	assert_int_equal(buddy_nr_free(&machine), FREE_FRAMES - pages);
	assert_int_equal(dom0->mem_pages, 0); /* apart from its RAM */
	assert_true(buddy_check(&machine));
}

/* Blocks never reuse a guest frame dom0's physical map has: they are found above it. */
static void test_dma_collisions(void **state)
{
	uint64_t base;

	dom0_ram_at(0, 0x4000); /* dom0's RAM: 64 MiB at guest frames 0.. */
	dom0_ram_at(0x4100, 1); /* and a page in the middle of the rest */
	for (int i = 0; i < 40; i++) {
		uint64_t mfn;

		assert_int_equal(dma_alloc(4, &base), 0);
		mfn = base >> PAGE_SHIFT;
		assert_true(mfn >= 0x4000);
		assert_false(mfn <= 0x4100 && 0x4100 < mfn + 4);
		assert_mapped(mfn, mfn, P2M_ACCESS_R | P2M_ACCESS_W, P2M_MT_WB);
	}
	assert_mapped(0x4100, frame_of(0, 0x4100), RWX, P2M_MT_WB); /* untouched */
	/* the tries that collided went back to the allocator */
	assert_int_equal(buddy_nr_free(&machine), FREE_FRAMES - 40 * 4);
	assert_true(buddy_check(&machine));
}

/* Every low frame but the last 16 used as a guest frame: one block of 16 fits there, then none. */
static void test_dma_no_room(void **state)
{
	uint64_t base;

	dom0_ram_at(0, LOW_RAM_FIRST + LOW_RAM_PAGES - 16);
	assert_int_equal(dma_alloc(32, &base), -ENOMEM);
	assert_int_equal(dma_alloc(16, &base), 0);
	assert_int_equal(base >> PAGE_SHIFT, LOW_RAM_FIRST + LOW_RAM_PAGES - 16);
	assert_int_equal(dma_alloc(1, &base), -ENOMEM);
	assert_int_equal(dma_alloc(1024, &base), -ENOMEM);
	assert_int_equal(buddy_nr_free(&machine), FREE_FRAMES - 16); /* memory above 4 GiB stays free */
	assert_true(buddy_check(&machine));
}

/* Only memory below 4 GiB: when it is gone, -ENOMEM, whatever is free above. */
static void test_dma_below_4g(void **state)
{
	uint64_t pfn, base, n = 0;

	while (buddy_alloc_range(&machine, 0, 0, LOW_RAM_FIRST + LOW_RAM_PAGES - 1, &pfn))
		n++;
	assert_int_equal(n, LOW_RAM_PAGES - 1);
	assert_int_equal(dma_alloc(2, &base), -ENOMEM); /* one frame is left, not two */
	assert_int_equal(dma_alloc(1, &base), 0);
	assert_int_equal(base >> PAGE_SHIFT, LOW_RAM_FIRST + LOW_RAM_PAGES - 1);
	assert_int_equal(dma_alloc(1, &base), -ENOMEM);
	assert_int_equal(buddy_nr_free(&machine), HIGH_RAM_PAGES);
}

/* At most DMA_MEM_LIMIT_PAGES (64 MiB) per domain. */
static void test_dma_limit(void **state)
{
	uint64_t base[DMA_MEM_LIMIT_PAGES / 1024], b;

	for (size_t i = 0; i < ARRAY_SIZE(base); i++)
		assert_int_equal(dma_alloc(1024, &base[i]), 0);
	assert_int_equal(dom0->dma.pages, DMA_MEM_LIMIT_PAGES);
	assert_int_equal(dma_alloc(1, &b), -ENOMEM);
	assert_int_equal(dma_free(base[3], 1024), 0);
	assert_int_equal(dma_alloc(1024, &b), 0);
	assert_int_equal(dma_alloc(1, &b), -ENOMEM);
	assert_int_equal(dom0->dma.pages, DMA_MEM_LIMIT_PAGES);
}

/* FREE takes back exactly a whole block it gave, once. */
static void test_dma_free(void **state)
{
	uint64_t a, b;

	assert_int_equal(dma_alloc(16, &a), 0);
	assert_int_equal(dma_alloc(1, &b), 0);
	assert_int_equal(dma_free(a, 8), -EINVAL); /* not its size */
	assert_int_equal(dma_free(a, 32), -EINVAL);
	assert_int_equal(dma_free(a + PAGE_SIZE, 1), -EINVAL); /* a page inside it */
	assert_int_equal(dma_free(a + 8, 16), -EINVAL);        /* not page aligned */
	assert_int_equal(dma_free(0x200000000ULL, 16), -EINVAL);
	assert_int_equal(dma_free(a, 16), 0);
	for (int p = 0; p < 16; p++)
		assert_hole((a >> PAGE_SHIFT) + p);
	assert_int_equal(dma_free(a, 16), -EINVAL); /* twice */
	assert_int_equal(released, 16);
	assert_int_equal(dom0->dma.pages, 1);
	assert_int_equal(dma_free(b, 1), 0);
	assert_int_equal(buddy_nr_free(&machine), FREE_FRAMES);
	assert_int_equal(dom0->dma.nr, 0);
}

/* The answer cannot be written back: the block is not left behind. */
static void test_dma_copy_back_fails(void **state)
{
	struct mica_ctl c = req(MICA_CTL_DMA_ALLOC, 0);
	uint64_t args[HYPERCALL_MAX_ARGS] = {CTL_AT};
	long rc;

	c.u.dma.nr_pages = 4;
	memcpy(guest, &c, sizeof(c));
	ro_lo = CTL_AT;
	ro_hi = CTL_AT + sizeof(c);
	rc = do_ctl(caller, args);
	assert_int_equal(rc, -EFAULT);
	assert_int_equal(dom0->dma.pages, 0);
	assert_int_equal(buddy_nr_free(&machine), FREE_FRAMES);
}

/* Destroying the domain frees every block. */
static void test_dma_destroy(void **state)
{
	uint64_t base;

	for (int i = 0; i < 10; i++)
		assert_int_equal(dma_alloc(1u << i, &base), 0);
	assert_int_equal(buddy_nr_free(&machine), FREE_FRAMES - 1023);
	fake_destroy(dom0);
	dom0 = NULL;
	assert_int_equal(released, 1023);
	assert_int_equal(buddy_nr_free(&machine), FREE_FRAMES);
	assert_true(buddy_check(&machine));
}

/* ---- device memory */
static void test_iomem_arguments(void **state)
{
	struct mica_ctl c;

	assert_int_equal(iomem_map(0xfebf0, 0), -EINVAL);
	assert_int_equal(iomem_map(0xfebf0, IOMEM_MAX_PAGES + 1), -EINVAL);
	assert_int_equal(iomem_map(UINT64_MAX, 2), -EINVAL);       /* wraps */
	assert_int_equal(iomem_map(1ULL << 40, 1), -EINVAL);       /* past 52-bit addresses */
	assert_int_equal(iomem_map((1ULL << 36) - 1, 2), -EINVAL); /* past the physical map */
	c = req(MICA_CTL_IOMEM_MAP, 3);
	c.u.iomem.mfn = 0xfebf0;
	c.u.iomem.nr_pages = 1;
	assert_int_equal(ctl(&c), -EINVAL); /* domain must be 0 */
	c = req(MICA_CTL_IOMEM_MAP, 0);
	c.u.iomem.mfn = 0xfebf0;
	c.u.iomem.nr_pages = 1;
	c.u.raw[sizeof(struct mica_ctl_iomem)] = 1;
	assert_int_equal(ctl(&c), -EINVAL);
	assert_hole(0xfebf0);
}

static void test_iomem_refused(void **state)
{
	assert_true(iomem_deny_add(0, 0x7fff, "RAM"));
	assert_true(iomem_deny_add(0xfec00, 0xfec00, "an IO-APIC"));
	assert_true(iomem_deny_add(0xfee00, 0xfee00, "the local APIC"));
	assert_true(iomem_deny_add(0xb0000, 0xbffff, "the PCI ECAM area"));
	assert_int_equal(iomem_map(0x100, 1), -EPERM);
	assert_int_equal(iomem_map(0x7ff0, 0x20), -EPERM); /* partly */
	assert_int_equal(iomem_map(0xfebff, 2), -EPERM);
	assert_int_equal(iomem_map(0xfee00, 1), -EPERM);
	assert_int_equal(iomem_map(0xbffff, 1), -EPERM);
	assert_int_equal(iomem_map(0xafff0, 0x20), -EPERM);
	for (uint64_t g = 0xafff0; g < 0xb0010; g++)
		assert_hole(g);
	/* around them it works */
	assert_int_equal(iomem_map(0xfebf0, 0xf), 0);
	assert_int_equal(iomem_map(0xfec01, 0x1ff), 0);
	assert_int_equal(iomem_map(0xafff0, 0x10), 0);
	assert_int_equal(iomem_check(0x8000, 1, NULL), 0);
}

static void test_iomem_table_overflow(void **state)
{
	unsigned int n = 0;

	while (iomem_deny_add(n * 2, n * 2, "x"))
		n++;
	assert_int_equal(n, IOMEM_DENY_MAX);
	/* everything is refused once something did not fit */
	assert_int_equal(iomem_map(0xfebf0, 1), -EPERM);
	assert_int_equal(iomem_map(1ULL << 30, 1), -EPERM);
}

static void test_iomem_mapping(void **state)
{
	uint64_t base;

	assert_int_equal(iomem_map(0xfebf0, 4), 0);
	for (uint64_t g = 0xfebf0; g < 0xfebf4; g++)
		assert_mapped(g, g, P2M_ACCESS_R | P2M_ACCESS_W, P2M_MT_UC);
	assert_hole(0xfebf4);
	assert_int_equal(iomem_map(0xfebf0, 4), -EBUSY); /* again */
	assert_int_equal(iomem_map(0xfebf3, 2), -EBUSY); /* overlapping */
	assert_int_equal(iomem_map(0xfebec, 8), -EBUSY);
	assert_hole(0xfebec);
	dom0_ram_at(0x300, 4); /* its own RAM's guest frames */
	assert_int_equal(iomem_map(0x2ff, 2), -EBUSY);
	assert_int_equal(dma_alloc(1, &base), 0);
	assert_int_equal(iomem_map(base >> PAGE_SHIFT, 1), -EBUSY);
	/* a large one: 2 MiB leaves where aligned, all uncached */
	assert_int_equal(iomem_map(0x800000, 1024), 0);
	assert_mapped(0x800000, 0x800000, P2M_ACCESS_R | P2M_ACCESS_W, P2M_MT_UC);
	assert_mapped(0x8003ff, 0x8003ff, P2M_ACCESS_R | P2M_ACCESS_W, P2M_MT_UC);
	assert_hole(0x800400);
	/* gone with the domain: fake_destroy checks that every table page is freed */
	fake_destroy(dom0);
	dom0 = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dom0_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dma_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dma_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dma_collisions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dma_no_room, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dma_below_4g, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dma_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dma_free, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dma_copy_back_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dma_destroy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iomem_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iomem_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iomem_table_overflow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iomem_mapping, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
