/*
 * test-grant: grant tables v1 between two domains, booted twice: "granter" (domain 1) grants
 * pages of its RAM to domain 2, "mapper" (domain 2) copies and maps them. They talk through a
 * mailbox page the granter grants: the mapper reads it and writes its progress into it with
 * grant copies, so the first thing tested is that copies work at all.
 *
 * The mapper checks copies both ways, read-write and read-only maps, and that every grant it was
 * not given, or not given for writing, is refused with Xen's status. The granter checks that
 * the mapper's writes reached its pages and that the entries show the pins. Then the granter
 * revokes the mailbox and shuts down while the mapper still maps two of its pages; the mapper
 * reads them afterwards, unmaps one and leaves the other for the hypervisor's teardown to undo.
 */
#include "xtf.h"

#include <xen/grant_table.h>
#include <xen/memory.h>

const char test_title[] = "grant tables v1: copy, map, unmap between two domains";

#define GRANTER 1
#define MAPPER 2
#define GT_GFN 0xfc000ULL     /* where the granter maps its grant table frame (above its RAM) */
#define MAP_RW_GFN 0xfb000ULL /* where the mapper maps grants */
#define MAP_RO_GFN 0xfb001ULL
#define MAP_X_GFN 0xfb002ULL
#define MAP_Y_GFN 0xfb003ULL
#define REF_MAILBOX 8
#define REF_RW 9
#define REF_RO 10
#define REF_OTHER 11 /* granted to domain 3, which is not the mapper */
#define REF_DST 12   /* the mapper copies into it */
#define MAGIC 0x47524e54u
#define SPIN_LIMIT 2000000000ULL

enum stage { STAGE_NONE, STAGE_READY, STAGE_MAPPED, STAGE_BYE };

struct mailbox {
	uint32_t magic;
	uint32_t granter_stage;
	uint32_t mapper_stage; /* written by the mapper, with a grant copy */
	uint32_t pad;
};

static const char through_map[] = "written by d2 through its mapping";
static const char after_bye[] = "written by d1 before it shut down";

static long gnttab_op(unsigned int cmd, void *uop, unsigned int count)
{
	return hypercall5(__HYPERVISOR_grant_table_op, cmd, (unsigned long)uop, count, 0, 0);
}

static long memory_op(int cmd, void *arg)
{
	return hypercall5(__HYPERVISOR_memory_op, (unsigned int)cmd, (unsigned long)arg, 0, 0, 0);
}

static uint8_t rw_pattern(unsigned int i)
{
	return (uint8_t)(i * 7 + 1);
}
static uint8_t ro_pattern(unsigned int i)
{
	return (uint8_t)(i * 13 + 5);
}
static uint8_t copy_pattern(unsigned int i)
{
	return (uint8_t)(i * 3 + 11);
}

