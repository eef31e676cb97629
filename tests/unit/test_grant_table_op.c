/*
 * Unit tests for HYPERVISOR_grant_table_op (kernel/grant_table_op.c): what is copied in and out,
 * batches with per-operation status, counts, faults, over the real v1 logic
 * (kernel/grant_table.c) with two fake domains and a fake guest address space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mica/domain.h>
#include <mica/domain_gnttab.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>

/* ---- guest memory: GUEST_SIZE bytes at guest-virtual GUEST_BASE ---- */
#define GUEST_BASE 0x10000ULL
#define GUEST_SIZE 0x20000ULL
#define GUEST_RO (GUEST_BASE + 0x1f000) /* the last page reads but does not write */
static uint8_t guest[GUEST_SIZE];

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	if (gva < GUEST_BASE || len > GUEST_SIZE || gva - GUEST_BASE > GUEST_SIZE - len)
		return -EFAULT;
	memcpy(dst, guest + (gva - GUEST_BASE), len);
	return 0;
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
	if (gva + len > GUEST_RO)
		return -EFAULT;
	if (gva < GUEST_BASE || len > GUEST_SIZE || gva - GUEST_BASE > GUEST_SIZE - len)
		return -EFAULT;
	memcpy(guest + (gva - GUEST_BASE), src, len);
	return 0;
}

/* ---- two domains: 1 calls, 2 grants; domain d's gfn g (< 16) is frame d * 16 + g ---- */
#define NR_GFNS 16
#define FRAMES 2
struct fake {
	struct domain d;
	struct gnttab_domain gt;
	struct gnttab_frame frames[FRAMES];
	struct gnttab_maptrack *maptrack[1];
};
static struct fake fakes[3];
static struct vcpu vcpu;
static uint8_t mem[3 * NR_GFNS][4096];
static int refs[3 * NR_GFNS], mapped[256], reaps;

struct domain *domain_lookup(domid_t id)
{
	return id >= 1 && id <= 2 ? &fakes[id].d : NULL;
}
struct gnttab_domain *domain_gnttab(struct domain *d)
{
	return &fakes[d->domain_id].gt;
}
gfn_t gnttab_frame_gfn(struct domain *d, unsigned int i)
{
	return i == 0 ? _gfn(0xabc) : INVALID_GFN;
}
void gnttab_reap(void)
{
	reaps++;
}

static struct gnttab_domain *lookup(domid_t id)
{
	return id >= 1 && id <= 2 ? &fakes[id].gt : NULL;
}

static int16_t gfn_to_frame(struct gnttab_domain *d, gfn_t gfn, bool write, mfn_t *frame)
{
	if (gfn_x(gfn) >= NR_GFNS)
		return GNTST_bad_page;
	*frame = _mfn(d->domid * NR_GFNS + gfn_x(gfn));
	refs[mfn_x(*frame)]++;
	return GNTST_okay;
}

static void put_frame(mfn_t frame)
{
	refs[mfn_x(frame)]--;
}

static int16_t map_into(struct gnttab_domain *d, gfn_t gfn, mfn_t frame, bool ro)
{
	if (gfn_x(gfn) >= 256)
		return GNTST_general_error;
	mapped[gfn_x(gfn)] = (int)mfn_x(frame) + 1;
	return GNTST_okay;
}

static void unmap_from(struct gnttab_domain *d, gfn_t gfn, mfn_t frame)
{
	mapped[gfn_x(gfn)] = 0;
}

static void copy(mfn_t src, uint16_t so, mfn_t dst, uint16_t dof, uint16_t len)
{
	memmove(&mem[mfn_x(dst)][dof], &mem[mfn_x(src)][so], len);
}

static void *alloc_pages(unsigned int order)
{
	return aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
}

static void free_pages(void *p, unsigned int order)
{
	free(p);
}

static const struct gnttab_hooks hooks = {
    .lookup_domain = lookup,
    .gfn_to_frame = gfn_to_frame,
    .put_frame = put_frame,
    .map_into = map_into,
    .unmap_from = unmap_from,
    .copy = copy,
    .alloc_pages = alloc_pages,
    .free_pages = free_pages,
};

static int setup(void **state)
{
	memset(guest, 0, sizeof(guest));
	memset(refs, 0, sizeof(refs));
	memset(mapped, 0, sizeof(mapped));
	memset(mem, 0, sizeof(mem));
	reaps = 0;
	for (domid_t id = 1; id <= 2; id++) {
		struct fake *f = &fakes[id];
		struct gnttab_mem m = {f->frames, FRAMES, f->maptrack, 8};

		gnttab_domain_free(&f->gt); /* the previous test's */
		memset(&f->d, 0, sizeof(f->d));
		f->d.domain_id = id;
		assert_int_equal(gnttab_domain_init(&f->gt, id, &hooks, &m), 0);
	}
	vcpu.domain = &fakes[1].d;
	return 0;
}

