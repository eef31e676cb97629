/* Unit tests for the p2m (arch/x86/p2m*.c), every generic test run over both EPT and NPT entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "p2m_fake.h"
#include <asm/p2m.h>
#include <mica/errno.h>

static void test_map_query_4k(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x1234, 0x5678, 1, RW, P2M_MT_WB), 0);
	fx_expect(f, 0x1234, 0x5678, RW, P2M_MT_WB, 0);
	fx_expect_none(f, 0x1233);
	fx_expect_none(f, 0x1235);
	fx_expect_none(f, 0);
	assert_int_equal(f->p.nr_tables, 4);
	assert_int_equal(fx_map(f, 0x2000, 0x9000, 3, RX, P2M_MT_UC), 0);
	fx_expect(f, 0x2001, 0x9001, RX, P2M_MT_UC, 0);
	fx_expect(f, 0x2002, 0x9002, RX, P2M_MT_UC, 0);
	fx_expect_none(f, 0x2003);
	assert_int_equal(f->mem.flushes, 0);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_map_2m_leaf(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x200, 0x400, 512, RWX, P2M_MT_WB), 0);
	fx_expect(f, 0x200, 0x400, RWX, P2M_MT_WB, 9);
	fx_expect(f, 0x3ff, 0x5ff, RWX, P2M_MT_WB, 9);
	fx_expect_none(f, 0x1ff);
	fx_expect_none(f, 0x400);
	assert_int_equal(f->p.nr_tables, 3);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_map_1g_leaf(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x40000, 0x80000, 0x40000, RWX, P2M_MT_WB), 0);
	fx_expect(f, 0x40000, 0x80000, RWX, P2M_MT_WB, 18);
	fx_expect(f, 0x7ffff, 0xbffff, RWX, P2M_MT_WB, 18);
	assert_int_equal(f->p.nr_tables, 2);
	/* 2 GiB + 2 MiB + 4 KiB: two 1 GiB leaves, one 2 MiB leaf, one 4 KiB leaf. */
	assert_int_equal(fx_map(f, 0x80000, 0x100000, 0x80000 + 513, R, P2M_MT_WB), 0);
	fx_expect(f, 0xbffff, 0x13ffff, R, P2M_MT_WB, 18);
	fx_expect(f, 0xc0000, 0x140000, R, P2M_MT_WB, 18);
	fx_expect(f, 0x100000, 0x180000, R, P2M_MT_WB, 9);
	fx_expect(f, 0x100200, 0x180200, R, P2M_MT_WB, 0);
	fx_expect_none(f, 0x100201);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_map_mixed_alignment(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x1fe, 0x7fe, 2 + 512 + 3, RW, P2M_MT_WB), 0);
	fx_expect(f, 0x1fe, 0x7fe, RW, P2M_MT_WB, 0);
	fx_expect(f, 0x1ff, 0x7ff, RW, P2M_MT_WB, 0);
	fx_expect(f, 0x200, 0x800, RW, P2M_MT_WB, 9);
	fx_expect(f, 0x3ff, 0x9ff, RW, P2M_MT_WB, 9);
	fx_expect(f, 0x402, 0xa02, RW, P2M_MT_WB, 0);
	fx_expect_none(f, 0x403);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_superpages_disallowed(void **state)
{
	struct fx *f = *state;

	fx_reinit(f, false, false);
	assert_int_equal(fx_map(f, 0x40000, 0x40000, 1024, RW, P2M_MT_WB), 0);
	fx_expect(f, 0x40000, 0x40000, RW, P2M_MT_WB, 0);
	fx_expect(f, 0x403ff, 0x403ff, RW, P2M_MT_WB, 0);
	assert_int_equal(f->p.nr_tables, 5);
	fx_reinit(f, true, false);
	assert_int_equal(fx_map(f, 0x40000, 0x40000, 0x40000, RW, P2M_MT_WB), 0);
	fx_expect(f, 0x40000, 0x40000, RW, P2M_MT_WB, 9);
	fx_expect(f, 0x7ffff, 0x7ffff, RW, P2M_MT_WB, 9);
	assert_int_equal(f->p.nr_tables, 3);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_superpages_unaligned(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x200, 0x401, 512, RW, P2M_MT_WB), 0); /* mfn off by one */
	fx_expect(f, 0x200, 0x401, RW, P2M_MT_WB, 0);
	fx_expect(f, 0x3ff, 0x600, RW, P2M_MT_WB, 0);
	assert_int_equal(fx_map(f, 0x400, 0x400, 511, RW, P2M_MT_WB), 0); /* one page short */
	fx_expect(f, 0x400, 0x400, RW, P2M_MT_WB, 0);
	assert_int_equal(fx_map(f, 0x40000, 0x40200, 0x40000, RW, P2M_MT_WB), 0); /* mfn 2M- but not 1G-aligned */
	fx_expect(f, 0x40000, 0x40200, RW, P2M_MT_WB, 9);
	fx_expect(f, 0x7ffff, 0x801ff, RW, P2M_MT_WB, 9);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_split_2m_keeps_rest(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x200, 0x1000, 512, RWX, P2M_MT_WB), 0);
	assert_int_equal(fx_map(f, 0x205, 0x9999, 1, R, P2M_MT_UC), 0);
	assert_int_equal(f->mem.flushes, 1);
	assert_int_equal(f->p.nr_tables, 4);
	for (unsigned int i = 0; i < 512; i++) {
		if (i == 5)
			fx_expect(f, 0x205, 0x9999, R, P2M_MT_UC, 0);
		else
			fx_expect(f, 0x200 + i, 0x1000 + i, RWX, P2M_MT_WB, 0);
	}
	fx_expect_none(f, 0x400);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_split_1g_keeps_rest(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x40000, 0x80000, 0x40000, RWX, P2M_MT_WB), 0);
	assert_int_equal(fx_map(f, 0x52345, 0x1, 1, RW, P2M_MT_WB), 0); /* 1 GiB -> 2 MiB leaves -> 4 KiB in one */
	assert_int_equal(f->p.nr_tables, 4);
	assert_int_equal(f->mem.flushes, 1);
	fx_expect(f, 0x52345, 0x1, RW, P2M_MT_WB, 0);
	for (uint64_t g = 0x40000; g < 0x80000; g += 512) {
		if (g == 0x52200) {
			fx_expect(f, g, 0x80000 + 0x12200, RWX, P2M_MT_WB, 0);
			fx_expect(f, g + 0x1ff, 0x80000 + 0x123ff, RWX, P2M_MT_WB, 0);
		} else {
			fx_expect(f, g, 0x80000 + (g - 0x40000), RWX, P2M_MT_WB, 9);
		}
	}
	fx_expect(f, 0x7ffff, 0xbffff, RWX, P2M_MT_WB, 9);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_remap_whole_leaf(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x200, 0x1000, 512, RWX, P2M_MT_WB), 0);
	assert_int_equal(fx_map(f, 0x200, 0x3000, 512, RWX, P2M_MT_WB), 0);
	fx_expect(f, 0x210, 0x3010, RWX, P2M_MT_WB, 9);
	assert_int_equal(f->p.nr_tables, 3);
	assert_int_equal(f->mem.flushes, 1);
}