static bool memcmp_eq(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a;
	const uint8_t *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static void *gfn_ptr(uint64_t gfn)
{
	return (void *)(uintptr_t)(gfn << 12); /* head.S identity-maps the low 4 GiB */
}

static uint64_t gfn_of(const void *p)
{
	return (uintptr_t)p >> 12;
}

/* ---- granter (domain 1) ---- */

static uint8_t pages[4][4096] __attribute__((aligned(4096)));
#define MAILBOX_PAGE pages[0]
#define RW_PAGE pages[1]
#define RO_PAGE pages[2]
#define DST_PAGE pages[3]

static void grant(volatile grant_entry_v1_t *gt, grant_ref_t ref, domid_t to, const void *page, uint16_t flags)
{
	gt[ref].frame = (uint32_t)gfn_of(page);
	gt[ref].domid = to;
	__atomic_thread_fence(__ATOMIC_RELEASE); /* frame and domid before the flags that grant */
	gt[ref].flags = GTF_permit_access | flags;
}

/* Ends a grant once nobody holds it (Xen's protocol: clear the flags only while not in use). */
static bool revoke(volatile grant_entry_v1_t *gt, grant_ref_t ref)
{
	for (uint64_t spins = 0; spins < SPIN_LIMIT; spins++) {
		uint16_t flags = gt[ref].flags;

		if (!(flags & (GTF_reading | GTF_writing)) &&
		    __atomic_compare_exchange_n(&gt[ref].flags, &flags, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return true;
		asm volatile("pause");
	}
	return false;
}

static volatile grant_entry_v1_t *granter_setup(void)
{
	struct gnttab_query_size qs = {.dom = DOMID_SELF};
	struct gnttab_set_version sv = {.version = 2};
	struct gnttab_get_version gv = {.dom = DOMID_SELF};
	struct xen_add_to_physmap xatp = {
	    .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = 0, .gpfn = GT_GFN};
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 1};
	xen_pfn_t frame = 0;
	long rc;

	rc = gnttab_op(GNTTABOP_query_size, &qs, 1);
	xtf_check(rc == 0 && qs.status == GNTST_okay && qs.nr_frames >= 1 && qs.max_nr_frames >= qs.nr_frames,
		  "query_size: %u of %u frames", qs.nr_frames, qs.max_nr_frames);
	rc = gnttab_op(GNTTABOP_set_version, &sv, 1);
	xtf_check(rc == -XEN_ENOSYS && sv.version == 1, "set_version(2) is refused, version stays 1 (%ld)", rc);
	sv.version = 1;
	xtf_check(gnttab_op(GNTTABOP_set_version, &sv, 1) == 0, "set_version(1)");
	rc = gnttab_op(GNTTABOP_get_version, &gv, 1);
	xtf_check(rc == 0 && gv.version == 1, "get_version says 1");

	rc = memory_op(XENMEM_add_to_physmap, &xatp);
	xtf_check(rc == 0, "grant table frame 0 mapped at gfn 0x%llx (%ld)", GT_GFN, rc);
	xatp.idx = qs.max_nr_frames;
	rc = memory_op(XENMEM_add_to_physmap, &xatp);
	xtf_check(rc == -XEN_EINVAL, "a frame beyond the maximum is refused (%ld)", rc);
	xatp.idx = XENMAPIDX_grant_table_status;
	rc = memory_op(XENMEM_add_to_physmap, &xatp);
	xtf_check(rc == -XEN_EINVAL, "status frames (v2 only) are refused (%ld)", rc);
	set_xen_guest_handle(st.frame_list, &frame);
	rc = gnttab_op(GNTTABOP_setup_table, &st, 1);
	xtf_check(rc == 0 && st.status == GNTST_okay && frame == GT_GFN, "setup_table lists the frame at 0x%lx",
		  (unsigned long)frame);
	return (volatile grant_entry_v1_t *)gfn_ptr(GT_GFN);
}

static bool wait_stage(volatile struct mailbox *mb, uint32_t stage)
{
	for (uint64_t spins = 0; spins < SPIN_LIMIT; spins++) {
		if (__atomic_load_n(&mb->mapper_stage, __ATOMIC_ACQUIRE) >= stage)
			return true;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL); /* the mapper may share this CPU */
	}
	return false;
}

static void granter(void)
{
	volatile grant_entry_v1_t *gt = granter_setup();
	volatile struct mailbox *mb = (volatile struct mailbox *)MAILBOX_PAGE;
	bool same = true;

	for (unsigned int i = 0; i < 4096; i++) {
		RW_PAGE[i] = rw_pattern(i);
		RO_PAGE[i] = ro_pattern(i);
	}
	grant(gt, REF_MAILBOX, MAPPER, MAILBOX_PAGE, 0);
	grant(gt, REF_RW, MAPPER, RW_PAGE, 0);
	grant(gt, REF_RO, MAPPER, RO_PAGE, GTF_readonly);
	grant(gt, REF_OTHER, 3, RO_PAGE, 0);
	grant(gt, REF_DST, MAPPER, DST_PAGE, 0);
	mb->magic = MAGIC;
	__atomic_store_n(&mb->granter_stage, STAGE_READY, __ATOMIC_RELEASE);
	printk("grant: granter: refs %u..%u granted to domain %u\n", REF_MAILBOX, REF_DST, MAPPER);
	if (!wait_stage(mb, STAGE_MAPPED))
		xtf_failure("the mapper never reported its maps");

	xtf_check(memcmp_eq(RW_PAGE + 100, through_map, sizeof(through_map)),
		  "the mapper's write through its read-write map is in my page");
	for (unsigned int i = 0; i < 300; i++)
		same = same && DST_PAGE[50 + i] == copy_pattern(i);
	xtf_check(same && DST_PAGE[49] == 0 && DST_PAGE[350] == 0, "the mapper's grant copy landed at offset 50");
	xtf_check((gt[REF_RW].flags & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
		  "the read-write entry shows reading and writing (flags 0x%x)", gt[REF_RW].flags);
	xtf_check((gt[REF_RO].flags & (GTF_reading | GTF_writing)) == GTF_reading,
		  "the read-only entry shows reading only (flags 0x%x)", gt[REF_RO].flags);
	xtf_check(!(gt[REF_DST].flags & (GTF_reading | GTF_writing)), "a finished copy leaves no pin");

	memcpy(RW_PAGE + 200, after_bye, sizeof(after_bye));
	__atomic_store_n(&mb->granter_stage, STAGE_BYE, __ATOMIC_RELEASE);
	xtf_check(revoke(gt, REF_MAILBOX), "mailbox grant revoked");
	printk("grant: granter: shutting down while domain %u maps two of my pages\n", MAPPER);
	xtf_report();
}

/* ---- mapper (domain 2) ---- */

static uint8_t buf[4096] __attribute__((aligned(4096)));
static uint8_t src[4096] __attribute__((aligned(4096)));

/* One copy; returns its status (or the hypercall's error). */
static int16_t copy1(uint16_t flags, uint64_t s, domid_t sdom, uint16_t soff, uint64_t d, domid_t ddom, uint16_t doff,
		     uint16_t len)
{
	struct gnttab_copy c = {.source = {.domid = sdom, .offset = soff},
				.dest = {.domid = ddom, .offset = doff},
				.len = len,
				.flags = flags};
	long rc;

	if (flags & GNTCOPY_source_gref)
		c.source.u.ref = (grant_ref_t)s;
	else
		c.source.u.gmfn = s;
	if (flags & GNTCOPY_dest_gref)
		c.dest.u.ref = (grant_ref_t)d;
	else
		c.dest.u.gmfn = d;
	rc = gnttab_op(GNTTABOP_copy, &c, 1);
	return rc ? (int16_t)rc : c.status;
}

static int16_t map1(grant_ref_t ref, domid_t dom, uint64_t gfn, uint32_t flags, grant_handle_t *handle)
{
	struct gnttab_map_grant_ref m = {.host_addr = gfn << 12, .flags = flags, .ref = ref, .dom = dom};
	long rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1);

	*handle = m.handle;
	return rc ? (int16_t)rc : m.status;
}

static int16_t unmap1(uint64_t gfn, grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref u = {.host_addr = gfn << 12, .handle = handle};
	long rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1);

	return rc ? (int16_t)rc : u.status;
}

