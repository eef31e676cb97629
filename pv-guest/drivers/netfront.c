/*
 * netfront: the frontend half of Xen's split network device (xen/io/netif.h, rx-copy mode).
 * One TX and one RX shared ring; every buffer is a page granted to the backend once, for the
 * device's lifetime. The event handler only wakes the thread that calls netfront_poll().
 * Xen is reached only through the pv/ headers, so host tests link this file with fakes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pv/events.h>
#include <pv/gnttab.h>
#include <pv/mm.h>
#include <pv/netfront.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

#include <xen/io/netif.h>

#define NETFRONT_CONNECT_TIMEOUT SECONDS(10)
#define NETFRONT_CLOSE_TIMEOUT SECONDS(5)
#define NETFRONT_XS_RETRIES 16

#define NET_TX_RING_SLOTS __CONST_RING_SIZE(netif_tx, PAGE_SIZE)
#define NET_RX_RING_SLOTS __CONST_RING_SIZE(netif_rx, PAGE_SIZE)
_Static_assert((NETFRONT_TX_BUFS & (NETFRONT_TX_BUFS - 1)) == 0 && NETFRONT_TX_BUFS <= NET_TX_RING_SLOTS,
	       "NETFRONT_TX_BUFS: a power of two, at most the ring size");
_Static_assert((NETFRONT_RX_BUFS & (NETFRONT_RX_BUFS - 1)) == 0 && NETFRONT_RX_BUFS <= NET_RX_RING_SLOTS,
	       "NETFRONT_RX_BUFS: a power of two, at most the ring size");

#ifdef PV_HOST_TEST
uint32_t netfront_ring_start;
#else
static const uint32_t netfront_ring_start;
#endif

struct netfront_buf {
	void *page;
	grant_ref_t gref;
};

struct netfront_dev {
	char nodename[32]; /* device/vif/<n> */
	char *backend;     /* the backend's directory */
	domid_t backend_id;
	uint8_t mac[6];
	evtchn_port_t port;
	bool port_valid;

	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	grant_ref_t tx_ring_ref, rx_ring_ref;

	/* TX: buffers are handed out by id from a stack; in flight until the response. */
	struct netfront_buf tx_bufs[NETFRONT_TX_BUFS];
	uint16_t tx_free_ids[NETFRONT_TX_BUFS];
	unsigned int tx_nfree;
	bool tx_in_flight[NETFRONT_TX_BUFS];
	int tx_reserved; /* id given out by netfront_tx_reserve(), -1 if none */

	/*
	 * RX: the backend answers requests in ring order, one response per request slot (extra
	 * info slots included), so the buffer of slot i is rx_bufs[i % NETFRONT_RX_BUFS].
	 */
	struct netfront_buf rx_bufs[NETFRONT_RX_BUFS];
	bool rx_skip_extra, rx_skip_more; /* inside a packet we drop (extras, fragments) */
	netfront_rx_fn rx_fn;
	void *rx_arg;

	bool broken; /* the backend broke the ring protocol: stop using the rings */
	volatile bool event;
	struct wait_queue wq;
	struct netfront_stats stats;
};

/* ---------------------------------------------------------------- rings */

static void netfront_notify(struct netfront_dev *dev)
{
	if (dev->port_valid)
		notify_remote_via_evtchn(dev->port);
}

static void tx_push(struct netfront_dev *dev)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dev->tx, notify);
	if (notify)
		netfront_notify(dev);
}

static void tx_reclaim(struct netfront_dev *dev)
{
	RING_IDX cons, prod;
	int more;

	if (dev->broken)
		return;
	do {
		prod = dev->tx.sring->rsp_prod;
		rmb(); /* the responses before the index that publishes them */
		if ((RING_IDX)(prod - dev->tx.rsp_cons) > (RING_IDX)(dev->tx.req_prod_pvt - dev->tx.rsp_cons)) {
			printk("netfront: %s: TX rsp_prod %u beyond requests, ring abandoned\n", dev->nodename, prod);
			dev->stats.tx_errors++;
			dev->broken = true;
			return;
		}
		for (cons = dev->tx.rsp_cons; cons != prod; cons++) {
			netif_tx_response_t rsp = *RING_GET_RESPONSE(&dev->tx, cons);

			if (rsp.status == NETIF_RSP_NULL)
				continue; /* the slot of an extra info request; we send none */
			if (rsp.id >= NETFRONT_TX_BUFS || !dev->tx_in_flight[rsp.id]) {
				dev->stats.tx_errors++;
				continue;
			}
			if (rsp.status != NETIF_RSP_OKAY)
				dev->stats.tx_errors++;
			dev->tx_in_flight[rsp.id] = false;
			dev->tx_free_ids[dev->tx_nfree++] = rsp.id;
		}
		dev->tx.rsp_cons = prod;
		RING_FINAL_CHECK_FOR_RESPONSES(&dev->tx, more);
	} while (more);
}

