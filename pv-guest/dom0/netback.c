/*
 * netback: the dom0 half of Xen's split network device (xen/io/netif.h, rx-copy only) for the
 * domains named by "vif=": the rings, connection and threads; the bridge joining the vifs is in
 * bridge_ports.c and bridge.c. See docs/dom0-netback.md.
 * Every packet moves by grant copy: TX pages into dom0 buffers, dom0 buffers into RX pages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pv/dom0.h>
#include <pv/events.h>
#include <pv/gntmap.h>
#include <pv/mm.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

#include <xen/io/netif.h>

#include "bridge.h"
#include "netback.h"

#define NETBACK_TX_BATCH 32   /* TX slots copied with one GNTTABOP_copy */
#define NETBACK_RX_BATCH 64   /* RX copies gathered before one GNTTABOP_copy */
#define NETBACK_TX_BUDGET 128 /* TX slots a vif handles before others get the vCPU */
#define NETBACK_XS_RETRIES 16
#define NETBACK_DETACH_S 10 /* seconds a frontend has to close a detached vif */

#define barrier() __asm__ volatile("" ::: "memory")

_Static_assert(NETBACK_FRAME_MAX <= NETBACK_BUF_SIZE && PAGE_SIZE % NETBACK_BUF_SIZE == 0,
	       "frame buffers hold a frame and tile pages");
_Static_assert(sizeof(struct netif_extra_info) <= sizeof(netif_tx_request_t), "an extra fills a request slot");

struct netback_vif nb_vifs[NETBACK_MAX_VIFS];
unsigned int nb_nr_vifs;

/* Copy batches; one vif's TX work runs at a time (threads are cooperative and it never blocks). */
static uint8_t *tx_bufs; /* NETBACK_TX_BATCH frame buffers */
static struct gnttab_copy tx_ops[NETBACK_TX_BATCH];
static struct gnttab_copy rx_ops[NETBACK_RX_BATCH];
static struct rx_pending {
	struct netback_vif *vif;
	uint16_t id, len, flags;
} rx_pending[NETBACK_RX_BATCH];
static unsigned int rx_n;

/* ---------------------------------------------------------------- RX: frames into guests */

static void vif_notify(struct netback_vif *vif)
{
	if (vif->connected)
		notify_remote_via_evtchn(vif->port);
}

/* Copies the gathered frames into the guests' pages, then answers their RX requests. */
void nb_rx_flush(void)
{
	bool failed;

	if (!rx_n)
		return;
	failed = gntmap_copy(rx_ops, rx_n) != 0;
	for (unsigned int i = 0; i < rx_n; i++) {
		struct rx_pending *p = &rx_pending[i];
		struct netback_vif *vif = p->vif;
		netif_rx_response_t *rsp = RING_GET_RESPONSE(&vif->rx, vif->rx.rsp_prod_pvt);
		bool ok = !failed && rx_ops[i].status == GNTST_okay;

		rsp->id = p->id;
		rsp->offset = 0;
		rsp->flags = ok ? p->flags : 0;
		rsp->status = ok ? (int16_t)p->len : NETIF_RSP_ERROR;
		vif->rx.rsp_prod_pvt++;
		vif->rx_dirty = true;
		if (ok) {
			vif->stats.rx_packets++;
			vif->stats.rx_bytes += p->len;
		} else {
			vif->stats.rx_errors++;
		}
	}
	for (unsigned int i = 0; i < rx_n; i++) {
		struct netback_vif *vif = rx_pending[i].vif;
		int notify;

		if (!vif->rx_dirty)
			continue;
		vif->rx_dirty = false;
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&vif->rx, notify);
		if (notify)
			vif_notify(vif);
	}
	rx_n = 0;
}

