/*
 * blkback's file and phy stores against the real blkfront in one process: an image in micafs
 * on a RAM block device "vda" (mounted by images.c), a whole RAM device "vdb"; writes on the
 * device when answered, flush ordering, read-only disks, the disk spec's errors, data surviving
 * the vbd's teardown (domain destroyed, connected or not) and re-creation.
 */
#include <pv/blkfront.h>
#include <pv/dom0.h>
#include <pv/images.h>
#include <pv/mm.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/protocols.h>

#include "blkback_fake.h"
#include "blkdev_ram.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define FE1 "/local/domain/1/device/vbd/768"
#define BE1 "/local/domain/0/backend/vbd/1/768"
#define IMG "/images/a.img"
#define IMG_SECTORS (6 * 2048) /* 6 MiB */
#define VDA_SECTORS (16 * 2048)
#define VDB_SECTORS (2 * 2048)

static struct blkdev *vda, *vdb; /* pv/blkdev.h's devices (opaque here) */
static char err[160];

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 9) + 1);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void up(domid_t dom)
{
	blkback_backend.domain_up(dom);
	fake_backend_run();
}

static void down(domid_t dom)
{
	blkback_backend.domain_down(dom);
	fake_backend_run();
}

/* dom 1 gets target (as `mica create` would: the spec, then the domain comes up). */
static void create(const char *target, bool writable)
{
	if (blkback_set_disk_spec(1, target, writable, err, sizeof(err)))
		fail_msg("set_disk_spec %s: %s", target, err);
	fake_caller = 1;
	up(1);
}

static struct blkdev *open_ok(void)
{
	struct blkdev *dev = blk_open(NULL);

	assert_non_null(dev);
	return dev;
}

static void close_clean(struct blkdev *dev)
{
	blk_close(dev);
	assert_int_equal(fake_gnttab_in_use(), 0);
	assert_int_equal(bbf.maps, 0);
	assert_string_equal(fake_store_get(BE1 "/state"), "6");
}

/* ---- a raw frontend, for requests blkfront would not make ---- */

struct raw {
	blkif_sring_t *sring;
	blkif_front_ring_t ring;
	grant_ref_t ref, data_ref;
	evtchn_port_t port;
	uint8_t *data;
};

static void raw_event(evtchn_port_t port, void *arg)
{
}

static void raw_open(struct raw *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(xenbus_switch_state(XBT_NIL, "device/vbd/768", XenbusStateInitialising), 0);
	fake_backend_run();
	r->sring = alloc_page();
	r->data = alloc_page();
	SHARED_RING_INIT(r->sring);
	FRONT_RING_INIT(&r->ring, r->sring, PAGE_SIZE);
	r->ref = gnttab_grant_access(0, virt_to_gfn(r->sring), false);
	r->data_ref = gnttab_grant_access(0, virt_to_gfn(r->data), false);
	assert_int_equal(evtchn_alloc_unbound(0, raw_event, r, &r->port), 0);
	xenbus_printf(XBT_NIL, "device/vbd/768", "ring-ref", "%u", (unsigned int)r->ref);
	xenbus_printf(XBT_NIL, "device/vbd/768", "event-channel", "%u", (unsigned int)r->port);
	xenbus_switch_state(XBT_NIL, "device/vbd/768", XenbusStateInitialised);
	fake_backend_run();
	assert_string_equal(fake_store_get(BE1 "/state"), "4");
}

/* One request (nseg segments over the data page, sectors first..last of it); its answer. */
static int16_t raw_do(struct raw *r, uint8_t op, uint64_t sector, unsigned int nseg, uint8_t first, uint8_t last)
{
	blkif_request_t *req = RING_GET_REQUEST(&r->ring, r->ring.req_prod_pvt);
	blkif_response_t rsp;
	int notify;

	memset(req, 0, sizeof(*req));
	req->operation = op;
	req->nr_segments = (uint8_t)nseg;
	req->handle = 768;
	req->id = 500 + r->ring.req_prod_pvt;
	req->sector_number = sector;
	for (unsigned int i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		req->seg[i] =
		    (struct blkif_request_segment){.gref = r->data_ref, .first_sect = first, .last_sect = last};
	r->ring.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r->ring, notify);
	if (notify)
		notify_remote_via_evtchn(r->port);
	fake_backend_run();
	assert_true(r->ring.rsp_cons != r->sring->rsp_prod);
	RING_COPY_RESPONSE(&r->ring, r->ring.rsp_cons, &rsp);
	assert_int_equal(rsp.id, 500 + r->ring.rsp_cons);
	r->ring.rsp_cons++;
	return rsp.status;
}

