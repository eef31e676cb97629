/*
 * blkback against the real blkfront in one process (and against a raw frontend for what
 * blkfront never sends): store layout, handshake, transfers, thin disks, persistence across
 * domain_down/up, malformed requests, ring pressure.
 */
#include <pv/blkfront.h>
#include <pv/dom0.h>
#include <pv/mm.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/protocols.h>

#include "blkback_fake.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define FE1 "/local/domain/1/device/vbd/768"
#define BE1 "/local/domain/0/backend/vbd/1/768"
#define SECTORS1 (8 * 2048)

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 9));
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static char status[2048];

static const char *bb_status(void)
{
	blkback_status(status, sizeof(status));
	return status;
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

static int group_setup(void **state)
{
	fake_xen_reset();
	fake_store_reset();
	return blkback_backend.init("1:8,2:16");
}

static int setup(void **state)
{
	fake_xen_reset();
	fake_store_reset();
	fake_caller = 1;
	up(1);
	return 0;
}

static int teardown(void **state)
{
	fake_caller = 1;
	fake_grant_owner = 1;
	down(1);
	down(2);
	assert_int_equal(bbf.maps, 0);
	assert_int_equal(bbf.violations, 0);
	return 0;
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
	assert_string_equal(fake_store_get(FE1 "/state"), "6");
	assert_string_equal(fake_store_get(BE1 "/state"), "6");
}

/* ---- a raw frontend, for requests blkfront would never make ---- */

struct raw {
	blkif_sring_t *sring;
	blkif_front_ring_t ring;
	grant_ref_t ref;
	evtchn_port_t port;
	unsigned int kicks;
};

static void raw_event(evtchn_port_t port, void *data)
{
	((struct raw *)data)->kicks++;
}

/* From Initialising (the backend follows to InitWait), the ring, channel and protocol, Initialised. */
static void raw_publish(struct raw *r, const char *protocol)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(xenbus_switch_state(XBT_NIL, "device/vbd/768", XenbusStateInitialising), 0);
	fake_backend_run();
	assert_string_equal(fake_store_get(BE1 "/state"), "2");
	r->sring = alloc_page();
	SHARED_RING_INIT(r->sring);
	FRONT_RING_INIT(&r->ring, r->sring, PAGE_SIZE);
	r->ref = gnttab_grant_access(0, virt_to_gfn(r->sring), false);
	assert_int_equal(evtchn_alloc_unbound(0, raw_event, r, &r->port), 0);
	assert_int_equal(xenbus_printf(XBT_NIL, "device/vbd/768", "ring-ref", "%u", (unsigned int)r->ref), 0);
	assert_int_equal(xenbus_printf(XBT_NIL, "device/vbd/768", "event-channel", "%u", (unsigned int)r->port), 0);
	if (protocol)
		assert_int_equal(xenbus_printf(XBT_NIL, "device/vbd/768", "protocol", "%s", protocol), 0);
	else
		xenbus_rm(XBT_NIL, "device/vbd/768/protocol");
	assert_int_equal(xenbus_switch_state(XBT_NIL, "device/vbd/768", XenbusStateInitialised), 0);
	fake_backend_run();
}

static void raw_connect(struct raw *r)
{
	raw_publish(r, XEN_IO_PROTO_ABI_X86_64);
	assert_string_equal(fake_store_get(BE1 "/state"), "4");
	assert_int_equal(bbf.maps, 1);
}

static blkif_request_t *raw_req(struct raw *r, uint8_t op, uint64_t sector, unsigned int nseg)
{
	blkif_request_t *req = RING_GET_REQUEST(&r->ring, r->ring.req_prod_pvt);

	memset(req, 0, sizeof(*req));
	req->operation = op;
	req->nr_segments = nseg;
	req->handle = 768;
	req->id = 1000 + r->ring.req_prod_pvt;
	req->sector_number = sector;
	r->ring.req_prod_pvt++;
	return req;
}

static void raw_push(struct raw *r)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r->ring, notify);
	if (notify)
		notify_remote_via_evtchn(r->port);
	fake_backend_run();
}

/* The next response's status; it must answer request number idx. */
static int16_t raw_rsp(struct raw *r, RING_IDX idx)
{
	blkif_response_t rsp;

	assert_true(r->ring.rsp_cons != r->sring->rsp_prod);
	RING_COPY_RESPONSE(&r->ring, r->ring.rsp_cons, &rsp);
	r->ring.rsp_cons++;
	assert_int_equal(rsp.id, 1000 + idx);
	return rsp.status;
}

