/*
 * dom0's virtio drivers on the host: the split virtqueue with the test as the device, the
 * modern PCI transport against a simulated function (virtio_fake.c), virtio-blk on a RAM disk
 * and virtio-net with captured and injected frames; a device that breaks the rules.
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

int virtio_teardown(void **state)
{
	struct blkdev *b = blkdev_get(0);
	struct netdev *n = netdev_get(0);

	blkdev_reset();
	netdev_reset();
	if (b)
		virtio_blk_remove(b);
	if (n)
		virtio_net_remove(n);
	free(fv.disk);
	unsigned long dma = fake_dma_in_use;

	fake_vdev_free();
	fake_dma_in_use = 0; /* one failed test does not fail the next */
	assert_int_equal(dma, 0);
	return 0;
}

/* ---- the virtqueue alone: the test plays the device */

static uint16_t dev_last_avail;

static uint16_t dev_next_avail(struct virtq *q)
{
	assert_int_not_equal(q->avail->idx, dev_last_avail);
	return q->avail->ring[dev_last_avail++ & (q->size - 1)];
}

static void dev_used(struct virtq *q, uint32_t id, uint32_t len)
{
	q->used->ring[q->used->idx & (q->size - 1)] = (struct virtq_used_elem){id, len};
	q->used->idx++;
}