/* The domain goes with the ring still up. */
static void raw_gone(struct raw *r)
{
	down(1);
	evtchn_close(r->port);
	assert_true(gnttab_end_access(r->data_ref));
	assert_true(gnttab_end_access(r->ref));
	free_page(r->sring);
	free_page(r->data);
	fake_xen_reset();
}

static int setup(void **state)
{
	fake_xen_reset();
	fake_store_reset();
	ram_blkdev_reset();
	vda = ram_blkdev_new("vda", VDA_SECTORS, false, true);
	vdb = ram_blkdev_new("vdb", VDB_SECTORS, false, true);
	ram_blkdev_mkfs(vda, IMG, (uint64_t)IMG_SECTORS * 512);
	assert_int_equal(images_mount(), 0);
	return 0;
}

static int teardown(void **state)
{
	fake_caller = 1;
	down(1);
	down(2);
	assert_int_equal(blkback_set_disk_spec(1, NULL, false, err, sizeof(err)), 0);
	assert_int_equal(blkback_set_disk_spec(2, NULL, false, err, sizeof(err)), 0);
	images_detach();
	assert_int_equal(bbf.maps, 0);
	assert_int_equal(bbf.violations, 0);
	return 0;
}

/* An image file: store nodes, round trips, thin allocation, data on the device when answered. */
static void test_file(void **state)
{
	uint8_t out[8 * 512], in[8 * 512];
	struct blk_info info;
	struct blkdev *dev;
	char status[512];

	create("file:" IMG, true);
	assert_string_equal(fake_store_get(BE1 "/type"), "file");
	assert_string_equal(fake_store_get(BE1 "/params"), "file:" IMG);
	assert_string_equal(fake_store_get(BE1 "/mode"), "w");
	assert_string_equal(fake_store_get(BE1 "/info"), "0");
	assert_string_equal(fake_store_get(BE1 "/feature-flush-cache"), "1");
	assert_string_equal(fake_store_get(BE1 "/feature-barrier"), "1");
	dev = open_ok();
	blk_info(dev, &info);
	assert_int_equal(info.sectors, IMG_SECTORS);
	assert_false(info.read_only);
	assert_true(info.flush_cache);
	assert_int_equal(blk_read(dev, IMG_SECTORS - 8, in, 8), 0);
	assert_true(all_zero(in, sizeof(in)));
	blkback_status(status, sizeof(status));
	assert_non_null(strstr(status, "6 MiB (0 KiB used)"));
	assert_non_null(strstr(status, "file:" IMG " w"));
	fill(out, sizeof(out), 1);
	assert_int_equal(blk_write(dev, 3, out, 8), 0); /* two blocks, unaligned */
	assert_int_equal(blk_write(dev, IMG_SECTORS - 1, out, 1), 0);
	assert_true(blk_write(dev, IMG_SECTORS - 1, out, 2) < 0); /* past the end */
	/* Answered, so on the device, metadata included: a crash now keeps it. */
	memset(in, 0, sizeof(in));
	assert_int_equal(ram_blkdev_image_read(vda, IMG, 3 * 512, in, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(ram_blkdev_image_read(vda, IMG, (IMG_SECTORS - 1) * 512ull, in, 512), 0);
	assert_memory_equal(in, out, 512);
	assert_int_equal(blk_read(dev, 3, in, 8), 0);
	assert_memory_equal(in, out, sizeof(out));
	blkback_status(status, sizeof(status));
	assert_non_null(strstr(status, "(24 KiB used)")); /* 3 data blocks, the level-1 and two level-2 maps */
	close_clean(dev);
}

/* Flush and barrier reach the device's flush, after the writes; a plain write does not flush. */
static void test_flush_order(void **state)
{
	const struct ram_blkdev_stats *st = ram_blkdev_stats(vda);
	uint8_t out[512];
	unsigned int flushes;
	struct blkdev *dev;

	create(IMG, true);
	dev = open_ok();
	fill(out, sizeof(out), 2);
	flushes = st->flushes;
	assert_int_equal(blk_write(dev, 100, out, 1), 0);
	assert_int_equal(st->flushes, flushes);
	assert_int_equal(blk_flush(dev), 0);
	assert_int_equal(st->flushes, flushes + 1);
	assert_true(st->last_flush > st->last_write);
	close_clean(dev);

	/* phy: the same through the whole device. */
	down(1);
	st = ram_blkdev_stats(vdb);
	create("phy:/dev/vdb", true);
	assert_string_equal(fake_store_get(BE1 "/feature-flush-cache"), "1");
	dev = open_ok();
	assert_int_equal(blk_write(dev, 7, out, 1), 0);
	assert_memory_equal(ram_blkdev_data(vdb) + 7 * 512, out, 512);
	flushes = st->flushes;
	assert_int_equal(blk_flush(dev), 0);
	assert_int_equal(st->flushes, flushes + 1);
	assert_true(st->last_flush > st->last_write);
	close_clean(dev);
}

/* Acknowledged, then the domain destroyed (connected, no close): flushed, and the next domain reads it. */
static void test_survives_destroy(void **state)
{
	const struct ram_blkdev_stats *st = ram_blkdev_stats(vda);
	uint8_t out[4096], in[4096];
	unsigned int flushes;
	struct blkdev *dev;
	struct raw r;

	create("file:" IMG, true);
	raw_open(&r);
	fill(r.data, PAGE_SIZE, 3);
	memcpy(out, r.data, sizeof(out));
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, 2000, 1, 0, 7), BLKIF_RSP_OKAY);
	flushes = st->flushes;
	raw_gone(&r); /* destroyed with the ring still connected */
	assert_true(st->flushes > flushes);
	assert_int_equal(bbf.maps, 0);
	/* The image is free again: another domain id may have it. */
	assert_int_equal(blkback_set_disk_spec(2, IMG, true, err, sizeof(err)), 0);
	assert_int_equal(blkback_set_disk_spec(2, NULL, false, err, sizeof(err)), 0);
	create(IMG, true);
	dev = open_ok();
	assert_int_equal(blk_read(dev, 2000, in, 8), 0);
	assert_memory_equal(in, out, sizeof(out));
	close_clean(dev);
	down(1);
	/* And after the store itself is remounted. */
	images_detach();
	assert_int_equal(images_mount(), 0);
	create(IMG, true);
	dev = open_ok();
	assert_int_equal(blk_read(dev, 2000, in, 8), 0);
	assert_memory_equal(in, out, sizeof(out));
	close_clean(dev);

	/* phy too. */
	down(1);
	st = ram_blkdev_stats(vdb);
	create("/dev/vdb", true);
	raw_open(&r);
	memcpy(r.data, out, sizeof(out));
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, 9, 1, 0, 7), BLKIF_RSP_OKAY);
	flushes = st->flushes;
	raw_gone(&r);
	assert_true(st->flushes > flushes);
	create("/dev/vdb", true);
	dev = open_ok();
	assert_int_equal(blk_read(dev, 9, in, 8), 0);
	assert_memory_equal(in, out, sizeof(out));
	close_clean(dev);
}

