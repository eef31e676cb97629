/* Fake table memory, table-walk invariants and the fixture of the p2m tests (tests/unit/test_p2m*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "p2m_fake.h"
#include <mica/errno.h>
#include <mica/string.h>

static unsigned int fake_index(struct fake_mem *m, paddr_t pa)
{
	uint64_t idx = (pa - FAKE_BASE) / PAGE_SIZE;

	assert_true(pa >= FAKE_BASE && !(pa & (PAGE_SIZE - 1)));
	assert_true(idx < FAKE_PAGES);
	assert_true(m->used[idx]); /* use after free or a wild address */
	return (unsigned int)idx;
}

static paddr_t fake_alloc(void *ctx)
{
	struct fake_mem *m = ctx;

	if (m->fail_after == 0)
		return 0;
	if (m->fail_after > 0)
		m->fail_after--;
	for (unsigned int i = 0; i < FAKE_PAGES; i++) {
		if (m->used[i])
			continue;
		if (!m->page[i])
			m->page[i] = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
		assert_non_null(m->page[i]);
		memset(m->page[i], 0, PAGE_SIZE);
		m->used[i] = true;
		m->live++;
		return FAKE_BASE + i * PAGE_SIZE;
	}
	return 0;
}

static void fake_free(void *ctx, paddr_t pa)
{
	struct fake_mem *m = ctx;
	unsigned int i = fake_index(m, pa);

	if (m->guard && m->flushes == m->guard_flushes)
		m->unsafe_frees++;
	memset(m->page[i], 0xa5, PAGE_SIZE); /* poison: stale walks would read garbage */
	m->used[i] = false;
	m->live--;
}

static void *fake_map(void *ctx, paddr_t pa)
{
	struct fake_mem *m = ctx;

	return m->page[fake_index(m, pa)];
}

static void fake_flush(void *ctx)
{
	struct fake_mem *m = ctx;

	m->flushes++;
}

const struct p2m_table_ops fake_table_ops = {
    .alloc = fake_alloc,
    .free = fake_free,
    .map = fake_map,
    .flush = fake_flush,
};

void fake_init(struct fake_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->fail_after = -1;
}

void fake_release(struct fake_mem *m)
{
	for (unsigned int i = 0; i < FAKE_PAGES; i++)
		free(m->page[i]);
	memset(m, 0, sizeof(*m));
}

void fake_guard(struct fake_mem *m)
{
	m->guard = true;
	m->guard_flushes = m->flushes;
}

static unsigned int count_tables(struct p2m *p, paddr_t table, unsigned int level)
{
	const uint64_t *t = p->tables->map(p->ctx, table);
	unsigned int n = 1, present = 0;

	for (unsigned int i = 0; i < 512; i++) {
		if (!p->fmt->present(t[i]))
			continue;
		present++;
		if (level > 1 && !p->fmt->is_superpage(t[i]))
			n += count_tables(p, p->fmt->table_addr(t[i]), level - 1);
	}
	if (level < P2M_LEVELS)
		assert_true(present > 0); /* an empty table should have been freed */
	return n;
}

void p2m_check_tables(struct p2m *p, struct fake_mem *m)
{
	unsigned int n = count_tables(p, p->root, P2M_LEVELS);

	assert_int_equal(n, p->nr_tables);
	assert_int_equal(n, m->live);
	assert_false(spin_is_locked(&p->lock));
}

uint64_t p2m_raw_entry(struct p2m *p, uint64_t gfn, unsigned int level)
{
	paddr_t table = p->root;

	for (unsigned int l = P2M_LEVELS;; l--) {
		const uint64_t *t = p->tables->map(p->ctx, table);
		uint64_t pte = t[(gfn >> (9 * (l - 1))) & 511];

		if (l == level)
			return pte;
		assert_true(p->fmt->present(pte) && !p->fmt->is_superpage(pte));
		table = pte & 0x000ffffffffff000ULL; /* bits 51:12 in both formats */
	}
}

int fx_setup(void **state)
{
	const struct p2m_pte_ops *fmt = *state;
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fake_init(&f->mem);
	assert_int_equal(p2m_init(&f->p, fmt, &fake_table_ops, &f->mem, true, true), 0);
	assert_int_equal(f->p.nr_tables, 1);
	*state = f;
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *f = *state;

	p2m_destroy(&f->p);
	assert_int_equal(f->mem.live, 0); /* no table leaked */
	fake_release(&f->mem);
	free(f);
	return 0;
}

void fx_reinit(struct fx *f, bool allow_2m, bool allow_1g)
{
	p2m_destroy(&f->p);
	assert_int_equal(f->mem.live, 0);
	assert_int_equal(p2m_init(&f->p, f->p.fmt, &fake_table_ops, &f->mem, allow_2m, allow_1g), 0);
}

bool fx_is_npt(const struct fx *f)
{
	return f->p.fmt == &p2m_npt_ops;
}

unsigned int fx_mt(const struct fx *f, unsigned int mt)
{
	return !fx_is_npt(f) || mt == P2M_MT_WB || mt == P2M_MT_WT ? mt : P2M_MT_UC;
}

int fx_map(struct fx *f, uint64_t gfn, uint64_t mfn, uint64_t nr, unsigned int access, unsigned int mt)
{
	return p2m_map(&f->p, _gfn(gfn), _mfn(mfn), nr, access, mt);
}

void fx_expect(struct fx *f, uint64_t gfn, uint64_t mfn, unsigned int access, unsigned int mt, unsigned int order)
{
	unsigned int a, m, o;
	mfn_t got;

	assert_int_equal(p2m_query(&f->p, _gfn(gfn), &got, &a, &m, &o), 0);
	assert_int_equal(mfn_x(got), mfn);
	assert_int_equal(a, access);
	assert_int_equal(m, fx_mt(f, mt));
	assert_int_equal(o, order);
}

void fx_expect_none(struct fx *f, uint64_t gfn)
{
	assert_int_equal(p2m_query(&f->p, _gfn(gfn), NULL, NULL, NULL, NULL), -ENOENT);
}
