/*
 * blkback: dom0's block backend (xen/io/blkif.h), one vbd (xvda, 768) per configured domain,
 * served from a store (bb_store.h: RAM disk, image file, block device); data moved with grant
 * copies. See docs/dom0-blkback.md.
 */
#include "blkback_int.h"

#include <pv/dom0.h>
#include <pv/events.h>
#include <pv/gntmap.h>
#include <pv/mm.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/blkif.h>
#include <xen/io/protocols.h>

struct vbd *vbds[BB_MAX_VBDS];
unsigned int nr_vbds;
void *zero_page;

static const char *const state_names[] = {
    [XenbusStateUnknown] = "Unknown",
    [XenbusStateInitialising] = "Initialising",
    [XenbusStateInitWait] = "InitWait",
    [XenbusStateInitialised] = "Initialised",
    [XenbusStateConnected] = "Connected",
    [XenbusStateClosing] = "Closing",
    [XenbusStateClosed] = "Closed",
    [XenbusStateReconfiguring] = "Reconfiguring",
    [XenbusStateReconfigured] = "Reconfigured",
};

struct vbd *vbd_find_vdev(domid_t dom, unsigned int vdev)
{
	for (unsigned int i = 0; i < nr_vbds; i++)
		if (vbds[i]->dom == dom && vbds[i]->vdev == vdev)
			return vbds[i];
	return NULL;
}

/* The config's disk (xvda). */
struct vbd *vbd_find(domid_t dom)
{
	return vbd_find_vdev(dom, BB_VDEV);
}

/* ---- the store ---- */

static int vbd_switch(struct vbd *v, XenbusState s)
{
	int err = xenbus_switch_state(XBT_NIL, v->be, s);

	if (!err)
		v->state = s;
	return err;
}

/* Reports a fatal error in <backend>/error, as Xen's backends do, and closes the device. */
__attribute__((format(printf, 3, 4))) static int vbd_fail(struct vbd *v, int err, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("blkback: vbd %u: %s (%d)\n", (unsigned int)v->dom, msg, err);
	xenbus_printf(XBT_NIL, v->be, "error", "%d %s", -err, msg);
	v->st.errors++;
	vbd_switch(v, XenbusStateClosing);
	return err;
}

static int mkdir_perms(xenbus_transaction_t t, const char *path, const char *perms)
{
	int err = xenbus_mkdir(t, path);

	return err ? err : xenbus_set_perms(t, path, perms);
}

/* What the toolstack writes: both device directories, the frontend's owned by its domain. */
static int vbd_write_devices(struct vbd *v, xenbus_transaction_t t)
{
	unsigned int dom = v->dom;
	char path[64], fe_perms[24], be_perms[24];
	int err = 0;

	snprintf(fe_perms, sizeof(fe_perms), "n%u r0", dom);
	snprintf(be_perms, sizeof(be_perms), "n0 r%u", dom);
	xenbus_rm(t, v->fe); /* what an earlier domain with this id left */
	xenbus_rm(t, v->be);
	snprintf(path, sizeof(path), "/local/domain/%u/device", dom);
	err = mkdir_perms(t, path, fe_perms);
	snprintf(path, sizeof(path), "/local/domain/%u/device/vbd", dom);
	if (!err)
		err = mkdir_perms(t, path, fe_perms);
	if (!err)
		err = mkdir_perms(t, v->fe, fe_perms);
	if (!err)
		err = xenbus_printf(t, v->fe, "backend", "%s", v->be);
	if (!err)
		err = xenbus_printf(t, v->fe, "backend-id", "0");
	if (!err)
		err = xenbus_printf(t, v->fe, "state", "%d", XenbusStateInitialising);
	if (!err)
		err = xenbus_printf(t, v->fe, "virtual-device", "%u", v->vdev);
	if (!err)
		err = xenbus_printf(t, v->fe, "device-type", "disk");
	if (!err)
		err = mkdir_perms(t, v->be, be_perms);
	if (!err)
		err = xenbus_printf(t, v->be, "frontend", "%s", v->fe);
	if (!err)
		err = xenbus_printf(t, v->be, "frontend-id", "%u", dom);
	if (!err)
		err = xenbus_printf(t, v->be, "online", "1");
	if (!err)
		err = xenbus_printf(t, v->be, "state", "%d", XenbusStateInitialising);
	if (!err)
		err = xenbus_printf(t, v->be, "mode", v->disk.writable ? "w" : "r");
	if (!err)
		err = xenbus_printf(t, v->be, "params", "%s", v->disk.target);
	if (!err)
		err = xenbus_printf(t, v->be, "type", "%s", v->disk.ops->type);
	if (!err)
		err = xenbus_printf(t, v->be, "dev", "%s", v->dev);
	if (!err)
		err = xenbus_printf(t, v->be, "device-type", "disk");
	if (!err)
		err = xenbus_printf(t, v->be, "removable", "0");
	if (!err)
		err = xenbus_printf(t, v->be, "bootable", "1");
	return err;
}

