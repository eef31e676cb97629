/* blkfront against the in-process fake backend: handshake, transfers, ring limits, failures. */
#include <pv/blkfront.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkfront_fake.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define SS 512
#define SECTORS 4096 /* 2 MiB: more than a full ring of full requests (32 * 88 sectors) */

int app_blktest(int argc, char **argv);
int blk_cmd(int argc, char **argv);

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 9));
}

static int setup(void **state)
{
	blkfront_ring_start = 0;
	fake_backend_reset(SECTORS, SS);
	fb.flush_cache = true;
	return 0;
}

static int teardown(void **state)
{
	fake_backend_free();
	fake_store_clear();
	return 0;
}

static struct blkdev *open_ok(void)
{
	struct blkdev *dev = blk_open(NULL);

	assert_non_null(dev);
	return dev;
}

/* After close: every grant ended, every page back, the channel closed, both sides Closed. */
static void close_clean(struct blkdev *dev)
{
	evtchn_port_t port = fb.port;

	blk_close(dev);
	assert_int_equal(fake_gnttab_in_use(), 0);
	assert_int_equal(fake_pages_in_use, 0);
	assert_false(fake_evtchn_open(port));
	assert_string_equal(fake_store_get(FAKE_FE "/state"), "6");
	assert_string_equal(fake_store_get(FAKE_BE "/state"), "6");
	assert_int_equal(fb.violations, 0);
}

/* A detach: the backend goes Closing, and is gone once the frontend closed: no wait for its Closed. */
static void test_close_backend_detached(void **state)
{
	struct blkdev *dev = open_ok();
	int64_t t0;

	fb.detach = true;
	fake_store_set(FAKE_BE "/state", "5");
	t0 = fake_now;
	blk_close(dev);
	assert_true(fake_now - t0 < 1000000000LL);
	assert_null(fake_store_get(FAKE_BE "/state"));
	assert_string_equal(fake_store_get(FAKE_FE "/state"), "6");
	assert_int_equal(fake_gnttab_in_use(), 0);
	assert_int_equal(fake_pages_in_use, 0);
	assert_int_equal(fb.violations, 0);
}

static void test_connect(void **state)
{
	struct blk_info info;
	struct blkdev *dev;
	char ref[16];

	fb.initwait_delay = 5;
	fb.info = VDISK_REMOVABLE;
	dev = open_ok();
	snprintf(ref, sizeof(ref), "%u", (unsigned int)fb.ring_ref);
	assert_string_equal(fake_store_get(FAKE_FE "/ring-ref"), ref);
	assert_int_not_equal(fb.port, 0);
	assert_string_equal(fb.protocol, "x86_64-abi");
	assert_string_equal(fake_store_get(FAKE_FE "/state"), "4");
	assert_string_equal(fake_store_get(FAKE_BE "/state"), "4");
	assert_int_equal(fb.transactions, 1);
	assert_true(fb.mapped);

	assert_int_equal(blk_info(dev, &info), 0);
	assert_string_equal(info.id, FAKE_VBD);
	assert_int_equal(info.sectors, SECTORS);
	assert_int_equal(info.sector_size, SS);
	assert_int_equal(info.physical_sector_size, SS);
	assert_false(info.read_only);
	assert_true(info.flush && info.flush_cache && !info.barrier);
	assert_int_equal(info.vdisk_info, VDISK_REMOVABLE);
	/* Only the ring is granted while idle. */
	assert_int_equal(fake_gnttab_in_use(), 1);
	assert_null(blk_open(FAKE_VBD));
	assert_int_equal(errno, EBUSY);
	close_clean(dev);
}

static void test_connect_retries_transaction(void **state)
{
	fb.txn_conflicts = 3;
	close_clean(open_ok());
	assert_int_equal(fb.transactions, 4);
}

static void test_connect_physical_sector_size(void **state)
{
	struct blk_info info;
	struct blkdev *dev;

	fake_store_set(FAKE_BE "/physical-sector-size", "4096");
	dev = open_ok();
	blk_info(dev, &info);
	assert_int_equal(info.physical_sector_size, 4096);
	close_clean(dev);
}

static void test_connect_failures(void **state)
{
	assert_null(blk_open("768"));
	assert_int_equal(errno, ENODEV);
	assert_null(blk_open("../x"));
	assert_int_equal(errno, ENODEV);

	fb.never_ready = true;
	assert_null(blk_open(NULL));
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(fake_gnttab_in_use(), 0);
	assert_int_equal(fake_pages_in_use, 0);

	/* A sector size a segment cannot express: the frontend gives up and closes. */
	setup(state);
	fb.sector_size = 8192;
	assert_null(blk_open(NULL));
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(fake_gnttab_in_use(), 0);
	assert_int_equal(fake_pages_in_use, 0);
	assert_string_equal(fake_store_get(FAKE_FE "/state"), "6");
}