static void test_superpage_over_small_pages(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x200, 0x1001, 512, RWX, P2M_MT_WB), 0);
	assert_int_equal(f->p.nr_tables, 4);
	fake_guard(&f->mem);
	assert_int_equal(fx_map(f, 0x200, 0x2000, 512, RWX, P2M_MT_WB), 0);
	fx_expect(f, 0x2ff, 0x20ff, RWX, P2M_MT_WB, 9);
	assert_int_equal(f->p.nr_tables, 3);
	assert_true(f->mem.flushes >= 1);
	assert_int_equal(f->mem.unsafe_frees, 0);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_unmap_frees_tables(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x1234, 0x10, 1, RW, P2M_MT_WB), 0);
	assert_int_equal(fx_map(f, 0x200, 0x400, 512, RW, P2M_MT_WB), 0);
	assert_int_equal(fx_map(f, 0x40000, 0x40000, 0x40000, RW, P2M_MT_WB), 0);
	assert_int_equal(fx_map(f, 0x8000000, 0x20, 3, RW, P2M_MT_WB), 0);   /* second PML4 slot */
	assert_int_equal(fx_map(f, GFN_END - 1, 0x30, 1, RW, P2M_MT_WB), 0); /* last PML4 slot */
	assert_int_equal(f->p.nr_tables, 4 + 3 + 3);
	fake_guard(&f->mem);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0), GFN_END), 0);
	assert_int_equal(f->p.nr_tables, 1);
	assert_int_equal(f->mem.live, 1);
	assert_int_equal(f->mem.flushes, 1); /* once, at the end */
	assert_int_equal(f->mem.unsafe_frees, 0);
	fx_expect_none(f, 0x1234);
	fx_expect_none(f, 0x300);
	fx_expect_none(f, 0x50000);
	fx_expect_none(f, 0x8000001);
	fx_expect_none(f, GFN_END - 1);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0), GFN_END), 0);
	assert_int_equal(f->mem.flushes, 1); /* nothing removed, no flush */
	p2m_check_tables(&f->p, &f->mem);
}

