/*
 * Unit tests for pv-guest's netfront (pv-guest/drivers/netfront.c) and the lwIP glue over it
 * (pv-guest/lwip/net.c): store negotiation, TX/RX ring handling under pressure and across the
 * 32-bit index wrap, and whole packets through lwIP against a fake netback.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pv/netfront.h>

#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "netback_fake.h"
#include "pv_fake.h"

static const uint8_t our_mac[6] = {0x00, 0x16, 0x3e, 0x12, 0x34, 0x56};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

/* ---------------------------------------------------------------- ring level */

#define MAX_FRAMES 64
static uint8_t rx_frames[MAX_FRAMES][NETFRONT_FRAME_MAX];
static size_t rx_lens[MAX_FRAMES];
static unsigned int rx_count;
static bool rx_refuse;

static bool capture_rx(void *arg, const void *frame, size_t len)
{
	assert_ptr_equal(arg, &rx_count);
	if (rx_refuse)
		return false;
	assert_true(rx_count < MAX_FRAMES);
	memcpy(rx_frames[rx_count], frame, len);
	rx_lens[rx_count++] = len;
	return true;
}

static struct netfront_dev *dev;

static int setup(void **state)
{
	fake_reset();
	fb_stay_initialising = false;
	netfront_ring_start = 0;
	rx_count = 0;
	rx_refuse = false;
	fb_setup(FB_MAC);
	dev = NULL;
	return 0;
}

static int connect(void)
{
	return netfront_init(0, capture_rx, &rx_count, 0, &dev);
}

static int teardown(void **state)
{
	if (dev)
		assert_int_equal(netfront_shutdown(dev), 0);
	dev = NULL;
	assert_int_equal(fake_grants_in_use(), 0);
	assert_int_equal(fake_pages_allocated, 0);
	assert_false(fake_port_bound);
	fake_reset();
	return 0;
}

static void test_connect_negotiates(void **state)
{
	char ref[16];
	uint8_t mac[6];

	assert_int_equal(connect(), 0);
	assert_true(fb_connected);
	assert_string_equal(fake_xs_get(FB_FRONT "/state"), "4");
	assert_string_equal(fake_xs_get(FB_BACK "/state"), "4");
	assert_string_equal(fake_xs_get(FB_FRONT "/request-rx-copy"), "1");
	assert_string_equal(fake_xs_get(FB_FRONT "/feature-rx-notify"), "1");
	assert_string_equal(fake_xs_get(FB_FRONT "/feature-no-csum-offload"), "1");
	snprintf(ref, sizeof(ref), "%u", FAKE_PORT);
	assert_string_equal(fake_xs_get(FB_FRONT "/event-channel"), ref);
	assert_int_equal(fake_port_remote, FB_DOMID);
	assert_int_equal(fake_xs_commits, 1);
	/* Rings shared writable with the backend, TX buffers read-only, RX buffers writable. */
	assert_ptr_equal(fake_grant_page(atoi(fake_xs_get(FB_FRONT "/tx-ring-ref")), FB_DOMID, true), fb_tx.sring);
	assert_ptr_equal(fake_grant_page(atoi(fake_xs_get(FB_FRONT "/rx-ring-ref")), FB_DOMID, true), fb_rx.sring);
	assert_int_equal(fake_grants_in_use(), 2 + NETFRONT_TX_BUFS + NETFRONT_RX_BUFS);
	/* RX ring filled: one distinct writable page per request. */
	assert_int_equal(fb_rx_posted(), NETFRONT_RX_BUFS);
	for (unsigned int i = 0; i < NETFRONT_RX_BUFS; i++) {
		const netif_rx_request_t *req = RING_GET_REQUEST(&fb_rx, i);

		assert_int_equal(req->id, i);
		assert_non_null(fake_grant_page(req->gref, FB_DOMID, true));
		for (unsigned int j = 0; j < i; j++)
			assert_int_not_equal(RING_GET_REQUEST(&fb_rx, j)->gref, req->gref);
	}
	netfront_get_mac(dev, mac);
	assert_memory_equal(mac, our_mac, 6);
	assert_string_equal(netfront_backend(dev), FB_BACK);
	assert_int_equal(netfront_tx_free(dev), NETFRONT_TX_BUFS);
}

