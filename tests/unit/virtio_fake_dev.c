/*
 * The device side of the fake virtio function (virtio_fake.h): it walks the driver's
 * descriptor chains from the addresses programmed in the common configuration and answers
 * them as virtio-blk (a RAM disk) or virtio-net (transmitted frames captured, received ones
 * injected by the test) would.
 */
#include "virtio_fake.h"

#include <stdio.h>
#include <string.h>

#define MAX_SEGS 300

struct seg {
	uint8_t *p;
	uint32_t len;
	bool write;
};

static unsigned int walk(struct fake_queue *q, uint16_t head, struct seg *s)
{
	struct virtq_desc *d = (struct virtq_desc *)(uintptr_t)q->desc;
	unsigned int n = 0;
	uint16_t i = head;

	for (;;) {
		if (i >= q->size || n == MAX_SEGS) {
			fv.violations++;
			return 0;
		}
		s[n++] = (struct seg){(uint8_t *)(uintptr_t)d[i].addr, d[i].len, d[i].flags & VIRTQ_DESC_F_WRITE};
		if (!(d[i].flags & VIRTQ_DESC_F_NEXT))
			return n;
		i = d[i].next;
	}
}

static void push_used(struct fake_queue *q, uint32_t id, uint32_t len)
{
	struct virtq_used *u = (struct virtq_used *)(uintptr_t)q->device;

	u->ring[u->idx & (q->size - 1)] = (struct virtq_used_elem){id, len};
	__atomic_thread_fence(__ATOMIC_RELEASE);
	u->idx++;
}

void fake_used_push(unsigned int qi, uint32_t id, uint32_t len)
{
	push_used(&fv.q[qi], id, len);
}

static uint32_t blk_request(struct seg *s, unsigned int n)
{
	uint8_t status = 0, *st;
	uint32_t written = 0, type;
	uint64_t sector;

	if (n < 2 || s[0].write || s[0].len < 16 || !s[n - 1].write || s[n - 1].len < 1) {
		fv.violations++;
		return 0;
	}
	memcpy(&type, s[0].p, 4);
	memcpy(&sector, s[0].p + 8, 8);
	st = s[n - 1].p;
	if (n - 2 > fv.max_segs)
		fv.max_segs = n - 2;
	if (type == 0 || type == 1) {
		uint64_t pos = sector * 512, end;

		for (unsigned int i = 1; i + 1 < n; i++) {
			if (s[i].write != (type == 0)) {
				fv.violations++;
				status = 1;
				break;
			}
			end = pos + s[i].len;
			if (end > fv.disk_sectors * 512 ||
			    (fv.fail_sector >= 0 && (uint64_t)fv.fail_sector * 512 + 511 >= pos &&
			     (uint64_t)fv.fail_sector * 512 < end)) {
				status = 1;
				break;
			}
			if (type == 0) {
				memcpy(s[i].p, fv.disk + pos, s[i].len);
				written += s[i].len;
			} else {
				memcpy(fv.disk + pos, s[i].p, s[i].len);
			}
			pos = end;
		}
		if (type == 0)
			fv.reads++;
		else
			fv.writes++;
	} else if (type == 4) {
		fv.flushes++;
	} else {
		fv.others++;
		status = 2;
	}
	if (fv.force_status)
		status = fv.force_status;
	*st = status;
	written += 1;
	return fv.short_len ? written - 1 : written;
}

static uint32_t net_tx(struct seg *s, unsigned int n)
{
	static const uint8_t zero[12];

	if (n != 1 || s[0].write || s[0].len < 12 || s[0].len > 2048) {
		fv.violations++;
		return 0;
	}
	if (memcmp(s[0].p, zero, 12))
		fv.tx_hdr_nonzero = true;
	if (fv.nr_tx < 64) {
		memcpy(fv.tx_frames[fv.nr_tx], s[0].p + 12, s[0].len - 12);
		fv.tx_len[fv.nr_tx++] = s[0].len - 12;
	}
	return 0;
}

static void handle(unsigned int qi, uint16_t head)
{
	struct seg s[MAX_SEGS];
	unsigned int n = walk(&fv.q[qi], head, s);
	uint32_t len = 0;

	if (!n)
		return;
	if (fv.subsys == VIRTIO_ID_BLOCK || fv.pci_device == 0x1042)
		len = blk_request(s, n);
	else if (qi == 1)
		len = net_tx(s, n);
	push_used(&fv.q[qi], head, len);
}

static bool is_net(void)
{
	return fv.subsys == VIRTIO_ID_NET || fv.pci_device == 0x1041;
}

void fake_device_run(void)
{
	if (!(fv.status & VIRTIO_STATUS_DRIVER_OK) || fv.hung)
		return;
	for (unsigned int qi = 0; qi < FAKE_QUEUES; qi++) {
		struct fake_queue *q = &fv.q[qi];
		struct virtq_avail *a = (struct virtq_avail *)(uintptr_t)q->driver;

		if (!q->enable || (is_net() && qi == 0))
			continue; /* receive buffers wait for fake_net_inject */
		if (fv.flag_no_notify)
			((struct virtq_used *)(uintptr_t)q->device)->flags = VIRTQ_USED_F_NO_NOTIFY;
		while (q->last_avail != a->idx) {
			uint16_t head = a->ring[q->last_avail & (q->size - 1)];

			q->last_avail++;
			if (fv.hold && fv.nr_held < FAKE_HELD) {
				fv.held[fv.nr_held++] = (struct fake_chain){(uint16_t)qi, head};
				if (fv.nr_held > fv.max_inflight)
					fv.max_inflight = fv.nr_held;
			} else {
				handle(qi, head);
			}
		}
	}
}

void fake_release(void)
{
	unsigned int n = fv.nr_held;

	fv.nr_held = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct fake_chain *c = &fv.held[fv.reverse ? n - 1 - i : i];

		handle(c->queue, c->head);
	}
}

unsigned int fake_rx_available(void)
{
	struct fake_queue *q = &fv.q[0];
	struct virtq_avail *a = (struct virtq_avail *)(uintptr_t)q->driver;

	return q->enable ? (uint16_t)(a->idx - q->last_avail) : 0;
}

bool fake_net_inject(const void *frame, size_t len, uint8_t gso_type)
{
	struct fake_queue *q = &fv.q[0];
	struct virtq_avail *a = (struct virtq_avail *)(uintptr_t)q->driver;
	struct seg s[MAX_SEGS];
	uint16_t head;
	unsigned int n;

	if (!fake_rx_available())
		return false;
	head = a->ring[q->last_avail & (q->size - 1)];
	q->last_avail++;
	n = walk(q, head, s);
	if (n != 1 || !s[0].write || s[0].len < 12 + len) {
		fv.violations++;
		return false;
	}
	memset(s[0].p, 0, 12);
	s[0].p[1] = gso_type;
	s[0].p[10] = 1; /* num_buffers */
	memcpy(s[0].p + 12, frame, len);
	push_used(q, head, (uint32_t)(12 + len));
	return true;
}