/* A read-only disk: mode=r, VDISK_READONLY, no flush offered; blkfront refuses, blkback too. */
static void test_read_only(void **state)
{
	uint8_t buf[512];
	struct blk_info info;
	struct blkdev *dev;
	struct raw r;

	create(IMG, false);
	assert_string_equal(fake_store_get(BE1 "/mode"), "r");
	assert_string_equal(fake_store_get(BE1 "/info"), "4");
	assert_string_equal(fake_store_get(BE1 "/feature-flush-cache"), "0");
	dev = open_ok();
	blk_info(dev, &info);
	assert_true(info.read_only);
	assert_int_equal(blk_read(dev, 0, buf, 1), 0);
	assert_int_equal(blk_write(dev, 0, buf, 1), -EROFS);
	close_clean(dev);

	/* A frontend that writes anyway. */
	raw_open(&r);
	fill(r.data, 512, 4);
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, 0, 1, 0, 0), BLKIF_RSP_ERROR);
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE_BARRIER, 0, 1, 0, 0), BLKIF_RSP_EOPNOTSUPP);
	assert_int_equal(raw_do(&r, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0, 0), BLKIF_RSP_EOPNOTSUPP);
	assert_int_equal(raw_do(&r, BLKIF_OP_READ, 0, 1, 0, 7), BLKIF_RSP_OKAY);
	assert_true(all_zero(r.data, PAGE_SIZE));
	assert_int_equal(ram_blkdev_image_read(vda, IMG, 0, buf, 512), 0);
	assert_true(all_zero(buf, 512));
	raw_gone(&r);
}