static void test_connect_retries_transaction(void **state)
{
	fake_xs_eagain = 3;
	assert_int_equal(connect(), 0);
	assert_int_equal(fake_xs_conflicts, 3);
	assert_int_equal(fake_xs_commits, 1);
	assert_non_null(fake_xs_get(FB_FRONT "/tx-ring-ref"));
}

static void test_connect_gives_up_on_endless_conflicts(void **state)
{
	fake_xs_eagain = 1000;
	assert_int_equal(connect(), -EAGAIN);
	assert_null(dev);
	assert_string_equal(fake_xs_get(FB_FRONT "/state"), "6");
}

static void test_connect_no_vif(void **state)
{
	assert_int_equal(netfront_init(3, capture_rx, &rx_count, 0, &dev), -ENOENT);
	assert_null(dev);
}

static void test_connect_bad_mac(void **state)
{
	fake_xs_set(FB_FRONT "/mac", "00:16:3e:12:34");
	assert_int_equal(connect(), -EINVAL);
	fake_xs_set(FB_FRONT "/mac", "00:16:3e:12:34:567");
	assert_int_equal(connect(), -EINVAL);
	fake_xs_set(FB_FRONT "/mac", "0g:16:3e:12:34:56");
	assert_int_equal(connect(), -EINVAL);
	assert_null(dev);
}

static void test_connect_backend_timeout(void **state)
{
	fake_reset();
	fb_stay_initialising = true;
	fb_setup(FB_MAC);
	assert_int_equal(connect(), -ETIMEDOUT);
	assert_null(dev);
	assert_string_equal(fake_xs_get(FB_FRONT "/state"), "6");
	assert_true(fake_now >= SECONDS(10));
}

static void test_shutdown_closes(void **state)
{
	assert_int_equal(connect(), 0);
	assert_int_equal(netfront_shutdown(dev), 0);
	dev = NULL;
	assert_string_equal(fake_xs_get(FB_BACK "/state"), "6");
	assert_string_equal(fake_xs_get(FB_FRONT "/state"), "1");
	assert_null(fake_xs_get(FB_FRONT "/tx-ring-ref"));
	assert_null(fake_xs_get(FB_FRONT "/event-channel"));
}

/* A detach: the backend goes Closing; its directory is gone once the frontend closed. Not a timeout. */
static void test_shutdown_backend_detached(void **state)
{
	assert_int_equal(connect(), 0);
	s_time_t t0 = fake_now;
	int rc;

	fb_detaching = true;
	xenbus_switch_state(XBT_NIL, FB_BACK, XenbusStateClosing);
	rc = netfront_shutdown(dev);
	dev = NULL;
	assert_int_equal(rc, 0);
	fb_detaching = false;
	assert_null(fake_xs_get(FB_BACK "/state"));
	assert_null(fake_xs_get(FB_FRONT "/tx-ring-ref"));
	assert_true(fake_now - t0 < SECONDS(1)); /* no wait for a state that cannot come */
}

static void fill_frame(uint8_t *f, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed * 31 + i);
}

/* Backend consumes one TX request and checks its contents; returns the id. */
static uint16_t backend_take_tx(size_t len, unsigned int seed)
{
	netif_tx_request_t req;
	const uint8_t *data;
	uint8_t want[NETFRONT_FRAME_MAX];

	assert_true(fb_tx_pop(&req, &data));
	assert_int_equal(req.size, len);
	assert_int_equal(req.flags, 0);
	assert_true(fake_grants[req.gref].readonly);
	fill_frame(want, len, seed);
	assert_memory_equal(data, want, len);
	return req.id;
}