static void raw_close(struct raw *r)
{
	xenbus_switch_state(XBT_NIL, "device/vbd/768", XenbusStateClosing);
	fake_backend_run();
	xenbus_switch_state(XBT_NIL, "device/vbd/768", XenbusStateClosed);
	fake_backend_run();
	assert_string_equal(fake_store_get(BE1 "/state"), "6");
	assert_int_equal(bbf.maps, 0);
	evtchn_close(r->port);
	assert_true(gnttab_end_access(r->ref));
	free_page(r->sring);
}

/* ---- tests ---- */

static void test_config(void **state)
{
	static const char *const bad[] = {"x",    "1",    "1:",      "1:0", "0:8", "3:8,3:4",
					  "3:8,", "3:8;", "3:99999", ":8",  "1:8"};

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
		assert_true(blkback_backend.init(bad[i]) < 0);
	assert_int_equal(blkback_backend.init(""), 0);
	assert_string_equal(blkback_backend.name, "vbd");
	/* Nothing half-added by the refused ones. */
	bb_status();
	assert_non_null(strstr(status, "vbd dom 1 xvda: 8 MiB (0 KiB used)"));
	assert_non_null(strstr(status, "vbd dom 2 xvda: 16 MiB"));
	assert_null(strstr(status, "dom 3"));
	assert_true(blkback_status(status, 10) <= 9);
}

static void test_store_layout(void **state)
{
	static const char *const fe[][2] = {
	    {"backend", BE1}, {"backend-id", "0"}, {"state", "1"}, {"virtual-device", "768"}, {"device-type", "disk"}};
	static const char *const be[][2] = {
	    {"frontend", FE1},
	    {"frontend-id", "1"},
	    {"online", "1"},
	    {"state", "2"},
	    {"mode", "w"},
	    {"type", "ram"},
	    {"dev", "xvda"},
	    {"removable", "0"},
	    {"sectors", "16384"},
	    {"sector-size", "512"},
	    {"feature-flush-cache", "1"},
	    {"info", "0"},
	};
	char path[128];

	for (unsigned int i = 0; i < ARRAY_SIZE(fe); i++) {
		snprintf(path, sizeof(path), FE1 "/%s", fe[i][0]);
		assert_string_equal(fake_store_get(path), fe[i][1]);
		assert_string_equal(fake_store_perms(path), "n1 r0");
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(be); i++) {
		snprintf(path, sizeof(path), BE1 "/%s", be[i][0]);
		assert_string_equal(fake_store_get(path), be[i][1]);
		assert_string_equal(fake_store_perms(path), "n0 r1");
	}
	assert_string_equal(fake_store_perms(FE1), "n1 r0");
	assert_string_equal(fake_store_perms("/local/domain/1/device/vbd"), "n1 r0");
	assert_string_equal(fake_store_perms(BE1), "n0 r1");
	assert_int_equal(bbf.transactions, 2);

	/* The frontend can read the backend, not change it; other domains see neither. */
	fake_caller = 1;
	assert_int_equal(xenbus_write(XBT_NIL, BE1 "/sectors", "99"), -EACCES);
	assert_int_equal(xenbus_write(XBT_NIL, "device/vbd/768/ring-ref", "8"), 0);
	fake_caller = 2;
	assert_int_equal(xenbus_read_unsigned(XBT_NIL, BE1, "sectors", 7), 7);
	fake_caller = 1;

	/* Unconfigured domains get nothing. */
	blkback_backend.domain_up(5);
	fake_backend_run();
	assert_null(fake_store_get("/local/domain/5/device/vbd/768/state"));
}

static void test_store_conflicts(void **state)
{
	down(1);
	assert_null(fake_store_get(BE1 "/state"));
	bbf.conflicts = 3;
	up(1);
	assert_string_equal(fake_store_get(BE1 "/state"), "2");
	assert_int_equal(bbf.conflicts, 0);
}