/*
 * What the backend driver writes before InitWait: the disk's properties and features. Flush and
 * barrier are offered where the store can honour them, on a disk the guest may write.
 */
static int vbd_write_properties(struct vbd *v, xenbus_transaction_t t)
{
	bool flush = v->disk.writable && v->disk.can_flush;
	int err = xenbus_printf(t, v->be, "sectors", "%llu", (unsigned long long)v->disk.sectors);

	if (!err)
		err = xenbus_printf(t, v->be, "sector-size", "%u", BB_SECTOR);
	if (!err)
		err = xenbus_printf(t, v->be, "physical-sector-size", "%u", BB_SECTOR);
	if (!err)
		err = xenbus_printf(t, v->be, "info", "%u", v->disk.writable ? 0 : VDISK_READONLY);
	if (!err)
		err = xenbus_printf(t, v->be, "feature-flush-cache", "%d", flush);
	if (!err)
		err = xenbus_printf(t, v->be, "feature-barrier", "%d", flush);
	if (!err)
		err = xenbus_switch_state(t, v->be, XenbusStateInitWait);
	return err;
}

/* Runs fill in a transaction, started over while the store reports conflicts. */
static int vbd_transaction(struct vbd *v, int (*fill)(struct vbd *, xenbus_transaction_t))
{
	for (unsigned int tries = 0; tries < BB_TXN_TRIES; tries++) {
		xenbus_transaction_t t;
		int err = xenbus_transaction_start(&t);

		if (err)
			return err;
		err = fill(v, t);
		if (err) {
			xenbus_transaction_end(t, true);
			return err;
		}
		err = xenbus_transaction_end(t, false);
		if (err != -EAGAIN)
			return err;
	}
	return -EAGAIN;
}

static void vbd_publish(struct vbd *v)
{
	int err = vbd_transaction(v, vbd_write_devices);

	if (!err)
		err = vbd_transaction(v, vbd_write_properties);
	if (err) {
		printk("blkback: vbd %u: cannot write the device to the store (%d)\n", (unsigned int)v->dom, err);
		return;
	}
	v->state = XenbusStateInitWait;
	v->published = true;
	v->fe_dirty = true;
}

/* ---- the ring ---- */

static void vbd_event(evtchn_port_t port, void *data)
{
	struct vbd *v = data;

	v->pending = true;
	wake_up(&v->wq);
}

/* Answers the batch's requests (after their copies) and pushes the responses. */
static void vbd_batch_flush(struct vbd *v)
{
	int err = 0, notify;

	if (!v->nreqs)
		return;
	if (v->nops)
		err = gntmap_copy(v->ops, v->nops);
	for (unsigned int i = 0; i < v->nreqs; i++) {
		struct bb_pending *p = &v->batch[i];
		blkif_response_t *rsp;

		for (unsigned int k = 0; k < p->nops && p->status == BLKIF_RSP_OKAY; k++)
			if (err || v->ops[p->first_op + k].status != GNTST_okay)
				p->status = BLKIF_RSP_ERROR;
		if (p->status == BLKIF_RSP_ERROR)
			v->st.errors++;
		else if (p->nops && p->write)
			v->st.sectors_written += p->sectors;
		else if (p->nops)
			v->st.sectors_read += p->sectors;
		rsp = RING_GET_RESPONSE(&v->ring, v->ring.rsp_prod_pvt);
		rsp->id = p->id;
		rsp->operation = p->op;
		rsp->status = p->status;
		v->ring.rsp_prod_pvt++;
	}
	v->nreqs = v->nops = 0;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->ring, notify);
	if (notify)
		notify_remote_via_evtchn(v->port);
}

