/*
 * Grant tables v1 (xen/grant_table.h): the table's frames are put into our physical address
 * space with XENMEM_add_to_physmap(XENMAPSPACE_grant_table); a grant is an entry naming the
 * frame and the domain, published by writing its flags last. Free references form a list.
 */
#include <pv/gnttab.h>
#include <pv/hypercall.h>
#include <pv/mm.h>

#define NR_GRANT_FRAMES 4 /* a power of two: one block of our RAM holds them */
#define NR_GRANTS (NR_GRANT_FRAMES * PAGE_SIZE / sizeof(grant_entry_v1_t))

static grant_entry_v1_t *table;
static grant_ref_t free_list[NR_GRANTS]; /* next free reference after each free one */
static grant_ref_t free_head = GRANT_INVALID_REF;
static unsigned int free_count, nr_grants;

/* The table's frames go over a block of our own RAM, not into a hole (dom0's holes are device memory). */
void init_gnttab(void)
{
	struct gnttab_query_size q = {.dom = DOMID_SELF};
	unsigned int frames = NR_GRANT_FRAMES;
	void *block = alloc_pages(__builtin_ctz(NR_GRANT_FRAMES));

	if (!HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1) && q.status == GNTST_okay &&
	    q.max_nr_frames < frames)
		frames = q.max_nr_frames;
	for (unsigned int i = 0; i < frames; i++) {
		struct xen_add_to_physmap xatp = {
		    .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = i, .gpfn = virt_to_gfn(block) + i};
		long rc = block ? HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp) : -1;

		if (rc) {
			if (!i)
				panic("gnttab: cannot map the grant table (XENMEM_add_to_physmap returned %ld)", rc);
			frames = i;
			break;
		}
	}
	table = block;
	nr_grants = frames * PAGE_SIZE / sizeof(grant_entry_v1_t);
	for (grant_ref_t r = nr_grants; r-- > GNTTAB_NR_RESERVED_ENTRIES;) {
		free_list[r] = free_head;
		free_head = r;
		free_count++;
	}
}

grant_ref_t gnttab_grant_access(domid_t domid, unsigned long gfn, bool readonly)
{
	unsigned long flags = local_irq_save();
	grant_ref_t ref = free_head;

	if (ref == GRANT_INVALID_REF) {
		local_irq_restore(flags);
		return GRANT_INVALID_REF;
	}
	free_head = free_list[ref];
	free_count--;
	local_irq_restore(flags);
	table[ref].frame = (uint32_t)gfn;
	table[ref].domid = domid;
	wmb(); /* frame and domain before the flags that make the entry valid */
	__atomic_store_n(&table[ref].flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
			 __ATOMIC_RELEASE);
	return ref;
}

bool gnttab_end_access(grant_ref_t ref)
{
	if (ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= nr_grants)
		return false;
	uint16_t flags = __atomic_load_n(&table[ref].flags, __ATOMIC_ACQUIRE);

	/* Revoke unless the other side has it mapped or is copying (GTF_reading/GTF_writing). */
	do {
		if (flags & (GTF_reading | GTF_writing))
			return false;
	} while (!__atomic_compare_exchange_n(&table[ref].flags, &flags, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));

	unsigned long irq = local_irq_save();

	free_list[ref] = free_head;
	free_head = ref;
	free_count++;
	local_irq_restore(irq);
	return true;
}

unsigned int gnttab_free_count(void)
{
	return free_count;
}
