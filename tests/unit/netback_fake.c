/* A fake netback for netfront's unit tests; see netback_fake.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netback_fake.h"

netif_tx_back_ring_t fb_tx;
netif_rx_back_ring_t fb_rx;
bool fb_connected, fb_stay_initialising;
unsigned int fb_events_sent;

static void fb_signal(int notify)
{
	if (notify) {
		fb_events_sent++;
		fake_event_fire();
	}
}

static void fb_connect(void)
{
	unsigned long tx_ref = xenbus_read_unsigned(XBT_NIL, FB_FRONT, "tx-ring-ref", ~0UL);
	unsigned long rx_ref = xenbus_read_unsigned(XBT_NIL, FB_FRONT, "rx-ring-ref", ~0UL);
	netif_tx_sring_t *txs = fake_grant_page(tx_ref, FB_DOMID, true);
	netif_rx_sring_t *rxs = fake_grant_page(rx_ref, FB_DOMID, true);

	if (!txs || !rxs || xenbus_read_unsigned(XBT_NIL, FB_FRONT, "event-channel", ~0UL) != FAKE_PORT)
		return; /* stays InitWait: the test sees the timeout */
	BACK_RING_ATTACH(&fb_tx, txs, txs->rsp_prod, PAGE_SIZE);
	BACK_RING_ATTACH(&fb_rx, rxs, rxs->rsp_prod, PAGE_SIZE);
	fb_connected = true;
	xenbus_switch_state(XBT_NIL, FB_BACK, XenbusStateConnected);
}

/* The backend's reaction to the frontend's state (Linux netback's frontend_changed). */
static void fb_on_write(const char *path, const char *value)
{
	if (!value || strcmp(path, FB_FRONT "/state") != 0)
		return;
	switch (atoi(value)) {
	case XenbusStateConnected:
		fb_connect();
		break;
	case XenbusStateClosing:
		xenbus_switch_state(XBT_NIL, FB_BACK, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		fb_connected = false;
		if (fb_detaching) { /* a detach: the device is removed as soon as the frontend closed */
			static const char *const nodes[] = {"state", "frontend", "feature-rx-copy"};

			for (unsigned int i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
				char path[96];

				snprintf(path, sizeof(path), "%s/%s", FB_BACK, nodes[i]);
				xenbus_rm(XBT_NIL, path);
			}
		} else
			xenbus_switch_state(XBT_NIL, FB_BACK, XenbusStateClosed);
		break;
	}
}

bool fb_detaching;

void fb_setup(const char *mac)
{
	memset(&fb_tx, 0, sizeof(fb_tx));
	memset(&fb_rx, 0, sizeof(fb_rx));
	fb_connected = false;
	fb_events_sent = 0;
	fake_xs_set(FB_FRONT "/backend", FB_BACK);
	fake_xs_set(FB_FRONT "/backend-id", "0");
	if (mac)
		fake_xs_set(FB_FRONT "/mac", mac);
	fake_xs_set(FB_FRONT "/state", "1");
	fake_xs_set(FB_BACK "/frontend", FB_FRONT);
	fake_xs_set(FB_BACK "/feature-rx-copy", "1");
	fake_xs_set(FB_BACK "/state", fb_stay_initialising ? "1" : "2");
	fake_xs_on_write = fb_on_write;
}

unsigned int fb_tx_pending(void)
{
	return fb_connected ? fb_tx.sring->req_prod - fb_tx.req_cons : 0;
}

bool fb_tx_pop(netif_tx_request_t *req, const uint8_t **data)
{
	const uint8_t *page;

	if (!fb_tx_pending())
		return false;
	*req = *RING_GET_REQUEST(&fb_tx, fb_tx.req_cons);
	fb_tx.req_cons++;
	page = fake_grant_page(req->gref, FB_DOMID, false);
	if (!page || req->offset + req->size > PAGE_SIZE)
		return false;
	*data = page + req->offset;
	return true;
}

void fb_tx_respond(uint16_t id, int16_t status)
{
	netif_tx_response_t *rsp = RING_GET_RESPONSE(&fb_tx, fb_tx.rsp_prod_pvt);
	int notify;

	rsp->id = id;
	rsp->status = status;
	fb_tx.rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&fb_tx, notify);
	fb_signal(notify);
}

unsigned int fb_rx_posted(void)
{
	return fb_connected ? fb_rx.sring->req_prod - fb_rx.req_cons : 0;
}

bool fb_rx_put_raw(netif_rx_response_t rsp, bool keep_id)
{
	netif_rx_request_t req;

	if (!fb_rx_posted())
		return false;
	req = *RING_GET_REQUEST(&fb_rx, fb_rx.req_cons);
	fb_rx.req_cons++;
	if (!keep_id)
		rsp.id = req.id;
	*RING_GET_RESPONSE(&fb_rx, fb_rx.rsp_prod_pvt) = rsp;
	fb_rx.rsp_prod_pvt++;
	return true;
}

void fb_rx_push(void)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&fb_rx, notify);
	fb_signal(notify);
}

bool fb_rx_put(const void *frame, size_t len)
{
	netif_rx_request_t req;
	uint8_t *page;

	if (!fb_rx_posted())
		return false;
	req = *RING_GET_REQUEST(&fb_rx, fb_rx.req_cons);
	page = fake_grant_page(req.gref, FB_DOMID, true);
	if (!page)
		return false;
	memcpy(page, frame, len);
	if (!fb_rx_put_raw((netif_rx_response_t){.offset = 0, .flags = NETRXF_data_validated, .status = len}, false))
		return false;
	fb_rx_push();
	return true;
}