static long op(unsigned int cmd, uint64_t uop, uint64_t count)
{
	uint64_t args[HYPERCALL_MAX_ARGS] = {cmd, uop, count, 0, 0};

	return do_grant_table_op(&vcpu, args);
}

/* Domain 2 grants its gfn to domain 1 in entry ref. */
static void grant(grant_ref_t ref, uint32_t gfn, uint16_t extra_flags)
{
	*gnttab_shared_entry(&fakes[2].gt, ref) =
	    (grant_entry_v1_t){.flags = GTF_permit_access | extra_flags, .domid = 1, .frame = gfn};
}

static void test_counts_and_commands(void **state)
{
	assert_int_equal(op(GNTTABOP_map_grant_ref, GUEST_BASE, 0x80000000u), -EINVAL); /* (int)count < 0 */
	assert_int_equal(op(GNTTABOP_copy, GUEST_BASE, 4097), -E2BIG);
	assert_int_equal(op(GNTTABOP_copy, GUEST_BASE, 0), 0);
	assert_int_equal(op(GNTTABOP_query_size, GUEST_BASE, 2), -EINVAL);
	assert_int_equal(op(GNTTABOP_query_size, GUEST_BASE, 0), -EINVAL);
	assert_int_equal(op(GNTTABOP_map_grant_ref | (1 << 12), GUEST_BASE, 1), -EINVAL);
	assert_int_equal(op(GNTTABOP_transfer, GUEST_BASE, 1), -ENOSYS);
	assert_int_equal(op(GNTTABOP_unmap_and_replace, GUEST_BASE, 1), -ENOSYS);
	assert_int_equal(op(99, GUEST_BASE, 1), -ENOSYS);
	assert_int_equal(op(GNTTABOP_query_size, 0x1, 1), -EFAULT);
	/* the count is an unsigned int, as in Xen: the upper half of the register is not looked at */
	assert_int_equal(op(GNTTABOP_copy, GUEST_BASE, 1ULL << 32), 0);
}

static void test_one_struct_ops(void **state)
{
	struct gnttab_query_size qs = {.dom = DOMID_SELF};
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 2};
	struct gnttab_set_version sv = {.version = 2};
	struct gnttab_get_version gv = {.dom = DOMID_SELF};
	xen_pfn_t list[2];

	memcpy(guest, &qs, sizeof(qs));
	assert_int_equal(op(GNTTABOP_query_size, GUEST_BASE, 1), 0);
	memcpy(&qs, guest, sizeof(qs));
	assert_int_equal(qs.status, GNTST_okay);
	assert_int_equal(qs.nr_frames, 1);
	assert_int_equal(qs.max_nr_frames, FRAMES);

	set_xen_guest_handle(st.frame_list, (xen_pfn_t *)(uintptr_t)(GUEST_BASE + 0x800));
	memcpy(guest, &st, sizeof(st));
	assert_int_equal(op(GNTTABOP_setup_table, GUEST_BASE, 1), 0);
	memcpy(&st, guest, sizeof(st));
	memcpy(list, guest + 0x800, sizeof(list));
	assert_int_equal(st.status, GNTST_okay);
	assert_int_equal(list[0], 0xabc);
	assert_int_equal(list[1], INVALID_GFN.gfn); /* not mapped by the guest */
	assert_int_equal(fakes[1].gt.nr_frames, 2);
	st.nr_frames = FRAMES + 1;
	memcpy(guest, &st, sizeof(st));
	assert_int_equal(op(GNTTABOP_setup_table, GUEST_BASE, 1), 0);
	memcpy(&st, guest, sizeof(st));
	assert_int_equal(st.status, GNTST_general_error);
	st.nr_frames = 1;
	set_xen_guest_handle(st.frame_list, (xen_pfn_t *)0x8);
	memcpy(guest, &st, sizeof(st));
	assert_int_equal(op(GNTTABOP_setup_table, GUEST_BASE, 1), 0);
	memcpy(&st, guest, sizeof(st));
	assert_int_equal(st.status, GNTST_bad_virt_addr);
	st.dom = 2; /* another domain's table: privileged callers only */
	memcpy(guest, &st, sizeof(st));
	assert_int_equal(op(GNTTABOP_setup_table, GUEST_BASE, 1), 0);
	memcpy(&st, guest, sizeof(st));
	assert_int_equal(st.status, GNTST_permission_denied);

	memcpy(guest, &sv, sizeof(sv));
	assert_int_equal(op(GNTTABOP_set_version, GUEST_BASE, 1), -ENOSYS);
	memcpy(&sv, guest, sizeof(sv));
	assert_int_equal(sv.version, 1);
	assert_int_equal(op(GNTTABOP_set_version, GUEST_BASE, 1), 0); /* version 1 now */
	memcpy(guest, &gv, sizeof(gv));
	assert_int_equal(op(GNTTABOP_get_version, GUEST_BASE, 1), 0);
	memcpy(&gv, guest, sizeof(gv));
	assert_int_equal(gv.version, 1);
}