static void test_unmap_partial_superpage(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x200, 0x1000, 512, RW, P2M_MT_WB), 0);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0x300), 1), 0);
	fx_expect_none(f, 0x300);
	fx_expect(f, 0x2ff, 0x10ff, RW, P2M_MT_WB, 0);
	fx_expect(f, 0x301, 0x1101, RW, P2M_MT_WB, 0);
	assert_int_equal(f->mem.flushes, 1);
	assert_int_equal(f->p.nr_tables, 4);
	fake_guard(&f->mem);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0x200), 0x100), 0);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0x301), 0xff), 0);
	assert_int_equal(f->p.nr_tables, 1);
	assert_int_equal(f->mem.unsafe_frees, 0);
	/* 1 GiB leaf: remove one 2 MiB piece, then one 4 KiB page of another. */
	assert_int_equal(fx_map(f, 0x40000, 0x80000, 0x40000, RW, P2M_MT_WB), 0);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0x40400), 512), 0);
	fx_expect_none(f, 0x40400);
	fx_expect_none(f, 0x405ff);
	fx_expect(f, 0x403ff, 0x803ff, RW, P2M_MT_WB, 9);
	fx_expect(f, 0x40600, 0x80600, RW, P2M_MT_WB, 9);
	assert_int_equal(f->p.nr_tables, 3);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0x40800), 1), 0);
	fx_expect(f, 0x40801, 0x80801, RW, P2M_MT_WB, 0);
	assert_int_equal(f->p.nr_tables, 4);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_unmap_across_tables(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x1f0, 0x1, 0x20, RW, P2M_MT_WB), 0);
	assert_int_equal(f->p.nr_tables, 5);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0x1f8), 0x10), 0);
	fx_expect(f, 0x1f7, 0x8, RW, P2M_MT_WB, 0);
	fx_expect_none(f, 0x1f8);
	fx_expect_none(f, 0x207);
	fx_expect(f, 0x208, 0x19, RW, P2M_MT_WB, 0);
	assert_int_equal(f->p.nr_tables, 5);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0x100), 0x200), 0);
	assert_int_equal(f->p.nr_tables, 1);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_destroy_frees_all(void **state)
{
	struct fx *f = *state;

	for (uint64_t g = 0; g < 64; g++)
		assert_int_equal(fx_map(f, g * 0x40001, g, 1, RW, P2M_MT_WB), 0);
	assert_int_equal(fx_map(f, 0x80000, 0x80000, 0x40000, RW, P2M_MT_WB), 0);
	assert_true(f->mem.live > 64);
	p2m_destroy(&f->p);
	assert_int_equal(f->mem.live, 0);
	assert_int_equal(f->p.root, 0);
	p2m_destroy(&f->p); /* twice is harmless */
	assert_int_equal(fx_map(f, 0, 0, 1, RW, P2M_MT_WB), -EINVAL);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0), 1), -EINVAL);
	assert_int_equal(p2m_query(&f->p, _gfn(0), NULL, NULL, NULL, NULL), -EINVAL);
	assert_false(spin_is_locked(&f->p.lock));
}

