/*
 * p2m tests, part 2: raw EPT and NPT entry bits checked against the manuals'
 * layouts, and a random map/unmap run compared with a shadow map.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "p2m_fake.h"
#include <asm/p2m.h>
#include <mica/errno.h>
#include <mica/string.h>

#define ADDR_BITS 0x000ffffffffff000ULL

/* The leaves both tests map, at levels 1 (4 KiB), 2 (2 MiB) and 3 (1 GiB). */
static const struct leaf_case {
	uint64_t gfn, mfn, nr;
	unsigned int level, access, mt;
	uint64_t ept, npt;
} leaves[] = {
    {0x10, 0x12345, 1, 1, RWX, P2M_MT_WB, 0x12345077ULL, 0x12345007ULL},
    {0x11, MFN_END - 1, 1, 1, R, P2M_MT_UC, 0x000ffffffffff041ULL, 0x800ffffffffff01dULL},
    {0x12, 0x1, 1, 1, RX, P2M_MT_WT, 0x1065ULL, 0x100dULL},
    {0x200, 0x400, 512, 2, RW, P2M_MT_WB, 0x4000f3ULL, 0x8000000000400087ULL},
    {0x400, 0x600, 512, 2, R, P2M_MT_WP, 0x6000e9ULL, 0x800000000060009dULL},
    {0x40000, 0x80000, 0x40000, 3, RWX, P2M_MT_WC, 0x800000cfULL, 0x8000009fULL},
};

static void map_leaves(struct fx *f)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(leaves); i++)
		assert_int_equal(fx_map(f, leaves[i].gfn, leaves[i].mfn, leaves[i].nr, leaves[i].access, leaves[i].mt),
				 0);
}

/* Every table entry on the way to gfn's leaf: the next table's address and exactly the low bits given. */
static void check_table_entries(struct fx *f, uint64_t gfn, unsigned int leaf_level, uint64_t flags)
{
	for (unsigned int level = P2M_LEVELS; level > leaf_level; level--) {
		uint64_t pte = p2m_raw_entry(&f->p, gfn, level);

		assert_int_equal(pte & ~ADDR_BITS, flags);
		assert_true((pte & ADDR_BITS) >= FAKE_BASE && (pte & ADDR_BITS) < FAKE_BASE + FAKE_PAGES * PAGE_SIZE);
	}
}

/*
 * SDM Vol. 3C §29.3.2: leaves are R/W/X in bits 2:0, memory type in 5:3,
 * ignore-PAT bit 6, large-page bit 7, frame from bit 12; tables are RWX with
 * bits 7:3 zero. EPTP (§25.6.11): WB (6) | walk length 3 << 3 | root.
 */
void test_ept_entry_bits(void **state)
{
	struct fx *f = *state;

	map_leaves(f);
	for (unsigned int i = 0; i < ARRAY_SIZE(leaves); i++) {
		assert_int_equal(p2m_raw_entry(&f->p, leaves[i].gfn, leaves[i].level), leaves[i].ept);
		check_table_entries(f, leaves[i].gfn, leaves[i].level, 0x7);
	}
	assert_int_equal(p2m_ept_pointer(&f->p), f->p.root | 0x1e);
}

/*
 * APM Vol. 2 §15.25 and §5.4: leaves are P | U/S, R/W from write, NX (bit
 * 63) without execute, PWT/PCD (WB 0, WT PWT, UC/WC/WP PCD|PWT), PS for large
 * pages; tables are P | R/W | U/S only. nCR3 is the root.
 */
void test_npt_entry_bits(void **state)
{
	struct fx *f = *state;

	map_leaves(f);
	for (unsigned int i = 0; i < ARRAY_SIZE(leaves); i++) {
		assert_int_equal(p2m_raw_entry(&f->p, leaves[i].gfn, leaves[i].level), leaves[i].npt);
		check_table_entries(f, leaves[i].gfn, leaves[i].level, 0x7);
	}
	assert_int_equal(p2m_npt_cr3(&f->p), f->p.root);
}

/* A window of 2048 frames across a 1 GiB boundary (four 2 MiB regions), and what it should map. */
#define WIN_BASE 0x3fc00ULL
#define WIN_PAGES 2048
#define ROUNDS 1000

