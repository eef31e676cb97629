/*
 * blkfront: virtual block devices (xen/io/blkif.h). The xenstore handshake of blkif.h's state
 * diagram, one single-page ring per device, data copied through granted bounce pages.
 */
#include <pv/blkfront.h>
#include <pv/events.h>
#include <pv/gnttab.h>
#include <pv/mm.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/blkif.h>
#include <xen/io/protocols.h>

#define BLK_RING_SIZE __CONST_RING_SIZE(blkif, PAGE_SIZE)
#define BLK_SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST
#define BLK_PUBLISH_TRIES 32 /* transaction conflicts tolerated while publishing the ring */

uint32_t blkfront_ring_start; /* 0; unit tests move it to make the indexes wrap */

enum blk_slot_state { SLOT_FREE, SLOT_INFLIGHT, SLOT_DONE };

/* One caller's transfer: the requests it has on the ring. */
struct blk_batch {
	unsigned int inflight; /* its slots not yet finished */
	unsigned int done;     /* of those, answered by the backend */
	int err;               /* first failure */
};

/* One ring request in flight; its index in dev->slots is the request id. */
struct blk_slot {
	enum blk_slot_state state;
	struct blk_batch *owner; /* NULL: its caller gave up (timeout); released on completion */
	int16_t status;
	uint8_t op, nseg;
	grant_ref_t gref[BLK_SEGS];
	void *page[BLK_SEGS];
	uint8_t *dst; /* reads: where the data goes */
	size_t bytes;
};

struct blkdev {
	struct blkdev *next;
	char node[48]; /* device/vbd/<id> */
	char *backend; /* the backend's directory */
	domid_t backend_id;
	uint16_t handle; /* virtual-device */
	blkif_front_ring_t ring;
	blkif_sring_t *sring;
	grant_ref_t ring_ref;
	evtchn_port_t port;
	bool have_port, published, connected, broken;
	struct wait_queue wq; /* woken by the event handler and by released slots */
	struct blk_info info;
	unsigned int sectors_per_page;
	unsigned int nfree;
	struct blk_slot slots[BLK_RING_SIZE];
};

static struct blkdev *blk_devs; /* open devices */

static void blk_event(evtchn_port_t port, void *data)
{
	struct blkdev *dev = data;

	wake_up(&dev->wq);
}

/* ---- xenstore handshake ---- */

/* Waits until the backend's state is in [lo, hi]; -EIO if it closes while fail_closed. */
static int blk_wait_backend(struct blkdev *dev, XenbusState lo, XenbusState hi, bool fail_closed, s_time_t deadline)
{
	XenbusState s = xenbus_read_state(dev->backend);

	for (;;) {
		int err;

		if (s >= lo && s <= hi)
			return 0;
		if (s == XenbusStateUnknown && hi == XenbusStateClosed && !fail_closed)
			return 0; /* closing, and the backend's directory is gone (a detach): closed */
		if (fail_closed && (s == XenbusStateClosing || s == XenbusStateClosed))
			return -EIO;
		err = xenbus_wait_state_change(dev->backend, &s, deadline);
		if (err)
			return err;
	}
}

static int blk_setup_ring(struct blkdev *dev)
{
	unsigned int i;
	int err;

	dev->sring = alloc_page();
	if (!dev->sring)
		return -ENOMEM;
	SHARED_RING_INIT(dev->sring);
	dev->sring->req_prod = dev->sring->rsp_prod = blkfront_ring_start;
	dev->sring->req_event = dev->sring->rsp_event = blkfront_ring_start + 1;
	FRONT_RING_ATTACH(&dev->ring, dev->sring, blkfront_ring_start, PAGE_SIZE);
	BUG_ON(RING_SIZE(&dev->ring) != BLK_RING_SIZE);
	for (i = 0; i < BLK_RING_SIZE; i++)
		dev->slots[i].state = SLOT_FREE;
	dev->nfree = BLK_RING_SIZE;

	dev->ring_ref = gnttab_grant_access(dev->backend_id, virt_to_gfn(dev->sring), false);
	if (dev->ring_ref == GRANT_INVALID_REF)
		return -ENOSPC;
	err = evtchn_alloc_unbound(dev->backend_id, blk_event, dev, &dev->port);
	if (err)
		return err;
	dev->have_port = true;
	return 0;
}