static void test_reopen(void **state)
{
	struct blkdev *dev = open_ok();
	uint8_t buf[SS];

	fill(buf, sizeof(buf), 9);
	assert_int_equal(blk_write(dev, 7, buf, 1), 0);
	close_clean(dev);
	dev = open_ok();
	memset(buf, 0, sizeof(buf));
	assert_int_equal(blk_read(dev, 7, buf, 1), 0);
	assert_memory_equal(buf, fb.disk + 7 * SS, SS);
	close_clean(dev);
}

static void test_read_write(void **state)
{
	struct blkdev *dev = open_ok();
	uint8_t *out = malloc(8 * SS), *in = calloc(8, SS);

	fill(out, 8 * SS, 1);
	assert_int_equal(blk_write(dev, 100, out, 8), 0);
	assert_memory_equal(fb.disk + 100 * SS, out, 8 * SS);
	assert_int_equal(blk_read(dev, 100, in, 8), 0);
	assert_memory_equal(in, out, 8 * SS);
	assert_int_equal(fb.requests, 2);
	assert_int_equal(fb.max_segs, 1);
	/* Nothing left granted but the ring. */
	assert_int_equal(fake_gnttab_in_use(), 1);
	assert_int_equal(fake_pages_in_use, 1);
	free(out);
	free(in);
	close_clean(dev);
}

static void test_multi_segment(void **state)
{
	struct blkdev *dev = open_ok();
	size_t n = 11 * 8; /* one full request */
	uint8_t *out = malloc((n + 1) * SS), *in = calloc(n + 1, SS);

	fill(out, (n + 1) * SS, 2);
	assert_int_equal(blk_write(dev, 0, out, n), 0);
	assert_int_equal(fb.requests, 1);
	assert_int_equal(fb.max_segs, 11);
	assert_int_equal(blk_write(dev, 1000, out, n + 1), 0); /* one sector more: two requests */
	assert_int_equal(fb.requests, 3);
	assert_int_equal(blk_read(dev, 1000, in, n + 1), 0);
	assert_memory_equal(in, out, (n + 1) * SS);
	assert_memory_equal(fb.disk, out, n * SS);
	/* A partial last segment: 3 pages, the last holding 5 sectors. */
	memset(in, 0, (n + 1) * SS);
	assert_int_equal(blk_read(dev, 1000, in, 21), 0);
	assert_memory_equal(in, out, 21 * SS);
	assert_int_equal(in[21 * SS], 0);
	free(out);
	free(in);
	close_clean(dev);
}

static void test_unaligned_page_crossing(void **state)
{
	struct blkdev *dev = open_ok();
	uint8_t *raw_out = aligned_alloc(PAGE_SIZE, 4 * PAGE_SIZE), *raw_in = aligned_alloc(PAGE_SIZE, 4 * PAGE_SIZE);
	uint8_t *out = raw_out + PAGE_SIZE - 7, *in = raw_in + 2 * PAGE_SIZE - 301;

	fill(out, 9 * SS, 3);
	memset(raw_in, 0xee, 4 * PAGE_SIZE);
	assert_int_equal(blk_write(dev, 33, out, 9), 0);
	assert_memory_equal(fb.disk + 33 * SS, out, 9 * SS);
	assert_int_equal(blk_read(dev, 33, in, 9), 0);
	assert_memory_equal(in, out, 9 * SS);
	/* Not a byte outside the buffer touched. */
	assert_int_equal(in[-1], 0xee);
	assert_int_equal(in[9 * SS], 0xee);
	free(raw_out);
	free(raw_in);
	close_clean(dev);
}

static void test_ring_full(void **state)
{
	struct blkdev *dev = open_ok();
	size_t n = 4000;
	uint8_t *out = malloc(n * SS), *in = calloc(n, SS);

	fill(out, n * SS, 4);
	assert_int_equal(blk_write(dev, 50, out, n), 0);
	assert_int_equal(fb.max_inflight, 32); /* the ring filled up before the backend ran */
	assert_int_equal(fb.requests, (n + 87) / 88);
	assert_memory_equal(fb.disk + 50 * SS, out, n * SS);
	assert_int_equal(blk_read(dev, 50, in, n), 0);
	assert_memory_equal(in, out, n * SS);
	free(out);
	free(in);
	close_clean(dev);
}

static void test_backend_slow(void **state)
{
	struct blkdev *dev = open_ok();
	size_t n = 3000;
	uint8_t *out = malloc(n * SS), *in = calloc(n, SS);

	fb.max_per_step = 3;
	fill(out, n * SS, 5);
	assert_int_equal(blk_write(dev, 0, out, n), 0);
	assert_int_equal(blk_read(dev, 0, in, n), 0);
	assert_memory_equal(in, out, n * SS);
	free(out);
	free(in);
	close_clean(dev);
}