static void wait_for_granter(void)
{
	const struct mailbox *mb = (const struct mailbox *)buf;

	for (uint64_t spins = 0;; spins++) {
		if (copy1(GNTCOPY_source_gref, REF_MAILBOX, GRANTER, 0, gfn_of(buf), DOMID_SELF, 0, sizeof(*mb)) ==
			GNTST_okay &&
		    mb->magic == MAGIC && mb->granter_stage >= STAGE_READY)
			return;
		if (spins > SPIN_LIMIT / 1000)
			xtf_failure("domain %u never granted its mailbox", GRANTER);
	}
}

static void tell_granter(uint32_t stage)
{
	*(volatile uint32_t *)buf = stage;
	if (copy1(GNTCOPY_dest_gref, gfn_of(buf), DOMID_SELF, 0, REF_MAILBOX, GRANTER,
		  offsetof(struct mailbox, mapper_stage), sizeof(uint32_t)) != GNTST_okay)
		xtf_failure("cannot write to the mailbox");
}

static void mapper_copies(void)
{
	struct gnttab_copy batch[3];
	bool same = true;
	long rc;

	xtf_check(copy1(GNTCOPY_source_gref, REF_RW, GRANTER, 0, gfn_of(buf), DOMID_SELF, 0, 4096) == GNTST_okay,
		  "copy a whole granted page");
	for (unsigned int i = 0; i < 4096; i++)
		same = same && buf[i] == rw_pattern(i);
	xtf_check(same, "the copy holds the granter's data");
	{
		/* under QEMU's -icount and in Bochs the TSC counts instructions: bench/run.sh reads this */
		uint64_t best = ~0ULL;

		for (unsigned int i = 0; i < 1000; i++) {
			uint64_t t0 = rdtsc_ordered();

			copy1(GNTCOPY_source_gref, REF_RW, GRANTER, 0, gfn_of(buf), DOMID_SELF, 0, 4096);
			t0 = rdtsc_ordered() - t0;
			best = t0 < best ? t0 : best;
		}
		printk("grant: mapper: 1000 copies of 4 KiB: %llu TSC cycles for the fastest\n",
		       (unsigned long long)best);
	}
	memset(buf, 0, sizeof(buf));
	xtf_check(copy1(GNTCOPY_source_gref, REF_RO, GRANTER, 100, gfn_of(buf), DOMID_SELF, 7, 200) == GNTST_okay &&
		      buf[7] == ro_pattern(100) && buf[206] == ro_pattern(299) && buf[6] == 0 && buf[207] == 0,
		  "copy part of a read-only grant, offsets on both sides");
	for (unsigned int i = 0; i < 300; i++)
		src[i] = copy_pattern(i);
	xtf_check(copy1(GNTCOPY_dest_gref, gfn_of(src), DOMID_SELF, 0, REF_DST, GRANTER, 50, 300) == GNTST_okay,
		  "copy into a granted page");
	xtf_check(copy1(GNTCOPY_dest_gref, gfn_of(src), DOMID_SELF, 0, REF_RO, GRANTER, 0, 8) == GNTST_general_error,
		  "no copy into a read-only grant");
	xtf_check(copy1(GNTCOPY_source_gref, REF_OTHER, GRANTER, 0, gfn_of(buf), DOMID_SELF, 0, 8) ==
		      GNTST_general_error,
		  "no copy from a grant given to another domain");
	xtf_check(copy1(0, gfn_of(pages[1]), GRANTER, 0, gfn_of(buf), DOMID_SELF, 0, 8) == GNTST_permission_denied,
		  "no copy by frame from another domain's memory");
	xtf_check(copy1(GNTCOPY_dest_gref, gfn_of(src), DOMID_SELF, 0, REF_DST, GRANTER, 4000, 200) ==
		      GNTST_bad_copy_arg,
		  "a copy across the end of the page is refused");
	xtf_check(copy1(GNTCOPY_source_gref, 100000, GRANTER, 0, gfn_of(buf), DOMID_SELF, 0, 8) == GNTST_bad_gntref,
		  "a reference beyond the table is refused");
	xtf_check(copy1(GNTCOPY_source_gref, REF_RW, 77, 0, gfn_of(buf), DOMID_SELF, 0, 8) == GNTST_bad_domain,
		  "a domain that does not exist is refused");
	xtf_check(copy1(0, gfn_of(src), DOMID_SELF, 0, gfn_of(buf), DOMID_SELF, 0, 16) == GNTST_okay,
		  "copy between two of my own frames");

	memset(batch, 0, sizeof(batch));
	batch[0] = (struct gnttab_copy){.source = {.u.ref = REF_RW, .domid = GRANTER},
					.dest = {.u.gmfn = gfn_of(buf), .domid = DOMID_SELF},
					.len = 64,
					.flags = GNTCOPY_source_gref};
	batch[1] = batch[0];
	batch[1].source.u.ref = REF_OTHER;
	batch[2] = batch[0];
	batch[2].len = 4096;
	batch[2].source.offset = 1;
	batch[0].status = batch[1].status = batch[2].status = 99;
	rc = gnttab_op(GNTTABOP_copy, batch, 3);
	xtf_check(rc == 0 && batch[0].status == GNTST_okay && batch[1].status == GNTST_general_error &&
		      batch[2].status == GNTST_bad_copy_arg,
		  "a batch of three copies: a status each (%ld: %d %d %d)", rc, batch[0].status, batch[1].status,
		  batch[2].status);
	xtf_check(gnttab_op(GNTTABOP_copy, batch, (unsigned int)-1) == -XEN_EINVAL, "a negative count is refused");
	xtf_check(gnttab_op(GNTTABOP_copy, batch, 5000) == -XEN_E2BIG, "an oversized batch is refused");
	xtf_check(gnttab_op(GNTTABOP_copy, (void *)0x7fff00000000ULL, 1) == -XEN_EFAULT, "an unmapped batch faults");
	xtf_check(gnttab_op(GNTTABOP_query_size, batch, 2) == -XEN_EINVAL, "query_size takes exactly one struct");
	xtf_check(gnttab_op(GNTTABOP_transfer, batch, 1) == -XEN_ENOSYS, "transfer is not offered");
}