/* A batch: each operation gets its own status; handles come back; unmap writes only status. */
static void test_map_unmap_batch(void **state)
{
	struct gnttab_map_grant_ref m[3] = {
	    {.host_addr = 0x10ULL << 12, .flags = GNTMAP_host_map, .ref = 5, .dom = 2},
	    {.host_addr = 0x11ULL << 12, .flags = GNTMAP_host_map, .ref = 6, .dom = 2}, /* not granted */
	    {.host_addr = 0x12ULL << 12, .flags = GNTMAP_host_map | GNTMAP_readonly, .ref = 7, .dom = 2},
	};
	struct gnttab_unmap_grant_ref u[2];

	grant(5, 3, 0);
	grant(7, 4, GTF_readonly);
	memcpy(guest, m, sizeof(m));
	assert_int_equal(op(GNTTABOP_map_grant_ref, GUEST_BASE, 3), 0);
	memcpy(m, guest, sizeof(m));
	assert_int_equal(m[0].status, GNTST_okay);
	assert_int_equal(m[1].status, GNTST_general_error);
	assert_int_equal(m[2].status, GNTST_okay);
	assert_int_equal(mapped[0x10], 2 * NR_GFNS + 3 + 1);
	assert_int_equal(mapped[0x12], 2 * NR_GFNS + 4 + 1);
	assert_true(gnttab_shared_entry(&fakes[2].gt, 5)->flags & GTF_writing);
	assert_int_equal(reaps, 0);

	u[0] = (struct gnttab_unmap_grant_ref){.host_addr = 0x10ULL << 12, .handle = m[0].handle, .status = 55};
	u[1] = (struct gnttab_unmap_grant_ref){.host_addr = 0x12ULL << 12, .handle = 7, .status = 55}; /* bad handle */
	memcpy(guest, u, sizeof(u));
	assert_int_equal(op(GNTTABOP_unmap_grant_ref, GUEST_BASE, 2), 0);
	memcpy(u, guest, sizeof(u));
	assert_int_equal(u[0].status, GNTST_okay);
	assert_int_equal(u[1].status, GNTST_bad_handle);
	assert_int_equal(u[0].host_addr, 0x10ULL << 12);
	assert_int_equal(mapped[0x10], 0);
	assert_int_equal(refs[2 * NR_GFNS + 3], 0);
	assert_false(gnttab_shared_entry(&fakes[2].gt, 5)->flags & (GTF_reading | GTF_writing));
	assert_int_equal(reaps, 1);
	u[0].handle = m[2].handle;
	u[0].host_addr = 0x12ULL << 12;
	memcpy(guest, u, sizeof(u[0]));
	assert_int_equal(op(GNTTABOP_unmap_grant_ref, GUEST_BASE, 1), 0);
	assert_int_equal(refs[2 * NR_GFNS + 4], 0);
	assert_int_equal(fakes[1].gt.maptrack_used, 0);
}

/*
 * A fault stops the batch with -EFAULT, the operations before it done; a map whose result
 * cannot be written back is undone, so that no mapping exists the guest has no handle for.
 */