/* One grant copy between the frontend's granted page and the disk page at byte off. */
static void vbd_add_copy(struct vbd *v, grant_ref_t gref, uint16_t page_off, uint8_t *disk_page, uint64_t off,
			 uint16_t len, bool write)
{
	struct gnttab_copy *op = &v->ops[v->nops++];
	struct gnttab_copy_ptr guest = {.u.ref = gref, .domid = v->dom, .offset = page_off};
	struct gnttab_copy_ptr local = {.u.gmfn = virt_to_gfn(disk_page ? disk_page : (uint8_t *)zero_page),
					.domid = DOMID_SELF,
					.offset = (uint16_t)(off % PAGE_SIZE)};

	op->source = write ? guest : local;
	op->dest = write ? local : guest;
	op->len = len;
	op->flags = write ? GNTCOPY_source_gref : GNTCOPY_dest_gref;
	op->status = GNTST_general_error;
}

/*
 * Checks a read or write whole (segments, sectors inside the disk) and adds its copies to the
 * batch; a segment is split where it crosses a disk page. BLKIF_RSP_ERROR leaves no copies.
 */
static int16_t vbd_rw(struct vbd *v, const blkif_request_t *req, struct bb_pending *p)
{
	uint64_t sector = req->sector_number;
	unsigned int nseg = req->nr_segments;

	if (!nseg || nseg > BB_SEGS || (p->write && !v->disk.writable))
		return BLKIF_RSP_ERROR;
	for (unsigned int i = 0; i < nseg; i++) {
		const struct blkif_request_segment *seg = &req->seg[i];
		unsigned int n = seg->last_sect - seg->first_sect + 1, done = 0;

		if (seg->first_sect > seg->last_sect || seg->last_sect >= BB_SECTORS_PER_PAGE)
			goto bad;
		if (sector > v->disk.sectors || n > v->disk.sectors - sector)
			goto bad;
		while (done < n * BB_SECTOR) {
			uint64_t off = sector * BB_SECTOR + done;
			uint16_t len = MIN(n * BB_SECTOR - done, PAGE_SIZE - off % PAGE_SIZE);
			uint8_t *page = v->disk.ops->page(&v->disk, off, p->write);

			if (p->write && !page)
				goto bad; /* no memory for the chunk */
			vbd_add_copy(v, seg->gref, seg->first_sect * BB_SECTOR + done, page, off, len, p->write);
			done += len;
		}
		sector += n;
		p->sectors += n;
	}
	p->nops = v->nops - p->first_op;
	return BLKIF_RSP_OKAY;
bad:
	v->nops = p->first_op;
	return BLKIF_RSP_ERROR;
}

/*
 * A read or write through the bounce buffer, for stores that are not RAM: checked whole, then
 * the guest's pages copied in and written (answered once the store has it on the device), or
 * read and copied out. The batch is empty: its copy slots are ours.
 */
static int16_t vbd_rw_store(struct vbd *v, const blkif_request_t *req, struct bb_pending *p, bool fua)
{
	uint64_t sector = req->sector_number, total = 0;
	unsigned int nseg = req->nr_segments;
	int16_t status = BLKIF_RSP_ERROR;

	if (!nseg || nseg > BB_SEGS || (p->write && !v->disk.writable) || !v->bounce)
		return BLKIF_RSP_ERROR;
	for (unsigned int i = 0; i < nseg; i++) {
		const struct blkif_request_segment *seg = &req->seg[i];
		unsigned int n = seg->last_sect - seg->first_sect + 1, done = 0;

		if (seg->first_sect > seg->last_sect || seg->last_sect >= BB_SECTORS_PER_PAGE)
			goto out;
		if (sector > v->disk.sectors || total + n > v->disk.sectors - sector)
			goto out;
		while (done < n * BB_SECTOR) {
			uint64_t off = total * BB_SECTOR + done; /* in the bounce buffer */
			uint16_t len = MIN(n * BB_SECTOR - done, PAGE_SIZE - off % PAGE_SIZE);

			vbd_add_copy(v, seg->gref, seg->first_sect * BB_SECTOR + done, v->bounce + (off & PAGE_MASK),
				     off, len, p->write);
			done += len;
		}
		total += n;
	}
	if (!p->write && v->disk.ops->read(&v->disk, sector, v->bounce, (unsigned int)total))
		goto out;
	if (gntmap_copy(v->ops, v->nops))
		goto out;
	for (unsigned int k = 0; k < v->nops; k++)
		if (v->ops[k].status != GNTST_okay)
			goto out;
	if (p->write && v->disk.ops->write(&v->disk, sector, v->bounce, (unsigned int)total, fua))
		goto out;
	status = BLKIF_RSP_OKAY;
	if (p->write)
		v->st.sectors_written += total;
	else
		v->st.sectors_read += total;
out:
	v->nops = p->first_op; /* done: nothing for the batch to copy */
	return status;
}