/* Takes the next RX request of vif for frame (a dom0 buffer); dropped if none is posted. */
void nb_rx_enqueue(struct netback_vif *vif, const uint8_t *frame, unsigned int len, bool validated)
{
	netif_rx_request_t req;
	struct gnttab_copy *op;

	if (!vif->connected || !RING_HAS_UNCONSUMED_REQUESTS(&vif->rx)) {
		vif->stats.rx_dropped++;
		return;
	}
	if (rx_n == NETBACK_RX_BATCH)
		nb_rx_flush();
	xen_rmb(); /* the request after the index that published it */
	req = *RING_GET_REQUEST(&vif->rx, vif->rx.req_cons);
	barrier(); /* from here on only our copy is used */
	vif->rx.req_cons++;

	op = &rx_ops[rx_n];
	*op = (struct gnttab_copy){
	    .source = {.u.gmfn = virt_to_gfn(frame), .domid = DOMID_SELF, .offset = (uintptr_t)frame & ~PAGE_MASK},
	    .dest = {.u.ref = req.gref, .domid = vif->dom, .offset = 0},
	    .len = len,
	    .flags = GNTCOPY_dest_gref,
	};
	rx_pending[rx_n++] = (struct rx_pending){
	    .vif = vif,
	    .id = req.id,
	    .len = len,
	    .flags = validated && vif->csum_offload ? NETRXF_data_validated : 0,
	};
}

/* ---------------------------------------------------------------- TX: frames from guests */

struct tx_slot {
	uint16_t id;
	int16_t status; /* decided now, or NETIF_RSP_OKAY pending the copy */
	uint16_t flags;
	int op; /* index into tx_ops, -1 if nothing to copy */
};

/* Reads one TX slot (once) and decides what to do with it. */
static void tx_take(struct netback_vif *vif, struct tx_slot *s, unsigned int *nops)
{
	RING_IDX i = vif->tx.req_cons++;
	netif_tx_request_t req;
	uint8_t *buf;

	s->op = -1;
	s->id = 0;
	s->flags = 0;
	if (vif->tx_skip_extra) {
		struct netif_extra_info extra;

		memcpy(&extra, RING_GET_REQUEST(&vif->tx, i), sizeof(extra));
		barrier();
		vif->tx_skip_extra = extra.flags & XEN_NETIF_EXTRA_FLAG_MORE;
		s->status = NETIF_RSP_NULL;
		return;
	}
	req = *RING_GET_REQUEST(&vif->tx, i);
	barrier(); /* from here on only our copy is used */
	s->id = req.id;
	s->status = NETIF_RSP_ERROR;
	if (vif->tx_skip_more) {
		vif->tx_skip_more = req.flags & NETTXF_more_data;
		return;
	}
	if (req.flags & (NETTXF_more_data | NETTXF_extra_info)) {
		/* Never negotiated (no feature-sg, no GSO): the packet is refused slot by slot. */
		vif->tx_skip_more = req.flags & NETTXF_more_data;
		vif->tx_skip_extra = req.flags & NETTXF_extra_info;
		vif->stats.tx_errors++;
		return;
	}
	if (req.size < ETH_HLEN || req.size > NETBACK_FRAME_MAX || req.offset + (unsigned int)req.size > PAGE_SIZE) {
		vif->stats.tx_errors++;
		return;
	}
	buf = tx_bufs + *nops * NETBACK_BUF_SIZE;
	tx_ops[*nops] = (struct gnttab_copy){
	    .source = {.u.ref = req.gref, .domid = vif->dom, .offset = req.offset},
	    .dest = {.u.gmfn = virt_to_gfn(buf), .domid = DOMID_SELF, .offset = (uintptr_t)buf & ~PAGE_MASK},
	    .len = req.size,
	    .flags = GNTCOPY_source_gref,
	};
	s->status = NETIF_RSP_OKAY;
	s->flags = req.flags;
	s->op = (int)(*nops)++;
}