static void test_tx_fill_full_reclaim(void **state)
{
	uint8_t f[NETFRONT_FRAME_MAX];
	uint16_t ids[NETFRONT_TX_BUFS];

	assert_int_equal(connect(), 0);
	for (unsigned int i = 0; i < NETFRONT_TX_BUFS; i++) {
		fill_frame(f, 60 + i, i);
		assert_int_equal(netfront_xmit(dev, f, 60 + i), 0);
	}
	assert_int_equal(netfront_tx_free(dev), 0);
	assert_int_equal(fb_tx_pending(), NETFRONT_TX_BUFS);
	assert_true(fake_notifies > 0);
	/* Full: dropped and counted. */
	assert_int_equal(netfront_xmit(dev, f, 60), -EAGAIN);
	assert_null(netfront_tx_reserve(dev));
	assert_int_equal(netfront_get_stats(dev)->tx_ring_full, 2);
	/* The backend finishes three; the next sends reclaim them. */
	for (unsigned int i = 0; i < NETFRONT_TX_BUFS; i++)
		ids[i] = backend_take_tx(60 + i, i);
	for (unsigned int i = 0; i < 3; i++)
		fb_tx_respond(ids[i], NETIF_RSP_OKAY);
	for (unsigned int i = 0; i < 3; i++) {
		fill_frame(f, 100, 50 + i);
		assert_int_equal(netfront_xmit(dev, f, 100), 0);
	}
	assert_int_equal(netfront_xmit(dev, f, 100), -EAGAIN);
	for (unsigned int i = 0; i < 3; i++)
		backend_take_tx(100, 50 + i);
	/* The rest answered: poll reclaims all. */
	for (unsigned int i = 3; i < NETFRONT_TX_BUFS; i++)
		fb_tx_respond(ids[i], NETIF_RSP_OKAY);
	netfront_poll(dev, 0);
	assert_int_equal(netfront_tx_free(dev), NETFRONT_TX_BUFS - 3);
	assert_int_equal(netfront_get_stats(dev)->tx_packets, NETFRONT_TX_BUFS + 3);
	assert_int_equal(netfront_get_stats(dev)->tx_errors, 0);
	assert_int_equal(netfront_get_stats(dev)->tx_ring_full, 3);
}

static void test_tx_reserve_commit(void **state)
{
	uint8_t *buf;
	uint8_t f[NETFRONT_FRAME_MAX];

	assert_int_equal(connect(), 0);
	assert_int_equal(netfront_tx_commit(dev, 60), -EINVAL); /* nothing reserved */
	buf = netfront_tx_reserve(dev);
	assert_non_null(buf);
	assert_ptr_equal(netfront_tx_reserve(dev), buf); /* the same until committed */
	assert_int_equal(netfront_tx_commit(dev, 0), 0); /* cancelled */
	assert_int_equal(netfront_tx_free(dev), NETFRONT_TX_BUFS);
	assert_int_equal(fb_tx_pending(), 0);
	buf = netfront_tx_reserve(dev);
	assert_int_equal(netfront_tx_commit(dev, NETFRONT_FRAME_MAX + 1), -EMSGSIZE);
	assert_int_equal(netfront_xmit(dev, f, NETFRONT_FRAME_MAX + 1), -EMSGSIZE);
	assert_int_equal(netfront_tx_free(dev), NETFRONT_TX_BUFS);
	buf = netfront_tx_reserve(dev);
	fill_frame(buf, NETFRONT_FRAME_MAX, 9);
	assert_int_equal(netfront_tx_commit(dev, NETFRONT_FRAME_MAX), 0);
	backend_take_tx(NETFRONT_FRAME_MAX, 9);
}