static void test_flush_rules(void **state)
{
	struct fx *f = *state;
	struct {
		uint64_t gfn, mfn;
		unsigned int access, mt, flushes;
	} steps[] = {
	    {0x10, 0x100, RW, P2M_MT_WB, 0},  /* fresh */
	    {0x10, 0x100, RW, P2M_MT_WB, 0},  /* identical */
	    {0x10, 0x100, RWX, P2M_MT_WB, 0}, /* more rights */
	    {0x10, 0x100, R, P2M_MT_WB, 1},   /* fewer rights */
	    {0x10, 0x200, R, P2M_MT_WB, 2},   /* other frame */
	    {0x10, 0x200, R, P2M_MT_UC, 3},   /* other memory type */
	    {0x11, 0x300, RW, P2M_MT_WB, 3},  /* a hole next to it */
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(steps); i++) {
		assert_int_equal(fx_map(f, steps[i].gfn, steps[i].mfn, 1, steps[i].access, steps[i].mt), 0);
		assert_int_equal(f->mem.flushes, steps[i].flushes);
		assert_false(spin_is_locked(&f->p.lock));
	}
	assert_int_equal(p2m_unmap(&f->p, _gfn(0x10), 1), 0);
	assert_int_equal(f->mem.flushes, 4);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0x10), 1), 0);
	assert_int_equal(f->mem.flushes, 4);
	/* Splitting a superpage without changing any translation needs no flush. */
	assert_int_equal(fx_map(f, 0x200, 0x1000, 512, RW, P2M_MT_WB), 0);
	assert_int_equal(fx_map(f, 0x205, 0x1005, 1, RW, P2M_MT_WB), 0);
	fx_expect(f, 0x206, 0x1006, RW, P2M_MT_WB, 0);
	assert_int_equal(f->mem.flushes, 4);
}

/* After a failed map of [gfn, gfn+nr) -> mfn over empty space, a prefix is mapped and the rest is not. */
static uint64_t mapped_prefix(struct fx *f, uint64_t gfn, uint64_t mfn, uint64_t nr)
{
	uint64_t k = 0;
	mfn_t got;

	while (k < nr && p2m_query(&f->p, _gfn(gfn + k), &got, NULL, NULL, NULL) == 0) {
		assert_int_equal(mfn_x(got), mfn + k);
		k++;
	}
	for (uint64_t i = k; i < nr; i++)
		fx_expect_none(f, gfn + i);
	return k;
}