void *netfront_tx_reserve(struct netfront_dev *dev)
{
	if (dev->tx_reserved >= 0)
		return dev->tx_bufs[dev->tx_reserved].page;
	if (dev->tx_nfree == 0 || RING_FULL(&dev->tx))
		tx_reclaim(dev);
	if (dev->broken || dev->tx_nfree == 0 || RING_FULL(&dev->tx)) {
		dev->stats.tx_ring_full++;
		return NULL;
	}
	dev->tx_reserved = dev->tx_free_ids[--dev->tx_nfree];
	return dev->tx_bufs[dev->tx_reserved].page;
}

int netfront_tx_commit(struct netfront_dev *dev, size_t len)
{
	int id = dev->tx_reserved;
	netif_tx_request_t *req;

	if (id < 0)
		return -EINVAL;
	dev->tx_reserved = -1;
	if (len == 0 || len > NETFRONT_FRAME_MAX) {
		dev->tx_free_ids[dev->tx_nfree++] = id;
		return len ? -EMSGSIZE : 0;
	}
	req = RING_GET_REQUEST(&dev->tx, dev->tx.req_prod_pvt);
	req->gref = dev->tx_bufs[id].gref;
	req->offset = 0;
	req->flags = 0; /* checksums complete (lwIP computes them), one slot, no extras */
	req->id = id;
	req->size = len;
	dev->tx.req_prod_pvt++;
	dev->tx_in_flight[id] = true;
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += len;
	tx_push(dev);
	return 0;
}

int netfront_xmit(struct netfront_dev *dev, const void *frame, size_t len)
{
	void *buf;

	if (len == 0 || len > NETFRONT_FRAME_MAX)
		return -EMSGSIZE;
	buf = netfront_tx_reserve(dev);
	if (!buf)
		return -EAGAIN;
	memcpy(buf, frame, len);
	return netfront_tx_commit(dev, len);
}

/* Gives the backend a buffer for every free request slot, up to NETFRONT_RX_BUFS in flight. */
static void rx_refill(struct netfront_dev *dev)
{
	int notify;

	while ((RING_IDX)(dev->rx.req_prod_pvt - dev->rx.rsp_cons) < NETFRONT_RX_BUFS) {
		RING_IDX idx = dev->rx.req_prod_pvt;
		unsigned int b = idx & (NETFRONT_RX_BUFS - 1);
		netif_rx_request_t *req = RING_GET_REQUEST(&dev->rx, idx);

		req->id = b;
		req->gref = dev->rx_bufs[b].gref;
		dev->rx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dev->rx, notify);
	if (notify)
		netfront_notify(dev);
}

/* One response slot; returns true if it delivered a frame. */
static bool rx_one(struct netfront_dev *dev, RING_IDX idx)
{
	unsigned int b = idx & (NETFRONT_RX_BUFS - 1);
	netif_rx_response_t rsp;

	if (dev->rx_skip_extra) {
		struct netif_extra_info extra;

		_Static_assert(sizeof(extra) <= sizeof(netif_rx_response_t), "an extra fills a response slot");
		memcpy(&extra, RING_GET_RESPONSE(&dev->rx, idx), sizeof(extra));

		dev->rx_skip_extra = extra.flags & XEN_NETIF_EXTRA_FLAG_MORE;
		return false;
	}
	rsp = *RING_GET_RESPONSE(&dev->rx, idx);
	if (dev->rx_skip_more) {
		dev->rx_skip_more = rsp.flags & NETRXF_more_data;
		return false;
	}
	/* First slot of a packet. Without feature-sg or GSO neither follow-up kind should come. */
	dev->rx_skip_extra = rsp.flags & NETRXF_extra_info;
	dev->rx_skip_more = rsp.flags & NETRXF_more_data;
	if (dev->rx_skip_extra || dev->rx_skip_more || rsp.status <= 0 || rsp.id != b ||
	    rsp.offset + (unsigned int)rsp.status > PAGE_SIZE) {
		dev->stats.rx_errors++;
		return false;
	}
	if (dev->rx_fn && dev->rx_fn(dev->rx_arg, (const uint8_t *)dev->rx_bufs[b].page + rsp.offset, rsp.status)) {
		dev->stats.rx_packets++;
		dev->stats.rx_bytes += rsp.status;
	} else {
		dev->stats.rx_dropped++;
	}
	return true;
}

