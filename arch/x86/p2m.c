/*
 * The p2m walk, written once for both entry formats: map, unmap and query
 * ranges of guest frames over 4-level tables, splitting superpages that are
 * partly changed and freeing tables that become empty.
 *
 * Rules the code keeps, because other CPUs may be walking the tables while
 * they change (guest vCPUs run concurrently with p2m updates):
 *  - an entry is written with one 64-bit store, and a new table is filled in
 *    before the entry pointing at it is written;
 *  - a translation that goes away, loses rights, or changes frame or memory
 *    type sets op->flush, and the owner's flush hook runs before the lock
 *    drops (new translations need none: the CPU does not cache non-present
 *    entries as translations);
 *  - a table page that was reachable is freed only after a flush, since
 *    paging-structure caches may still point at it (SDM Vol. 3A §4.10.3,
 *    which EPT follows per Vol. 3C §29.4; APM Vol. 2 §15.25 for NPT).
 */
#include <asm/p2m.h>
#include <mica/errno.h>
#include <mica/string.h>

#define ENTRIES 512
#define GFN_LIMIT (1ULL << P2M_GFN_BITS)
#define MFN_LIMIT (1ULL << P2M_MFN_BITS)

/* What one update did: whether translations must be flushed, and tables waiting for that flush. */
struct p2m_op {
	bool flush;
	paddr_t freelist;
};

/* Tables allocated before a walk starts, so that the walk itself cannot fail. */
struct spares {
	paddr_t pa[P2M_LEVELS];
	unsigned int n;
};

/* Guest frames one entry of a level covers: 1, 512, 512^2, 512^3. */
static inline uint64_t level_pages(unsigned int level)
{
	return 1ULL << (9 * (level - 1));
}

static inline unsigned int level_index(uint64_t gfn, unsigned int level)
{
	return (gfn >> (9 * (level - 1))) & (ENTRIES - 1);
}

static inline uint64_t *table_va(struct p2m *p, paddr_t pa)
{
	return p->tables->map(p->ctx, pa);
}

static inline uint64_t *entry_of(struct p2m *p, paddr_t table, unsigned int level, uint64_t gfn)
{
	return &table_va(p, table)[level_index(gfn, level)];
}

static inline uint64_t read_pte(const uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_RELAXED);
}