static void test_enomem_map(void **state)
{
	struct fx *f = *state;
	uint64_t last = 0;

	/* Crosses a 1 GiB boundary with 4 KiB pages: 5 tables needed. */
	for (long n = 0; n <= 5; n++) {
		fx_reinit(f, true, true);
		f->mem.fail_after = n;
		assert_int_equal(fx_map(f, 0x3fe00, 0x100, 0x400, RW, P2M_MT_WB), n < 5 ? -ENOMEM : 0);
		uint64_t k = mapped_prefix(f, 0x3fe00, 0x100, 0x400);
		assert_true(k >= last);
		last = k;
		assert_int_equal(k, n < 3 ? 0 : n < 5 ? 0x200 : 0x400);
		p2m_check_tables(&f->p, &f->mem);
		f->mem.fail_after = -1;
		assert_int_equal(p2m_unmap(&f->p, _gfn(0), GFN_END), 0);
		assert_int_equal(f->p.nr_tables, 1);
	}
	/* A split that cannot get its table leaves the superpage whole. */
	f->mem.flushes = 0;
	assert_int_equal(fx_map(f, 0x200, 0x1000, 512, RW, P2M_MT_WB), 0);
	f->mem.fail_after = 0;
	assert_int_equal(fx_map(f, 0x205, 0x9999, 1, RW, P2M_MT_WB), -ENOMEM);
	for (unsigned int i = 0; i < 512; i++)
		fx_expect(f, 0x200 + i, 0x1000 + i, RW, P2M_MT_WB, 9);
	assert_int_equal(f->mem.flushes, 0);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_enomem_unmap(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_map(f, 0x40000, 0x80000, 0x40000, RW, P2M_MT_WB), 0);
	f->mem.fail_after = 1; /* 1 GiB -> 2 MiB works, 2 MiB -> 4 KiB does not */
	assert_int_equal(p2m_unmap(&f->p, _gfn(0x40205), 1), -ENOMEM);
	for (uint64_t g = 0x40000; g < 0x80000; g += 0x1ff)
		fx_expect(f, g, 0x80000 + (g - 0x40000), RW, P2M_MT_WB, 9);
	assert_int_equal(f->mem.flushes, 0);
	p2m_check_tables(&f->p, &f->mem);
	/* Progress before the failure stays, and is flushed. */
	f->mem.fail_after = -1;
	assert_int_equal(fx_map(f, 0x0, 0x10, 0x10, RW, P2M_MT_WB), 0);
	f->mem.fail_after = 0;
	fake_guard(&f->mem);
	assert_int_equal(p2m_unmap(&f->p, _gfn(0), 0x40205), -ENOMEM);
	fx_expect_none(f, 0x0);
	fx_expect_none(f, 0x401ff); /* a whole 2 MiB leaf, removed without a split */
	fx_expect(f, 0x40200, 0x80200, RW, P2M_MT_WB, 9);
	assert_int_equal(f->mem.flushes, 1);
	assert_int_equal(f->mem.unsafe_frees, 0);
	p2m_check_tables(&f->p, &f->mem);
}