/* Flush and barrier: earlier writes are on the device (requests are served in order); the data with FUA. */
static int16_t vbd_flush_op(struct vbd *v, const blkif_request_t *req, struct bb_pending *p)
{
	if (!v->disk.writable || !v->disk.can_flush)
		return BLKIF_RSP_EOPNOTSUPP; /* not offered */
	if (v->disk.ops->page)               /* RAM: durable once answered; only data to write */
		return req->nr_segments ? vbd_rw(v, req, p) : BLKIF_RSP_OKAY;
	if (req->nr_segments)
		return vbd_rw_store(v, req, p, true);
	return v->disk.ops->flush(&v->disk) ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
}

/* Takes one request (already copied out of the ring) into the batch. */
static void vbd_request(struct vbd *v, const blkif_request_t *req)
{
	bool direct = v->disk.ops->page != NULL;
	struct bb_pending *p;

	if (v->nreqs == BB_BATCH_REQS || v->nops + BB_SEGS * 2 > BB_BATCH_OPS || (!direct && v->nops))
		vbd_batch_flush(v);
	p = &v->batch[v->nreqs++];
	*p = (struct bb_pending){.id = req->id, .op = req->operation, .first_op = v->nops};
	switch (req->operation) {
	case BLKIF_OP_READ:
		v->st.reads++;
		p->status = direct ? vbd_rw(v, req, p) : vbd_rw_store(v, req, p, false);
		break;
	case BLKIF_OP_WRITE:
		v->st.writes++;
		p->write = true;
		p->status = direct ? vbd_rw(v, req, p) : vbd_rw_store(v, req, p, false);
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		v->st.flushes++;
		p->write = true;
		p->status = vbd_flush_op(v, req, p);
		break;
	default:
		v->st.unsupported++;
		p->status = BLKIF_RSP_EOPNOTSUPP;
		break;
	}
}

/* Serves the ring, at most budget requests; true if some are left for the next pass. */
static bool vbd_serve(struct vbd *v, unsigned int budget)
{
	unsigned int served = 0;
	int more;

	do {
		RING_IDX rp = v->ring.sring->req_prod;

		rmb(); /* the requests before the index that publishes them */
		if (RING_REQUEST_PROD_OVERFLOW(&v->ring, rp)) {
			printk("blkback: vbd %u: bogus ring producer %u (consumer %u); ring halted\n",
			       (unsigned int)v->dom, rp, v->ring.req_cons);
			vbd_batch_flush(v);
			v->broken = true;
			v->st.errors++;
			return false;
		}
		while (v->ring.req_cons != rp) {
			blkif_request_t req;

			if (served == budget) {
				vbd_batch_flush(v);
				return true;
			}
			RING_COPY_REQUEST(&v->ring, v->ring.req_cons, &req); /* once: the frontend may change it */
			v->ring.req_cons++;
			vbd_request(v, &req);
			served++;
		}
		vbd_batch_flush(v);
		RING_FINAL_CHECK_FOR_REQUESTS(&v->ring, more);
	} while (more);
	return false;
}

/* ---- the frontend's state ---- */

static unsigned long vbd_read_ul(struct vbd *v, const char *node)
{
	return xenbus_read_unsigned(XBT_NIL, v->fe, node, ULONG_MAX);
}