/* One batch: copy the frames in, answer every slot, hand good frames to the bridge. */
static unsigned int tx_batch(struct netback_vif *vif, unsigned int max)
{
	struct tx_slot slots[NETBACK_TX_BATCH];
	unsigned int n = 0, nops = 0;
	bool failed = false;
	int notify;

	while (n < max && n < NETBACK_TX_BATCH && RING_HAS_UNCONSUMED_REQUESTS(&vif->tx)) {
		xen_rmb(); /* the requests after the index that published them */
		tx_take(vif, &slots[n++], &nops);
	}
	if (nops)
		failed = gntmap_copy(tx_ops, nops) != 0;
	for (unsigned int i = 0; i < n; i++) {
		struct tx_slot *s = &slots[i];
		netif_tx_response_t *rsp;
		uint8_t *frame;
		bool validated = s->flags & (NETTXF_csum_blank | NETTXF_data_validated);

		if (s->op >= 0 && (failed || tx_ops[s->op].status != GNTST_okay)) {
			s->status = NETIF_RSP_ERROR;
			vif->stats.tx_errors++;
		}
		rsp = RING_GET_RESPONSE(&vif->tx, vif->tx.rsp_prod_pvt++);
		rsp->id = s->id;
		rsp->status = s->status;
		if (s->op < 0 || s->status != NETIF_RSP_OKAY)
			continue;
		frame = tx_bufs + s->op * NETBACK_BUF_SIZE;
		vif->stats.tx_packets++;
		vif->stats.tx_bytes += tx_ops[s->op].len;
		if ((s->flags & NETTXF_csum_blank) && !csum_complete(frame, tx_ops[s->op].len))
			vif->stats.tx_dropped++;
		else
			bridge_input(vif, frame, tx_ops[s->op].len, validated);
	}
	nb_rx_flush(); /* before the TX buffers are reused */
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&vif->tx, notify);
	if (notify)
		vif_notify(vif);
	return n;
}

/* Handles up to NETBACK_TX_BUDGET slots; leaves vif->kick set if more are waiting. */
static void vif_tx_work(struct netback_vif *vif)
{
	unsigned int done = 0;
	int more;

	vif->kick = false;
	do {
		while (done < NETBACK_TX_BUDGET && RING_HAS_UNCONSUMED_REQUESTS(&vif->tx))
			done += tx_batch(vif, NETBACK_TX_BUDGET - done);
		RING_FINAL_CHECK_FOR_REQUESTS(&vif->tx, more);
	} while (more && done < NETBACK_TX_BUDGET);
	if (more)
		vif->kick = true;
}

/* ---------------------------------------------------------------- connection */

static void vif_event(evtchn_port_t port, void *data)
{
	struct netback_vif *vif = data;

	vif->kick = true;
	wake_up(&vif->watch.wq);
}

static void vif_switch(struct netback_vif *vif, XenbusState state)
{
	int err = xenbus_switch_state(XBT_NIL, vif->be, state);

	if (err)
		printk("netback: %s: cannot switch to state %d: error %d\n", vif->be, state, err);
	vif->state = state;
}

/* Refuses the connection: the reason in <backend>/error, then Closing. */
static void vif_fail(struct netback_vif *vif, int err, const char *why)
{
	printk("netback: %s: %s (error %d)\n", vif->be, why, err);
	xenbus_printf(XBT_NIL, vif->be, "error", "%d %s", -err, why);
	vif->failed = true;
	vif_switch(vif, XenbusStateClosing);
}

static void vif_disconnect(struct netback_vif *vif)
{
	if (!vif->connected)
		return;
	vif->connected = false;
	evtchn_close(vif->port);
	gntmap_unmap(vif->tx.sring, vif->tx_handle);
	gntmap_unmap(vif->rx.sring, vif->rx_handle);
	vif->tx.sring = NULL;
	vif->rx.sring = NULL;
	fdb_flush_port(nb_vif_port(vif));
	printk("netback: %s: disconnected\n", vif->be);
}

