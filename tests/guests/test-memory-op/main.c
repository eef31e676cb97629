/*
 * test-memory-op: what memory_op tells a guest about its memory agrees with
 * its start info, and shared_info can be mapped where the guest asks.
 */
#include "xtf.h"

#include <xen/memory.h>

const char test_title[] = "memory_op";

#define SHARED_INFO_GFN 0xfd000ULL

static long memory_op(int cmd, void *arg)
{
	return hypercall5(__HYPERVISOR_memory_op, (unsigned int)cmd, (unsigned long)arg, 0, 0, 0);
}

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

void test_main(void)
{
	const struct hvm_memmap_table_entry *mm = (const void *)(uintptr_t)start_info->memmap_paddr;
	struct xen_memory_domain self = {.domid = DOMID_SELF}, other = {.domid = 7};
	struct xen_add_to_physmap xatp = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .gpfn = SHARED_INFO_GFN};
	struct e820_entry e820[4];
	struct xen_memory_map map = {.nr_entries = 4};
	uint64_t ram = 0;
	long pages, rc;
	unsigned int bad = 0;

	for (unsigned int i = 0; i < start_info->memmap_entries; i++)
		if (mm[i].type == XEN_HVM_MEMMAP_TYPE_RAM)
			ram += mm[i].size;
	pages = memory_op(XENMEM_current_reservation, &self);
	printk("memory: start info says %lu KiB of RAM, current_reservation %ld pages\n", ram >> 10, pages);
	bad += !xtf_check(pages > 0 && (uint64_t)pages * 4096 == ram, "current_reservation matches the memory map");
	bad += !xtf_check(memory_op(XENMEM_maximum_reservation, &self) >= pages, "maximum_reservation >= current");
	bad += !xtf_check(memory_op(XENMEM_maximum_gpfn, &self) == (long)(ram >> 12) - 1, "maximum_gpfn is the last RAM frame");
	rc = memory_op(XENMEM_current_reservation, &other);
	bad += !xtf_check(rc == -XEN_EPERM, "another domain's reservation is not ours to read (%ld)", rc);
	rc = memory_op(XENMEM_current_reservation, (void *)0x7fff00000000ULL);
	bad += !xtf_check(rc == -XEN_EFAULT, "unmapped argument gives -EFAULT (%ld)", rc);

	set_xen_guest_handle(map.buffer, e820);
	rc = memory_op(XENMEM_memory_map, &map);
	bad += !xtf_check(rc == 0 && map.nr_entries >= 1, "memory_map returns entries (%ld, %u)", rc, map.nr_entries);
	bad += !xtf_check(e820[0].addr == 0 && e820[0].size == ram && e820[0].type == 1, "memory_map agrees with the start info");

	rc = memory_op(XENMEM_add_to_physmap, &xatp);
	bad += !xtf_check(rc == 0, "shared_info mapped at gfn 0x%llx (%ld)", SHARED_INFO_GFN, rc);
	if (rc == 0) {
		volatile struct shared_info *s = (volatile struct shared_info *)(uintptr_t)(SHARED_INFO_GFN << 12);
		bad += !xtf_check(s->evtchn_pending[0] == 0 && s->evtchn_mask[0] == 0, "shared_info starts clear");
	}
	xatp.space = 77;
	bad += !xtf_check(memory_op(XENMEM_add_to_physmap, &xatp) < 0, "an unknown space is refused");
	bad += !xtf_check(memory_op(0x3f, &self) == -XEN_ENOSYS, "an unknown command gives -ENOSYS");
	if (bad)
		xtf_failure("%u memory_op checks failed", bad);
	xtf_success();
}