/* The frontend is Initialised: its ring, channel and protocol, then Connected. */
static int vbd_connect(struct vbd *v)
{
	unsigned long order = xenbus_read_unsigned(XBT_NIL, v->fe, "ring-page-order", 0), ref, port;
	char path[96], *proto = NULL;
	blkif_sring_t *sring;
	int err;

	if (order)
		return vbd_fail(v, -EOPNOTSUPP, "ring-page-order %lu not supported", order);
	ref = vbd_read_ul(v, "ring-ref");
	if (ref == ULONG_MAX)
		ref = vbd_read_ul(v, "ring-ref0");
	port = vbd_read_ul(v, "event-channel");
	if (ref >= UINT32_MAX || port >= UINT32_MAX)
		return vbd_fail(v, -EINVAL, "no ring-ref or event-channel in %s", v->fe);
	snprintf(path, sizeof(path), "%s/protocol", v->fe);
	if (!xenbus_read(XBT_NIL, path, &proto) && strcmp(proto, XEN_IO_PROTO_ABI_X86_64)) {
		err = vbd_fail(v, -EPROTONOSUPPORT, "unsupported protocol %.32s", proto);
		free(proto);
		return err;
	}
	free(proto);
	err = gntmap_map(v->dom, ref, false, &v->ring_addr, &v->ring_handle);
	if (err)
		return vbd_fail(v, err, "mapping ring-ref %lu", ref);
	err = evtchn_bind_interdomain(v->dom, port, vbd_event, v, &v->port);
	if (err) {
		gntmap_unmap(v->ring_addr, v->ring_handle);
		return vbd_fail(v, err, "binding event-channel %lu", port);
	}
	sring = v->ring_addr;
	BACK_RING_ATTACH(&v->ring, sring, sring->rsp_prod, PAGE_SIZE);
	v->connected = true;
	v->broken = false;
	v->pending = true; /* requests queued before we looked */
	err = vbd_switch(v, XenbusStateConnected);
	if (err)
		printk("blkback: vbd %u: cannot switch to Connected (%d)\n", (unsigned int)v->dom, err);
	return err;
}

/* Answers what is on the ring (drain), then lets go of the ring and the channel. */
static void vbd_disconnect(struct vbd *v, bool drain)
{
	if (!v->connected)
		return;
	while (drain && !v->broken && vbd_serve(v, UINT_MAX))
		;
	evtchn_close(v->port);
	gntmap_unmap(v->ring_addr, v->ring_handle);
	v->ring_addr = NULL;
	v->connected = false;
}