static void test_vq_layout(void **state)
{
	struct virtq q;

	assert_int_equal(virtq_init(&q, "t", 0, 0), -EINVAL);
	assert_int_equal(virtq_init(&q, "t", 0, 3), -EINVAL);
	assert_int_equal(virtq_init(&q, "t", 0, 512), -EINVAL);
	assert_int_equal(fake_dma_in_use, 0);
	for (uint16_t size = 1; size <= VIRTQ_MAX_SIZE; size *= 2) {
		assert_int_equal(virtq_init(&q, "t", 2, size), 0);
		assert_int_equal((uintptr_t)q.desc % 16, 0);
		assert_int_equal((uintptr_t)q.avail % 2, 0);
		assert_int_equal((uintptr_t)q.used % 4, 0);
		assert_true((uintptr_t)q.avail >= (uintptr_t)(q.desc + size));
		assert_true((uintptr_t)q.used >= (uintptr_t)&q.avail->ring[size + 1]);
		assert_true((uintptr_t)&q.used->ring[size] + 2 <= (uintptr_t)q.mem + q.mem_bytes);
		assert_int_equal(q.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
		assert_int_equal(q.num_free, size);
		virtq_destroy(&q);
	}
	assert_int_equal(fake_dma_in_use, 0);
}

static void test_vq_chain_and_complete(void **state)
{
	struct virtq q;
	int cookie_a, cookie_b;
	struct virtq_buf bufs[3] = {{0x1000, 16, false}, {0x2000, 512, true}, {0x3000, 1, true}};
	void *c;
	uint32_t len;
	uint16_t h;

	dev_last_avail = 0;
	assert_int_equal(virtq_init(&q, "t", 0, 8), 0);
	assert_int_equal(virtq_add(&q, bufs, 3, NULL), -EINVAL);
	assert_int_equal(virtq_add(&q, bufs, 0, &cookie_a), -EINVAL);
	assert_int_equal(virtq_add(&q, bufs, 3, &cookie_a), 0);
	assert_int_equal(virtq_add(&q, bufs, 1, &cookie_b), 0);
	assert_int_equal(q.avail->idx, 2);
	assert_int_equal(virtq_in_flight(&q), 4);
	/* The device's view: the chain as given, flags and links right. */
	h = dev_next_avail(&q);
	assert_int_equal(q.desc[h].addr, 0x1000);
	assert_int_equal(q.desc[h].len, 16);
	assert_int_equal(q.desc[h].flags, VIRTQ_DESC_F_NEXT);
	h = q.desc[h].next;
	assert_int_equal(q.desc[h].addr, 0x2000);
	assert_int_equal(q.desc[h].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
	h = q.desc[h].next;
	assert_int_equal(q.desc[h].addr, 0x3000);
	assert_int_equal(q.desc[h].flags, VIRTQ_DESC_F_WRITE);
	/* Nothing used yet. */
	assert_int_equal(virtq_get_used(&q, &c, &len), 0);
	/* The device completes the second first, then the first with all 513 bytes. */
	uint16_t h2 = dev_next_avail(&q);
	dev_used(&q, h2, 0);
	dev_used(&q, q.avail->ring[0], 513);
	/* It scribbles over the descriptor links: the driver's free list does not care. */
	for (unsigned int i = 0; i < 8; i++)
		q.desc[i].next = 0x7777;
	assert_int_equal(virtq_get_used(&q, &c, &len), 1);
	assert_ptr_equal(c, &cookie_b);
	assert_int_equal(len, 0);
	assert_int_equal(virtq_get_used(&q, &c, &len), 1);
	assert_ptr_equal(c, &cookie_a);
	assert_int_equal(len, 513);
	assert_int_equal(virtq_get_used(&q, &c, &len), 0);
	assert_int_equal(q.num_free, 8);
	assert_int_equal(q.bad, 0);
	/* All eight descriptors usable again, each once. */
	struct virtq_buf one = {0x5000, 4, false};
	int cookies[8];
	bool seen[8] = {false};

	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(virtq_add(&q, &one, 1, &cookies[i]), 0);
	for (unsigned int i = 0; i < 8; i++) {
		h = dev_next_avail(&q);
		assert_true(h < 8);
		assert_false(seen[h]);
		seen[h] = true;
	}
	virtq_destroy(&q);
}

static void test_vq_full(void **state)
{
	struct virtq q;
	struct virtq_buf b[5] = {
	    {0x1000, 8, false}, {0x2000, 8, false}, {0x3000, 8, true}, {0x4000, 8, true}, {0x5000, 8, true}};
	int ck[4];
	void *c;
	uint32_t len;

	dev_last_avail = 0;
	assert_int_equal(virtq_init(&q, "t", 0, 4), 0);
	assert_int_equal(virtq_add(&q, b, 5, &ck[0]), -EINVAL); /* longer than the queue */
	assert_int_equal(virtq_add(&q, b, 3, &ck[0]), 0);
	assert_int_equal(virtq_add(&q, b, 2, &ck[1]), -EAGAIN);
	assert_int_equal(virtq_add(&q, b, 1, &ck[1]), 0);
	assert_int_equal(virtq_add(&q, b, 1, &ck[2]), -EAGAIN);
	assert_int_equal(q.avail->idx, 2); /* refusals publish nothing */
	dev_used(&q, dev_next_avail(&q), 8);
	assert_int_equal(virtq_get_used(&q, &c, &len), 1);
	assert_ptr_equal(c, &ck[0]);
	assert_int_equal(virtq_add(&q, b, 3, &ck[2]), 0);
	assert_int_equal(q.num_free, 0);
	virtq_destroy(&q);
}

static void test_vq_wraparound(void **state)
{
	struct virtq q;
	struct virtq_buf b[2] = {{0x1000, 8, false}, {0x2000, 64, true}};
	int ck[4];
	void *c;
	uint32_t len;

	dev_last_avail = 0;
	assert_int_equal(virtq_init(&q, "t", 0, 8), 0);
	/* 70,000 requests, four at a time: both 16-bit indexes wrap past 65535. */
	for (unsigned int round = 0; round < 17500; round++) {
		uint16_t heads[4];

		for (unsigned int i = 0; i < 4; i++)
			assert_int_equal(virtq_add(&q, b, 2, &ck[i]), 0);
		assert_int_equal(virtq_add(&q, b, 1, &ck[0]), -EAGAIN);
		for (unsigned int i = 0; i < 4; i++)
			heads[i] = dev_next_avail(&q);
		for (unsigned int i = 0; i < 4; i++)
			dev_used(&q, heads[(i + round) % 4], 64);
		for (unsigned int i = 0; i < 4; i++) {
			assert_int_equal(virtq_get_used(&q, &c, &len), 1);
			assert_ptr_equal(c, &ck[(i + round) % 4]);
			assert_int_equal(len, 64);
		}
		assert_int_equal(virtq_get_used(&q, &c, &len), 0);
	}
	assert_int_equal(q.avail_idx, (uint16_t)70000);
	assert_int_equal(q.last_used, (uint16_t)70000);
	assert_int_equal(q.bad, 0);
	virtq_destroy(&q);
}

static void test_vq_bad_device(void **state)
{
	struct virtq q;
	struct virtq_buf b[2] = {{0x1000, 16, false}, {0x2000, 100, true}};
	int ck[3];
	void *c;
	uint32_t len;
	uint16_t h0, h1;

	dev_last_avail = 0;
	assert_int_equal(virtq_init(&q, "t", 0, 8), 0);
	assert_int_equal(virtq_add(&q, b, 2, &ck[0]), 0);
	assert_int_equal(virtq_add(&q, b, 2, &ck[1]), 0);
	h0 = dev_next_avail(&q);
	h1 = dev_next_avail(&q);
	dev_used(&q, 200, 0);    /* id out of range */
	dev_used(&q, h0, 100);   /* good */
	dev_used(&q, h0, 100);   /* the same again */
	dev_used(&q, h0 + 1, 0); /* inside a chain, not a head */
	dev_used(&q, h1, 101);   /* more than offered */
	assert_int_equal(virtq_get_used(&q, &c, &len), -EIO);
	assert_int_equal(virtq_get_used(&q, &c, &len), 1);
	assert_ptr_equal(c, &ck[0]);
	assert_int_equal(virtq_get_used(&q, &c, &len), -EIO);
	assert_int_equal(virtq_get_used(&q, &c, &len), -EIO);
	assert_int_equal(virtq_get_used(&q, &c, &len), -EMSGSIZE);
	assert_ptr_equal(c, &ck[1]);
	assert_int_equal(virtq_get_used(&q, &c, &len), 0);
	assert_int_equal(q.bad, 4);
	assert_int_equal(q.num_free, 8); /* both chains back, once */
	assert_false(q.broken);

	/* An index far ahead: the queue is broken, nothing more is taken from it. */
	assert_int_equal(virtq_add(&q, b, 2, &ck[2]), 0);
	assert_int_equal(virtq_add(&q, b, 1, &ck[0]), 0);
	q.used->idx = (uint16_t)(q.used->idx + 500);
	assert_int_equal(virtq_get_used(&q, &c, &len), 0);
	assert_true(q.broken);
	assert_int_equal(virtq_add(&q, b, 1, &ck[1]), -EIO);
	c = virtq_detach(&q);
	assert_true(c == &ck[2] || c == &ck[0]);
	assert_non_null(virtq_detach(&q));
	assert_null(virtq_detach(&q));
	assert_int_equal(q.num_free, 8);
	virtq_destroy(&q);
}

int virtio_driver_tests(void); /* test_virtio_drivers.c */

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_vq_layout, virtio_teardown),
	    cmocka_unit_test_teardown(test_vq_chain_and_complete, virtio_teardown),
	    cmocka_unit_test_teardown(test_vq_full, virtio_teardown),
	    cmocka_unit_test_teardown(test_vq_wraparound, virtio_teardown),
	    cmocka_unit_test_teardown(test_vq_bad_device, virtio_teardown),
	};
	int failed = cmocka_run_group_tests_name("virtqueue", tests, NULL, NULL);

	return failed + virtio_driver_tests();
}