/* The disk spec: what is refused, with what message, and sharing between domains. */
static void test_spec_errors(void **state)
{
	static const struct {
		const char *target;
		bool writable;
		int rc;
		const char *msg;
	} bad[] = {
	    {"", true, -EINVAL, "no disk target"},
	    {"ram:0", true, -EINVAL, "ram:MIB"},
	    {"ram:5000", true, -EINVAL, "ram:MIB"},
	    {"ram:8x", true, -EINVAL, "ram:MIB"},
	    {"nfs:server", true, -EINVAL, "a disk target is"},
	    {"/images/missing.img", true, -ENOENT, "no such image"},
	    {"file:images/rel.img", true, -EINVAL, "not an image path"},
	    {"/images//a.img", true, -EINVAL, "not an image path"},
	    {"phy:/dev/vdz", true, -ENOENT, "no such block device"},
	    {"/dev/vda", true, -EBUSY, "image store"},
	    {"/dev/vda", false, -EBUSY, "image store"},
	};
	struct blkdev *ro = ram_blkdev_new("vdc", 64, true, false);

	(void)ro;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		err[0] = 0;
		rc = blkback_check_spec(bad[i].target, bad[i].writable, err, sizeof(err));
		if (rc != bad[i].rc)
			fail_msg("%s: %d, not %d", bad[i].target, rc, bad[i].rc);
		if (!strstr(err, bad[i].msg))
			fail_msg("%s: \"%s\"", bad[i].target, err);
		if (bad[i].target[0]) /* "" to set_disk_spec: no disk */
			assert_int_equal(blkback_set_disk_spec(1, bad[i].target, bad[i].writable, err, sizeof(err)),
					 bad[i].rc);
	}
	assert_int_equal(blkback_check_spec("phy:vdc", true, err, sizeof(err)), -EROFS);
	assert_int_equal(blkback_check_spec("phy:vdc", false, err, sizeof(err)), 0);

	/* One writer: a second domain is refused while the first is alive; readers share. */
	create(IMG, true);
	assert_int_equal(blkback_set_disk_spec(2, IMG, true, err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "in use by domain 1"));
	assert_int_equal(blkback_set_disk_spec(2, IMG, false, err, sizeof(err)), -EBUSY);
	assert_int_equal(blkback_set_disk_spec(2, "phy:vdb", true, err, sizeof(err)), 0);
	assert_int_equal(blkback_check_spec("/dev/vdb", false, err, sizeof(err)), -EBUSY);
	assert_int_equal(blkback_set_disk_spec(2, NULL, false, err, sizeof(err)), 0);
	/* While domain 1 is up its own id cannot be given another disk. */
	assert_int_equal(blkback_set_disk_spec(1, "ram:8", true, err, sizeof(err)), -EBUSY);
	down(1);
	create(IMG, false);
	assert_int_equal(blkback_set_disk_spec(2, IMG, false, err, sizeof(err)), 0);
	assert_int_equal(blkback_set_disk_spec(2, IMG, true, err, sizeof(err)), -EBUSY);

	/* No image store: file disks refused, the rest work. */
	down(1);
	assert_int_equal(blkback_set_disk_spec(2, NULL, false, err, sizeof(err)), 0);
	images_detach();
	assert_int_equal(blkback_check_spec(IMG, true, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "no image store"));
	assert_int_equal(blkback_check_spec("ram:4", true, err, sizeof(err)), 0);
}

/* Hostile requests on a file disk: bounds, segments, sector ranges; nothing written. */
static void test_file_bounds(void **state)
{
	uint8_t buf[4096], page[4096];
	struct raw r;

	create(IMG, true);
	raw_open(&r);
	fill(r.data, PAGE_SIZE, 5);
	memcpy(page, r.data, sizeof(page));
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, IMG_SECTORS, 1, 0, 0), BLKIF_RSP_ERROR);
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, IMG_SECTORS - 4, 1, 0, 7), BLKIF_RSP_ERROR);
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, UINT64_MAX - 3, 1, 0, 7), BLKIF_RSP_ERROR);
	assert_int_equal(raw_do(&r, BLKIF_OP_READ, UINT64_MAX, 1, 0, 0), BLKIF_RSP_ERROR);
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, IMG_SECTORS - 88, 11, 0, 7), BLKIF_RSP_OKAY);
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, 0, 0, 0, 0), BLKIF_RSP_ERROR);
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, 0, 12, 0, 0), BLKIF_RSP_ERROR);
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, 0, 1, 4, 3), BLKIF_RSP_ERROR);
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, 0, 1, 0, 8), BLKIF_RSP_ERROR);
	assert_int_equal(raw_do(&r, BLKIF_OP_DISCARD, 0, 0, 0, 0), BLKIF_RSP_EOPNOTSUPP);
	/* A grant the frontend revoked: the copy fails, nothing is written. */
	assert_true(gnttab_end_access(r.data_ref));
	assert_int_equal(raw_do(&r, BLKIF_OP_WRITE, 16, 1, 0, 7), BLKIF_RSP_ERROR);
	r.data_ref = gnttab_grant_access(0, virt_to_gfn(r.data), false);
	raw_gone(&r);
	assert_int_equal(ram_blkdev_image_read(vda, IMG, 0, buf, sizeof(buf)), 0);
	assert_true(all_zero(buf, sizeof(buf)));
	assert_int_equal(ram_blkdev_image_read(vda, IMG, 16 * 512, buf, sizeof(buf)), 0);
	assert_true(all_zero(buf, sizeof(buf)));
	assert_int_equal(ram_blkdev_image_read(vda, IMG, (IMG_SECTORS - 8) * 512ull, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, page, sizeof(buf)); /* the 11-segment write: the page, 11 times */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flush_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_survives_destroy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_spec_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