/* blkif.h's state diagram, backend side. */
static void vbd_frontend_changed(struct vbd *v)
{
	XenbusState fe = xenbus_read_state(v->fe);

	switch (fe) {
	case XenbusStateInitialising:
		if (v->state == XenbusStateClosed) /* the frontend starts over */
			vbd_switch(v, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (v->state == XenbusStateInitWait)
			vbd_connect(v);
		break;
	case XenbusStateClosing:
		vbd_disconnect(v, true);
		if (v->state != XenbusStateClosing && v->state != XenbusStateClosed)
			vbd_switch(v, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		vbd_disconnect(v, true);
		if (v->state != XenbusStateClosed)
			vbd_switch(v, XenbusStateClosed);
		break;
	default:
		break; /* Unknown: the node is gone, domain_down follows */
	}
}

/* The domain is gone (or was re-created): no draining, its grants are going away. */
static void vbd_teardown(struct vbd *v)
{
	vbd_disconnect(v, false);
	vbd_switch(v, XenbusStateClosed);
	xenbus_rm(XBT_NIL, v->be);
	xenbus_rm(XBT_NIL, v->fe);
	v->published = false;
}

/* ---- the vbd's thread ---- */

/*
 * block-detach: Closing; done once the frontend is Closed (or never connected, or gone), or
 * after BB_DETACH_S seconds whatever it does.
 */
static bool vbd_detach_ready(struct vbd *v)
{
	XenbusState fe;

	if (!v->detach_deadline) {
		v->detach_deadline = NOW() + SECONDS(BB_DETACH_S);
		if (v->state != XenbusStateClosed)
			vbd_switch(v, XenbusStateClosing);
	}
	fe = xenbus_read_state(v->fe);
	if (fe == XenbusStateClosed || fe == XenbusStateUnknown || fe == XenbusStateInitialising ||
	    fe == XenbusStateInitWait)
		return true;
	if (NOW() < v->detach_deadline)
		return false;
	printk("blkback: %s: the frontend did not close (state %d): removed anyway\n", v->be, fe);
	return true;
}

/* A detached or hot-plugged vbd is done: its store closed (flushed), its slot free (dom 0). */
static void vbd_release(struct vbd *v)
{
	bb_store_close(&v->disk);
	if (v->bounce)
		free_pages(v->bounce, BB_BOUNCE_ORDER);
	v->bounce = NULL;
	v->up = false;
	v->dom = 0; /* the slot is free; the thread ends */
}

static bool vbd_has_work(struct vbd *v)
{
	return v->pending || (v->watching && v->watch.events);
}

/* One pass over everything the vbd was asked to do. */
static void vbd_step(struct vbd *v)
{
	struct xenbus_event *e;

	v->pending = false;
	if (!v->watching) {
		int err = xenbus_watch(&v->watch, v->fe_state);

		if (err)
			printk("blkback: vbd %u: cannot watch %s (%d)\n", (unsigned int)v->dom, v->fe_state, err);
		v->watching = !err;
	}
	/* A deadline already past: take what is queued, do not wait. */
	while (v->watching && (e = xenbus_wait_event(&v->watch, 1))) {
		xenbus_free_event(e);
		v->fe_dirty = true;
	}
	if (v->detach && v->published && vbd_detach_ready(v)) {
		vbd_teardown(v);
		printk("blkback: %s: detached\n", v->be);
		vbd_release(v);
		return;
	}
	if (v->published && (!v->up || v->served_gen != v->gen)) {
		vbd_teardown(v);
		if (!v->up)
			vbd_close_store(v);
	}
	if (v->hotplug && !v->up) { /* went with its domain */
		vbd_release(v);
		return;
	}
	if (v->up && v->served_gen != v->gen) {
		v->served_gen = v->gen;
		vbd_publish(v);
	}
	if (v->published && v->fe_dirty) {
		v->fe_dirty = false;
		vbd_frontend_changed(v);
	}
	if (v->connected && !v->broken && vbd_serve(v, BB_BUDGET))
		v->pending = true;
}

#ifndef PV_HOST_TEST
/* Sleeps until domain_up/down, the event channel or the frontend's state wants the thread. */
static void vbd_wait(struct vbd *v)
{
	struct waiter a = {current_thread(), NULL}, b = {current_thread(), NULL};
	unsigned long flags = local_irq_save();
	bool watching = v->watching;

	if (vbd_has_work(v)) {
		local_irq_restore(flags);
		return;
	}
	wq_add(&v->wq, &a);
	if (watching)
		wq_add(&v->watch.wq, &b);
	block(current_thread());
	local_irq_restore(flags);
	if (v->detach)
		thread_set_deadline(current_thread(), NOW() + SECONDS(1)); /* the detach deadline */
	schedule();
	wq_remove(&v->wq, &a);
	if (watching)
		wq_remove(&v->watch.wq, &b);
}

void vbd_thread(void *arg)
{
	struct vbd *v = arg;

	for (;;) {
		vbd_wait(v);
		vbd_step(v);
		if (!v->dom) {
			if (v->watching)
				xenbus_unwatch(&v->watch);
			v->watching = false;
			v->thread = NULL;
			return; /* detached */
		}
		if (v->pending)
			yield();
	}
}
#else
/* Unit tests: threads do not run; the fake scheduler calls this for the backend's turn. */
void vbd_thread(void *arg)
{
}

void blkback_poll(void)
{
	for (unsigned int i = 0; i < nr_vbds; i++) {
		struct vbd *v = vbds[i];

		for (unsigned int n = 0; n < 16 && v->thread && (!v->watching || vbd_has_work(v) || v->detach); n++) {
			vbd_step(v);
			if (!v->dom) {
				if (v->watching)
					xenbus_unwatch(&v->watch);
				v->watching = false;
				v->thread = NULL;
			}
		}
	}
}
#endif

int blkback_status(char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (unsigned int i = 0; i < nr_vbds && len + 1 < size; i++) {
		const struct vbd *v = vbds[i];

		if (!v->dom)
			continue; /* a free slot */
		const char *state =
		    v->state < ARRAY_SIZE(state_names) && state_names[v->state] ? state_names[v->state] : "?";
		int n = snprintf(
		    buf + len, size - len,
		    "vbd dom %u %s: %llu MiB (%lu KiB used) %s%s%s, reads %lu writes %lu flushes %lu errors %lu"
		    " unsupported %lu, sectors read %llu written %llu; %s %s\n",
		    (unsigned int)v->dom, v->dev, (unsigned long long)(v->disk.sectors >> 11),
		    bb_store_used_kib(&v->disk), v->up ? "" : "down ", state, v->broken ? " (ring halted)" : "",
		    v->st.reads, v->st.writes, v->st.flushes, v->st.errors, v->st.unsupported,
		    (unsigned long long)v->st.sectors_read, (unsigned long long)v->st.sectors_written,
		    v->disk.ops ? v->disk.target : "no disk", v->disk.writable ? "w" : "r");

		if (n < 0)
			break;
		len = MIN(len + (size_t)n, size - 1);
	}
	return (int)len;
}
