/* Shared by the p2m tests: fake table memory (4 KiB pages at made-up machine addresses) and a fixture. */
#ifndef TEST_P2M_FAKE_H
#define TEST_P2M_FAKE_H

#include <asm/p2m.h>
#include <mica/types.h>

#define FAKE_BASE 0x00000ab000000000ULL /* fake machine address of page 0 (bit 43 set: tests wide addresses) */
#define FAKE_PAGES 1024

struct fake_mem {
	void *page[FAKE_PAGES];
	bool used[FAKE_PAGES];
	long fail_after;   /* allocations that still succeed; negative: all do */
	unsigned int live; /* pages allocated and not freed */
	unsigned int flushes;
	bool guard; /* count frees that happen before any flush since guard_flushes */
	unsigned int guard_flushes, unsafe_frees;
};

extern const struct p2m_table_ops fake_table_ops;

void fake_init(struct fake_mem *m);
void fake_release(struct fake_mem *m);
/* Start checking that no table is freed before the next flush. */
void fake_guard(struct fake_mem *m);

/*
 * Walks the whole p2m: every table is reachable once, no table but the root
 * is empty, and the count matches p->nr_tables and the pages in use.
 */
void p2m_check_tables(struct p2m *p, struct fake_mem *m);
/* The raw entry for gfn at level (4 = root), walking through tables; asserts the path is present. */
uint64_t p2m_raw_entry(struct p2m *p, uint64_t gfn, unsigned int level);

#define RW (P2M_ACCESS_R | P2M_ACCESS_W)
#define RX (P2M_ACCESS_R | P2M_ACCESS_X)
#define RWX P2M_ACCESS_RWX
#define R P2M_ACCESS_R
#define GFN_END (1ULL << 36)
#define MFN_END (1ULL << 40)

/* A p2m over fake memory; the cmocka state of every test. */
struct fx {
	struct fake_mem mem;
	struct p2m p;
};

/* setup() takes the entry format (the test's initial state); teardown() also checks for leaks. */
int fx_setup(void **state);
int fx_teardown(void **state);
void fx_reinit(struct fx *f, bool allow_2m, bool allow_1g);
bool fx_is_npt(const struct fx *f);
/* The memory type a query returns for one that was mapped (NPT has no WC or WP under the default PAT). */
unsigned int fx_mt(const struct fx *f, unsigned int mt);
int fx_map(struct fx *f, uint64_t gfn, uint64_t mfn, uint64_t nr, unsigned int access, unsigned int mt);
void fx_expect(struct fx *f, uint64_t gfn, uint64_t mfn, unsigned int access, unsigned int mt, unsigned int order);
void fx_expect_none(struct fx *f, uint64_t gfn);

/* In test_p2m_entries.c. */
void test_ept_entry_bits(void **state);
void test_npt_entry_bits(void **state);
void test_random_against_shadow(void **state);

#endif