/* ring-ref, event-channel, protocol and state Initialised, in one transaction. */
static int blk_publish(struct blkdev *dev)
{
	for (unsigned int tries = 0; tries < BLK_PUBLISH_TRIES; tries++) {
		xenbus_transaction_t t;
		int err = xenbus_transaction_start(&t);

		if (err)
			return err;
		err = xenbus_printf(t, dev->node, "ring-ref", "%u", (unsigned int)dev->ring_ref);
		if (!err)
			err = xenbus_printf(t, dev->node, "event-channel", "%u", (unsigned int)dev->port);
		if (!err)
			err = xenbus_printf(t, dev->node, "protocol", "%s", XEN_IO_PROTO_ABI_X86_64);
		if (!err)
			err = xenbus_printf(t, dev->node, "feature-large-sector-size", "%u", 1u);
		if (!err)
			err = xenbus_switch_state(t, dev->node, XenbusStateInitialised);
		if (err) {
			xenbus_transaction_end(t, true);
			return err;
		}
		err = xenbus_transaction_end(t, false);
		if (err != -EAGAIN)
			return err;
	}
	return -EIO;
}

static bool is_pow2(unsigned long x)
{
	return x && !(x & (x - 1));
}

/* The device properties the backend publishes before it goes Connected. */
static int blk_read_properties(struct blkdev *dev)
{
	struct blk_info *in = &dev->info;
	const char *be = dev->backend;

	in->sectors = xenbus_read_unsigned(XBT_NIL, be, "sectors", 0);
	in->sector_size = xenbus_read_unsigned(XBT_NIL, be, "sector-size", 512);
	in->physical_sector_size = xenbus_read_unsigned(XBT_NIL, be, "physical-sector-size", in->sector_size);
	in->vdisk_info = xenbus_read_unsigned(XBT_NIL, be, "info", 0);
	in->read_only = in->vdisk_info & VDISK_READONLY;
	in->flush_cache = xenbus_read_unsigned(XBT_NIL, be, "feature-flush-cache", 0) != 0;
	in->barrier = xenbus_read_unsigned(XBT_NIL, be, "feature-barrier", 0) != 0;
	in->flush = in->flush_cache || in->barrier;

	/* A segment addresses whole sectors inside one page: larger sectors cannot be expressed. */
	if (!is_pow2(in->sector_size) || in->sector_size < 512 || in->sector_size > PAGE_SIZE) {
		printk("blkfront: %s: unsupported sector-size %u\n", dev->node, in->sector_size);
		return -EOPNOTSUPP;
	}
	if (!in->physical_sector_size || in->physical_sector_size % in->sector_size)
		in->physical_sector_size = in->sector_size;
	dev->sectors_per_page = PAGE_SIZE / in->sector_size;
	return 0;
}

static int blk_connect(struct blkdev *dev)
{
	s_time_t deadline = NOW() + SECONDS(BLK_TIMEOUT_SECONDS);
	char path[64];
	int err;

	snprintf(path, sizeof(path), "%s/backend", dev->node);
	err = xenbus_read(XBT_NIL, path, &dev->backend);
	if (err)
		return err == -ENOENT ? -ENODEV : err;
	dev->backend_id = xenbus_read_unsigned(XBT_NIL, dev->node, "backend-id", 0);
	dev->handle = xenbus_read_unsigned(XBT_NIL, dev->node, "virtual-device", 0);

	/* A frontend an earlier session left Closed starts over; the backend then returns to InitWait. */
	if (xenbus_read_state(dev->node) != XenbusStateInitialising) {
		err = xenbus_switch_state(XBT_NIL, dev->node, XenbusStateInitialising);
		if (err)
			return err;
	}
	err = blk_wait_backend(dev, XenbusStateInitWait, XenbusStateConnected, false, deadline);
	if (err)
		return err;
	err = blk_setup_ring(dev);
	if (err)
		return err;
	err = blk_publish(dev);
	if (err)
		return err;
	dev->published = true;
	err = blk_wait_backend(dev, XenbusStateConnected, XenbusStateConnected, true, deadline);
	if (err)
		return err;
	err = blk_read_properties(dev);
	if (err)
		return err;
	err = xenbus_switch_state(XBT_NIL, dev->node, XenbusStateConnected);
	if (err)
		return err;
	dev->connected = true;
	return 0;
}

/* ---- requests ---- */

static int blk_status_errno(int16_t status)
{
	if (status == BLKIF_RSP_OKAY)
		return 0;
	return status == BLKIF_RSP_EOPNOTSUPP ? -EOPNOTSUPP : -EIO;
}