static void test_tx_bad_responses(void **state)
{
	uint8_t f[64];
	uint16_t id;

	assert_int_equal(connect(), 0);
	fill_frame(f, 64, 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(netfront_xmit(dev, f, 64), 0);
	id = backend_take_tx(64, 1);
	for (int i = 0; i < 3; i++)
		backend_take_tx(64, 1);
	/* Four responses for four requests, all but the first wrong in some way. */
	fb_tx_respond(id, NETIF_RSP_ERROR);              /* failed, but the buffer is back */
	fb_tx_respond(id, NETIF_RSP_OKAY);               /* not in flight any more */
	fb_tx_respond(NETFRONT_TX_BUFS, NETIF_RSP_OKAY); /* no such id */
	fb_tx_respond(0, NETIF_RSP_NULL);                /* an extra's slot: ignored */
	netfront_poll(dev, 0);
	assert_int_equal(netfront_get_stats(dev)->tx_errors, 3);
	assert_int_equal(netfront_tx_free(dev), NETFRONT_TX_BUFS - 3);
	/* A fifth response, for no request: the ring is abandoned. */
	fb_tx_respond(id, NETIF_RSP_OKAY);
	netfront_poll(dev, 0);
	assert_int_equal(netfront_get_stats(dev)->tx_errors, 4);
	assert_int_equal(netfront_xmit(dev, f, 64), -EAGAIN);
}

static void test_rx_deliver_repost(void **state)
{
	uint8_t f[NETFRONT_FRAME_MAX];

	assert_int_equal(connect(), 0);
	for (unsigned int i = 0; i < 5; i++) {
		fill_frame(f, 200 + i, i);
		assert_true(fb_rx_put(f, 200 + i));
	}
	assert_int_equal(fb_rx_posted(), NETFRONT_RX_BUFS - 5);
	assert_true(netfront_has_work(dev));
	assert_true(netfront_wait(dev, 0)); /* the event came: no sleep */
	assert_int_equal(netfront_poll(dev, 0), 5);
	assert_false(netfront_has_work(dev));
	assert_int_equal(rx_count, 5);
	for (unsigned int i = 0; i < 5; i++) {
		fill_frame(f, 200 + i, i);
		assert_int_equal(rx_lens[i], 200 + i);
		assert_memory_equal(rx_frames[i], f, 200 + i);
	}
	/* Reposted: the backend has every buffer again, and was told. */
	assert_int_equal(fb_rx_posted(), NETFRONT_RX_BUFS);
	assert_int_equal(netfront_get_stats(dev)->rx_packets, 5);
	assert_int_equal(netfront_get_stats(dev)->rx_bytes, 5 * 200 + 10);
	assert_true(netfront_get_stats(dev)->events > 0);
}

static void test_rx_pressure_and_budget(void **state)
{
	uint8_t f[100];

	assert_int_equal(connect(), 0);
	for (unsigned int i = 0; i < NETFRONT_RX_BUFS; i++) {
		fill_frame(f, 100, i);
		assert_true(fb_rx_put(f, 100));
	}
	assert_false(fb_rx_put(f, 100)); /* every buffer used: the backend must wait */
	assert_int_equal(netfront_poll(dev, 4), 4);
	assert_true(netfront_has_work(dev));
	assert_int_equal(fb_rx_posted(), 4);
	assert_int_equal(netfront_poll(dev, 0), NETFRONT_RX_BUFS - 4);
	assert_int_equal(fb_rx_posted(), NETFRONT_RX_BUFS);
	for (unsigned int i = 0; i < NETFRONT_RX_BUFS; i++) {
		fill_frame(f, 100, i);
		assert_memory_equal(rx_frames[i], f, 100);
	}
	/* A receiver that refuses: counted as dropped, the buffer still comes back. */
	rx_refuse = true;
	assert_true(fb_rx_put(f, 100));
	assert_int_equal(netfront_poll(dev, 0), 1);
	assert_int_equal(netfront_get_stats(dev)->rx_dropped, 1);
	assert_int_equal(fb_rx_posted(), NETFRONT_RX_BUFS);
}

static void test_rx_bad_responses(void **state)
{
	uint8_t f[80];

	assert_int_equal(connect(), 0);
	fb_rx_put_raw((netif_rx_response_t){.status = NETIF_RSP_ERROR}, false);
	fb_rx_put_raw((netif_rx_response_t){.status = 0}, false);
	fb_rx_put_raw((netif_rx_response_t){.offset = 4000, .status = 200}, false); /* beyond the page */
	fb_rx_put_raw((netif_rx_response_t){.id = 77, .status = 60}, true);         /* wrong id */
	/* A two-slot packet (we never offered feature-sg): both slots dropped. */
	fb_rx_put_raw((netif_rx_response_t){.flags = NETRXF_more_data, .status = 60}, false);
	fb_rx_put_raw((netif_rx_response_t){.status = 60}, false);
	/* A packet with two extra info slots (GSO, never offered either). */
	fb_rx_put_raw((netif_rx_response_t){.flags = NETRXF_extra_info, .status = 60}, false);
	/* (an extra's type and flags bytes overlay the response's id) */
	fb_rx_put_raw((netif_rx_response_t){.id = XEN_NETIF_EXTRA_TYPE_GSO | XEN_NETIF_EXTRA_FLAG_MORE << 8}, true);
	fb_rx_put_raw((netif_rx_response_t){.id = XEN_NETIF_EXTRA_TYPE_GSO}, true);
	fb_rx_push();
	fill_frame(f, 80, 3);
	assert_true(fb_rx_put(f, 80)); /* and then a good one */
	assert_int_equal(netfront_poll(dev, 0), 1);
	assert_int_equal(rx_count, 1);
	assert_memory_equal(rx_frames[0], f, 80);
	assert_int_equal(netfront_get_stats(dev)->rx_errors, 6);
	assert_int_equal(fb_rx_posted(), NETFRONT_RX_BUFS);
}

static void test_backend_overruns_ring(void **state)
{
	assert_int_equal(connect(), 0);
	fb_rx.sring->rsp_prod += NETFRONT_RX_BUFS + 1; /* more responses than requests */
	assert_int_equal(netfront_poll(dev, 0), 0);
	assert_int_equal(netfront_get_stats(dev)->rx_errors, 1);
	assert_false(netfront_has_work(dev));
	assert_null(netfront_tx_reserve(dev)); /* the device is dead */
}

/* Thousands of packets each way with indexes starting just below 2^32. */
static void test_index_wraparound(void **state)
{
	uint8_t f[128];
	unsigned int sent = 0, got = 0;

	netfront_ring_start = 0xffffff00u;
	assert_int_equal(connect(), 0);
	assert_int_equal(fb_tx.sring->req_prod, 0xffffff00u);
	for (unsigned int round = 0; round < 100; round++) {
		for (unsigned int i = 0; i < NETFRONT_TX_BUFS; i++) {
			fill_frame(f, 64 + (sent % 64), sent);
			assert_int_equal(netfront_xmit(dev, f, 64 + (sent % 64)), 0);
			sent++;
		}
		for (unsigned int i = 0; i < NETFRONT_TX_BUFS; i++) {
			unsigned int n = sent - NETFRONT_TX_BUFS + i;

			fb_tx_respond(backend_take_tx(64 + (n % 64), n), NETIF_RSP_OKAY);
		}
		for (unsigned int i = 0; i < NETFRONT_RX_BUFS / 2; i++) {
			fill_frame(f, 128, got + i);
			assert_true(fb_rx_put(f, 128));
		}
		rx_count = 0;
		assert_int_equal(netfront_poll(dev, 0), NETFRONT_RX_BUFS / 2);
		for (unsigned int i = 0; i < NETFRONT_RX_BUFS / 2; i++) {
			fill_frame(f, 128, got + i);
			assert_memory_equal(rx_frames[i], f, 128);
		}
		got += NETFRONT_RX_BUFS / 2;
	}
	assert_true(fb_tx.sring->req_prod < 0x1000u); /* wrapped */
	assert_true(fb_rx.sring->rsp_prod < 0x1000u);
	assert_int_equal(netfront_tx_free(dev), NETFRONT_TX_BUFS);
	assert_int_equal(fb_rx_posted(), NETFRONT_RX_BUFS);
	assert_int_equal(netfront_get_stats(dev)->tx_errors + netfront_get_stats(dev)->rx_errors, 0);
}

/* ---------------------------------------------------------------- through lwIP */

static const uint8_t our_ip[4] = {10, 0, 0, 2}, peer_ip[4] = {10, 0, 0, 1};

static int net_setup(void **state)
{
	setup(state);
	return 0;
}

static int net_teardown(void **state)
{
	net_stop();
	assert_false(net_configured());
	return teardown(state);
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static size_t eth_header(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = type >> 8;
	f[13] = type & 0xff;
	return 14;
}

static void inject_arp_request(void)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t f[60] = {0};
	size_t o = eth_header(f, bcast, peer_mac, 0x0806);
	static const uint8_t arp[8] = {0, 1, 8, 0, 6, 4, 0, 1};

	memcpy(f + o, arp, 8);
	memcpy(f + o + 8, peer_mac, 6);
	memcpy(f + o + 14, peer_ip, 4);
	memcpy(f + o + 24, our_ip, 4);
	assert_true(fb_rx_put(f, sizeof(f)));
}

/* The next TX frame: contents copied out, response sent. */
static size_t take_frame(uint8_t *out)
{
	netif_tx_request_t req;
	const uint8_t *data;

	assert_true(fb_tx_pop(&req, &data));
	assert_true(fake_grants[req.gref].readonly);
	assert_int_equal(fake_grants[req.gref].domid, FB_DOMID);
	memcpy(out, data, req.size);
	fb_tx_respond(req.id, NETIF_RSP_OKAY);
	return req.size;
}

static void start_static(void)
{
	uint8_t f[NETFRONT_FRAME_MAX];

	assert_int_equal(net_start("ip=10.0.0.2/24", "gw=10.0.0.1"), 0);
	assert_int_equal(fake_threads_created, 1);
	assert_true(net_configured());
	assert_true(net_wait_configured(0));
	/* Interface up: lwIP announces the address with a gratuitous ARP. */
	assert_int_equal(fb_tx_pending(), 1);
	assert_true(take_frame(f) >= 42);
	assert_int_equal(f[12] << 8 | f[13], 0x0806);
	assert_memory_equal(f + 28, our_ip, 4);
	assert_memory_equal(f + 38, our_ip, 4);
}

static void test_net_arp_reply(void **state)
{
	uint8_t f[NETFRONT_FRAME_MAX];
	size_t len;

	start_static();
	inject_arp_request();
	net_poll();
	assert_int_equal(fb_tx_pending(), 1);
	len = take_frame(f);
	assert_true(len >= 42);
	assert_memory_equal(f, peer_mac, 6);
	assert_memory_equal(f + 6, our_mac, 6);
	assert_int_equal(f[12] << 8 | f[13], 0x0806);
	assert_int_equal(f[20] << 8 | f[21], 2); /* reply */
	assert_memory_equal(f + 22, our_mac, 6);
	assert_memory_equal(f + 28, our_ip, 4);
	assert_memory_equal(f + 32, peer_mac, 6);
	assert_memory_equal(f + 38, peer_ip, 4);
}

static void test_net_icmp_echo(void **state)
{
	uint8_t f[NETFRONT_FRAME_MAX] = {0};
	size_t o, len;

	start_static();
	inject_arp_request();
	net_poll();
	take_frame(f);

	memset(f, 0, sizeof(f));
	o = eth_header(f, our_mac, peer_mac, 0x0800);
	uint8_t *ip = f + o, *icmp = ip + 20;
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 32; /* total length */
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, peer_ip, 4);
	memcpy(ip + 16, our_ip, 4);
	uint16_t c = csum(ip, 20);
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	icmp[0] = 8; /* echo request */
	icmp[4] = 0x12, icmp[5] = 0x34, icmp[7] = 7;
	for (int i = 0; i < 32; i++)
		icmp[8 + i] = 'a' + i % 26;
	c = csum(icmp, 40);
	icmp[2] = c >> 8;
	icmp[3] = c & 0xff;
	assert_true(fb_rx_put(f, o + 60));
	net_poll();

	uint8_t r[NETFRONT_FRAME_MAX];
	assert_int_equal(fb_tx_pending(), 1);
	len = take_frame(r);
	assert_int_equal(len, o + 60);
	assert_memory_equal(r, peer_mac, 6);
	assert_int_equal(r[12] << 8 | r[13], 0x0800);
	assert_int_equal(csum(r + o, 20), 0);
	assert_memory_equal(r + o + 12, our_ip, 4);
	assert_memory_equal(r + o + 16, peer_ip, 4);
	assert_int_equal(r[o + 20], 0); /* echo reply */
	assert_int_equal(csum(r + o + 20, 40), 0);
	assert_memory_equal(r + o + 24, icmp + 4, 4 + 32); /* id, seq, payload */
}

