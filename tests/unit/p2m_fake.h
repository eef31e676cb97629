/* Fake table memory for the p2m tests: a pool of 4 KiB pages at made-up machine addresses. */
#ifndef TEST_P2M_FAKE_H
#define TEST_P2M_FAKE_H

#include <asm/p2m.h>
#include <mica/types.h>

#define FAKE_BASE 0x00000ab000000000ULL /* fake machine address of page 0 (bit 43 set: tests wide addresses) */
#define FAKE_PAGES 1024

struct fake_mem {
	void *page[FAKE_PAGES];
	bool used[FAKE_PAGES];
	long fail_after;        /* allocations that still succeed; negative: all do */
	unsigned int live;      /* pages allocated and not freed */
	unsigned int flushes;
	bool guard;             /* count frees that happen before any flush since guard_flushes */
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

#endif