/* Ends a finished slot's grants and frees its pages. A grant the backend still maps keeps its page. */
static void blk_slot_release(struct blkdev *dev, struct blk_slot *s)
{
	for (unsigned int i = 0; i < s->nseg; i++) {
		if (gnttab_end_access(s->gref[i]))
			free_page(s->page[i]);
		else
			printk("blkfront: %s: backend still maps grant %u; page leaked\n", dev->node,
			       (unsigned int)s->gref[i]);
	}
	s->nseg = 0;
	s->owner = NULL;
	s->state = SLOT_FREE;
	dev->nfree++;
}

/*
 * Consumes the responses on the ring, marking their slots done (b: the caller's transfer). The backend is not trusted:
 * an unknown id or one answered twice is dropped, and a producer index running ahead of the
 * requests made marks the device broken.
 */
static void blk_collect(struct blkdev *dev, struct blk_batch *b)
{
	bool others = false;
	int more;

	do {
		RING_IDX prod = dev->sring->rsp_prod;

		rmb(); /* the responses before the index that publishes them */
		if (prod - dev->ring.rsp_cons > dev->ring.req_prod_pvt - dev->ring.rsp_cons) {
			dev->broken = true;
			return;
		}
		for (RING_IDX i = dev->ring.rsp_cons; i != prod; i++) {
			blkif_response_t rsp;
			struct blk_slot *s;

			RING_COPY_RESPONSE(&dev->ring, i, &rsp);
			if (rsp.id >= BLK_RING_SIZE || dev->slots[rsp.id].state != SLOT_INFLIGHT)
				continue;
			s = &dev->slots[rsp.id];
			s->status = rsp.status;
			s->state = SLOT_DONE;
			if (s->owner)
				s->owner->done++;
			others |= s->owner != b;
		}
		dev->ring.rsp_cons = prod;
		RING_FINAL_CHECK_FOR_RESPONSES(&dev->ring, more);
	} while (more);
	if (others)
		wake_up(&dev->wq); /* answers for other transfers, or for slots to release */
}

/* Whether a waiting transfer can make progress; run with interrupts off by wait_event. */
static bool blk_ready(struct blkdev *dev, struct blk_batch *b, bool want_slot)
{
	if (!dev->broken)
		blk_collect(dev, b);
	return dev->broken || b->done || (want_slot && dev->nfree);
}

/* Finishes b's answered requests (reads copied out), and any a timed-out caller left behind. */
static void blk_finish(struct blkdev *dev, struct blk_batch *b)
{
	bool freed = false;

	for (unsigned int id = 0; id < BLK_RING_SIZE; id++) {
		struct blk_slot *s = &dev->slots[id];
		int err;

		if (s->state != SLOT_DONE || (s->owner && s->owner != b))
			continue;
		err = blk_status_errno(s->status);
		if (s->owner) {
			if (!err && s->op == BLKIF_OP_READ) {
				size_t off = 0;

				for (unsigned int i = 0; i < s->nseg; i++, off += PAGE_SIZE)
					memcpy(s->dst + off, s->page[i], MIN(PAGE_SIZE, s->bytes - off));
			}
			if (err && !b->err)
				b->err = err;
			b->inflight--;
			b->done--;
		}
		blk_slot_release(dev, s);
		freed = true;
	}
	if (freed)
		wake_up(&dev->wq); /* for transfers waiting for a free slot */
}

/*
 * Puts one request on the ring (not yet pushed): count sectors at sector, through
 * ceil(count / sectors_per_page) bounce pages; count 0 for flush and barrier.
 */
static int blk_queue(struct blkdev *dev, struct blk_batch *b, uint8_t op, uint64_t sector, const uint8_t *src,
		     uint8_t *dst, size_t count)
{
	size_t ss = dev->info.sector_size, bytes = count * ss;
	unsigned int id, nseg = (count + dev->sectors_per_page - 1) / dev->sectors_per_page;
	struct blk_slot *s;
	blkif_request_t *req;

	if (!dev->nfree || RING_FULL(&dev->ring))
		return -EBUSY;
	for (id = 0; dev->slots[id].state != SLOT_FREE; id++)
		;
	s = &dev->slots[id];
	s->op = op;
	s->dst = dst;
	s->bytes = bytes;
	for (s->nseg = 0; s->nseg < nseg; s->nseg++) {
		size_t off = (size_t)s->nseg * PAGE_SIZE;
		void *page = alloc_page();

		if (!page)
			goto fail;
		if (src)
			memcpy(page, src + off, MIN(PAGE_SIZE, bytes - off));
		/* The backend only reads what goes to the disk, and writes what comes from it. */
		s->gref[s->nseg] = gnttab_grant_access(dev->backend_id, virt_to_gfn(page), op == BLKIF_OP_WRITE);
		if (s->gref[s->nseg] == GRANT_INVALID_REF) {
			free_page(page);
			goto fail;
		}
		s->page[s->nseg] = page;
	}

	req = RING_GET_REQUEST(&dev->ring, dev->ring.req_prod_pvt);
	req->operation = op;
	req->nr_segments = nseg;
	req->handle = dev->handle;
	req->id = id;
	req->sector_number = sector;
	for (unsigned int i = 0; i < nseg; i++) {
		size_t left = count - (size_t)i * dev->sectors_per_page;

		req->seg[i].gref = s->gref[i];
		req->seg[i].first_sect = 0;
		req->seg[i].last_sect = MIN(left, dev->sectors_per_page) - 1;
	}
	dev->ring.req_prod_pvt++;
	s->state = SLOT_INFLIGHT;
	s->owner = b;
	dev->nfree--;
	b->inflight++;
	return 0;

fail:
	dev->nfree--; /* blk_slot_release counts it back */
	blk_slot_release(dev, s);
	return -ENOMEM;
}