/* Leaves the read-write map (handle *rw) and the read-only one (*ro) in place. */
static void mapper_maps(grant_handle_t *rw, grant_handle_t *ro)
{
	const volatile uint8_t *rwp = gfn_ptr(MAP_RW_GFN), *rop = gfn_ptr(MAP_RO_GFN);
	struct gnttab_map_grant_ref m[3];
	struct gnttab_unmap_grant_ref u[2];
	grant_handle_t h;
	bool same = true;
	long rc;

	xtf_check(map1(REF_RW, GRANTER, MAP_RW_GFN, GNTMAP_host_map, rw) == GNTST_okay, "map a grant read-write");
	for (unsigned int i = 0; i < 4096; i++)
		same = same && rwp[i] == rw_pattern(i);
	xtf_check(same, "the map shows the granter's page");
	memcpy((void *)(rwp + 100), through_map, sizeof(through_map));

	xtf_check(map1(REF_RO, GRANTER, MAP_RO_GFN, GNTMAP_host_map | GNTMAP_readonly, ro) == GNTST_okay,
		  "map a read-only grant read-only");
	same = true;
	for (unsigned int i = 0; i < 4096; i++)
		same = same && rop[i] == ro_pattern(i);
	xtf_check(same, "the read-only map shows the granter's page");
	/* A write would stop this domain; the hypervisor writing there on our behalf must fail. */
	rc = HYPERVISOR_xen_version(XENVER_extraversion, (void *)rop);
	xtf_check(rc == -XEN_EFAULT && rop[0] == ro_pattern(0), "the read-only map is read-only in the p2m (%ld)", rc);
	rc = HYPERVISOR_xen_version(XENVER_extraversion, (void *)(rwp + 2048));
	xtf_check(rc == 0, "the read-write map takes writes (%ld)", rc);

	xtf_check(map1(REF_RO, GRANTER, MAP_X_GFN, GNTMAP_host_map, &h) == GNTST_general_error,
		  "a read-only grant cannot be mapped writable");
	xtf_check(map1(REF_OTHER, GRANTER, MAP_X_GFN, GNTMAP_host_map, &h) == GNTST_general_error,
		  "a grant given to another domain cannot be mapped");
	xtf_check(map1(REF_RW, 77, MAP_X_GFN, GNTMAP_host_map, &h) == GNTST_bad_domain, "nor one of a missing domain");
	xtf_check(map1(REF_RW, GRANTER, MAP_X_GFN, 0, &h) == GNTST_bad_gntref, "a map to nowhere is refused");
	xtf_check(map1(REF_RW, GRANTER, MAP_X_GFN, GNTMAP_device_map, &h) == GNTST_general_error,
		  "a device map (machine address) is for the privileged domain only");
	xtf_check(map1(REF_RW, GRANTER, 1ULL << 40, GNTMAP_host_map, &h) == GNTST_general_error,
		  "a guest address beyond the physical map is refused");

	memset(m, 0, sizeof(m));
	m[0] = (struct gnttab_map_grant_ref){
	    .host_addr = MAP_X_GFN << 12, .flags = GNTMAP_host_map, .ref = REF_DST, .dom = GRANTER};
	m[1] = m[0];
	m[1].ref = 4000; /* beyond the granter's one frame of entries */
	m[2] = m[0];
	m[2].host_addr = MAP_Y_GFN << 12;
	m[2].flags |= GNTMAP_readonly;
	rc = gnttab_op(GNTTABOP_map_grant_ref, m, 3);
	xtf_check(rc == 0 && m[0].status == GNTST_okay && m[1].status == GNTST_bad_gntref && m[2].status == GNTST_okay,
		  "a batch of three maps: a status each (%ld: %d %d %d)", rc, m[0].status, m[1].status, m[2].status);
	xtf_check(((volatile uint8_t *)gfn_ptr(MAP_X_GFN))[60] == copy_pattern(10) &&
		      ((volatile uint8_t *)gfn_ptr(MAP_Y_GFN))[60] == copy_pattern(10),
		  "one page mapped twice shows the same data");
	xtf_check(unmap1(MAP_RO_GFN, *rw) == GNTST_general_error, "an unmap at the wrong address is refused");
	u[0] = (struct gnttab_unmap_grant_ref){.host_addr = MAP_X_GFN << 12, .handle = m[0].handle};
	u[1] = (struct gnttab_unmap_grant_ref){.host_addr = MAP_Y_GFN << 12, .handle = m[2].handle};
	rc = gnttab_op(GNTTABOP_unmap_grant_ref, u, 2);
	xtf_check(rc == 0 && u[0].status == GNTST_okay && u[1].status == GNTST_okay, "a batch of two unmaps");
	xtf_check(unmap1(MAP_X_GFN, m[0].handle) == GNTST_bad_handle, "a handle is good for one unmap");
}