static void test_net_udp_send(void **state)
{
	uint8_t f[NETFRONT_FRAME_MAX];
	netif_tx_request_t req;
	const uint8_t *data;
	struct udp_pcb *pcb;
	struct pbuf *p;
	ip_addr_t dst;

	start_static();
	inject_arp_request(); /* lwIP learns the peer's MAC */
	net_poll();
	take_frame(f);

	pcb = udp_new();
	assert_non_null(pcb);
	assert_int_equal(udp_bind(pcb, IP_ADDR_ANY, 5000), ERR_OK);
	p = pbuf_alloc(PBUF_TRANSPORT, 11, PBUF_RAM);
	memcpy(p->payload, "hello, mica", 11);
	IP_ADDR4(&dst, 10, 0, 0, 1);
	assert_int_equal(udp_sendto(pcb, p, &dst, 7), ERR_OK);
	pbuf_free(p);
	udp_remove(pcb);

	assert_true(fb_tx_pop(&req, &data));
	/* The frame sits at offset 0 of a TX page granted read-only to the backend. */
	assert_int_equal(req.offset, 0);
	assert_int_equal(req.size, 14 + 20 + 8 + 11);
	assert_ptr_equal(fake_grant_page(req.gref, FB_DOMID, false), data);
	assert_true(fake_grants[req.gref].readonly);
	assert_int_equal(data[14 + 9], 17);
	assert_int_equal(data[34] << 8 | data[35], 5000);
	assert_int_equal(data[36] << 8 | data[37], 7);
	assert_memory_equal(data + 42, "hello, mica", 11);
	fb_tx_respond(req.id, NETIF_RSP_OKAY);
}