static void vif_connect(struct netback_vif *vif)
{
	unsigned long tx_ref = xenbus_read_unsigned(XBT_NIL, vif->fe, "tx-ring-ref", ~0UL);
	unsigned long rx_ref = xenbus_read_unsigned(XBT_NIL, vif->fe, "rx-ring-ref", ~0UL);
	unsigned long evtchn = xenbus_read_unsigned(XBT_NIL, vif->fe, "event-channel", ~0UL);
	netif_tx_sring_t *txs = NULL;
	netif_rx_sring_t *rxs = NULL;
	const char *why;
	void *addr;
	int err = -EINVAL;

	why = "reading tx-ring-ref, rx-ring-ref and event-channel";
	if (tx_ref > UINT32_MAX || rx_ref > UINT32_MAX || evtchn > UINT32_MAX)
		goto fail;
	why = "request-rx-copy required: rx-flip is not supported";
	err = -EOPNOTSUPP;
	if (xenbus_read_unsigned(XBT_NIL, vif->fe, "request-rx-copy", 0) != 1)
		goto fail;
	vif->csum_offload = !xenbus_read_unsigned(XBT_NIL, vif->fe, "feature-no-csum-offload", 0);

	why = "mapping tx-ring-ref";
	err = gntmap_map(vif->dom, tx_ref, false, &addr, &vif->tx_handle);
	if (err)
		goto fail;
	txs = addr;
	why = "mapping rx-ring-ref";
	err = gntmap_map(vif->dom, rx_ref, false, &addr, &vif->rx_handle);
	if (err)
		goto fail;
	rxs = addr;
	why = "binding event-channel";
	err = evtchn_bind_interdomain(vif->dom, evtchn, vif_event, vif, &vif->port);
	if (err)
		goto fail;
	/* The frontend chose the start index: attach where its responses would begin. */
	BACK_RING_ATTACH(&vif->tx, txs, txs->rsp_prod, PAGE_SIZE);
	BACK_RING_ATTACH(&vif->rx, rxs, rxs->rsp_prod, PAGE_SIZE);
	vif->tx_skip_extra = vif->tx_skip_more = false;
	vif->connected = true;
	vif->kick = true; /* requests may already be waiting */
	vif_switch(vif, XenbusStateConnected);
	printk("netback: %s: connected, event channel %u\n", vif->be, vif->port);
	return;

fail:
	if (rxs)
		gntmap_unmap(rxs, vif->rx_handle);
	if (txs)
		gntmap_unmap(txs, vif->tx_handle);
	vif_fail(vif, err, why);
}