static void mapper(void)
{
	volatile uint8_t *rwp = gfn_ptr(MAP_RW_GFN), *rop = gfn_ptr(MAP_RO_GFN);
	grant_handle_t rw, ro;
	uint64_t spins, t0;
	bool same = true;

	wait_for_granter();
	printk("grant: mapper: domain %u's mailbox is readable through a grant copy\n", GRANTER);
	mapper_copies();
	mapper_maps(&rw, &ro);
	tell_granter(STAGE_MAPPED);

	/* The granter revokes the mailbox right before it shuts down: copies from it then fail. */
	for (spins = 0;
	     copy1(GNTCOPY_source_gref, REF_MAILBOX, GRANTER, 0, gfn_of(buf), DOMID_SELF, 0, 16) == GNTST_okay; spins++)
		if (spins > SPIN_LIMIT / 1000)
			xtf_failure("the granter never revoked its mailbox");
	for (t0 = rdtsc(); rdtsc() - t0 < 200000000ULL;) /* and give it time to be gone */
		asm volatile("pause");
	xtf_check(memcmp_eq((const void *)(rwp + 200), after_bye, sizeof(after_bye)),
		  "after the granter shut down: its last write is in the read-write map");
	for (unsigned int i = 0; i < 4096; i++)
		same = same && rop[i] == ro_pattern(i);
	xtf_check(same, "after the granter shut down: the read-only map still shows its page");
	printk("grant: mapper: read '%s' through the map after domain %u shut down\n", (const char *)(rwp + 200),
	       GRANTER);
	xtf_check(unmap1(MAP_RO_GFN, ro) == GNTST_okay, "unmap the read-only map");
	printk("grant: mapper: leaving the read-write map for the teardown to undo\n");
	xtf_report();
}

void test_main(void)
{
	const char *cmdline = start_info->cmdline_paddr ? (const char *)(uintptr_t)start_info->cmdline_paddr : "";

	if (strstr(cmdline, "granter"))
		granter();
	else if (strstr(cmdline, "mapper"))
		mapper();
	xtf_error("command line must say granter or mapper");
}