static void test_index_wrap(void **state)
{
	struct blkdev *dev;
	uint8_t buf[3 * SS], back[3 * SS];

	blkfront_ring_start = 0xfffffff0u;
	dev = open_ok();
	for (unsigned int i = 0; i < 100; i++) {
		fill(buf, sizeof(buf), i);
		assert_int_equal(blk_write(dev, i * 3, buf, 3), 0);
		assert_int_equal(blk_read(dev, i * 3, back, 3), 0);
		assert_memory_equal(back, buf, sizeof(buf));
	}
	assert_true(fb.ring.sring->req_prod < 0x1000); /* went through 2^32 */
	assert_int_equal(fb.requests, 200);
	close_clean(dev);
}

static void test_error_response(void **state)
{
	struct blkdev *dev = open_ok();
	uint8_t *buf = calloc(300, SS);

	fb.fail_sector = 200;
	assert_int_equal(blk_read(dev, 190, buf, 20), -EIO);
	assert_int_equal(blk_write(dev, 199, buf, 2), -EIO);
	/* The failure in the middle of a long transfer: the rest drains, nothing stays granted. */
	assert_int_equal(blk_read(dev, 0, buf, 300), -EIO);
	assert_int_equal(fake_gnttab_in_use(), 1);
	assert_int_equal(fake_pages_in_use, 1);
	/* Still usable around the bad sector. */
	assert_int_equal(blk_read(dev, 0, buf, 200), 0);
	fb.fail_sector = -1;
	assert_int_equal(blk_read(dev, 190, buf, 20), 0);
	free(buf);
	close_clean(dev);
}

static void test_out_of_range(void **state)
{
	struct blkdev *dev = open_ok();
	uint8_t buf[2 * SS];

	assert_int_equal(blk_read(dev, SECTORS, buf, 1), -EINVAL);
	assert_int_equal(blk_read(dev, SECTORS - 1, buf, 2), -EINVAL);
	assert_int_equal(blk_write(dev, UINT64_MAX, buf, 2), -EINVAL);
	assert_int_equal(blk_read(dev, 1, buf, SIZE_MAX), -EINVAL);
	assert_int_equal(blk_read(dev, 0, NULL, 1), -EINVAL);
	assert_int_equal(blk_read(dev, SECTORS, buf, 0), 0);
	assert_int_equal(blk_read(dev, SECTORS - 1, buf, 1), 0);
	assert_int_equal(blk_read(NULL, 0, buf, 1), -ENODEV);
	assert_int_equal(fb.requests, 1);
	close_clean(dev);
}

static void test_read_only(void **state)
{
	struct blkdev *dev;
	struct blk_info info;
	uint8_t buf[SS];

	fb.info = VDISK_READONLY;
	memset(fb.disk, 0x5a, SS);
	dev = open_ok();
	blk_info(dev, &info);
	assert_true(info.read_only);
	assert_int_equal(blk_write(dev, 0, buf, 1), -EROFS);
	assert_int_equal(fb.requests, 0);
	assert_int_equal(blk_read(dev, 0, buf, 1), 0);
	assert_int_equal(buf[100], 0x5a);
	close_clean(dev);
}

static void test_flush_variants(void **state)
{
	struct blk_info info;
	struct blkdev *dev = open_ok(); /* flush-cache offered */

	assert_int_equal(blk_flush(dev), 0);
	assert_int_equal(fb.ops[BLKIF_OP_FLUSH_DISKCACHE], 1);
	close_clean(dev);

	setup(state);
	fb.flush_cache = false;
	fb.barrier = true;
	dev = open_ok();
	assert_int_equal(blk_flush(dev), 0);
	assert_int_equal(fb.ops[BLKIF_OP_WRITE_BARRIER], 1);
	close_clean(dev);

	setup(state);
	fb.flush_cache = false;
	dev = open_ok();
	blk_info(dev, &info);
	assert_false(info.flush);
	assert_int_equal(blk_flush(dev), -EOPNOTSUPP);
	assert_int_equal(fb.requests, 0);
	close_clean(dev);

	/* Offered but turned down: the next one is tried, and the refusal remembered. */
	setup(state);
	fb.barrier = true;
	fb.flush_unsupported = true;
	dev = open_ok();
	assert_int_equal(blk_flush(dev), 0);
	assert_int_equal(fb.ops[BLKIF_OP_FLUSH_DISKCACHE], 1);
	assert_int_equal(fb.ops[BLKIF_OP_WRITE_BARRIER], 1);
	fb.barrier_unsupported = true;
	assert_int_equal(blk_flush(dev), -EOPNOTSUPP);
	assert_int_equal(fb.ops[BLKIF_OP_FLUSH_DISKCACHE], 1);
	assert_int_equal(fb.ops[BLKIF_OP_WRITE_BARRIER], 2);
	blk_info(dev, &info);
	assert_false(info.flush);
	close_clean(dev);
}

