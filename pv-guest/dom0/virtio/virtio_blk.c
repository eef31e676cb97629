/*
 * virtio-blk (virtio 1.x §5.2) for dom0: each disk a struct blkdev (vda, vdb, ...). A request
 * is a chain: its header (device-readable), the data in a DMA bounce buffer (split by
 * size_max), and the status byte (device-writable). Callers sleep until the driver's thread,
 * which polls the used ring (dom0 gets no device interrupts yet), completes their request.
 */
#include "virtio.h"

#include <pv/blkdev.h>
#include <pv/sched.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_FLUSH 9

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

/* struct virtio_blk_config */
#define VBLK_CFG_CAPACITY 0
#define VBLK_CFG_SIZE_MAX 8
#define VBLK_CFG_SEG_MAX 12

#define VBLK_SLOTS 8
#define VBLK_BOUNCE (32 * 1024) /* bytes per request at most */
#define VBLK_QUEUE 128
#define VBLK_TIMEOUT SECONDS(30)
#define SECTOR 512

struct vblk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_ABANDONED };

struct vblk_slot {
	enum slot_state state;
	bool done;
	int result;
	uint32_t in_len;          /* what the device must write: the data read, then the status */
	struct vblk_hdr *hdr;     /* DMA */
	volatile uint8_t *status; /* DMA */
	uint8_t *data;            /* DMA, VBLK_BOUNCE bytes */
};

struct vblk {
	struct blkdev bd;
	struct virtio_dev vd;
	struct virtq q;
	struct vblk_slot slot[VBLK_SLOTS];
	unsigned int nr_slots;
	uint32_t seg_bytes; /* one data descriptor holds at most this */
	void *ctl, *bounce; /* DMA: headers and status bytes; the data buffers */
	struct wait_queue done_wq, slot_wq, poll_wq;
	uint64_t requests, errors;
};

static unsigned int nr_vblk;