/* The frontend's state changed (or may have): follow it (xen/io/xenbus.h). */
static void vif_frontend_changed(struct netback_vif *vif)
{
	XenbusState fs = xenbus_read_state(vif->fe);

	switch (fs) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (!vif->connected && !vif->failed && vif->state == XenbusStateInitWait)
			vif_connect(vif);
		break;
	case XenbusStateClosing:
		vif_disconnect(vif);
		if (vif->state != XenbusStateClosing && vif->state != XenbusStateClosed)
			vif_switch(vif, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		vif_disconnect(vif);
		if (vif->state != XenbusStateClosed)
			vif_switch(vif, XenbusStateClosed);
		break;
	case XenbusStateInitialising:
		/* A frontend that closed and starts over: offer the device again (as Linux does). */
		if (vif->state == XenbusStateClosed || vif->failed) {
			vif->failed = false;
			vif_switch(vif, XenbusStateInitWait);
		}
		break;
	case XenbusStateUnknown: /* the frontend's directory is gone */
		vif_disconnect(vif);
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- store nodes */

/* The toolstack's part: both directories, their permissions, then InitWait. */
static int vif_write_nodes(struct netback_vif *vif, xenbus_transaction_t t)
{
	char fe_perms[16], be_perms[16], dom[8], mac[18], handle[12];
	const struct {
		const char *dir, *node, *value;
	} nodes[] = {
	    {vif->fe, "backend", vif->be},
	    {vif->fe, "backend-id", "0"},
	    {vif->fe, "state", "1"},
	    {vif->fe, "handle", handle},
	    {vif->fe, "mac", mac},
	    {vif->be, "frontend", vif->fe},
	    {vif->be, "frontend-id", dom},
	    {vif->be, "online", "1"},
	    {vif->be, "state", "1"},
	    {vif->be, "handle", handle},
	    {vif->be, "mac", mac},
	    {vif->be, "bridge", NETBACK_BRIDGE},
	    {vif->be, "feature-rx-copy", "1"},
	    {vif->be, "feature-rx-flip", "0"},
	};
	int err;

	snprintf(fe_perms, sizeof(fe_perms), "n%u r0", vif->dom);
	snprintf(be_perms, sizeof(be_perms), "n0 r%u", vif->dom);
	snprintf(dom, sizeof(dom), "%u", vif->dom);
	snprintf(handle, sizeof(handle), "%u", vif->devid);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", vif->mac[0], vif->mac[1], vif->mac[2], vif->mac[3],
		 vif->mac[4], vif->mac[5]);

	/* Nodes created under a directory take its permissions. */
	err = xenbus_mkdir(t, vif->fe);
	if (!err)
		err = xenbus_set_perms(t, vif->fe, fe_perms);
	if (!err)
		err = xenbus_mkdir(t, vif->be);
	if (!err)
		err = xenbus_set_perms(t, vif->be, be_perms);
	for (unsigned int i = 0; !err && i < ARRAY_SIZE(nodes); i++)
		err = xenbus_printf(t, nodes[i].dir, nodes[i].node, "%s", nodes[i].value);
	if (!err && vif->vlan)
		err = xenbus_printf(t, vif->be, "vlan", "%u", vif->vlan);
	return err;
}

static int vif_publish(struct netback_vif *vif)
{
	char path[64];
	int err = -EAGAIN;

	for (int attempt = 0; attempt < NETBACK_XS_RETRIES && err == -EAGAIN; attempt++) {
		xenbus_transaction_t t;

		err = xenbus_transaction_start(&t);
		if (err)
			break;
		err = vif_write_nodes(vif, t);
		if (err) {
			xenbus_transaction_end(t, true);
			break;
		}
		err = xenbus_transaction_end(t, false);
	}
	vif->state = XenbusStateInitialising;
	if (!err) {
		vif_switch(vif, XenbusStateInitWait);
		snprintf(path, sizeof(path), "%s/state", vif->fe);
		memset(&vif->watch, 0, sizeof(vif->watch));
		err = xenbus_watch(&vif->watch, path);
	}
	if (err)
		printk("netback: %s: cannot publish the device: error %d\n", vif->be, err);
	vif->published = !err;
	return err;
}

/* Another published vif of vif's domain. */
static bool vif_others(const struct netback_vif *vif)
{
	for (unsigned int i = 0; i < nb_nr_vifs; i++)
		if (&nb_vifs[i] != vif && nb_vifs[i].dom == vif->dom && nb_vifs[i].published)
			return true;
	return false;
}

/* domain_down: the rings unmapped, the channel closed, both directories removed. */
static void vif_teardown(struct netback_vif *vif)
{
	char path[48];

	vif_disconnect(vif);
	if (vif->published)
		xenbus_unwatch(&vif->watch);
	vif->published = vif->failed = false;
	vif->state = XenbusStateClosed;
	xenbus_rm(XBT_NIL, vif->be);
	xenbus_rm(XBT_NIL, vif->fe);
	if (!vif_others(vif)) { /* the domain's last vif: its directories too */
		snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u", vif->dom);
		xenbus_rm(XBT_NIL, path);
	}
	printk("netback: %s: removed\n", vif->be);
}

/* ---------------------------------------------------------------- the per-vif thread */

/*
 * network-detach, as Xen's toolstack does it: the backend goes Closing, the frontend answers
 * Closing then Closed (or was never connected, or is gone); then the device is removed. A
 * frontend that does not answer within NETBACK_DETACH_S loses it all the same.
 */
static bool vif_detach_step(struct netback_vif *vif)
{
	XenbusState fs;

	if (!vif->published)
		return true;
	if (!vif->detach_deadline) {
		vif->detach_deadline = NOW() + SECONDS(NETBACK_DETACH_S);
		if (vif->state != XenbusStateClosed)
			vif_switch(vif, XenbusStateClosing);
	}
	fs = xenbus_read_state(vif->fe);
	if (fs == XenbusStateClosed || fs == XenbusStateUnknown || fs == XenbusStateInitialising ||
	    fs == XenbusStateInitWait)
		return true;
	if (NOW() >= vif->detach_deadline) {
		printk("netback: %s: the frontend did not close (state %d): removed anyway\n", vif->be, fs);
		return true;
	}
	return false;
}

/* One round of a vif's work, never waiting; false when its thread should end. */
static bool vif_run_once(struct netback_vif *vif)
{
	bool changed = false;

	if (vif->detach && vif_detach_step(vif))
		vif->down = true;
	if (vif->down) {
		vif_teardown(vif);
		vif->down = false;
		if (vif->hotplug || vif->detach) { /* its slot is free again */
			printk("netback: %s: detached\n", vif->be);
			vif->active = false;
			vif->dom = 0;
			return false;
		}
		if (!vif->restart) {
			vif->active = false;
			return false;
		}
		vif->restart = false;
	}
	if (!vif->published && vif_publish(vif)) {
		vif->active = false;
		return false;
	}
	while (vif->watch.events) {
		struct xenbus_event *e = xenbus_wait_event(&vif->watch, 0);

		if (!e)
			break;
		xenbus_free_event(e);
		changed = true;
	}
	if (changed)
		vif_frontend_changed(vif);
	if (vif->connected)
		vif_tx_work(vif);
	else
		vif->kick = false;
	return true;
}

static void vif_thread(void *arg)
{
	struct netback_vif *vif = arg;

	while (vif_run_once(vif)) {
		if (vif->kick && vif->connected)
			yield(); /* budget spent with work left: let the others run first */
		else if (vif->detach)
			wait_event_deadline(vif->watch.wq, vif->watch.events || vif->kick || vif->down,
					    MIN(vif->detach_deadline, NOW() + SECONDS(1)));
		else
			wait_event(vif->watch.wq, vif->watch.events || vif->kick || vif->down || vif->detach);
	}
}

struct netback_vif *nb_vif_find(domid_t dom, uint32_t devid)
{
	for (unsigned int i = 0; i < nb_nr_vifs; i++)
		if (nb_vifs[i].dom == dom && nb_vifs[i].devid == devid)
			return &nb_vifs[i];
	return NULL;
}

void nb_vif_start(struct netback_vif *vif)
{
	char name[24];

	if (vif->active) {
		if (vif->down)
			vif->restart = true; /* the old incarnation is still going away */
		return;
	}
	snprintf(name, sizeof(name), "netback-%u.%u", vif->dom, vif->devid);
	vif->active = true;
	vif->down = vif->restart = false;
	if (!create_thread(name, vif_thread, vif)) {
		printk("netback: dom%u: no thread\n", vif->dom);
		vif->active = false;
	}
}

static void netback_domain_up(domid_t dom)
{
	for (unsigned int i = 0; i < nb_nr_vifs; i++)
		if (nb_vifs[i].dom == dom && !nb_vifs[i].disabled && !nb_vifs[i].hotplug)
			nb_vif_start(&nb_vifs[i]);
}

static void netback_domain_down(domid_t dom)
{
	unsigned long flags = local_irq_save();

	for (unsigned int i = 0; i < nb_nr_vifs; i++) {
		struct netback_vif *vif = &nb_vifs[i];

		if (vif->dom != dom)
			continue;
		if (!vif->active) {
			if (vif->hotplug)
				vif->dom = 0; /* never started: the slot is free */
			continue;
		}
		vif->down = true;
		vif->restart = false;
		wake_up(&vif->watch.wq);
	}
	local_irq_restore(flags);
}

/* ---------------------------------------------------------------- configuration */

/* The buffers, the learning table and the DHCP server, once. */
int netback_setup(bool fresh)
{
	if (bridge_setup(fresh))
		rx_n = 0; /* a fresh bridge: no copies pending */
	if (!tx_bufs) {
		_Static_assert(NETBACK_TX_BATCH * NETBACK_BUF_SIZE == 16 * PAGE_SIZE, "the buffers are 2^4 pages");
		tx_bufs = alloc_pages(4);
		if (!tx_bufs)
			return -ENOMEM;
	}
	return 0;
}

#ifdef PV_HOST_TEST
/* Host tests run no threads: one round of every vif's thread, as if each had woken up. */
void netback_run_all(void)
{
	for (unsigned int i = 0; i < nb_nr_vifs; i++)
		if (nb_vifs[i].active)
			vif_run_once(&nb_vifs[i]);
}
#endif

const struct dom0_backend netback_backend = {
    .name = "vif",
    .init = netback_init,
    .domain_up = netback_domain_up,
    .domain_down = netback_domain_down,
};
