/*
 * The p2m: a domain's guest-physical -> machine map, kept as the 4-level EPT
 * (VT-x) or NPT (AMD-V) tables the CPU walks. The walk, split and free logic
 * is generic (p2m.c); the two entry formats are p2m_pte_ops tables
 * (p2m_ept.c, p2m_npt.c). Table memory comes from the caller's p2m_table_ops.
 */
#ifndef ASM_P2M_H
#define ASM_P2M_H

#include <mica/mm_types.h>
#include <mica/spinlock.h>
#include <mica/types.h>

/* Access rights of a mapping (0, none, is never a valid mapping). */
enum p2m_access {
	P2M_ACCESS_R = 1,
	P2M_ACCESS_W = 2,
	P2M_ACCESS_X = 4,
	P2M_ACCESS_RWX = 7,
};

/* Memory types, numbered as MTRRs and EPT encode them (SDM Vol. 3A, "Memory Cache Control"). */
enum p2m_memtype {
	P2M_MT_UC = 0,
	P2M_MT_WC = 1,
	P2M_MT_WT = 4,
	P2M_MT_WP = 5,
	P2M_MT_WB = 6,
};

#define P2M_LEVELS 4
#define P2M_GFN_BITS (48 - PAGE_SHIFT) /* 48-bit guest-physical addresses */
#define P2M_MFN_BITS (52 - PAGE_SHIFT) /* 52-bit machine addresses */

/*
 * One entry format. Levels count from the leaf: 1 maps 4 KiB, 2 maps 2 MiB
 * (or points at a level-1 table), 3 maps 1 GiB, 4 is the root.
 */
struct p2m_pte_ops {
	const char *name;
	/* Entry pointing at a next-level table at machine address table. */
	uint64_t (*make_table)(paddr_t table);
	/* Leaf at level mapping mfn (aligned to the level) with access and memtype (both valid). */
	uint64_t (*make_leaf)(mfn_t mfn, unsigned int level, unsigned int access, unsigned int memtype);
	bool (*present)(uint64_t pte);
	/* A present level-2 or level-3 entry that maps a page rather than a table. */
	bool (*is_superpage)(uint64_t pte);
	paddr_t (*table_addr)(uint64_t pte);
	mfn_t (*leaf_mfn)(uint64_t pte, unsigned int level);
	unsigned int (*leaf_access)(uint64_t pte);
	unsigned int (*leaf_memtype)(uint64_t pte);
	/* Whether this format can express exactly these rights. */
	bool (*access_ok)(unsigned int access);
};

extern const struct p2m_pte_ops p2m_ept_ops, p2m_npt_ops;

/* Table memory, provided by the owner of the p2m (the buddy allocator in the hypervisor). */
struct p2m_table_ops {
	paddr_t (*alloc)(void *ctx); /* a zeroed 4 KiB page, or 0 */
	void (*free)(void *ctx, paddr_t pa);
	void *(*map)(void *ctx, paddr_t pa); /* where the hypervisor can read and write it */
	/* Invalidates every CPU's cached translations for this p2m (called with the lock held). */
	void (*flush)(void *ctx);
};

struct p2m {
	const struct p2m_pte_ops *fmt;
	const struct p2m_table_ops *tables;
	void *ctx;
	paddr_t root; /* the level-4 table; 0 before init and after destroy */
	bool allow_1g, allow_2m;
	uint64_t nr_tables; /* table pages in use, root included */
	spinlock_t lock;
	uint64_t max_gfn; /* frames at or above this are out of range (p2m_init: 2^36; may be lowered) */
};

int p2m_init(struct p2m *p, const struct p2m_pte_ops *fmt, const struct p2m_table_ops *tables, void *ctx, bool allow_2m,
	     bool allow_1g);

/*
 * Maps [gfn, gfn + nr) to [mfn, mfn + nr), replacing whatever was there, with
 * 1 GiB / 2 MiB leaves where allowed and where gfn, mfn and the remaining
 * length line up. -EINVAL for bad arguments; on -ENOMEM a prefix of the range
 * has the new mapping and the rest keeps its old one (every table consistent).
 */
int p2m_map(struct p2m *p, gfn_t gfn, mfn_t mfn, uint64_t nr_pages, unsigned int access, unsigned int memtype);

/*
 * Removes [gfn, gfn + nr) (holes are fine), splitting superpages that are only
 * partly removed and freeing tables that become empty, after one flush. On
 * -ENOMEM (a split could not get a table) a prefix has been removed.
 */
int p2m_unmap(struct p2m *p, gfn_t gfn, uint64_t nr_pages);

/* The translation of gfn; order is the leaf's (0, 9 or 18). -ENOENT if not mapped. Outputs may be NULL. */
int p2m_query(struct p2m *p, gfn_t gfn, mfn_t *mfn, unsigned int *access, unsigned int *memtype, unsigned int *order);

/* Frees every table page, root included, without a flush: no vCPU may run on this p2m any more. */
void p2m_destroy(struct p2m *p);

/* VMCS EPT pointer: write-back walks, 4 levels, no accessed/dirty flags. */
uint64_t p2m_ept_pointer(const struct p2m *p);
/* VMCB nCR3. */
uint64_t p2m_npt_cr3(const struct p2m *p);

#endif