/* Leaves b's unanswered requests to the backend: their slots are released when answered (or at close). */
static void blk_abandon(struct blkdev *dev, struct blk_batch *b)
{
	for (unsigned int id = 0; id < BLK_RING_SIZE; id++)
		if (dev->slots[id].owner == b)
			dev->slots[id].owner = NULL;
	blk_finish(dev, b);
}

static void blk_push(struct blkdev *dev)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dev->ring, notify);
	if (notify)
		notify_remote_via_evtchn(dev->port);
}

/*
 * Runs one transfer: count sectors split into requests of up to BLK_SEGS pages, as many on
 * the ring at once as it has room for; count 0 sends one op request without data. Waits for
 * every request it queued, also after a failure, so that no grant outlives the call.
 */
static int blk_transfer(struct blkdev *dev, uint8_t op, uint64_t sector, const uint8_t *src, uint8_t *dst, size_t count)
{
	size_t per_req = (size_t)BLK_SEGS * dev->sectors_per_page, ss = dev->info.sector_size;
	struct blk_batch b = {0};
	bool todo = true;

	while (todo || b.inflight) {
		bool queued = false;
		s_time_t deadline;

		while (todo && !b.err && !dev->broken) {
			size_t n = MIN(count, per_req);
			int err = blk_queue(dev, &b, op, sector, src, dst, n);

			if (err == -EBUSY)
				break;
			if (err) {
				b.err = err;
				break;
			}
			queued = true;
			sector += n;
			count -= n;
			src = src ? src + n * ss : NULL;
			dst = dst ? dst + n * ss : NULL;
			todo = count > 0;
		}
		if (b.err || dev->broken)
			todo = false;
		if (queued)
			blk_push(dev);
		if (!todo && !b.inflight)
			break;

		deadline = NOW() + SECONDS(BLK_TIMEOUT_SECONDS);
		if (!wait_event_deadline(dev->wq, blk_ready(dev, &b, todo), deadline)) {
			blk_abandon(dev, &b);
			return -ETIMEDOUT;
		}
		blk_finish(dev, &b);
		if (dev->broken) {
			blk_abandon(dev, &b);
			return -EIO;
		}
	}
	return b.err;
}

/* ---- the block API ---- */

/* Sectors [sector, sector + count) on the disk, and a byte count that fits in memory. */
static int blk_check_range(struct blkdev *dev, uint64_t sector, size_t count)
{
	if (!dev || !dev->connected)
		return -ENODEV;
	if (sector > dev->info.sectors || count > dev->info.sectors - sector)
		return -EINVAL;
	if (count > SIZE_MAX / dev->info.sector_size)
		return -EINVAL;
	return 0;
}

int blk_read(struct blkdev *dev, uint64_t sector, void *buf, size_t count)
{
	int err = blk_check_range(dev, sector, count);

	if (err)
		return err;
	if (!count)
		return 0;
	if (!buf)
		return -EINVAL;
	return blk_transfer(dev, BLKIF_OP_READ, sector, NULL, buf, count);
}

int blk_write(struct blkdev *dev, uint64_t sector, const void *buf, size_t count)
{
	int err = blk_check_range(dev, sector, count);

	if (err)
		return err;
	if (dev->info.read_only)
		return -EROFS;
	if (!count)
		return 0;
	if (!buf)
		return -EINVAL;
	return blk_transfer(dev, BLKIF_OP_WRITE, sector, buf, NULL, count);
}