static void test_map_faults(void **state)
{
	struct gnttab_map_grant_ref m[2] = {
	    {.host_addr = 0x20ULL << 12, .flags = GNTMAP_host_map, .ref = 5, .dom = 2},
	    {.host_addr = 0x21ULL << 12, .flags = GNTMAP_host_map, .ref = 5, .dom = 2},
	};
	uint64_t before_ro = GUEST_RO - sizeof(m[0]);

	grant(5, 3, 0);
	memcpy(guest + (before_ro - GUEST_BASE), m, sizeof(m));
	assert_int_equal(op(GNTTABOP_map_grant_ref, before_ro, 2), -EFAULT); /* the second's result */
	assert_int_equal(fakes[1].gt.maptrack_used, 1);
	assert_int_equal(mapped[0x20], 2 * NR_GFNS + 3 + 1);
	assert_int_equal(mapped[0x21], 0);
	assert_int_equal(refs[2 * NR_GFNS + 3], 1);
	assert_int_equal(op(GNTTABOP_map_grant_ref, 0x100, 1), -EFAULT);
	assert_int_equal(op(GNTTABOP_map_grant_ref, GUEST_BASE + GUEST_SIZE - sizeof(m[0]) / 2, 1), -EFAULT);
	assert_int_equal(fakes[1].gt.maptrack_used, 1);
	memcpy(&m[0], guest + (before_ro - GUEST_BASE), sizeof(m[0]));
	{
		struct gnttab_unmap_grant_ref u = {.host_addr = m[0].host_addr, .handle = m[0].handle};

		memcpy(guest, &u, sizeof(u));
		assert_int_equal(op(GNTTABOP_unmap_grant_ref, GUEST_BASE, 1), 0);
	}
	assert_int_equal(fakes[1].gt.maptrack_used, 0);
	assert_int_equal(refs[2 * NR_GFNS + 3], 0);
	assert_false(gnttab_shared_entry(&fakes[2].gt, 5)->flags & (GTF_reading | GTF_writing));
}

static void test_device_map_privileged_only(void **state)
{
	struct gnttab_map_grant_ref m = {.flags = GNTMAP_device_map, .ref = 5, .dom = 2};

	grant(5, 3, 0);
	memcpy(guest, &m, sizeof(m));
	assert_int_equal(op(GNTTABOP_map_grant_ref, GUEST_BASE, 1), 0);
	memcpy(&m, guest, sizeof(m));
	assert_int_equal(m.status, GNTST_general_error);
	assert_int_equal(m.dev_bus_addr, 0);
	assert_int_equal(refs[2 * NR_GFNS + 3], 0);
	fakes[1].d.privileged = true;
	memcpy(guest, &m, sizeof(m));
	assert_int_equal(op(GNTTABOP_map_grant_ref, GUEST_BASE, 1), 0);
	memcpy(&m, guest, sizeof(m));
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(m.dev_bus_addr, (uint64_t)(2 * NR_GFNS + 3) << 12);
}

static void test_copy_batch(void **state)
{
	struct gnttab_copy c[3] = {
	    /* from domain 2's grant into our gfn 1 */
	    {.source = {.u.ref = 5, .domid = 2, .offset = 8},
	     .dest = {.u.gmfn = 1, .domid = DOMID_SELF, .offset = 16},
	     .len = 4,
	     .flags = GNTCOPY_source_gref},
	    /* into a read-only grant: refused */
	    {.source = {.u.gmfn = 1, .domid = DOMID_SELF},
	     .dest = {.u.ref = 7, .domid = 2},
	     .len = 4,
	     .flags = GNTCOPY_dest_gref},
	    /* across the end of the page */
	    {.source = {.u.gmfn = 1, .domid = DOMID_SELF, .offset = 4000},
	     .dest = {.u.ref = 5, .domid = 2},
	     .len = 200,
	     .flags = GNTCOPY_dest_gref},
	};

	grant(5, 3, 0);
	grant(7, 4, GTF_readonly);
	memcpy(&mem[2 * NR_GFNS + 3][8], "gnt!", 4);
	memcpy(guest, c, sizeof(c));
	assert_int_equal(op(GNTTABOP_copy, GUEST_BASE, 3), 0);
	memcpy(c, guest, sizeof(c));
	assert_int_equal(c[0].status, GNTST_okay);
	assert_int_equal(c[1].status, GNTST_general_error);
	assert_int_equal(c[2].status, GNTST_bad_copy_arg);
	assert_memory_equal(&mem[1 * NR_GFNS + 1][16], "gnt!", 4);
	for (unsigned int i = 0; i < 3 * NR_GFNS; i++)
		assert_int_equal(refs[i], 0);
	assert_int_equal(reaps, 1);
	assert_int_equal(op(GNTTABOP_copy, GUEST_BASE + GUEST_SIZE - sizeof(c[0]), 2), -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_counts_and_commands, setup),
	    cmocka_unit_test_setup(test_one_struct_ops, setup),
	    cmocka_unit_test_setup(test_map_unmap_batch, setup),
	    cmocka_unit_test_setup(test_map_faults, setup),
	    cmocka_unit_test_setup(test_device_map_privileged_only, setup),
	    cmocka_unit_test_setup(test_copy_batch, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
