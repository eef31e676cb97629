/* The EPT entry format (Intel VT-x) for the p2m, and the EPT pointer the VMCS holds. */
#include <asm/p2m.h>

#define EPT_R (1ULL << 0)
#define EPT_W (1ULL << 1)
#define EPT_X (1ULL << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT 3
#define EPT_MT_MASK (7ULL << EPT_MT_SHIFT)
#define EPT_IPAT (1ULL << 6)
#define EPT_LARGE (1ULL << 7)
#define EPT_ADDR_MASK 0x000ffffffffff000ULL /* bits 51:12 */

#define EPTP_MT_WB 6ULL
#define EPTP_WALK_4LEVEL (3ULL << 3)

/* Bits 51:12 aligned down to the size a leaf at level maps (bits 20:12 or 29:12 are reserved there). */
static inline uint64_t level_addr_mask(unsigned int level)
{
	return EPT_ADDR_MASK & ~((1ULL << (PAGE_SHIFT + 9 * (level - 1))) - 1);
}

/*
 * SDM Vol. 3C §29.3.2, Tables 29-1, 29-3 and 29-5: an entry referencing the
 * next table holds its address in bits 51:12 and read/write/execute in bits
 * 2:0, which restrict everything below; bits 7:3 are reserved (bit 7 = 0 also
 * means "a table, not a page"). We grant all three and let leaves decide.
 */
static uint64_t ept_make_table(paddr_t table)
{
	return (table & EPT_ADDR_MASK) | EPT_RWX;
}

/*
 * SDM Vol. 3C §29.3.2, Tables 29-2, 29-4 and 29-6: a leaf holds R/W/X in bits
 * 2:0, the EPT memory type in bits 5:3 (§29.3.7: 0 UC, 1 WC, 4 WT, 5 WP,
 * 6 WB), "ignore PAT" in bit 6 so the type is exactly ours whatever the guest
 * PAT says, bit 7 = 1 for a 2 MiB or 1 GiB page, and the frame in bits 51:12
 * (51:21 or 51:30 for large pages).
 */
static uint64_t ept_make_leaf(mfn_t mfn, unsigned int level, unsigned int access, unsigned int memtype)
{
	uint64_t pte = (mfn_to_maddr(mfn) & level_addr_mask(level)) | EPT_IPAT;

	pte |= (access & P2M_ACCESS_R ? EPT_R : 0) | (access & P2M_ACCESS_W ? EPT_W : 0) |
	       (access & P2M_ACCESS_X ? EPT_X : 0);
	pte |= ((uint64_t)memtype << EPT_MT_SHIFT) & EPT_MT_MASK;
	return level > 1 ? pte | EPT_LARGE : pte;
}

/* SDM Vol. 3C §29.3.2: an entry is present when any of bits 2:0 is set. */
static bool ept_present(uint64_t pte)
{
	return (pte & EPT_RWX) != 0;
}

/* SDM Vol. 3C §29.3.2, Tables 29-2 and 29-4: bit 7 of a PDPTE or PDE set maps a page. */
static bool ept_is_superpage(uint64_t pte)
{
	return ept_present(pte) && (pte & EPT_LARGE);
}

/* SDM Vol. 3C §29.3.2: the next table's address is in bits 51:12. */
static paddr_t ept_table_addr(uint64_t pte)
{
	return pte & EPT_ADDR_MASK;
}

/* SDM Vol. 3C §29.3.2, Tables 29-2, 29-4, 29-6: the page frame, aligned to the leaf size. */
static mfn_t ept_leaf_mfn(uint64_t pte, unsigned int level)
{
	return maddr_to_mfn(pte & level_addr_mask(level));
}

/* SDM Vol. 3C §29.3.2: bits 0, 1, 2 are read, write and execute (same order as enum p2m_access). */
static unsigned int ept_leaf_access(uint64_t pte)
{
	return (pte & EPT_R ? P2M_ACCESS_R : 0) | (pte & EPT_W ? P2M_ACCESS_W : 0) | (pte & EPT_X ? P2M_ACCESS_X : 0);
}

/* SDM Vol. 3C §29.3.7: the EPT memory type of a leaf is bits 5:3 (same values as enum p2m_memtype). */
static unsigned int ept_leaf_memtype(uint64_t pte)
{
	return (unsigned int)((pte & EPT_MT_MASK) >> EPT_MT_SHIFT);
}

/*
 * SDM Vol. 3C §29.3.3.1: write without read is an EPT misconfiguration, and
 * so is execute-only unless IA32_VMX_EPT_VPID_CAP bit 0 says the CPU supports
 * it, which the p2m does not know. So every mapping must grant read.
 */
static bool ept_access_ok(unsigned int access)
{
	return (access & P2M_ACCESS_R) != 0;
}

const struct p2m_pte_ops p2m_ept_ops = {
    .name = "EPT",
    .make_table = ept_make_table,
    .make_leaf = ept_make_leaf,
    .present = ept_present,
    .is_superpage = ept_is_superpage,
    .table_addr = ept_table_addr,
    .leaf_mfn = ept_leaf_mfn,
    .leaf_access = ept_leaf_access,
    .leaf_memtype = ept_leaf_memtype,
    .access_ok = ept_access_ok,
};

/*
 * SDM Vol. 3C §25.6.11 (Extended-Page-Table Pointer): bits 2:0 are the memory
 * type of the walks themselves (6, write-back), bits 5:3 the page-walk length
 * minus one (3 for 4 levels), bit 6 enables accessed/dirty flags (left 0) and
 * bits 51:12 hold the PML4 table's address.
 */
uint64_t p2m_ept_pointer(const struct p2m *p)
{
	return (p->root & EPT_ADDR_MASK) | EPTP_WALK_4LEVEL | EPTP_MT_WB;
}