static void test_bad_args(void **state)
{
	struct fx *f = *state;
	const struct {
		uint64_t gfn, mfn, nr;
		unsigned int access, mt;
	} bad[] = {
	    {0, 0, 0, RW, P2M_MT_WB},                  /* no pages */
	    {GFN_END, 0, 1, RW, P2M_MT_WB},            /* beyond 48-bit guest-physical */
	    {GFN_END - 1, 0, 2, RW, P2M_MT_WB},        /* ends beyond */
	    {~0ULL, 0, 2, RW, P2M_MT_WB},              /* wraps */
	    {0, MFN_END, 1, RW, P2M_MT_WB},            /* beyond 52-bit machine */
	    {0, MFN_END - 1, 2, RW, P2M_MT_WB},        /* ends beyond */
	    {0, ~0ULL, 2, RW, P2M_MT_WB},              /* wraps */
	    {0, 0, 1, 0, P2M_MT_WB},                   /* no rights */
	    {0, 0, 1, 8, P2M_MT_WB},                   /* unknown right */
	    {0, 0, 1, P2M_ACCESS_W, P2M_MT_WB},        /* write without read */
	    {0, 0, 1, P2M_ACCESS_X, P2M_MT_WB},        /* execute-only */
	    {0, 0, 1, P2M_ACCESS_W | P2M_ACCESS_X, 6}, /* write without read */
	    {0, 0, 1, RW, 2},
	    {0, 0, 1, RW, 3},
	    {0, 0, 1, RW, 7},
	};
	struct fake_mem empty;
	struct p2m q;

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(fx_map(f, bad[i].gfn, bad[i].mfn, bad[i].nr, bad[i].access, bad[i].mt), -EINVAL);
		assert_false(spin_is_locked(&f->p.lock));
	}
	assert_int_equal(p2m_unmap(&f->p, _gfn(0), 0), -EINVAL);
	assert_int_equal(p2m_unmap(&f->p, _gfn(GFN_END - 1), 2), -EINVAL);
	assert_int_equal(p2m_unmap(&f->p, _gfn(~0ULL), 2), -EINVAL);
	assert_int_equal(p2m_query(&f->p, _gfn(GFN_END), NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(f->p.nr_tables, 1);
	assert_int_equal(f->mem.flushes, 0);
	/* The very last frames on both sides are fine. */
	assert_int_equal(fx_map(f, GFN_END - 1, MFN_END - 1, 1, RW, P2M_MT_WB), 0);
	fx_expect(f, GFN_END - 1, MFN_END - 1, RW, P2M_MT_WB, 0);
	f->p.max_gfn = 0x1000; /* an owner may narrow the guest-physical space */
	assert_int_equal(fx_map(f, 0x1000, 0, 1, RW, P2M_MT_WB), -EINVAL);
	assert_int_equal(fx_map(f, 0xfff, 0, 1, RW, P2M_MT_WB), 0);
	f->p.max_gfn = GFN_END;
	assert_int_equal(p2m_init(&q, NULL, &fake_table_ops, &f->mem, true, true), -EINVAL);
	assert_int_equal(p2m_init(&q, f->p.fmt, NULL, &f->mem, true, true), -EINVAL);
	fake_init(&empty);
	empty.fail_after = 0;
	assert_int_equal(p2m_init(&q, f->p.fmt, &fake_table_ops, &empty, true, true), -ENOMEM);
	assert_int_equal(q.nr_tables, 0);
	fake_release(&empty);
}

static void test_access_memtype_roundtrip(void **state)
{
	static const unsigned int access[] = {R, RW, RX, RWX};
	static const unsigned int mt[] = {P2M_MT_UC, P2M_MT_WC, P2M_MT_WT, P2M_MT_WP, P2M_MT_WB};
	struct fx *f = *state;
	uint64_t gfn = 0;

	for (unsigned int level = 0; level < 3; level++) {
		uint64_t n = 1ULL << (9 * level);

		for (unsigned int a = 0; a < ARRAY_SIZE(access); a++) {
			for (unsigned int m = 0; m < ARRAY_SIZE(mt); m++, gfn += n) {
				gfn = (gfn + n - 1) & ~(n - 1);
				assert_int_equal(fx_map(f, gfn, gfn + 0x1000000, n, access[a], mt[m]), 0);
				fx_expect(f, gfn + n - 1, gfn + 0x1000000 + n - 1, access[a], mt[m], 9 * level);
			}
		}
	}
	assert_int_equal(f->mem.flushes, 0);
	p2m_check_tables(&f->p, &f->mem);
}

/* Each generic test once per entry format; the format is the test's initial state. */
/* clang-format off */
#define CASE(fn, suffix, ops) {#fn suffix, fn, fx_setup, fx_teardown, (void *)&(ops)}
#define BOTH(fn) CASE(fn, "/ept", p2m_ept_ops), CASE(fn, "/npt", p2m_npt_ops)
/* clang-format on */

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(test_map_query_4k),
	    BOTH(test_map_2m_leaf),
	    BOTH(test_map_1g_leaf),
	    BOTH(test_map_mixed_alignment),
	    BOTH(test_superpages_disallowed),
	    BOTH(test_superpages_unaligned),
	    BOTH(test_split_2m_keeps_rest),
	    BOTH(test_split_1g_keeps_rest),
	    BOTH(test_remap_whole_leaf),
	    BOTH(test_superpage_over_small_pages),
	    BOTH(test_unmap_frees_tables),
	    BOTH(test_unmap_partial_superpage),
	    BOTH(test_unmap_across_tables),
	    BOTH(test_destroy_frees_all),
	    BOTH(test_flush_rules),
	    BOTH(test_enomem_map),
	    BOTH(test_enomem_unmap),
	    BOTH(test_bad_args),
	    BOTH(test_access_memtype_roundtrip),
	    BOTH(test_random_against_shadow),
	    CASE(test_ept_entry_bits, "", p2m_ept_ops),
	    CASE(test_npt_entry_bits, "", p2m_npt_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