static int status_errno(uint8_t status)
{
	switch (status) {
	case VIRTIO_BLK_S_OK:
		return 0;
	case VIRTIO_BLK_S_UNSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

static void complete(struct vblk *v, struct vblk_slot *s, int result)
{
	if (result)
		v->errors++;
	if (s->state == SLOT_ABANDONED) {
		s->state = SLOT_FREE; /* its caller gave up: the slot is free only now */
		wake_up(&v->slot_wq);
		return;
	}
	s->result = result;
	s->done = true;
	wake_up(&v->done_wq);
}

/* The driver thread's work: every completed request finished, its caller woken. */
static void vblk_poll(struct vblk *v)
{
	void *cookie;
	uint32_t len;
	int rc;

	while ((rc = virtq_get_used(&v->q, &cookie, &len)) != 0) {
		struct vblk_slot *s = cookie;

		if (rc == -EIO)
			continue; /* not a request of ours */
		/* The device wrote the whole chain (a read's data too), or the request failed. */
		if (rc == 1 && len == s->in_len)
			complete(v, s, status_errno(*s->status));
		else
			complete(v, s, -EIO);
	}
	if (v->q.broken) {
		while ((cookie = virtq_detach(&v->q)) != NULL)
			complete(v, cookie, -EIO);
		wake_up(&v->slot_wq); /* those waiting for a slot get -EIO */
	}
}

static struct vblk_slot *free_slot(struct vblk *v)
{
	for (unsigned int i = 0; i < v->nr_slots; i++)
		if (v->slot[i].state == SLOT_FREE)
			return &v->slot[i];
	return NULL;
}

/* One request, start to end, from the calling thread. */
static int vblk_request(struct vblk *v, uint32_t type, uint64_t sector, void *buf, unsigned int count)
{
	struct virtq_buf bufs[2 + VBLK_BOUNCE / SECTOR];
	uint32_t bytes = count * SECTOR;
	unsigned int n = 0;
	struct vblk_slot *s;
	int rc;

	wait_event(v->slot_wq, v->q.broken || free_slot(v));
	if (v->q.broken)
		return -EIO;
	s = free_slot(v);
	s->state = SLOT_BUSY;
	s->done = false;
	s->hdr->type = type;
	s->hdr->reserved = 0;
	s->hdr->sector = type == VIRTIO_BLK_T_FLUSH ? 0 : sector;
	*s->status = 0xff; /* not a status the device may write */
	if (type == VIRTIO_BLK_T_OUT)
		memcpy(s->data, buf, bytes);
	bufs[n++] = (struct virtq_buf){(uintptr_t)s->hdr, sizeof(*s->hdr), false};
	for (uint32_t off = 0; off < bytes; off += v->seg_bytes)
		bufs[n++] = (struct virtq_buf){(uintptr_t)s->data + off, MIN(v->seg_bytes, bytes - off),
					       type == VIRTIO_BLK_T_IN};
	bufs[n++] = (struct virtq_buf){(uintptr_t)s->status, 1, true};
	s->in_len = (type == VIRTIO_BLK_T_IN ? bytes : 0) + 1;
	rc = virtq_add(&v->q, bufs, n, s);
	if (rc) { /* cannot happen: slots * descriptors per request fit the queue; or broken */
		s->state = SLOT_FREE;
		wake_up(&v->slot_wq);
		return rc == -EAGAIN ? -EIO : rc;
	}
	v->requests++;
	virtq_kick(&v->q);
	wake_up(&v->poll_wq);
	if (!wait_event_deadline(v->done_wq, s->done, NOW() + VBLK_TIMEOUT)) {
		printk("%s: request for sector %llu timed out\n", v->bd.name, (unsigned long long)sector);
		s->state = SLOT_ABANDONED; /* the device still owns the buffers */
		return -ETIMEDOUT;
	}
	rc = s->result;
	if (!rc && type == VIRTIO_BLK_T_IN)
		memcpy(buf, s->data, bytes);
	s->state = SLOT_FREE;
	wake_up(&v->slot_wq);
	return rc;
}

static int check_range(struct blkdev *d, uint64_t sector, unsigned int count)
{
	if (!count || count > d->max_sectors)
		return -EINVAL;
	if (sector >= d->sectors || count > d->sectors - sector)
		return -EINVAL;
	return 0;
}

static int vblk_read(struct blkdev *d, uint64_t sector, void *buf, unsigned int count)
{
	int rc = check_range(d, sector, count);

	return rc ? rc : vblk_request(d->priv, VIRTIO_BLK_T_IN, sector, buf, count);
}

static int vblk_write(struct blkdev *d, uint64_t sector, const void *buf, unsigned int count)
{
	int rc = check_range(d, sector, count);

	if (!rc && d->read_only)
		rc = -EROFS;
	return rc ? rc : vblk_request(d->priv, VIRTIO_BLK_T_OUT, sector, (void *)buf, count);
}

/*
 * With VIRTIO_BLK_F_FLUSH the device has a write cache and VIRTIO_BLK_T_FLUSH empties it.
 * Without it the device is write-through (§5.2: the cache mode follows F_FLUSH when
 * F_CONFIG_WCE is not negotiated, and we do not negotiate it): a completed write is stable.
 */
static int vblk_flush(struct blkdev *d)
{
	struct vblk *v = d->priv;

	if (!virtio_has(&v->vd, VIRTIO_BLK_F_FLUSH))
		return v->q.broken ? -EIO : 0;
	return vblk_request(v, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
}

static void vblk_thread(void *arg)
{
	struct vblk *v = arg;

	for (;;) {
		wait_event(v->poll_wq, virtq_in_flight(&v->q) > 0);
		vblk_poll(v);
		if (virtq_in_flight(&v->q))
			msleep(1);
	}
}

#ifdef PV_HOST_TEST
void virtio_blk_poll(struct blkdev *d)
{
	vblk_poll(d->priv);
}

static void vblk_free(struct vblk *v, bool failed);

void virtio_blk_remove(struct blkdev *d)
{
	vblk_free(d->priv, false);
	nr_vblk--;
}
#endif

/* Limits from the configuration: the bytes per data descriptor, the sectors per request. */
static int vblk_limits(struct vblk *v)
{
	uint32_t size_max = VBLK_BOUNCE, seg_max = VBLK_BOUNCE / SECTOR;
	uint64_t bytes;

	if (virtio_has(&v->vd, VIRTIO_BLK_F_SIZE_MAX) && virtio_config_read(&v->vd, VBLK_CFG_SIZE_MAX, &size_max, 4))
		return -EIO;
	if (virtio_has(&v->vd, VIRTIO_BLK_F_SEG_MAX) && virtio_config_read(&v->vd, VBLK_CFG_SEG_MAX, &seg_max, 4))
		return -EIO;
	if (!size_max || !seg_max)
		return -EINVAL;
	/*
	 * seg_max counts data segments (the header and status come on top), each at most size_max
	 * bytes. max_sectors * 512 <= seg_max * seg_bytes, so a request never needs more than
	 * seg_max data descriptors (at most VBLK_BOUNCE / SECTOR).
	 */
	v->seg_bytes = MIN(size_max, VBLK_BOUNCE);
	seg_max = MIN(seg_max, VBLK_BOUNCE / SECTOR);
	bytes = MIN((uint64_t)seg_max * v->seg_bytes, VBLK_BOUNCE);
	v->bd.max_sectors = (unsigned int)(bytes / SECTOR);
	return v->bd.max_sectors ? 0 : -EINVAL;
}

static int vblk_setup(struct vblk *v, struct pci_dev *p)
{
	uint32_t descs;
	int rc;

	rc = virtio_pci_init(&v->vd, p, "virtio-blk");
	if (rc)
		return rc;
	rc = virtio_negotiate(&v->vd, 1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX |
					  1ULL << VIRTIO_BLK_F_RO | 1ULL << VIRTIO_BLK_F_FLUSH);
	if (rc)
		return rc;
	if (virtio_config_read(&v->vd, VBLK_CFG_CAPACITY, &v->bd.sectors, 8) || vblk_limits(v)) {
		printk("virtio-blk: unusable configuration (size_max/seg_max)\n");
		return -EINVAL;
	}
	v->bd.read_only = virtio_has(&v->vd, VIRTIO_BLK_F_RO);
	rc = virtio_setup_queue(&v->vd, &v->q, "virtio-blk", 0, VBLK_QUEUE);
	if (rc)
		return rc;
	descs = 2 + (v->bd.max_sectors * SECTOR + v->seg_bytes - 1) / v->seg_bytes;
	v->nr_slots = MIN(VBLK_SLOTS, v->q.size / descs);
	if (!v->nr_slots) {
		printk("virtio-blk: a queue of %u cannot hold one request of %u descriptors\n", v->q.size, descs);
		return -EINVAL;
	}
	v->ctl = dma_alloc(PAGE_SIZE);
	v->bounce = dma_alloc((size_t)VBLK_BOUNCE * v->nr_slots);
	if (!v->ctl || !v->bounce)
		return -ENOMEM;
	for (unsigned int i = 0; i < v->nr_slots; i++) {
		v->slot[i].hdr = (void *)((uint8_t *)v->ctl + 32 * i);
		v->slot[i].status = (uint8_t *)v->ctl + 32 * i + sizeof(struct vblk_hdr);
		v->slot[i].data = (uint8_t *)v->bounce + (size_t)VBLK_BOUNCE * i;
	}
	virtio_driver_ok(&v->vd);
	return 0;
}

/* The device reset before its rings go (it may be using them); FAILED when we gave up on it. */
static void vblk_free(struct vblk *v, bool failed)
{
	if (v->vd.common) {
		if (v->q.mem)
			(void)virtio_reset(&v->vd);
		if (failed)
			virtio_fail(&v->vd); /* the device lets go of the rings before we free them */
	}
	if (v->q.mem)
		virtq_destroy(&v->q);
	if (v->ctl)
		dma_free(v->ctl, PAGE_SIZE);
	if (v->bounce)
		dma_free(v->bounce, (size_t)VBLK_BOUNCE * v->nr_slots);
	free(v);
}

int virtio_blk_probe(struct pci_dev *p)
{
	struct vblk *v;
	int rc;

	if (virtio_pci_type(p) != VIRTIO_ID_BLOCK)
		return -ENODEV;
	if (nr_vblk >= 26)
		return -ENOSPC;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	rc = vblk_setup(v, p);
	if (rc) {
		printk("virtio-blk: %02x:%02x.%u not used (%d)\n", p->bus, p->dev, p->fn, rc);
		vblk_free(v, true);
		return rc;
	}
	snprintf(v->bd.name, sizeof(v->bd.name), "vd%c", 'a' + nr_vblk);
	v->bd.read = vblk_read;
	v->bd.write = vblk_write;
	v->bd.flush = vblk_flush;
	v->bd.priv = v;
	rc = blkdev_register(&v->bd);
	if (rc) {
		printk("virtio-blk: %s not registered (%d)\n", v->bd.name, rc);
		vblk_free(v, true);
		return rc;
	}
	nr_vblk++;
#ifndef PV_HOST_TEST
	if (!create_thread(v->bd.name, vblk_thread, v))
		printk("virtio-blk: %s: no thread: requests will never complete\n", v->bd.name);
#else
	(void)vblk_thread;
#endif
	printk("virtio-blk: %s %llu MiB (%llu sectors)%s, %s, %u sectors per request\n", v->bd.name,
	       (unsigned long long)(v->bd.sectors / 2048), (unsigned long long)v->bd.sectors,
	       v->bd.read_only ? " read-only" : "",
	       virtio_has(&v->vd, VIRTIO_BLK_F_FLUSH) ? "write cache (flush)" : "write-through", v->bd.max_sectors);
	return 0;
}