/* A cache flush if offered, else a barrier; an op the backend turns down is not tried again. */
int blk_flush(struct blkdev *dev)
{
	if (!dev || !dev->connected)
		return -ENODEV;
	for (;;) {
		bool cache = dev->info.flush_cache;
		int err;

		if (!cache && !dev->info.barrier)
			return -EOPNOTSUPP;
		err = blk_transfer(dev, cache ? BLKIF_OP_FLUSH_DISKCACHE : BLKIF_OP_WRITE_BARRIER, 0, NULL, NULL, 0);
		if (err != -EOPNOTSUPP)
			return err;
		if (cache)
			dev->info.flush_cache = false;
		else
			dev->info.barrier = false;
		dev->info.flush = dev->info.flush_cache || dev->info.barrier;
	}
}

int blk_info(struct blkdev *dev, struct blk_info *info)
{
	if (!dev || !info)
		return -EINVAL;
	*info = dev->info;
	return 0;
}

/* Closing, then Closed once the backend follows (it unmaps the ring on the way). */
static void blk_disconnect(struct blkdev *dev)
{
	s_time_t deadline = NOW() + SECONDS(BLK_TIMEOUT_SECONDS);

	if (!xenbus_switch_state(XBT_NIL, dev->node, XenbusStateClosing))
		blk_wait_backend(dev, XenbusStateClosing, XenbusStateClosed, false, deadline);
	if (!xenbus_switch_state(XBT_NIL, dev->node, XenbusStateClosed))
		blk_wait_backend(dev, XenbusStateClosed, XenbusStateClosed, false, deadline);
	dev->connected = false;
}

/* Ring, event channel and whatever a timed-out request left; pages the backend maps are leaked. */
static void blk_release(struct blkdev *dev)
{
	if (dev->have_port)
		evtchn_close(dev->port);
	if (dev->sring) {
		blk_collect(dev, NULL);
		for (unsigned int id = 0; id < BLK_RING_SIZE; id++)
			if (dev->slots[id].state != SLOT_FREE)
				blk_slot_release(dev, &dev->slots[id]);
		if (dev->ring_ref == GRANT_INVALID_REF || gnttab_end_access(dev->ring_ref))
			free_page(dev->sring);
		else
			printk("blkfront: %s: backend still maps the ring; page leaked\n", dev->node);
	}
	free(dev->backend);
	free(dev);
}

void blk_close(struct blkdev *dev)
{
	struct blkdev **p;

	if (!dev)
		return;
	for (p = &blk_devs; *p; p = &(*p)->next) {
		if (*p == dev) {
			*p = dev->next;
			break;
		}
	}
	if (dev->published)
		blk_disconnect(dev);
	blk_release(dev);
}

/* The vbd with the lowest number (names are virtual-device numbers), or the first listed. */
static int blk_first_vbd(char *id, size_t size)
{
	char **names;
	unsigned int n, best = 0;
	int err = xenbus_ls(XBT_NIL, "device/vbd", &names, &n);

	if (err)
		return err == -ENOENT ? -ENODEV : err;
	if (!n) {
		xenbus_free_names(names, n);
		return -ENODEV;
	}
	for (unsigned int i = 1; i < n; i++)
		if (strtoul(names[i], NULL, 10) < strtoul(names[best], NULL, 10))
			best = i;
	snprintf(id, size, "%s", names[best]);
	xenbus_free_names(names, n);
	return 0;
}

struct blkdev *blk_open(const char *id)
{
	char first[sizeof(((struct blk_info *)0)->id)];
	struct blkdev *dev;
	int err;

	if (!id) {
		err = blk_first_vbd(first, sizeof(first));
		if (err) {
			errno = -err;
			return NULL;
		}
		id = first;
	}
	if (!*id || strlen(id) >= sizeof(first) || strchr(id, '/')) {
		errno = ENODEV;
		return NULL;
	}
	for (dev = blk_devs; dev; dev = dev->next) {
		if (!strcmp(dev->info.id, id)) {
			errno = EBUSY;
			return NULL;
		}
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		errno = ENOMEM;
		return NULL;
	}
	dev->ring_ref = GRANT_INVALID_REF;
	snprintf(dev->info.id, sizeof(dev->info.id), "%s", id);
	snprintf(dev->node, sizeof(dev->node), "device/vbd/%s", id);
	err = blk_connect(dev);
	if (err) {
		printk("blkfront: %s: cannot connect (%d)\n", dev->node, err);
		if (dev->published)
			blk_disconnect(dev);
		blk_release(dev);
		errno = -err;
		return NULL;
	}
	dev->next = blk_devs;
	blk_devs = dev;
	return dev;
}