/* Release order: a table's contents are visible before the entry that links it. */
static inline void write_pte(uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

static bool is_leaf(const struct p2m *p, uint64_t pte, unsigned int level)
{
	return level == 1 || p->fmt->is_superpage(pte);
}

static paddr_t alloc_table(struct p2m *p)
{
	paddr_t pa = p->tables->alloc(p->ctx);

	if (pa)
		p->nr_tables++;
	return pa;
}

static void free_table(struct p2m *p, paddr_t pa)
{
	p->tables->free(p->ctx, pa);
	p->nr_tables--;
}

static bool table_empty(struct p2m *p, paddr_t table)
{
	const uint64_t *t = table_va(p, table);

	for (unsigned int i = 0; i < ENTRIES; i++)
		if (p->fmt->present(read_pte(&t[i])))
			return false;
	return true;
}

/* Frees a table and every table below it (level is the table's own level). */
static void free_subtree(struct p2m *p, paddr_t table, unsigned int level)
{
	const uint64_t *t = table_va(p, table);

	for (unsigned int i = 0; level > 1 && i < ENTRIES; i++) {
		uint64_t pte = read_pte(&t[i]);

		if (p->fmt->present(pte) && !p->fmt->is_superpage(pte))
			free_subtree(p, p->fmt->table_addr(pte), level - 1);
	}
	free_table(p, table);
}

/*
 * Queues an empty, already unlinked table for freeing after the flush. The
 * list is threaded through entry 0: a page-aligned value has bits 2:0 clear,
 * which is "not present" in both formats, so a stale walker still sees an
 * empty table.
 */
static void defer_free(struct p2m *p, struct p2m_op *op, paddr_t table)
{
	write_pte(&table_va(p, table)[0], op->freelist);
	op->freelist = table;
}

/* Flushes if anything needs it, then frees the tables that were waiting for the flush. */
static void op_finish(struct p2m *p, struct p2m_op *op)
{
	if (op->flush || op->freelist)
		p->tables->flush(p->ctx);
	op->flush = false;
	while (op->freelist) {
		paddr_t pa = op->freelist;

		op->freelist = read_pte(&table_va(p, pa)[0]);
		free_table(p, pa);
	}
}

/* Fills the fresh table at pa with the 512 next-level leaves that map what leaf (at level) mapped. */
static void fill_split(struct p2m *p, paddr_t pa, uint64_t leaf, unsigned int level)
{
	const struct p2m_pte_ops *f = p->fmt;
	uint64_t *t = table_va(p, pa);
	mfn_t base = f->leaf_mfn(leaf, level);
	unsigned int access = f->leaf_access(leaf), memtype = f->leaf_memtype(leaf);

	for (unsigned int i = 0; i < ENTRIES; i++)
		write_pte(&t[i], f->make_leaf(mfn_add(base, i * level_pages(level - 1)), level - 1, access, memtype));
}

/*
 * The table below entry e (at level > 1): the one already there, or a spare
 * linked in, empty or holding the split of the superpage that was there. A
 * split maps exactly what the superpage did, so it needs no flush.
 */
static paddr_t descend(struct p2m *p, uint64_t *e, unsigned int level, struct spares *s)
{
	uint64_t pte = read_pte(e);
	paddr_t pa;

	if (p->fmt->present(pte) && !p->fmt->is_superpage(pte))
		return p->fmt->table_addr(pte);
	pa = s->pa[--s->n];
	if (p->fmt->present(pte))
		fill_split(p, pa, pte, level);
	write_pte(e, p->fmt->make_table(pa));
	return pa;
}

/* How many tables a walk from the root to an entry at target level must add (new or split). */
static unsigned int tables_needed(struct p2m *p, uint64_t gfn, unsigned int target)
{
	paddr_t table = p->root;

	for (unsigned int level = P2M_LEVELS; level > target; level--) {
		uint64_t pte = read_pte(entry_of(p, table, level, gfn));

		if (!p->fmt->present(pte) || p->fmt->is_superpage(pte))
			return level - target;
		table = p->fmt->table_addr(pte);
	}
	return 0;
}

static int get_spares(struct p2m *p, struct spares *s, unsigned int need)
{
	for (s->n = 0; s->n < need; s->n++) {
		s->pa[s->n] = alloc_table(p);
		if (!s->pa[s->n]) {
			while (s->n)
				free_table(p, s->pa[--s->n]); /* never linked: no flush needed */
			return -ENOMEM;
		}
	}
	return 0;
}

/* Whether replacing leaf old by new (same level) takes away anything a cached translation grants. */
static bool weakens(const struct p2m *p, uint64_t old, uint64_t new, unsigned int level)
{
	const struct p2m_pte_ops *f = p->fmt;

	if (!f->present(new))
		return true;
	return !mfn_eq(f->leaf_mfn(old, level), f->leaf_mfn(new, level)) ||
	       f->leaf_memtype(old) != f->leaf_memtype(new) || (f->leaf_access(old) & ~f->leaf_access(new));
}

/* Writes leaf new over entry e at level, dealing with what was there. */
static void replace_entry(struct p2m *p, struct p2m_op *op, uint64_t *e, unsigned int level, uint64_t new)
{
	uint64_t old = read_pte(e);

	write_pte(e, new);
	if (!p->fmt->present(old))
		return;
	if (!is_leaf(p, old, level)) {
		/* A whole subtree went away: flush now, then free it. Rare (a superpage over small pages). */
		op->flush = true;
		op_finish(p, op);
		free_subtree(p, p->fmt->table_addr(old), level - 1);
	} else if (weakens(p, old, new, level)) {
		op->flush = true;
	}
}

/* Sets the entry for gfn at level to leaf, adding or splitting tables on the way. */
static int set_leaf(struct p2m *p, struct p2m_op *op, uint64_t gfn, unsigned int level, uint64_t leaf)
{
	struct spares s;
	paddr_t table = p->root;
	int rc = get_spares(p, &s, tables_needed(p, gfn, level));

	if (rc)
		return rc;
	for (unsigned int l = P2M_LEVELS; l > level; l--)
		table = descend(p, entry_of(p, table, l, gfn), l, &s);
	replace_entry(p, op, entry_of(p, table, level, gfn), level, leaf);
	return 0;
}

/* The largest allowed leaf level for which gfn, mfn and the remaining length line up. */
static unsigned int leaf_level(const struct p2m *p, uint64_t gfn, uint64_t mfn, uint64_t nr)
{
	for (unsigned int level = 3; level > 1; level--) {
		uint64_t n = level_pages(level);

		if ((level == 3 ? p->allow_1g : p->allow_2m) && !((gfn | mfn) & (n - 1)) && nr >= n)
			return level;
	}
	return 1;
}

static bool memtype_ok(unsigned int mt)
{
	return mt == P2M_MT_UC || mt == P2M_MT_WC || mt == P2M_MT_WT || mt == P2M_MT_WP || mt == P2M_MT_WB;
}

static bool range_ok(const struct p2m *p, uint64_t gfn, uint64_t nr)
{
	return p->root && nr && gfn < p->max_gfn && nr <= p->max_gfn - gfn;
}

static int check_map(const struct p2m *p, uint64_t gfn, uint64_t mfn, uint64_t nr, unsigned int access,
		     unsigned int memtype)
{
	if (!range_ok(p, gfn, nr) || mfn >= MFN_LIMIT || nr > MFN_LIMIT - mfn)
		return -EINVAL;
	if (!access || (access & ~P2M_ACCESS_RWX) || !p->fmt->access_ok(access) || !memtype_ok(memtype))
		return -EINVAL;
	return 0;
}

int p2m_init(struct p2m *p, const struct p2m_pte_ops *fmt, const struct p2m_table_ops *tables, void *ctx, bool allow_2m,
	     bool allow_1g)
{
	if (!p || !fmt || !tables || !tables->alloc || !tables->free || !tables->map || !tables->flush)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->fmt = fmt;
	p->tables = tables;
	p->ctx = ctx;
	p->allow_2m = allow_2m;
	p->allow_1g = allow_1g;
	p->lock = (spinlock_t)SPINLOCK_INIT;
	p->max_gfn = GFN_LIMIT;
	p->root = alloc_table(p);
	return p->root ? 0 : -ENOMEM;
}

int p2m_map(struct p2m *p, gfn_t gfn, mfn_t mfn, uint64_t nr_pages, unsigned int access, unsigned int memtype)
{
	uint64_t g = gfn_x(gfn), m = mfn_x(mfn), nr = nr_pages;
	struct p2m_op op = {0};
	int rc;

	spin_lock(&p->lock);
	rc = check_map(p, g, m, nr, access, memtype);
	while (!rc && nr) {
		unsigned int level = leaf_level(p, g, m, nr);
		uint64_t n = level_pages(level);

		rc = set_leaf(p, &op, g, level, p->fmt->make_leaf(_mfn(m), level, access, memtype));
		if (!rc) {
			g += n;
			m += n;
			nr -= n;
		}
	}
	op_finish(p, &op);
	spin_unlock(&p->lock);
	return rc;
}

/* Turns the superpage at e (level 2 or 3) into a table of smaller leaves mapping the same. */
static int split_in_place(struct p2m *p, uint64_t *e, unsigned int level)
{
	paddr_t pa = alloc_table(p);

	if (!pa)
		return -ENOMEM;
	fill_split(p, pa, read_pte(e), level);
	write_pte(e, p->fmt->make_table(pa));
	return 0;
}

/* Removes [gfn, end) from the part of the map below table (at level). */
static int unmap_below(struct p2m *p, struct p2m_op *op, paddr_t table, unsigned int level, uint64_t gfn, uint64_t end)
{
	while (gfn < end) {
		uint64_t *e = entry_of(p, table, level, gfn);
		uint64_t span = level_pages(level), start = gfn & ~(span - 1), stop = MIN(start + span, end);
		uint64_t pte = read_pte(e);
		paddr_t child;
		int rc = 0;

		if (!p->fmt->present(pte)) {
			gfn = stop;
			continue;
		}
		if (is_leaf(p, pte, level) && gfn == start && stop == start + span) {
			write_pte(e, 0);
			op->flush = true;
			gfn = stop;
			continue;
		}
		if (is_leaf(p, pte, level) && (rc = split_in_place(p, e, level)))
			return rc;
		child = p->fmt->table_addr(read_pte(e));
		rc = unmap_below(p, op, child, level - 1, gfn, stop);
		if (table_empty(p, child)) {
			write_pte(e, 0);
			defer_free(p, op, child);
		}
		if (rc)
			return rc;
		gfn = stop;
	}
	return 0;
}

int p2m_unmap(struct p2m *p, gfn_t gfn, uint64_t nr_pages)
{
	struct p2m_op op = {0};
	int rc = -EINVAL;

	spin_lock(&p->lock);
	if (range_ok(p, gfn_x(gfn), nr_pages))
		rc = unmap_below(p, &op, p->root, P2M_LEVELS, gfn_x(gfn), gfn_x(gfn) + nr_pages);
	op_finish(p, &op);
	spin_unlock(&p->lock);
	return rc;
}

int p2m_query(struct p2m *p, gfn_t gfn, mfn_t *mfn, unsigned int *access, unsigned int *memtype, unsigned int *order)
{
	const struct p2m_pte_ops *f = p->fmt;
	uint64_t g = gfn_x(gfn), pte = 0;
	unsigned int level = P2M_LEVELS;
	paddr_t table = p->root;
	int rc = -EINVAL;

	spin_lock(&p->lock);
	if (!range_ok(p, g, 1))
		goto out;
	rc = -ENOENT;
	for (;; level--) {
		pte = read_pte(entry_of(p, table, level, g));
		if (!f->present(pte))
			goto out;
		if (is_leaf(p, pte, level))
			break;
		table = f->table_addr(pte);
	}
	rc = 0;
	if (mfn)
		*mfn = mfn_add(f->leaf_mfn(pte, level), g & (level_pages(level) - 1));
	if (access)
		*access = f->leaf_access(pte);
	if (memtype)
		*memtype = f->leaf_memtype(pte);
	if (order)
		*order = 9 * (level - 1);
out:
	spin_unlock(&p->lock);
	return rc;
}

void p2m_destroy(struct p2m *p)
{
	spin_lock(&p->lock);
	if (p->root)
		free_subtree(p, p->root, P2M_LEVELS);
	p->root = 0;
	spin_unlock(&p->lock);
}