static unsigned int rx_poll(struct netfront_dev *dev, unsigned int budget)
{
	unsigned int delivered = 0;
	RING_IDX cons, prod;
	int more;

	do {
		prod = dev->rx.sring->rsp_prod;
		rmb();
		if ((RING_IDX)(prod - dev->rx.rsp_cons) > (RING_IDX)(dev->rx.req_prod_pvt - dev->rx.rsp_cons)) {
			printk("netfront: %s: RX rsp_prod %u beyond requests, ring abandoned\n", dev->nodename, prod);
			dev->stats.rx_errors++;
			dev->broken = true;
			return delivered;
		}
		for (cons = dev->rx.rsp_cons; cons != prod && (!budget || delivered < budget); cons++)
			delivered += rx_one(dev, cons);
		dev->rx.rsp_cons = cons;
		rx_refill(dev);
		if (cons != prod)
			return delivered; /* budget spent; the rest waits for the next poll */
		RING_FINAL_CHECK_FOR_RESPONSES(&dev->rx, more);
	} while (more);
	return delivered;
}

unsigned int netfront_poll(struct netfront_dev *dev, unsigned int budget)
{
	if (dev->broken)
		return 0;
	tx_reclaim(dev);
	return rx_poll(dev, budget);
}

bool netfront_has_work(struct netfront_dev *dev)
{
	if (dev->broken)
		return false;
	return RING_HAS_UNCONSUMED_RESPONSES(&dev->rx) || RING_HAS_UNCONSUMED_RESPONSES(&dev->tx);
}

static void netfront_event(evtchn_port_t port, void *data)
{
	struct netfront_dev *dev = data;

	dev->stats.events++;
	dev->event = true;
	wake_up(&dev->wq);
}

bool netfront_wait(struct netfront_dev *dev, s_time_t deadline)
{
	bool woke = wait_event_deadline(dev->wq, dev->event || netfront_has_work(dev), deadline);

	dev->event = false;
	return woke;
}

void netfront_kick(struct netfront_dev *dev)
{
	unsigned long flags = local_irq_save();

	dev->event = true;
	wake_up(&dev->wq);
	local_irq_restore(flags);
}

void netfront_get_mac(const struct netfront_dev *dev, uint8_t mac[6])
{
	memcpy(mac, dev->mac, 6);
}
const struct netfront_stats *netfront_get_stats(const struct netfront_dev *dev)
{
	return &dev->stats;
}
unsigned int netfront_tx_free(const struct netfront_dev *dev)
{
	return dev->tx_nfree + (dev->tx_reserved >= 0);
}
const char *netfront_backend(const struct netfront_dev *dev)
{
	return dev->backend;
}

/* ---------------------------------------------------------------- setup and teardown */

static int parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		char *end;
		unsigned long v = strtoul(s, &end, 16);

		if (end == s || end - s > 2 || v > 0xff || *end != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		mac[i] = v;
		s = end + 1;
	}
	return 0;
}

static int node_read(struct netfront_dev *dev, const char *node, char **value)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/%s", dev->nodename, node);
	return xenbus_read(XBT_NIL, path, value);
}

static int read_config(struct netfront_dev *dev)
{
	unsigned long id;
	char *mac;
	int err;

	err = node_read(dev, "backend", &dev->backend);
	if (err)
		return err;
	id = xenbus_read_unsigned(XBT_NIL, dev->nodename, "backend-id", ~0UL);
	if (id >= DOMID_FIRST_RESERVED) {
		printk("netfront: %s: no valid backend-id\n", dev->nodename);
		return -EINVAL;
	}
	dev->backend_id = id;
	err = node_read(dev, "mac", &mac);
	if (err)
		return err;
	err = parse_mac(mac, dev->mac);
	if (err)
		printk("netfront: %s: bad mac \"%s\"\n", dev->nodename, mac);
	free(mac);
	return err;
}

