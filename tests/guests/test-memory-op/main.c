/*
 * test-memory-op: what memory_op tells a guest about its memory agrees with
 * its start info, shared_info can be mapped where the guest asks, and the
 * reservation can be ballooned down and up again within its maximum.
 */
#include "xtf.h"

#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>

const char test_title[] = "memory_op, pvclock and HVM parameters";

static long hvm_param(int op, domid_t domid, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = {.domid = domid, .index = index, .value = *value};
	long rc = hypercall5(__HYPERVISOR_hvm_op, (unsigned int)op, (unsigned long)&p, 0, 0, 0);

	*value = p.value;
	return rc;
}

/* System time from a vcpu_time_info (xen.h), with the version protocol. */
static uint64_t pvclock_ns(volatile struct vcpu_time_info *t, uint32_t *version)
{
	uint64_t ts, st, delta;
	uint32_t v, mul;
	int8_t shift;

	do {
		v = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		ts = t->tsc_timestamp;
		st = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((v & 1) || v != t->version);
	*version = v;
	delta = rdtsc() - ts;
	delta = shift < 0 ? delta >> -shift : delta << shift;
	return st + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

#define SHARED_INFO_GFN 0xfd000ULL

static long memory_op(int cmd, void *arg)
{
	return hypercall5(__HYPERVISOR_memory_op, (unsigned int)cmd, (unsigned long)arg, 0, 0, 0);
}

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

/* Frames the image does not use: the upper half of the 64 MiB the builder gives. */
#define BAL_GFN 0x2000ULL  /* 32 MiB */
#define BAL_2M 0x2200ULL   /* 34 MiB, 2 MiB-aligned */
#define HIGH_GFN 0x5000ULL /* 80 MiB: above the RAM, still identity-mapped by head.S */
#define REMOVE_GFN 0x5010ULL

static long reservation(int cmd, xen_pfn_t *list, unsigned long nr, unsigned int order)
{
	struct xen_memory_reservation r = {.nr_extents = nr, .extent_order = order, .domid = DOMID_SELF};

	set_xen_guest_handle(r.extent_start, list);
	return memory_op(cmd, &r);
}

static volatile uint64_t *frame_ptr(uint64_t gfn)
{
	return (volatile uint64_t *)(uintptr_t)(gfn << 12);
}

/* Balloon down and up: counts, limits, extents done, and the fresh pages read as zero. */
static unsigned int reservation_checks(long pages)
{
	struct xen_memory_domain self = {.domid = DOMID_SELF};
	xen_pfn_t list[4];
	unsigned int bad = 0;
	long rc;

#define CURRENT() memory_op(XENMEM_current_reservation, &self)
	bad += !xtf_check(memory_op(XENMEM_maximum_reservation, &self) == pages,
			  "the maximum is what the builder gave (%ld pages)", pages);
	list[0] = BAL_GFN;
	rc = reservation(XENMEM_decrease_reservation, list, 1, 0);
	bad += !xtf_check(rc == 1 && CURRENT() == pages - 1, "decrease_reservation of one page (%ld)", rc);
	rc = reservation(XENMEM_decrease_reservation, list, 1, 0);
	bad += !xtf_check(rc == 0 && CURRENT() == pages - 1, "a page ballooned out cannot go twice (%ld)", rc);
	rc = reservation(XENMEM_populate_physmap, list, 1, 0);
	bad += !xtf_check(rc == 1 && CURRENT() == pages, "populate_physmap gives it back (%ld)", rc);
	bad += !xtf_check(frame_ptr(BAL_GFN)[0] == 0 && frame_ptr(BAL_GFN)[511] == 0, "the new page reads as zero");
	frame_ptr(BAL_GFN)[3] = 0x5a5a5a5a;
	bad += !xtf_check(frame_ptr(BAL_GFN)[3] == 0x5a5a5a5a, "and takes writes");
	list[0] = HIGH_GFN;
	rc = reservation(XENMEM_populate_physmap, list, 1, 0);
	bad += !xtf_check(rc == 0 && CURRENT() == pages, "no page beyond the maximum (%ld)", rc);

	list[0] = BAL_2M;
	rc = reservation(XENMEM_decrease_reservation, list, 1, 9);
	bad += !xtf_check(rc == 1 && CURRENT() == pages - 512, "decrease_reservation of a 2 MiB extent (%ld)", rc);
	list[0] = HIGH_GFN;
	list[1] = HIGH_GFN + 1;
	rc = reservation(XENMEM_populate_physmap, list, 2, 0);
	bad += !xtf_check(rc == 2 && CURRENT() == pages - 510, "two pages above the RAM (%ld)", rc);
	bad += !xtf_check(frame_ptr(HIGH_GFN + 1)[7] == 0, "which read as zero");
	rc = reservation(XENMEM_decrease_reservation, list, 2, 0);
	bad += !xtf_check(rc == 2 && CURRENT() == pages - 512, "and go again (%ld)", rc);
	list[0] = BAL_2M;
	list[1] = BAL_2M + 512; /* still populated: the batch stops there */
	rc = reservation(XENMEM_populate_physmap, list, 2, 9);
	bad += !xtf_check(rc == 1 && CURRENT() == pages, "populate of 2 MiB extents stops at a busy one (%ld)", rc);
	bad += !xtf_check(frame_ptr(BAL_2M + 300)[9] == 0, "the 2 MiB extent reads as zero");

	list[0] = BAL_GFN + 1;
	rc = reservation(XENMEM_decrease_reservation, list, 1, 0);
	bad += !xtf_check(rc == 1, "one more page out (%ld)", rc);
	rc = reservation(XENMEM_increase_reservation, NULL, 2, 0);
	bad += !xtf_check(rc == 1 && CURRENT() == pages, "increase_reservation stops at the maximum (%ld)", rc);

	rc = reservation(XENMEM_decrease_reservation, (xen_pfn_t *)0x7fff00000000ULL, 1, 0);
	bad += !xtf_check(rc == -XEN_EFAULT && CURRENT() == pages, "an unmapped extent list gives -EFAULT (%ld)", rc);
	rc = reservation(XENMEM_decrease_reservation, list, 1, 10);
	bad += !xtf_check(rc == -XEN_EINVAL, "an extent order above 9 is refused (%ld)", rc);
	{
		struct xen_memory_reservation r = {.nr_extents = 1, .domid = 7};

		set_xen_guest_handle(r.extent_start, list);
		rc = memory_op(XENMEM_populate_physmap, &r);
		bad += !xtf_check(rc == -XEN_EPERM, "another domain's reservation is not ours (%ld)", rc);
	}
	{
		struct xen_add_to_physmap xatp = {
		    .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .gpfn = REMOVE_GFN};
		struct xen_remove_from_physmap rm = {.domid = DOMID_SELF, .gpfn = REMOVE_GFN};

		rc = memory_op(XENMEM_add_to_physmap, &xatp);
		list[0] = REMOVE_GFN;
		bad += !xtf_check(rc == 0 && reservation(XENMEM_decrease_reservation, list, 1, 0) == 0,
				  "shared_info is not RAM to balloon out");
		bad +=
		    !xtf_check(memory_op(XENMEM_remove_from_physmap, &rm) == 0, "remove_from_physmap of shared_info");
		rc = memory_op(XENMEM_remove_from_physmap, &rm);
		bad += !xtf_check(rc == -XEN_ENOENT, "nothing left to remove (%ld)", rc);
		rm.gpfn = BAL_GFN + 2;
		bad += !xtf_check(memory_op(XENMEM_remove_from_physmap, &rm) == 0 && CURRENT() == pages,
				  "a removed RAM page stays counted, as on Xen");
	}
	{
		struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .size = 2};
		xen_ulong_t idxs[2] = {0, 1};
		xen_pfn_t gpfns[2] = {REMOVE_GFN, REMOVE_GFN + 1};
		int errs[2] = {99, 99};

		set_xen_guest_handle(b.idxs, idxs);
		set_xen_guest_handle(b.gpfns, gpfns);
		set_xen_guest_handle(b.errs, errs);
		rc = memory_op(XENMEM_add_to_physmap_batch, &b);
		bad += !xtf_check(rc == 0 && errs[0] == 0 && errs[1] == -XEN_EINVAL,
				  "add_to_physmap_batch reports per index (%ld: %d %d)", rc, errs[0], errs[1]);
	}
	rc = memory_op(XENMEM_maximum_ram_page, NULL);
	bad += !xtf_check(rc > pages, "maximum_ram_page is a machine frame count (%ld)", rc);
#undef CURRENT
	return bad;
}

void test_main(void)
{
	const struct hvm_memmap_table_entry *mm = (const void *)(uintptr_t)start_info->memmap_paddr;
	struct xen_memory_domain self = {.domid = DOMID_SELF}, other = {.domid = 7};
	struct xen_add_to_physmap xatp = {
	    .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .gpfn = SHARED_INFO_GFN};
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
	bad += !xtf_check(memory_op(XENMEM_maximum_gpfn, &self) == (long)(ram >> 12) - 1,
			  "maximum_gpfn is the last RAM frame");
	rc = memory_op(XENMEM_current_reservation, &other);
	bad += !xtf_check(rc == -XEN_EPERM, "another domain's reservation is not ours to read (%ld)", rc);
	rc = memory_op(XENMEM_current_reservation, (void *)0x7fff00000000ULL);
	bad += !xtf_check(rc == -XEN_EFAULT, "unmapped argument gives -EFAULT (%ld)", rc);

	set_xen_guest_handle(map.buffer, e820);
	rc = memory_op(XENMEM_memory_map, &map);
	bad += !xtf_check(rc == 0 && map.nr_entries >= 1, "memory_map returns entries (%ld, %u)", rc, map.nr_entries);
	bad += !xtf_check(e820[0].addr == 0 && e820[0].size == ram && e820[0].type == 1,
			  "memory_map agrees with the start info");

	rc = memory_op(XENMEM_add_to_physmap, &xatp);
	bad += !xtf_check(rc == 0, "shared_info mapped at gfn 0x%llx (%ld)", SHARED_INFO_GFN, rc);
	if (rc == 0) {
		volatile struct shared_info *s = (volatile struct shared_info *)(uintptr_t)(SHARED_INFO_GFN << 12);
		volatile struct vcpu_time_info *t = &s->vcpu_info[0].time;
		uint32_t version;
		uint64_t t1, t2, tsc1, tsc2, hz;

		bad += !xtf_check(s->evtchn_pending[0] == 0 && s->evtchn_mask[0] == 0, "shared_info starts clear");
		/* the wallclock at system time 0 (from the host's RTC): some time this century, version even */
		bad += !xtf_check(s->wc_version % 2 == 0 && s->wc_sec > 1577836800u /* 2020 */ && s->wc_sec_hi == 0,
				  "wallclock set: version %u, %u s since 1970", s->wc_version, s->wc_sec);
		tsc1 = rdtsc();
		t1 = pvclock_ns(t, &version);
		for (volatile unsigned int i = 0; i < 1000000; i++)
			;
		t2 = pvclock_ns(t, &version);
		tsc2 = rdtsc();
		hz = (uint64_t)(((unsigned __int128)1000000000ULL << 32) / t->tsc_to_system_mul);
		hz = t->tsc_shift < 0 ? hz << -t->tsc_shift : hz >> t->tsc_shift;
		printk("pvclock: version %u, system time %lu ns, TSC %lu Hz by the formula, flags 0x%x\n", version,
		       (unsigned long)t1, (unsigned long)hz, t->flags);
		bad += !xtf_check(version && !(version & 1), "vcpu_time_info published (even version)");
		bad += !xtf_check(t1 > 0 && t2 > t1, "system time runs forward");
		bad += !xtf_check(hz >= 1000000 && hz <= 100000000000ULL, "TSC rate from mul/shift is plausible");
		bad += !xtf_check(t2 - t1 <= (tsc2 - tsc1) * 1000000000ULL / hz + 1000,
				  "elapsed time agrees with the TSC");
		bad += !xtf_check(t->flags & XEN_PVCLOCK_TSC_STABLE_BIT, "TSC marked stable");
	}
	{
		uint64_t v = 0x1234;
		bad += !xtf_check(hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v) == -XEN_EPERM,
				  "a guest cannot set its store page (toolstack only)");
		v = 99;
		bad += !xtf_check(hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v) == 0 && v == 0,
				  "the store page reads 0 (no store yet)");
		bad += !xtf_check(hvm_param(HVMOP_get_param, DOMID_SELF, 1000, &v) == -XEN_EINVAL,
				  "an out-of-range parameter gives -EINVAL");
		bad += !xtf_check(hvm_param(HVMOP_get_param, 7, HVM_PARAM_STORE_PFN, &v) == -XEN_EPERM,
				  "another domain's parameters are not ours");
	}
	bad += reservation_checks(pages);
	xatp.space = 77;
	bad += !xtf_check(memory_op(XENMEM_add_to_physmap, &xatp) < 0, "an unknown space is refused");
	bad += !xtf_check(memory_op(0x3f, &self) == -XEN_ENOSYS, "an unknown command gives -ENOSYS");
	if (bad)
		xtf_failure("%u memory_op checks failed", bad);
	xtf_success();
}
