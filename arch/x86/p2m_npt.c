/* The NPT entry format (AMD-V nested paging) for the p2m, and the nCR3 the VMCB holds. */
#include <asm/p2m.h>

#define NPT_P (1ULL << 0)
#define NPT_RW (1ULL << 1)
#define NPT_US (1ULL << 2)
#define NPT_PWT (1ULL << 3)
#define NPT_PCD (1ULL << 4)
#define NPT_PS (1ULL << 7)
#define NPT_NX (1ULL << 63)
#define NPT_ADDR_MASK 0x000ffffffffff000ULL /* bits 51:12 */

/* Bits 51:12 aligned down to the size a leaf at level maps (bit 12 of a large leaf is its PAT bit). */
static inline uint64_t level_addr_mask(unsigned int level)
{
	return NPT_ADDR_MASK & ~((1ULL << (PAGE_SHIFT + 9 * (level - 1))) - 1);
}

/*
 * APM Vol. 2 §15.25 (Nested Paging): nested tables are ordinary long-mode
 * tables (§5.3, §5.4 "Page-Translation-Table Entry Fields") and every nested
 * walk is a user access, so U/S must be set at every level. An entry pointing
 * at a table is P | R/W | U/S with the table address in bits 51:12; PWT/PCD
 * clear (the table is fetched write-back), NX clear (leaves decide).
 */
static uint64_t npt_make_table(paddr_t table)
{
	return (table & NPT_ADDR_MASK) | NPT_P | NPT_RW | NPT_US;
}

/*
 * APM Vol. 2 §7.8 (Page-Attribute Table Mechanism): PAT, PCD, PWT of a leaf
 * index the host's PAT MSR. Mica keeps the power-on PAT (entries 0-3: WB, WT,
 * UC-, UC) and never sets the PAT bit, so WB is index 0, WT index 1 (PWT) and
 * UC index 3 (PCD | PWT). WC and WP have no entry there: they become UC, which
 * is never more cacheable than asked.
 */
static uint64_t npt_memtype_bits(unsigned int memtype)
{
	if (memtype == P2M_MT_WB)
		return 0;
	if (memtype == P2M_MT_WT)
		return NPT_PWT;
	return NPT_PCD | NPT_PWT;
}

/*
 * APM Vol. 2 §5.4.1 and §15.25: a leaf is P | U/S, R/W when writes are
 * allowed, NX (bit 63, honoured because the host runs with EFER.NXE) when
 * execution is not, the memory type in PCD/PWT, PS (bit 7) for a 2 MiB or
 * 1 GiB page, and the frame in bits 51:12 (51:21 or 51:30 for large pages).
 */
static uint64_t npt_make_leaf(mfn_t mfn, unsigned int level, unsigned int access, unsigned int memtype)
{
	uint64_t pte = (mfn_to_maddr(mfn) & level_addr_mask(level)) | NPT_P | NPT_US | npt_memtype_bits(memtype);

	if (access & P2M_ACCESS_W)
		pte |= NPT_RW;
	if (!(access & P2M_ACCESS_X))
		pte |= NPT_NX;
	return level > 1 ? pte | NPT_PS : pte;
}

/* APM Vol. 2 §5.4.1: bit 0 (P) says whether the entry is used at all. */
static bool npt_present(uint64_t pte)
{
	return (pte & NPT_P) != 0;
}

/* APM Vol. 2 §5.4.1: PS (bit 7) in a PDPE or PDE maps a 1 GiB or 2 MiB page. */
static bool npt_is_superpage(uint64_t pte)
{
	return npt_present(pte) && (pte & NPT_PS);
}

/* APM Vol. 2 §5.4.1: the next table's address is in bits 51:12. */
static paddr_t npt_table_addr(uint64_t pte)
{
	return pte & NPT_ADDR_MASK;
}

/* APM Vol. 2 §5.3: the page frame, aligned to the leaf size (drops a large leaf's PAT bit). */
static mfn_t npt_leaf_mfn(uint64_t pte, unsigned int level)
{
	return maddr_to_mfn(pte & level_addr_mask(level));
}

/* APM Vol. 2 §5.6 (Page-Protection Checks): present means readable; R/W allows writes; NX forbids fetches. */
static unsigned int npt_leaf_access(uint64_t pte)
{
	return P2M_ACCESS_R | (pte & NPT_RW ? P2M_ACCESS_W : 0) | (pte & NPT_NX ? 0 : P2M_ACCESS_X);
}

/* APM Vol. 2 §7.8: the inverse of npt_memtype_bits() under the power-on PAT (UC- reads as UC). */
static unsigned int npt_leaf_memtype(uint64_t pte)
{
	switch (pte & (NPT_PCD | NPT_PWT)) {
	case 0:
		return P2M_MT_WB;
	case NPT_PWT:
		return P2M_MT_WT;
	default:
		return P2M_MT_UC;
	}
}

/* APM Vol. 2 §5.6: a present page is always readable, so rights without read cannot be expressed. */
static bool npt_access_ok(unsigned int access)
{
	return (access & P2M_ACCESS_R) != 0;
}

const struct p2m_pte_ops p2m_npt_ops = {
    .name = "NPT",
    .make_table = npt_make_table,
    .make_leaf = npt_make_leaf,
    .present = npt_present,
    .is_superpage = npt_is_superpage,
    .table_addr = npt_table_addr,
    .leaf_mfn = npt_leaf_mfn,
    .leaf_access = npt_leaf_access,
    .leaf_memtype = npt_leaf_memtype,
    .access_ok = npt_access_ok,
};

/*
 * APM Vol. 2 §15.25 (Nested Paging): nCR3 holds the nested PML4's address
 * like CR3 does (§5.3.2); PWT/PCD left clear, so the walks are write-back.
 */
uint64_t p2m_npt_cr3(const struct p2m *p)
{
	return p->root & NPT_ADDR_MASK;
}
