/*
 * test_virtio, second group: the modern PCI transport, virtio-blk and virtio-net against the
 * simulated function of virtio_fake.c.
 */
#include "virtio_fake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define F(bit) (1ULL << (bit))
#define V1 F(VIRTIO_F_VERSION_1)
#define BLK_F_SIZE_MAX 1
#define BLK_F_SEG_MAX 2
#define BLK_F_RO 5
#define BLK_F_FLUSH 9
#define NET_F_MTU 3
#define NET_F_MAC 5
#define NET_F_STATUS 16
#define SECTORS 2048 /* 1 MiB */

int virtio_teardown(void **state);

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 9));
}

static void blk_device(uint16_t device, uint16_t subsys, uint64_t offered)
{
	fake_vdev_reset(device, subsys, offered);
	fv.disk_sectors = SECTORS;
	fv.disk = calloc(SECTORS, 512);
	memcpy(&fv.config[0], &(uint64_t){SECTORS}, 8);
}

static struct blkdev *blk_probe(void)
{
	struct blkdev *b;

	assert_int_equal(virtio_blk_probe(fake_probe_dev()), 0);
	b = blkdev_find("vda");
	assert_non_null(b);
	fake_set_driver_poll(b, NULL);
	return b;
}

/* ---- transport */

static void test_probe_modern_blk(void **state)
{
	struct blkdev *b;

	blk_device(0x1042, 0, V1 | F(BLK_F_FLUSH) | F(40) /* unknown: not taken */);
	b = blk_probe();
	assert_ptr_equal(blkdev_find("/dev/vda"), b);
	assert_null(blkdev_get(1));
	assert_int_equal(b->sectors, SECTORS);
	assert_false(b->read_only);
	assert_int_equal(b->max_sectors, 64);
	assert_int_equal(fv.driver_features, V1 | F(BLK_F_FLUSH));
	assert_int_equal(fv.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
					VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(fv.resets, 1);
	assert_int_equal(fv.q[0].enable, 1);
	assert_int_equal(fv.q[0].size, 128);
	assert_true(fv.q[0].desc && fv.q[0].driver && fv.q[0].device);
	assert_int_equal(fv.q[1].enable, 0);
	assert_int_equal(fv.violations, 0);
}

static void test_probe_transitional(void **state)
{
	blk_device(0x1001, VIRTIO_ID_BLOCK, V1 | F(BLK_F_RO));
	fv.q[0].max = 100; /* not a power of two: 64 taken */
	struct blkdev *b = blk_probe();

	assert_true(b->read_only);
	assert_int_equal(fv.q[0].size, 64);
	assert_int_equal(virtio_pci_type(&fake_pci), VIRTIO_ID_BLOCK);
	/* A network function is not a disk. */
	fake_pci.subsys_device = VIRTIO_ID_NET;
	assert_int_equal(virtio_blk_probe(&fake_pci), -ENODEV);
	fake_pci.vendor = 0x8086;
	assert_int_equal(virtio_pci_type(&fake_pci), 0);
}

static void expect_refused(int rc)
{
	assert_int_equal(virtio_blk_probe(fake_probe_dev()), rc);
	assert_null(blkdev_get(0));
	assert_int_equal(fake_dma_in_use, 0);
}

static void test_probe_refusals(void **state)
{
	blk_device(0x1001, VIRTIO_ID_BLOCK, V1);
	fv.no_modern_caps = true;
	expect_refused(-ENODEV);
	free(fv.disk);

	blk_device(0x1042, 0, F(BLK_F_FLUSH)); /* no VERSION_1 */
	expect_refused(-ENODEV);
	assert_true(fv.status & VIRTIO_STATUS_FAILED);
	assert_false(fv.status & VIRTIO_STATUS_FEATURES_OK);
	free(fv.disk);

	blk_device(0x1042, 0, V1);
	fv.refuse_features = true;
	expect_refused(-ENODEV);
	assert_true(fv.status & VIRTIO_STATUS_FAILED);
	free(fv.disk);

	blk_device(0x1042, 0, V1);
	fv.stuck_reset = true;
	expect_refused(-ETIMEDOUT);
	free(fv.disk);

	blk_device(0x1042, 0, V1);
	fv.bad_notify_cap = true;
	expect_refused(-ENODEV);
	free(fv.disk);

	blk_device(0x1042, 0, V1);
	fv.q[0].noff = 2000; /* 2000 * 4 is past the notify area */
	expect_refused(-ENODEV);
	free(fv.disk);

	blk_device(0x1042, 0, V1);
	fv.q[0].max = 0;
	expect_refused(-ENODEV);
	assert_int_equal(fv.violations, 0);
}

static void test_config_generation(void **state)
{
	blk_device(0x1042, 0, V1 | F(BLK_F_SIZE_MAX));
	memcpy(&fv.config[8], &(uint32_t){4096}, 4);
	fv.gen_bumps = 3; /* the first reads race with a change */
	struct blkdev *b = blk_probe();

	assert_int_equal(b->sectors, SECTORS);
	assert_int_equal(b->max_sectors, 64);
}

/* ---- virtio-blk */

static void test_blk_read_write(void **state)
{
	uint8_t out[64 * 512], in[64 * 512];
	struct blkdev *b;

	blk_device(0x1042, 0, V1);
	b = blk_probe();
	fill(out, sizeof(out), 1);
	assert_int_equal(b->write(b, 100, out, 64), 0);
	assert_memory_equal(fv.disk + 100 * 512, out, sizeof(out));
	assert_int_equal(b->read(b, 100, in, 64), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(b->read(b, SECTORS - 1, in, 1), 0);
	assert_int_equal(fv.reads, 2);
	assert_int_equal(fv.writes, 1);
	assert_true(fv.q[0].notifies >= 3);
	/* Refused before the device sees them. */
	assert_int_equal(b->read(b, 0, in, 0), -EINVAL);
	assert_int_equal(b->read(b, 0, in, 65), -EINVAL);
	assert_int_equal(b->read(b, SECTORS, in, 1), -EINVAL);
	assert_int_equal(b->read(b, SECTORS - 1, in, 2), -EINVAL);
	assert_int_equal(b->write(b, UINT64_MAX, out, 1), -EINVAL);
	assert_int_equal(fv.reads + fv.writes, 3);
	assert_int_equal(fv.violations, 0);
}

static void test_blk_read_only(void **state)
{
	uint8_t buf[512] = {1};

	blk_device(0x1042, 0, V1 | F(BLK_F_RO));
	struct blkdev *b = blk_probe();

	assert_int_equal(b->write(b, 0, buf, 1), -EROFS);
	assert_int_equal(fv.writes, 0);
	assert_int_equal(b->read(b, 0, buf, 1), 0);
}

static void test_blk_segments(void **state)
{
	uint8_t out[32 * 512], in[32 * 512];

	blk_device(0x1042, 0, V1 | F(BLK_F_SIZE_MAX) | F(BLK_F_SEG_MAX));
	memcpy(&fv.config[8], &(uint32_t){4096}, 4);
	memcpy(&fv.config[12], &(uint32_t){4}, 4);
	struct blkdev *b = blk_probe();

	assert_int_equal(b->max_sectors, 32);
	fill(out, sizeof(out), 2);
	assert_int_equal(b->write(b, 7, out, 32), 0);
	assert_int_equal(fv.max_segs, 4);
	assert_int_equal(b->read(b, 7, in, 32), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(b->read(b, 7, in, 33), -EINVAL);
	virtio_blk_remove(b);
	blkdev_reset();
	free(fv.disk);

	/* Segments that are not whole sectors: 2 x 1000 bytes hold 3 sectors. */
	blk_device(0x1042, 0, V1 | F(BLK_F_SIZE_MAX) | F(BLK_F_SEG_MAX));
	memcpy(&fv.config[8], &(uint32_t){1000}, 4);
	memcpy(&fv.config[12], &(uint32_t){2}, 4);
	b = blk_probe();
	assert_int_equal(b->max_sectors, 3);
	assert_int_equal(b->write(b, 5, out, 3), 0);
	assert_int_equal(b->read(b, 5, in, 3), 0);
	assert_memory_equal(in, out, 3 * 512);
	assert_int_equal(fv.max_segs, 2);
	virtio_blk_remove(b);
	blkdev_reset();
	free(fv.disk);

	/* size_max 0 is unusable. */
	blk_device(0x1042, 0, V1 | F(BLK_F_SIZE_MAX));
	assert_int_equal(virtio_blk_probe(fake_probe_dev()), -EINVAL);
	assert_int_equal(fake_dma_in_use, 0);
}

static void test_blk_flush(void **state)
{
	blk_device(0x1042, 0, V1 | F(BLK_F_FLUSH));
	struct blkdev *b = blk_probe();

	assert_int_equal(b->flush(b), 0);
	assert_int_equal(fv.flushes, 1);
	virtio_blk_remove(b);
	blkdev_reset();
	free(fv.disk);

	/* Without F_FLUSH the device is write-through: nothing to send. */
	blk_device(0x1042, 0, V1);
	b = blk_probe();
	assert_int_equal(b->flush(b), 0);
	assert_int_equal(fv.flushes + fv.others, 0);
}

static void test_blk_errors(void **state)
{
	uint8_t buf[4 * 512];

	blk_device(0x1042, 0, V1 | F(BLK_F_FLUSH));
	struct blkdev *b = blk_probe();

	fv.fail_sector = 10;
	assert_int_equal(b->read(b, 8, buf, 4), -EIO);
	assert_int_equal(b->write(b, 10, buf, 1), -EIO);
	assert_int_equal(b->read(b, 11, buf, 4), 0);
	fv.fail_sector = -1;
	fv.force_status = 2; /* UNSUPP */
	assert_int_equal(b->flush(b), -EOPNOTSUPP);
	fv.force_status = 7; /* not a status at all */
	assert_int_equal(b->read(b, 0, buf, 1), -EIO);
	fv.force_status = 0;
	fv.short_len = true; /* claims less than the data and status */
	assert_int_equal(b->read(b, 0, buf, 1), -EIO);
	assert_int_equal(b->write(b, 0, buf, 1), -EIO);
	fv.short_len = false;
	assert_int_equal(b->read(b, 0, buf, 4), 0);
}

static struct blkdev *nested_dev;
static int nested_rc;
static uint8_t nested_buf[512];

static void release_hook(void)
{
	assert_int_equal(fv.nr_held, 2); /* both requests are with the device at once */
	fake_release();
}

/* Another thread's request while the first one waits. */
static void second_thread(void)
{
	fake_sched_hook = release_hook;
	nested_rc = nested_dev->read(nested_dev, 50, nested_buf, 1);
}

static void test_blk_in_flight(void **state)
{
	uint8_t a[512];

	blk_device(0x1042, 0, V1);
	nested_dev = blk_probe();
	memset(fv.disk + 20 * 512, 0xaa, 512);
	memset(fv.disk + 50 * 512, 0x55, 512);
	fv.hold = true;
	fv.reverse = true; /* the second request finishes first */
	fake_sched_hook = second_thread;
	assert_int_equal(nested_dev->read(nested_dev, 20, a, 1), 0);
	assert_int_equal(nested_rc, 0);
	assert_int_equal(a[0], 0xaa);
	assert_int_equal(a[511], 0xaa);
	assert_int_equal(nested_buf[0], 0x55);
	assert_int_equal(fv.max_inflight, 2);
}

static void test_blk_timeout(void **state)
{
	uint8_t buf[512];

	blk_device(0x1042, 0, V1);
	struct blkdev *b = blk_probe();

	fv.hold = true;
	assert_int_equal(b->read(b, 3, buf, 1), -ETIMEDOUT);
	/* The device answers late: the slot comes back, requests work again. */
	fv.hold = false;
	fake_release();
	virtio_blk_poll(b);
	for (unsigned int i = 0; i < 20; i++)
		assert_int_equal(b->read(b, i, buf, 1), 0);
}

static void garbage_hook(void)
{
	fake_used_push(0, 0, 1);
	((struct virtq_used *)(uintptr_t)fv.q[0].device)->idx += 1000;
}

static void test_blk_broken_device(void **state)
{
	uint8_t buf[512];

	blk_device(0x1042, 0, V1 | F(BLK_F_FLUSH));
	struct blkdev *b = blk_probe();

	fv.hold = true;
	fake_sched_hook = garbage_hook;
	assert_int_equal(b->read(b, 3, buf, 1), -EIO);
	assert_int_equal(b->read(b, 3, buf, 1), -EIO);
	assert_int_equal(b->write(b, 3, buf, 1), -EIO);
	assert_int_equal(b->flush(b), -EIO);
}

/* ---- virtio-net */

static uint8_t rx_seen[8][2048];
static size_t rx_seen_len[8];
static unsigned int rx_count;

static void rx_cb(struct netdev *d, const void *frame, size_t len, void *arg)
{
	assert_ptr_equal(arg, &rx_count);
	if (rx_count < 8) {
		memcpy(rx_seen[rx_count], frame, len);
		rx_seen_len[rx_count] = len;
	}
	rx_count++;
}

static struct netdev *net_probe(uint16_t device, uint16_t subsys, uint64_t offered)
{
	struct netdev *n;

	fake_vdev_reset(device, subsys, offered);
	memcpy(fv.config, "\x52\x54\x00\x12\x34\x56", 6);
	fv.config[6] = 1; /* link up */
	memcpy(&fv.config[10], &(uint16_t){1400}, 2);
	assert_int_equal(virtio_net_probe(fake_probe_dev()), 0);
	n = netdev_find("eth0");
	assert_non_null(n);
	fake_set_driver_poll(NULL, n);
	n->rx = rx_cb;
	n->rx_arg = &rx_count;
	rx_count = 0;
	return n;
}

static void test_net_probe(void **state)
{
	struct netdev *n = net_probe(0x1000, VIRTIO_ID_NET, V1 | F(NET_F_MAC) | F(NET_F_STATUS));

	assert_memory_equal(n->mac, "\x52\x54\x00\x12\x34\x56", 6);
	assert_true(n->link_up);
	assert_int_equal(n->mtu, 1500);
	assert_int_equal(fv.driver_features, V1 | F(NET_F_MAC) | F(NET_F_STATUS));
	assert_int_equal(fake_rx_available(), fv.q[0].size); /* the receive ring is full */
	assert_int_equal(fv.q[0].size, 64);
	assert_int_equal(fv.q[1].size, 32);
	assert_true(fv.q[0].notifies >= 1);
	/* The link goes down, then up. */
	fv.config[6] = 0;
	virtio_net_poll(n);
	assert_false(n->link_up);
	fv.config[6] = 1;
	virtio_net_poll(n);
	assert_true(n->link_up);
	assert_int_equal(fv.violations, 0);
}

static void test_net_random_mac_and_mtu(void **state)
{
	struct netdev *n = net_probe(0x1041, 0, V1 | F(NET_F_MTU));

	assert_false(n->mac[0] & 1);    /* unicast */
	assert_true(n->mac[0] & 2);     /* locally administered */
	assert_true(n->link_up);        /* no F_STATUS: up */
	assert_int_equal(n->mtu, 1400); /* F_MTU taken: it fits */
	assert_int_equal(fv.driver_features, V1 | F(NET_F_MTU));
	uint8_t f[1500] = {0};

	assert_int_equal(n->tx(n, f, 1414), 0);
	assert_int_equal(n->tx(n, f, 1419), -EINVAL);
	virtio_net_remove(n);
	netdev_reset();

	/* A jumbo MTU is not taken: our buffers hold 1500. */
	fake_vdev_reset(0x1041, 0, V1 | F(NET_F_MTU));
	memcpy(&fv.config[10], &(uint16_t){9000}, 2);
	assert_int_equal(virtio_net_probe(fake_probe_dev()), 0);
	n = netdev_find("eth0");
	assert_int_equal(n->mtu, 1500);
	assert_int_equal(fv.driver_features, V1);
}

static void test_net_tx(void **state)
{
	struct netdev *n = net_probe(0x1041, 0, V1 | F(NET_F_MAC));
	uint8_t f[1514];
	unsigned int sent = 0;

	fill(f, sizeof(f), 3);
	assert_int_equal(n->tx(n, f, 60), 0);
	assert_int_equal(n->tx(n, f, 1514), 0);
	fake_device_run();
	assert_int_equal(fv.nr_tx, 2);
	assert_int_equal(fv.tx_len[0], 60);
	assert_int_equal(fv.tx_len[1], 1514);
	assert_memory_equal(fv.tx_frames[1], f, 1514);
	assert_false(fv.tx_hdr_nonzero);
	assert_int_equal(n->tx(n, f, 13), -EINVAL);
	assert_int_equal(n->tx(n, f, 1519), -EINVAL);
	assert_int_equal(n->tx(n, NULL, 60), -EINVAL);
	assert_int_equal(n->tx_dropped, 3);
	/* The device stops taking frames: the queue fills, then -EAGAIN; it resumes. */
	fv.hold = true;
	for (unsigned int i = 0; i < 40; i++) {
		int rc = n->tx(n, f, 100);

		fake_device_run();
		if (rc == -EAGAIN)
			break;
		assert_int_equal(rc, 0);
		sent++;
	}
	assert_int_equal(sent, 32);
	fv.hold = false;
	fake_release();
	assert_int_equal(n->tx(n, f, 100), 0); /* reclaimed on the way */
	assert_int_equal(n->tx_frames, 2 + 32 + 1);
}

static void test_net_rx(void **state)
{
	struct netdev *n = net_probe(0x1041, 0, V1 | F(NET_F_MAC));
	unsigned int avail = fake_rx_available();
	uint8_t f[1514];

	fill(f, sizeof(f), 4);
	assert_true(fake_net_inject(f, 1514, 0));
	assert_true(fake_net_inject(f, 42, 0));
	virtio_net_poll(n);
	assert_int_equal(rx_count, 2);
	assert_int_equal(rx_seen_len[0], 1514);
	assert_memory_equal(rx_seen[0], f, 1514);
	assert_int_equal(rx_seen_len[1], 42);
	assert_int_equal(fake_rx_available(), avail); /* refilled */
	/* Too short, or a GSO frame we never asked for: dropped, the buffer reused. */
	assert_true(fake_net_inject(f, 10, 0));
	assert_true(fake_net_inject(f, 100, 4));
	virtio_net_poll(n);
	assert_int_equal(rx_count, 2);
	assert_int_equal(n->rx_dropped, 2);
	/* A bad used entry (length beyond the buffer): dropped too. */
	fake_used_push(0, 0, 5000);
	virtio_net_poll(n);
	assert_int_equal(rx_count, 2);
	assert_int_equal(n->rx_dropped, 3);
	/* Nobody listening: counted as dropped. */
	n->rx = NULL;
	assert_true(fake_net_inject(f, 60, 0));
	virtio_net_poll(n);
	assert_int_equal(n->rx_dropped, 4);
	n->rx = rx_cb;
	/* Many frames: the ring and its indexes wrap around. */
	for (unsigned int i = 0; i < 70000; i++) {
		assert_true(fake_net_inject(f, 64, 0));
		if (i % 16 == 15)
			virtio_net_poll(n);
	}
	virtio_net_poll(n);
	assert_int_equal(rx_count, 2 + 70000);
	assert_int_equal(n->rx_frames, 2 + 70000);
	assert_int_equal(fv.violations, 0);
}

int virtio_driver_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_probe_modern_blk, virtio_teardown),
	    cmocka_unit_test_teardown(test_probe_transitional, virtio_teardown),
	    cmocka_unit_test_teardown(test_probe_refusals, virtio_teardown),
	    cmocka_unit_test_teardown(test_config_generation, virtio_teardown),
	    cmocka_unit_test_teardown(test_blk_read_write, virtio_teardown),
	    cmocka_unit_test_teardown(test_blk_read_only, virtio_teardown),
	    cmocka_unit_test_teardown(test_blk_segments, virtio_teardown),
	    cmocka_unit_test_teardown(test_blk_flush, virtio_teardown),
	    cmocka_unit_test_teardown(test_blk_errors, virtio_teardown),
	    cmocka_unit_test_teardown(test_blk_in_flight, virtio_teardown),
	    cmocka_unit_test_teardown(test_blk_timeout, virtio_teardown),
	    cmocka_unit_test_teardown(test_blk_broken_device, virtio_teardown),
	    cmocka_unit_test_teardown(test_net_probe, virtio_teardown),
	    cmocka_unit_test_teardown(test_net_random_mac_and_mtu, virtio_teardown),
	    cmocka_unit_test_teardown(test_net_tx, virtio_teardown),
	    cmocka_unit_test_teardown(test_net_rx, virtio_teardown),
	};

	return cmocka_run_group_tests_name("virtio drivers", tests, NULL, NULL);
}