static void test_net_tx_full_drops(void **state)
{
	uint8_t f[NETFRONT_FRAME_MAX];
	struct udp_pcb *pcb;
	ip_addr_t dst;
	int ok = 0, full = 0;

	start_static();
	inject_arp_request();
	net_poll();
	take_frame(f);
	pcb = udp_new();
	IP_ADDR4(&dst, 10, 0, 0, 1);
	for (int i = 0; i < NETFRONT_TX_BUFS + 4; i++) {
		struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 16, PBUF_RAM);

		memset(p->payload, i, 16);
		if (udp_sendto(pcb, p, &dst, 9) == ERR_OK)
			ok++;
		else
			full++;
		pbuf_free(p);
	}
	assert_int_equal(ok, NETFRONT_TX_BUFS);
	assert_int_equal(full, 4);
	char status[1024];
	net_status(status, sizeof(status));
	assert_non_null(strstr(status, "0 errors, 4 ring full"));
	while (fb_tx_pending())
		take_frame(f);
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 16, PBUF_RAM);
	assert_int_equal(udp_sendto(pcb, p, &dst, 9), ERR_OK); /* room again */
	pbuf_free(p);
	udp_remove(pcb);
	take_frame(f);
}

static void test_net_dhcp_discover(void **state)
{
	uint8_t f[NETFRONT_FRAME_MAX];
	size_t len;

	assert_int_equal(net_start(NULL, NULL), 0);
	assert_false(net_configured());
	assert_false(net_wait_configured(fake_now + MILLISECS(5)));
	net_poll();
	assert_true(fb_tx_pending() >= 1);
	len = take_frame(f);
	assert_true(len > 14 + 20 + 8 + 240);
	assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(f[14 + 9], 17);
	assert_int_equal(f[34] << 8 | f[35], 68);
	assert_int_equal(f[36] << 8 | f[37], 67);
	assert_int_equal(f[42], 1);                               /* BOOTREQUEST */
	assert_memory_equal(f + 42 + 28, our_mac, 6);             /* chaddr */
	assert_memory_equal(f + 42 + 236, "\x63\x82\x53\x63", 4); /* magic cookie */
	assert_int_equal(f[42 + 240], 53);                        /* message type option */
	assert_int_equal(f[42 + 242], 1);                         /* DHCPDISCOVER */
}