/* A zeroed page granted to the backend. */
static int grant_page(struct netfront_dev *dev, struct netfront_buf *buf, bool readonly)
{
	buf->page = alloc_page();
	if (!buf->page)
		return -ENOMEM;
	buf->gref = gnttab_grant_access(dev->backend_id, virt_to_gfn(buf->page), readonly);
	if ((int32_t)buf->gref < 0 || buf->gref == GRANT_INVALID_REF) {
		free_page(buf->page);
		buf->page = NULL;
		buf->gref = GRANT_INVALID_REF;
		return -ENOSPC;
	}
	return 0;
}

/* Ends the backend's access; a page it still maps is leaked rather than reused. */
static void ungrant_page(struct netfront_buf *buf)
{
	if (!buf->page)
		return;
	if (gnttab_end_access(buf->gref))
		free_page(buf->page);
	buf->page = NULL;
	buf->gref = GRANT_INVALID_REF;
}

static int setup_rings(struct netfront_dev *dev)
{
	struct netfront_buf tx_ring, rx_ring;
	netif_tx_sring_t *txs;
	netif_rx_sring_t *rxs;
	RING_IDX start = netfront_ring_start;
	int err;

	err = grant_page(dev, &tx_ring, false);
	if (err)
		return err;
	dev->tx_ring_ref = tx_ring.gref;
	txs = tx_ring.page;
	SHARED_RING_INIT(txs);
	txs->req_prod = txs->rsp_prod = start;
	txs->req_event = txs->rsp_event = start + 1;
	FRONT_RING_ATTACH(&dev->tx, txs, start, PAGE_SIZE);

	err = grant_page(dev, &rx_ring, false);
	if (err)
		return err;
	dev->rx_ring_ref = rx_ring.gref;
	rxs = rx_ring.page;
	SHARED_RING_INIT(rxs);
	rxs->req_prod = rxs->rsp_prod = start;
	rxs->req_event = rxs->rsp_event = start + 1;
	FRONT_RING_ATTACH(&dev->rx, rxs, start, PAGE_SIZE);

	for (unsigned int i = 0; i < NETFRONT_TX_BUFS; i++) {
		err = grant_page(dev, &dev->tx_bufs[i], true);
		if (err)
			return err;
		dev->tx_free_ids[dev->tx_nfree++] = NETFRONT_TX_BUFS - 1 - i;
	}
	for (unsigned int i = 0; i < NETFRONT_RX_BUFS; i++) {
		err = grant_page(dev, &dev->rx_bufs[i], false);
		if (err)
			return err;
	}
	return 0;
}

static void free_rings(struct netfront_dev *dev)
{
	struct netfront_buf ring;

	for (unsigned int i = 0; i < NETFRONT_TX_BUFS; i++)
		ungrant_page(&dev->tx_bufs[i]);
	for (unsigned int i = 0; i < NETFRONT_RX_BUFS; i++)
		ungrant_page(&dev->rx_bufs[i]);
	if (dev->tx.sring) {
		ring = (struct netfront_buf){dev->tx.sring, dev->tx_ring_ref};
		ungrant_page(&ring);
		dev->tx.sring = NULL;
	}
	if (dev->rx.sring) {
		ring = (struct netfront_buf){dev->rx.sring, dev->rx_ring_ref};
		ungrant_page(&ring);
		dev->rx.sring = NULL;
	}
}

