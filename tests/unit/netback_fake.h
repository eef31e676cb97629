/*
 * A fake netback over the pv fakes: it follows the frontend's state in the fake store, maps
 * the rings through the fake grant table when the frontend connects, and lets a test consume
 * TX requests and answer RX requests as Linux's netback (rx-copy) would.
 */
#ifndef NETBACK_FAKE_H
#define NETBACK_FAKE_H

#include "pv_fake.h"

#include <xen/io/netif.h>

#define FB_FRONT "device/vif/0"
#define FB_BACK "/local/domain/0/backend/vif/1/0"
#define FB_DOMID 0
#define FB_MAC "00:16:3e:12:34:56"

extern netif_tx_back_ring_t fb_tx;
extern netif_rx_back_ring_t fb_rx;
extern bool fb_connected;
extern bool fb_stay_initialising; /* never reaches InitWait (connect times out) */
extern unsigned int fb_events_sent;
extern bool fb_detaching; /* the frontend's Closed removes the backend's directory (a detach) */

/* The frontend's and backend's store nodes, backend in InitWait. */
void fb_setup(const char *mac);
unsigned int fb_tx_pending(void); /* TX requests not consumed */
/* Consumes the next TX request; *data points into the granted page. False if none. */
bool fb_tx_pop(netif_tx_request_t *req, const uint8_t **data);
void fb_tx_respond(uint16_t id, int16_t status); /* pushes, signals if the frontend asked */
unsigned int fb_rx_posted(void);                 /* RX requests (buffers) not consumed */
/* Copies frame into the next RX buffer and responds; false if no buffer is posted. */
bool fb_rx_put(const void *frame, size_t len);
/* Consumes the next RX request and answers with rsp (its id filled in unless keep_id). */
bool fb_rx_put_raw(netif_rx_response_t rsp, bool keep_id);
void fb_rx_push(void);

#endif