struct shadow {
	bool present;
	uint64_t mfn;
	unsigned int access, mt;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool shadow_matches(struct fx *f, const struct shadow *s, uint64_t gfn)
{
	unsigned int a, m;
	mfn_t mfn;

	if (p2m_query(&f->p, _gfn(gfn), &mfn, &a, &m, NULL) < 0)
		return !s->present;
	return s->present && mfn_x(mfn) == s->mfn && a == s->access && m == s->mt;
}

/* Applies an operation on [start, start+nr) to the shadow; tells whether anything was there and was weakened. */
static void shadow_apply(struct shadow *sh, uint64_t start, uint64_t nr, const struct shadow *to, bool *was_present,
			 bool *weakened)
{
	*was_present = *weakened = false;
	for (uint64_t i = 0; i < nr; i++) {
		struct shadow *s = &sh[start - WIN_BASE + i], n = *to;

		n.mfn += to->present ? i : 0;
		*was_present |= s->present;
		if (s->present && (!n.present || s->mfn != n.mfn || s->mt != n.mt || (s->access & ~n.access)))
			*weakened = true;
		*s = n;
	}
}

/* After -ENOMEM, the first k frames took the new state and the rest kept the old one; finds k. */
static uint64_t matched_prefix(struct fx *f, const struct shadow *sh, uint64_t start, uint64_t nr,
			       const struct shadow *to)
{
	uint64_t k = 0;

	for (; k < nr; k++) {
		struct shadow n = *to;

		n.mfn += to->present ? k : 0;
		if (!shadow_matches(f, &n, start + k))
			break;
	}
	for (uint64_t i = k; i < nr; i++)
		assert_true(shadow_matches(f, &sh[start - WIN_BASE + i], start + i));
	return k;
}

static void random_op(struct fx *f, struct shadow *sh)
{
	static const unsigned int access[] = {R, RW, RX, RWX};
	static const unsigned int mt[] = {P2M_MT_UC, P2M_MT_WC, P2M_MT_WT, P2M_MT_WP, P2M_MT_WB};
	uint64_t start = WIN_BASE + rng() % WIN_PAGES, nr = 1 + rng() % 1100, k;
	struct shadow to = {.present = rng() % 3 != 0};
	unsigned int flushes = f->mem.flushes, unsafe = f->mem.unsafe_frees;
	bool was_present, weakened;
	int rc;

	if (rng() % 2) { /* favour 2 MiB-aligned ranges, so superpages come and go */
		start &= ~511ULL;
		nr = 512 * (1 + rng() % 3);
	}
	nr = MIN(nr, WIN_BASE + WIN_PAGES - start);
	to.mfn = rng() % 2 ? (rng() % 0x100000 & ~511ULL) + (start & 511) : rng() % 0x100000;
	to.access = access[rng() % ARRAY_SIZE(access)];
	to.mt = mt[rng() % ARRAY_SIZE(mt)];
	f->mem.fail_after = rng() % 4 == 0 ? (long)(rng() % 3) : -1;
	fake_guard(&f->mem);
	if (to.present)
		rc = fx_map(f, start, to.mfn, nr, to.access, to.mt);
	else
		rc = p2m_unmap(&f->p, _gfn(start), nr);
	to.mt = fx_mt(f, to.mt);
	assert_true(rc == 0 || rc == -ENOMEM);
	if (rc == 0) /* frees of never-linked spares after -ENOMEM are fine */
		assert_int_equal(f->mem.unsafe_frees, unsafe);
	k = rc ? matched_prefix(f, sh, start, nr, &to) : nr;
	shadow_apply(sh, start, k, &to, &was_present, &weakened);
	if (!was_present)
		assert_int_equal(f->mem.flushes, flushes); /* new translations need no flush */
	else if (!to.present)
		assert_int_equal(f->mem.flushes, flushes + 1); /* one flush per unmap */
	else if (weakened)
		assert_true(f->mem.flushes > flushes);
	f->mem.fail_after = -1;
}

void test_random_against_shadow(void **state)
{
	struct fx *f = *state;
	struct shadow *sh = calloc(WIN_PAGES, sizeof(*sh));

	assert_non_null(sh);
	for (unsigned int round = 0; round < ROUNDS; round++) {
		random_op(f, sh);
		for (uint64_t i = 0; i < WIN_PAGES; i++)
			assert_true(shadow_matches(f, &sh[i], WIN_BASE + i));
		p2m_check_tables(&f->p, &f->mem);
	}
	fx_expect_none(f, WIN_BASE - 1);
	fx_expect_none(f, WIN_BASE + WIN_PAGES);
	assert_int_equal(p2m_unmap(&f->p, _gfn(WIN_BASE), WIN_PAGES), 0);
	assert_int_equal(f->p.nr_tables, 1);
	free(sh);
}