/* Writes the ring references, the event channel and our features in one transaction. */
static int publish(struct netfront_dev *dev)
{
	static const char *const features[] = {
	    "request-rx-copy",         /* the backend copies into our RX pages */
	    "feature-rx-notify",       /* and wants an event when we post RX buffers */
	    "feature-no-csum-offload", /* packets arrive with complete checksums */
	};

	for (int attempt = 0; attempt < NETFRONT_XS_RETRIES; attempt++) {
		xenbus_transaction_t t;
		int err = xenbus_transaction_start(&t);

		if (err)
			return err;
		err = xenbus_printf(t, dev->nodename, "tx-ring-ref", "%u", dev->tx_ring_ref);
		if (!err)
			err = xenbus_printf(t, dev->nodename, "rx-ring-ref", "%u", dev->rx_ring_ref);
		if (!err)
			err = xenbus_printf(t, dev->nodename, "event-channel", "%u", dev->port);
		for (unsigned int i = 0; !err && i < ARRAY_SIZE(features); i++)
			err = xenbus_printf(t, dev->nodename, features[i], "%u", 1);
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

#define STATE_BIT(s) (1u << (s))

/* Waits until the backend's state is one of mask; the state seen is left in *state. */
static int backend_wait(struct netfront_dev *dev, uint32_t mask, s_time_t deadline, XenbusState *state)
{
	*state = xenbus_read_state(dev->backend);
	while (!(STATE_BIT(*state) & mask)) {
		/* Waiting for it to close, and its directory is gone (a detach): closed. */
		if (*state == XenbusStateUnknown && (mask & STATE_BIT(XenbusStateClosed)))
			return 0;
		int err = xenbus_wait_state_change(dev->backend, state, deadline);

		if (err)
			return err;
	}
	return 0;
}

static void netfront_free(struct netfront_dev *dev)
{
	if (dev->port_valid)
		evtchn_close(dev->port);
	free_rings(dev);
	free(dev->backend);
	free(dev);
}

int netfront_init(unsigned int vif, netfront_rx_fn rx, void *rx_arg, s_time_t deadline, struct netfront_dev **devp)
{
	struct netfront_dev *dev = calloc(1, sizeof(*dev));
	XenbusState state;
	int err;

	if (!dev)
		return -ENOMEM;
	if (!deadline)
		deadline = NOW() + NETFRONT_CONNECT_TIMEOUT;
	snprintf(dev->nodename, sizeof(dev->nodename), "device/vif/%u", vif);
	dev->tx_reserved = -1;
	dev->rx_fn = rx;
	dev->rx_arg = rx_arg;
	dev->wq = (struct wait_queue)WAIT_QUEUE_INIT;

	err = read_config(dev);
	if (!err)
		err = setup_rings(dev);
	if (!err)
		err = evtchn_alloc_unbound(dev->backend_id, netfront_event, dev, &dev->port);
	if (err)
		goto fail;
	dev->port_valid = true;

	/* The backend publishes its features, then waits for ours (Linux: InitWait). */
	err = backend_wait(dev, STATE_BIT(XenbusStateInitWait) | STATE_BIT(XenbusStateConnected), deadline, &state);
	if (!err)
		err = publish(dev);
	if (err)
		goto fail;
	if (!xenbus_read_unsigned(XBT_NIL, dev->backend, "feature-rx-copy", 0))
		printk("netfront: %s: backend does not offer feature-rx-copy\n", dev->nodename);
	rx_refill(dev);
	err = xenbus_switch_state(XBT_NIL, dev->nodename, XenbusStateConnected);
	if (!err)
		err = backend_wait(dev, STATE_BIT(XenbusStateConnected), deadline, &state);
	if (err)
		goto fail;
	netfront_notify(dev); /* the backend may have missed our RX requests while connecting */
	printk("netfront: %s: backend %s (dom%u), mac %02x:%02x:%02x:%02x:%02x:%02x, event channel %u\n", dev->nodename,
	       dev->backend, dev->backend_id, dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4],
	       dev->mac[5], dev->port);
	*devp = dev;
	return 0;

fail:
	printk("netfront: %s: cannot connect: error %d\n", dev->nodename, err);
	if (dev->backend)
		xenbus_switch_state(XBT_NIL, dev->nodename, XenbusStateClosed);
	netfront_free(dev);
	return err;
}

int netfront_shutdown(struct netfront_dev *dev)
{
	s_time_t deadline = NOW() + NETFRONT_CLOSE_TIMEOUT;
	XenbusState state;
	int err;

	err = xenbus_switch_state(XBT_NIL, dev->nodename, XenbusStateClosing);
	if (!err)
		err = backend_wait(dev, STATE_BIT(XenbusStateClosing) | STATE_BIT(XenbusStateClosed), deadline, &state);
	if (!err)
		err = xenbus_switch_state(XBT_NIL, dev->nodename, XenbusStateClosed);
	/* A backend ready to be reconnected goes back to InitWait (Linux), others stay Closed. */
	if (!err)
		err = backend_wait(dev,
				   STATE_BIT(XenbusStateClosed) | STATE_BIT(XenbusStateInitWait) |
				       STATE_BIT(XenbusStateInitialising),
				   deadline, &state);
	if (err)
		printk("netfront: %s: backend did not close (error %d)\n", dev->nodename, err);
	/* The backend has unmapped the rings by now, or gnttab_end_access() keeps them. */
	for (const char *const *n = (const char *const[]){"tx-ring-ref", "rx-ring-ref", "event-channel", NULL}; *n;
	     n++) {
		char path[64];

		snprintf(path, sizeof(path), "%s/%s", dev->nodename, *n);
		xenbus_rm(XBT_NIL, path);
	}
	xenbus_switch_state(XBT_NIL, dev->nodename, XenbusStateInitialising);
	netfront_free(dev);
	return err;
}