static void test_net_status_text(void **state)
{
	char buf[1024];

	assert_int_equal(net_status(buf, sizeof(buf)), (int)strlen("net: not started\n"));
	start_static();
	assert_true(net_status(buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, ": up, static"));
	assert_non_null(strstr(buf, "mac 00:16:3e:12:34:56"));
	assert_non_null(strstr(buf, "inet 10.0.0.2 netmask 255.255.255.0 gateway 10.0.0.1"));
	assert_non_null(strstr(buf, "rx 0 packets"));
	assert_non_null(strstr(buf, FB_BACK));
	assert_int_equal(net_start("10.0.0.3/24", NULL), -EBUSY);
}

static void test_net_bad_config(void **state)
{
	assert_int_equal(net_start("10.0.0.300/24", NULL), -EINVAL);
	assert_int_equal(net_start("10.0.0.2/33", NULL), -EINVAL);
	assert_int_equal(net_start("10.0.0.2/", NULL), -EINVAL);
	assert_int_equal(net_start("10.0.0.2/24", "gw=nowhere"), -EINVAL);
	assert_false(fb_connected);
	assert_int_equal(net_start("192.168.1.9", NULL), 0); /* /24 by default */
	char buf[512];
	net_status(buf, sizeof(buf));
	assert_non_null(strstr(buf, "inet 192.168.1.9 netmask 255.255.255.0 gateway 0.0.0.0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_connect_negotiates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_retries_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_gives_up_on_endless_conflicts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_no_vif, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_bad_mac, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_backend_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shutdown_closes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shutdown_backend_detached, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_fill_full_reclaim, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_reserve_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_bad_responses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_deliver_repost, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_pressure_and_budget, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_bad_responses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backend_overruns_ring, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_index_wraparound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_net_arp_reply, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_net_icmp_echo, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_net_udp_send, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_net_tx_full_drops, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_net_dhcp_discover, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_net_status_text, net_setup, net_teardown),
	    cmocka_unit_test_setup_teardown(test_net_bad_config, net_setup, net_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