static void test_roundtrip(void **state)
{
	size_t n = 300 * 512;
	uint8_t *out = malloc(n), *in = malloc(n);
	struct blk_info info;
	struct blkdev *dev = open_ok();

	assert_string_equal(fake_store_get(BE1 "/state"), "4");
	assert_int_equal(blk_info(dev, &info), 0);
	assert_int_equal(info.sectors, SECTORS1);
	assert_int_equal(info.sector_size, 512);
	assert_true(info.flush_cache && info.barrier && !info.read_only);
	assert_non_null(strstr(bb_status(), "Connected"));

	fill(out, n, 1);
	assert_int_equal(blk_write(dev, 1000, out, 300), 0);
	assert_int_equal(blk_read(dev, 1000, in, 300), 0);
	assert_memory_equal(in, out, n);
	/* The last sector, and past it. */
	assert_int_equal(blk_write(dev, SECTORS1 - 1, out, 1), 0);
	assert_int_equal(blk_read(dev, SECTORS1 - 1, in, 1), 0);
	assert_memory_equal(in, out, 512);
	assert_int_equal(blk_read(dev, SECTORS1, in, 1), -EINVAL);
	close_clean(dev);
	assert_non_null(strstr(bb_status(), "Closed"));
	free(out);
	free(in);
}

/* Full 11-segment requests starting mid-page: every segment straddles two disk pages. */
static void test_multi_segment(void **state)
{
	size_t count = 2 * 88 + 5, n = count * 512;
	uint8_t *out = malloc(n), *in = malloc(n);
	struct blkdev *dev = open_ok();
	unsigned int ops = bbf.copy_ops;

	fill(out, n, 2);
	assert_int_equal(blk_write(dev, 4093, out, count), 0);
	assert_int_equal(bbf.copy_ops - ops, 2 * 23);
	assert_int_equal(blk_read(dev, 4093, in, count), 0);
	assert_memory_equal(in, out, n);
	/* Aligned: one copy per segment. */
	ops = bbf.copy_ops;
	assert_int_equal(blk_read(dev, 4096, in, 88), 0);
	assert_int_equal(bbf.copy_ops - ops, 11);
	assert_memory_equal(in, out + 3 * 512, 88 * 512);
	close_clean(dev);
	free(out);
	free(in);
}

static void test_thin(void **state)
{
	uint8_t buf[4096], out[512];
	unsigned long pages = fake_pages_in_use;
	struct blkdev *dev = open_ok();

	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(blk_read(dev, 8000, buf, 8), 0);
	assert_true(all_zero(buf, sizeof(buf)));
	fill(out, sizeof(out), 3);
	pages = fake_pages_in_use;
	assert_int_equal(blk_write(dev, 8003, out, 1), 0);
	assert_int_equal(fake_pages_in_use - pages, 16); /* one 64 KiB chunk */
	assert_int_equal(blk_read(dev, 8000, buf, 8), 0);
	assert_true(all_zero(buf, 3 * 512));
	assert_memory_equal(buf + 3 * 512, out, 512);
	assert_true(all_zero(buf + 4 * 512, 4 * 512));
	close_clean(dev);
}