static void test_large_sectors(void **state)
{
	struct blkdev *dev;
	uint8_t *out = malloc(20 * 4096), *in = calloc(20, 4096);

	fake_backend_reset(64, 4096);
	dev = open_ok();
	fill(out, 20 * 4096, 6);
	assert_int_equal(blk_write(dev, 40, out, 20), 0);
	assert_int_equal(fb.requests, 2); /* 11 + 9 pages */
	assert_int_equal(blk_read(dev, 40, in, 20), 0);
	assert_memory_equal(in, out, 20 * 4096);
	assert_memory_equal(fb.disk + 40 * 4096, out, 20 * 4096);
	assert_int_equal(blk_read(dev, 60, in, 5), -EINVAL);
	free(out);
	free(in);
	close_clean(dev);
}

static void test_timeout_then_recovery(void **state)
{
	struct blkdev *dev = open_ok();
	uint8_t buf[4 * SS];

	fb.hung = true;
	assert_int_equal(blk_read(dev, 0, buf, 4), -ETIMEDOUT);
	assert_int_equal(fake_gnttab_in_use(), 2); /* the abandoned request keeps its grant */
	fb.hung = false;
	fill(buf, sizeof(buf), 7);
	assert_int_equal(blk_write(dev, 8, buf, 4), 0);
	/* The late answer released the abandoned slot. */
	assert_int_equal(fake_gnttab_in_use(), 1);
	assert_int_equal(fake_pages_in_use, 1);
	close_clean(dev);
}

static void test_blktest_app(void **state)
{
	char *argv[] = {"blktest", NULL};

	assert_int_equal(app_blktest(1, argv), 0);
	assert_int_equal(fake_gnttab_in_use(), 0);
	assert_int_equal(fake_pages_in_use, 0);
	assert_int_equal(fb.violations, 0);
	assert_true(fb.ops[BLKIF_OP_WRITE] > 0 && fb.ops[BLKIF_OP_READ] > 0);
	assert_int_equal(fb.ops[BLKIF_OP_FLUSH_DISKCACHE], 2); /* one per write pass */

	/* A read-only disk: reads checked, writes refused, still a pass. */
	setup(state);
	fb.info = VDISK_READONLY;
	assert_int_equal(app_blktest(1, argv), 0);
	assert_int_equal(fb.ops[BLKIF_OP_WRITE], 0);

	/* A disk that fails: a nonzero result. */
	setup(state);
	fb.fail_sector = 3;
	assert_int_not_equal(app_blktest(1, argv), 0);
	assert_int_equal(fake_gnttab_in_use(), 0);
}

static void test_blk_cmd(void **state)
{
	char *info[] = {"blk", "info"}, *wr[] = {"blk", "write", "2", "hello", "world"};
	char *rd[] = {"blk", "read", "2"}, *fl[] = {"blk", "flush"}, *bad[] = {"blk", "read", "99999"};
	char *cl[] = {"blk", "close"}, *junk[] = {"blk", "frobnicate"};

	assert_int_equal(blk_cmd(2, info), 0);
	assert_int_equal(blk_cmd(5, wr), 0);
	assert_memory_equal(fb.disk + 2 * SS, "hello world", 12);
	assert_int_equal(blk_cmd(3, rd), 0);
	assert_int_equal(blk_cmd(2, fl), 0);
	assert_int_not_equal(blk_cmd(3, bad), 0);
	assert_int_not_equal(blk_cmd(2, junk), 0);
	assert_int_equal(blk_cmd(2, cl), 0);
	/* -d: a hot-plugged vbd; there is no hot-plug thread here, so none; malformed is refused too. */
	char *hp[] = {"blk", "-d", "51728", "info", NULL}, *hp_bad[] = {"blk", "-d", "51728", "erase", NULL};
	assert_int_equal(blk_cmd(4, hp), 1);
	assert_int_equal(blk_cmd(4, hp_bad), 1);
	assert_int_equal(blk_cmd(2, hp), 1);
	assert_int_equal(fake_gnttab_in_use(), 0);
	assert_int_equal(fb.violations, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_connect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_backend_detached, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_retries_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_physical_sector_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_multi_segment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unaligned_page_crossing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backend_slow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_index_wrap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_error_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_out_of_range, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flush_variants, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_large_sectors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_then_recovery, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blktest_app, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blk_cmd, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
