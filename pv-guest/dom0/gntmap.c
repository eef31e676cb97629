/*
 * Other domains' grants, for backends: GNTTABOP_map_grant_ref into a window of free frames of
 * our physical address space (dom0_window: above 4 GiB and the PCI BARs), and GNTTABOP_copy.
 */
#include <pv/dom0.h>
#include <pv/gntmap.h>
#include <pv/hypercall.h>

#include <errno.h>

#define WINDOW_PAGES 4096 /* 16 MiB of guest-physical space for grant mappings */
#define BITS_PER_LONG 64
#define COPY_BATCH 64

static unsigned long used[WINDOW_PAGES / BITS_PER_LONG];
static uint64_t window_gfn; /* the window's first frame, once asked for */

static long window_alloc(void)
{
	if (!window_gfn)
		window_gfn = dom0_window(WINDOW_PAGES, "grant mappings");
	if (!window_gfn)
		return -1;
	for (unsigned int w = 0; w < ARRAY_SIZE(used); w++) {
		if (used[w] == ~0UL)
			continue;
		unsigned int b = (unsigned int)__builtin_ctzl(~used[w]);

		used[w] |= 1UL << b;
		return (long)(w * BITS_PER_LONG + b);
	}
	return -1;
}

static void window_free(unsigned long i)
{
	if (i < WINDOW_PAGES)
		used[i / BITS_PER_LONG] &= ~(1UL << (i % BITS_PER_LONG));
}

int gntmap_map(domid_t dom, grant_ref_t ref, bool readonly, void **addr, grant_handle_t *handle)
{
	unsigned long flags = local_irq_save();
	long slot = window_alloc();

	local_irq_restore(flags);
	if (slot < 0)
		return -ENOSPC;
	struct gnttab_map_grant_ref op = {
	    .host_addr = (window_gfn + (unsigned long)slot) << PAGE_SHIFT,
	    .flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
	    .ref = ref,
	    .dom = dom,
	};
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

	if (rc || op.status != GNTST_okay) {
		printk("gntmap: d%u's grant %u: map failed (%ld, status %d)\n", dom, ref, rc, op.status);
		flags = local_irq_save();
		window_free((unsigned long)slot);
		local_irq_restore(flags);
		return rc ? (int)rc : -EIO;
	}
	*addr = gfn_to_virt(window_gfn + (unsigned long)slot);
	*handle = op.handle;
	return 0;
}

int gntmap_unmap(void *addr, grant_handle_t handle)
{
	unsigned long gfn = virt_to_gfn(addr);
	struct gnttab_unmap_grant_ref op = {.host_addr = (uint64_t)gfn << PAGE_SHIFT, .handle = handle};

	if (gfn < window_gfn || gfn >= window_gfn + WINDOW_PAGES)
		return -EINVAL;
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);

	if (rc || op.status != GNTST_okay)
		return rc ? (int)rc : -EIO;
	unsigned long flags = local_irq_save();

	window_free(gfn - window_gfn);
	local_irq_restore(flags);
	return 0;
}

int gntmap_copy(struct gnttab_copy *ops, unsigned int n)
{
	while (n) {
		unsigned int batch = MIN(n, COPY_BATCH);
		long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, batch);

		if (rc)
			return (int)rc;
		ops += batch;
		n -= batch;
	}
	return 0;
}