static void test_flush(void **state)
{
	struct blkdev *dev = open_ok();
	struct raw r;
	blkif_request_t *req;
	uint8_t *page = alloc_page();
	uint8_t buf[512];

	assert_int_equal(blk_flush(dev), 0);
	assert_non_null(strstr(bb_status(), "flushes 1"));
	close_clean(dev);

	/* A barrier carrying data is a write. */
	raw_connect(&r);
	fill(page, 512, 4);
	req = raw_req(&r, BLKIF_OP_WRITE_BARRIER, 50, 1);
	req->seg[0].gref = gnttab_grant_access(0, virt_to_gfn(page), true);
	req->seg[0].last_sect = 0;
	raw_req(&r, BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	raw_push(&r);
	assert_int_equal(raw_rsp(&r, 0), BLKIF_RSP_OKAY);
	assert_int_equal(raw_rsp(&r, 1), BLKIF_RSP_OKAY);
	assert_true(gnttab_end_access(req->seg[0].gref));
	raw_close(&r);
	dev = open_ok();
	assert_int_equal(blk_read(dev, 50, buf, 1), 0);
	assert_memory_equal(buf, page, 512);
	close_clean(dev);
	free_page(page);
}

/* The disk outlives the domain: down (store entries gone), up again, same data. */
static void test_persist(void **state)
{
	uint8_t out[4096], in[4096];
	struct blkdev *dev = open_ok();
	struct raw r;

	fill(out, sizeof(out), 5);
	assert_int_equal(blk_write(dev, 200, out, 8), 0);
	close_clean(dev);
	down(1);
	assert_null(fake_store_get(BE1 "/state"));
	assert_null(fake_store_get(FE1 "/state"));
	assert_non_null(strstr(bb_status(), " KiB used) down Closed"));
	up(1);
	dev = open_ok();
	assert_int_equal(blk_read(dev, 200, in, 8), 0);
	assert_memory_equal(in, out, sizeof(out));
	close_clean(dev);

	/* Destroyed while connected: ring unmapped, channel closed, no draining. */
	raw_connect(&r);
	down(1);
	assert_int_equal(bbf.maps, 0);
	assert_true(gnttab_end_access(r.ref));
	evtchn_close(r.port);
	free_page(r.sring);
	fake_xen_reset();
	up(1);
	dev = open_ok();
	assert_int_equal(blk_read(dev, 200, in, 8), 0);
	assert_memory_equal(in, out, sizeof(out));
	close_clean(dev);

	/* Re-created without a down in between: a fresh device. */
	xenbus_write(XBT_NIL, "device/vbd/768/junk", "1");
	up(1);
	assert_null(fake_store_get(FE1 "/junk"));
	assert_string_equal(fake_store_get(BE1 "/state"), "2");
}

/* Domain 2's disk is its own; blkfront runs as domain 2. */
static void test_two_domains(void **state)
{
	uint8_t out[512], in[512];
	struct blkdev *dev;
	struct blk_info info;

	up(2);
	fake_caller = 2;
	fake_grant_owner = 2;
	dev = open_ok();
	blk_info(dev, &info);
	assert_int_equal(info.sectors, 16 * 2048);
	fill(out, sizeof(out), 6);
	assert_int_equal(blk_write(dev, 9000, out, 1), 0);
	assert_int_equal(blk_read(dev, 9000, in, 1), 0);
	assert_memory_equal(in, out, 512);
	blk_close(dev);
	assert_string_equal(fake_store_get("/local/domain/0/backend/vbd/2/768/state"), "6");
	fake_caller = 1;
	fake_grant_owner = 1;
	dev = open_ok();
	assert_int_equal(blk_read(dev, 9000, in, 1), 0);
	assert_true(all_zero(in, 512));
	close_clean(dev);
}

static void test_malformed(void **state)
{
	struct raw r;
	uint8_t *page = alloc_page();
	grant_ref_t rw = gnttab_grant_access(0, virt_to_gfn(page), false);
	grant_ref_t ro = gnttab_grant_access(0, virt_to_gfn(page), true);
	grant_ref_t other;
	blkif_request_t *req;
	RING_IDX i = 0;

	fake_grant_owner = 2;
	other = gnttab_grant_access(0, virt_to_gfn(page), false);
	fake_grant_owner = 1;
	raw_connect(&r);

	raw_req(&r, BLKIF_OP_READ, 0, 0);                                   /* no segment */
	raw_req(&r, BLKIF_OP_WRITE, 0, BLKIF_MAX_SEGMENTS_PER_REQUEST + 1); /* too many */
	req = raw_req(&r, BLKIF_OP_READ, 0, 1);                             /* first > last */
	req->seg[0] = (struct blkif_request_segment){.gref = rw, .first_sect = 3, .last_sect = 2};
	req = raw_req(&r, BLKIF_OP_READ, 0, 1); /* past the page */
	req->seg[0] = (struct blkif_request_segment){.gref = rw, .first_sect = 0, .last_sect = 8};
	req = raw_req(&r, BLKIF_OP_READ, SECTORS1 - 1, 1); /* past the disk's end */
	req->seg[0] = (struct blkif_request_segment){.gref = rw, .first_sect = 0, .last_sect = 1};
	req = raw_req(&r, BLKIF_OP_WRITE, UINT64_MAX, 1); /* overflowing sector */
	req->seg[0] = (struct blkif_request_segment){.gref = rw, .first_sect = 0, .last_sect = 7};
	req = raw_req(&r, BLKIF_OP_READ, 0, 1); /* unknown grant */
	req->seg[0] = (struct blkif_request_segment){.gref = 999, .first_sect = 0, .last_sect = 0};
	req = raw_req(&r, BLKIF_OP_READ, 0, 1); /* disk to a read-only grant */
	req->seg[0] = (struct blkif_request_segment){.gref = ro, .first_sect = 0, .last_sect = 0};
	req = raw_req(&r, BLKIF_OP_READ, 0, 1); /* another domain's grant */
	req->seg[0] = (struct blkif_request_segment){.gref = other, .first_sect = 0, .last_sect = 0};
	req = raw_req(&r, BLKIF_OP_WRITE, 0, 2); /* good segment, then a bad one: nothing written */
	req->seg[0] = (struct blkif_request_segment){.gref = rw, .first_sect = 0, .last_sect = 7};
	req->seg[1] = (struct blkif_request_segment){.gref = rw, .first_sect = 0, .last_sect = 9};
	raw_req(&r, BLKIF_OP_DISCARD, 0, 0);
	raw_req(&r, 200, 0, 0);
	req = raw_req(&r, BLKIF_OP_WRITE, 0, 1); /* still serving */
	req->seg[0] = (struct blkif_request_segment){.gref = ro, .first_sect = 0, .last_sect = 0};
	raw_push(&r);
	for (; i < 10; i++)
		assert_int_equal(raw_rsp(&r, i), BLKIF_RSP_ERROR);
	assert_int_equal(raw_rsp(&r, i++), BLKIF_RSP_EOPNOTSUPP);
	assert_int_equal(raw_rsp(&r, i++), BLKIF_RSP_EOPNOTSUPP);
	assert_int_equal(raw_rsp(&r, i++), BLKIF_RSP_OKAY);
	assert_true(r.kicks > 0);
	assert_non_null(strstr(bb_status(), "errors 10 unsupported 2"));

	/* A producer index beyond the ring halts it; nothing crashes, close still works. */
	r.sring->req_prod += RING_SIZE(&r.ring) + 1;
	notify_remote_via_evtchn(r.port);
	fake_backend_run();
	assert_non_null(strstr(bb_status(), "(ring halted)"));
	raw_close(&r);
	assert_true(gnttab_end_access(rw) && gnttab_end_access(ro) && gnttab_end_access(other));
	free_page(page);
}

static void test_refused_connections(void **state)
{
	struct raw r;

	raw_publish(&r, "x86_32-abi");
	assert_string_equal(fake_store_get(BE1 "/state"), "5");
	assert_non_null(fake_store_get(BE1 "/error"));
	assert_int_equal(bbf.maps, 0);
	raw_close(&r);

	/* The frontend starts over (raw_publish: InitWait again); a multi-page ring is refused. */
	xenbus_write(XBT_NIL, "device/vbd/768/ring-page-order", "2");
	raw_publish(&r, NULL);
	assert_string_equal(fake_store_get(BE1 "/state"), "5");
	raw_close(&r);

	/* No protocol at all is the native one. */
	xenbus_rm(XBT_NIL, "device/vbd/768/ring-page-order");
	raw_publish(&r, NULL);
	assert_string_equal(fake_store_get(BE1 "/state"), "4");
	raw_close(&r);
}

/* A full ring of requests in one push; all answered in order; then blkfront's long transfers. */
static void test_ring_pressure(void **state)
{
	size_t count = 40 * 88, n = count * 512;
	uint8_t *out = malloc(n), *in = malloc(n);
	uint8_t *page = alloc_page();
	grant_ref_t rw = gnttab_grant_access(0, virt_to_gfn(page), false);
	struct blkdev *dev;
	struct raw r;
	RING_IDX i;

	raw_connect(&r);
	for (i = 0; i < RING_SIZE(&r.ring); i++) {
		blkif_request_t *req = raw_req(&r, i % 2 ? BLKIF_OP_READ : BLKIF_OP_WRITE, 3000 + i / 2 * 8, 1);

		req->seg[0] = (struct blkif_request_segment){.gref = rw, .first_sect = 0, .last_sect = 7};
	}
	assert_true(RING_FULL(&r.ring));
	raw_push(&r);
	for (i = 0; i < RING_SIZE(&r.ring); i++)
		assert_int_equal(raw_rsp(&r, i), BLKIF_RSP_OKAY);
	raw_close(&r);
	assert_true(gnttab_end_access(rw));
	free_page(page);

	dev = open_ok();
	fill(out, n, 7);
	assert_int_equal(blk_write(dev, 5000, out, count), 0);
	assert_int_equal(blk_read(dev, 5000, in, count), 0);
	assert_memory_equal(in, out, n);
	close_clean(dev);
	free(out);
	free(in);
}

/* blkfront closes and opens again: Closed -> Initialising -> InitWait -> Connected. */
static void test_reconnect(void **state)
{
	uint8_t out[512], in[512];
	struct blkdev *dev = open_ok();

	fill(out, sizeof(out), 8);
	assert_int_equal(blk_write(dev, 7, out, 1), 0);
	close_clean(dev);
	dev = open_ok();
	assert_int_equal(blk_read(dev, 7, in, 1), 0);
	assert_memory_equal(in, out, 512);
	close_clean(dev);
}

#define FE1B "/local/domain/1/device/vbd/51728"
#define BE1B "/local/domain/0/backend/vbd/1/51728"

/* block-attach: a second disk of a running domain beside xvda; detached while connected. */
static void test_attach_detach(void **state)
{
	uint8_t out[512], in[512];
	struct blkdev *dev = open_ok(), *dev2;
	struct blk_info info;

	assert_int_equal(blkback_attach(1, 51728, "xvdb", 4), 0);
	assert_int_equal(blkback_attach(1, 51728, "xvdb", 4), -EEXIST);
	assert_int_equal(blkback_attach(1, 51744, "xvdc", 0), -EINVAL);
	assert_int_equal(blkback_attach(0, 51744, "xvdc", 4), -EINVAL);
	fake_backend_run();
	assert_string_equal(fake_store_get(FE1B "/virtual-device"), "51728");
	assert_string_equal(fake_store_get(BE1B "/dev"), "xvdb");
	assert_string_equal(fake_store_get(BE1B "/state"), "2");
	dev2 = blk_open("51728");
	assert_non_null(dev2);
	assert_int_equal(blk_info(dev2, &info), 0);
	assert_int_equal(info.sectors, 4 * 2048);
	assert_non_null(strstr(bb_status(), "vbd dom 1 xvdb: 4 MiB"));
	/* Two disks, two contents. */
	fill(out, sizeof(out), 3);
	assert_int_equal(blk_write(dev2, 5, out, 1), 0);
	assert_int_equal(blk_read(dev, 5, in, 1), 0);
	assert_true(all_zero(in, sizeof(in)) || memcmp(in, out, sizeof(in)));
	assert_int_equal(blk_read(dev2, 5, in, 1), 0);
	assert_memory_equal(in, out, sizeof(in));

	/* Detached while connected: Closing, the frontend closes, the nodes go. */
	assert_int_equal(blkback_detach(1, 51728), 0);
	assert_int_equal(blkback_detach(1, 51728), -EBUSY);
	fake_backend_run();
	assert_string_equal(fake_store_get(BE1B "/state"), "5");
	blk_close(dev2);
	fake_backend_run();
	assert_null(fake_store_get(BE1B "/state"));
	assert_null(fake_store_get(FE1B "/backend"));
	assert_null(strstr(bb_status(), "xvdb"));
	assert_int_equal(blkback_detach(1, 51728), -ENODEV);
	assert_int_equal(blkback_detach(2, 768), -ENODEV); /* domain 2 is not up */
	/* xvda goes on; the number is free again and the disk is new. */
	assert_int_equal(blk_write(dev, 9, out, 1), 0);
	assert_int_equal(blkback_attach(1, 51728, "xvdb", 4), 0);
	fake_backend_run();
	dev2 = blk_open("51728");
	assert_non_null(dev2);
	assert_int_equal(blk_read(dev2, 5, in, 1), 0);
	assert_true(all_zero(in, sizeof(in)));
	blk_close(dev2);
	close_clean(dev);
	/* A frontend that is not connected: removed at once; an attached disk goes with its domain. */
	assert_int_equal(blkback_detach(1, 51728), 0);
	fake_backend_run();
	assert_null(fake_store_get(BE1B "/state"));
	assert_int_equal(blkback_attach(1, 51744, "xvdc", 1), 0);
	fake_backend_run();
	assert_string_equal(fake_store_get("/local/domain/0/backend/vbd/1/51744/state"), "2");
	down(1);
	assert_null(fake_store_get("/local/domain/0/backend/vbd/1/51744/state"));
	up(1);
	assert_null(fake_store_get("/local/domain/0/backend/vbd/1/51744/state"));
	assert_string_equal(fake_store_get(BE1 "/state"), "2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_conflicts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_multi_segment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_persist, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_domains, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_connections, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_pressure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_attach_detach, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
