/*
 * dom0's netback and bridge (pv-guest/dom0/netback.c) with the real netfront in the guests:
 * several domains in one process (multidom_fake.c); the schedule hook runs dom0's vif threads.
 * A "raw" frontend writes the rings by hand for what netfront never sends.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pv/dom0.h>
#include <pv/mm.h>
#include <pv/netfront.h>

#include <xen/io/netif.h>

#include <setjmp.h>

#include <cmocka.h>

#include "multidom_fake.h"

static void run_dom0(void)
{
	md_cur = 0;
	netback_run_all();
}

static bool status_has(const char *text)
{
	char buf[2048];

	netback_status(buf, sizeof(buf));
	if (!strstr(buf, text)) {
		fprintf(stderr, "status lacks \"%s\":\n%s", text, buf);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- netfront guests */

struct guest {
	domid_t dom;
	struct netfront_dev *dev;
	unsigned int got;
	uint8_t last[2048];
	size_t last_len;
};

static bool guest_rx(void *arg, const void *frame, size_t len)
{
	struct guest *g = arg;

	g->got++;
	memcpy(g->last, frame, len);
	g->last_len = len;
	return true;
}

static void guest_connect(struct guest *g, domid_t dom)
{
	memset(g, 0, sizeof(*g));
	g->dom = dom;
	md_cur = dom;
	assert_int_equal(netfront_init(0, guest_rx, g, 0, &g->dev), 0);
	md_cur = 0;
}

static int guest_send(struct guest *g, const void *frame, size_t len)
{
	int err;

	md_cur = g->dom;
	err = netfront_xmit(g->dev, frame, len);
	md_cur = 0;
	return err;
}

static unsigned int guest_poll(struct guest *g)
{
	unsigned int n;

	md_cur = g->dom;
	n = netfront_poll(g->dev, 0);
	md_cur = 0;
	return n;
}

static void guest_close(struct guest *g)
{
	md_cur = g->dom;
	assert_int_equal(netfront_shutdown(g->dev), 0);
	md_cur = 0;
	g->dev = NULL;
}

static void mac_of(domid_t dom, uint8_t mac[6])
{
	const uint8_t m[6] = {0x00, 0x16, 0x3e, 0x4d, dom >> 8, dom & 0xff};

	memcpy(mac, m, 6);
}

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* An Ethernet frame of len bytes from src to dst; the payload counts up from tag. */
static size_t frame(uint8_t *f, const uint8_t *dst, domid_t src, uint16_t type, size_t len, uint8_t tag)
{
	memcpy(f, dst, 6);
	mac_of(src, f + 6);
	f[12] = type >> 8;
	f[13] = type & 0xff;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(tag + i);
	return len;
}

static int setup(void **state)
{
	md_reset();
	netfront_ring_start = 0;
	md_schedule_hook = run_dom0;
	return 0;
}

/* Every domain's vif away; what is left mapped or open is a leak. */
static int teardown(void **state)
{
	for (domid_t d = 1; d < MD_DOMS; d++)
		netback_backend.domain_down(d);
	run_dom0();
	assert_int_equal(md_maps, 0);
	assert_int_equal(md_ports_open(0), 0);
	md_reset();
	return 0;
}

static void up(const char *config, domid_t n)
{
	assert_int_equal(netback_backend.init(config), 0);
	for (domid_t d = 1; d <= n; d++)
		netback_backend.domain_up(d);
	run_dom0();
}

/* ---------------------------------------------------------------- configuration, store */

static void test_config(void **state)
{
	static const char *const bad[] = {"x",           "0",       "1,,2",      "1;2",   "1:vlan=0",
					  "1:vlan=4095", "1:vlan=", "1:vlan=5x", "70000", "1,1"};

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
		assert_true(netback_backend.init(bad[i]) < 0);
	assert_int_equal(netback_backend.init("1:vlan=10,2:vlan=10,3"), 0);
	assert_int_equal(netback_backend.init(""), 0);
	assert_string_equal(netback_backend.name, "vif");
}

static void test_publish(void **state)
{
	up("1,2", 2);
	netback_backend.domain_up(5); /* not configured: nothing */
	run_dom0();
	assert_null(md_xs_get("/local/domain/5/device/vif/0/backend"));

	assert_string_equal(md_xs_get("/local/domain/1/device/vif/0/backend"), "/local/domain/0/backend/vif/1/0");
	assert_string_equal(md_xs_get("/local/domain/1/device/vif/0/backend-id"), "0");
	assert_string_equal(md_xs_get("/local/domain/1/device/vif/0/state"), "1");
	assert_string_equal(md_xs_get("/local/domain/1/device/vif/0/handle"), "0");
	assert_string_equal(md_xs_get("/local/domain/1/device/vif/0/mac"), "00:16:3e:4d:00:01");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/frontend"), "/local/domain/1/device/vif/0");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/frontend-id"), "1");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/online"), "1");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/mac"), "00:16:3e:4d:00:01");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/feature-rx-copy"), "1");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/feature-rx-flip"), "0");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/state"), "2"); /* InitWait */
	assert_string_equal(md_xs_perms("/local/domain/1/device/vif/0"), "n1 r0");
	assert_string_equal(md_xs_perms("/local/domain/0/backend/vif/1/0"), "n0 r1");
	assert_string_equal(md_xs_get("/local/domain/2/device/vif/0/mac"), "00:16:3e:4d:00:02");
	assert_true(status_has("vif1.0: dom1 initwait"));
	assert_true(status_has("bridge mica0: 2 vifs, 0 addresses learned"));
}

/* ---------------------------------------------------------------- the data path */

static void test_frame_between_guests(void **state)
{
	struct guest a, b;
	uint8_t f[1514], mac[6];
	unsigned int copies;

	up("1,2", 2);
	guest_connect(&a, 1);
	guest_connect(&b, 2);
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/state"), "4");
	assert_true(status_has("vif2.0: dom2 connected"));

	mac_of(2, mac);
	copies = md_copy_calls;
	assert_int_equal(guest_send(&a, f, frame(f, mac, 1, 0x0800, sizeof(f), 7)), 0);
	run_dom0();
	assert_int_equal(md_copy_calls - copies, 2); /* one TX copy, one RX copy */
	assert_int_equal(guest_poll(&b), 1);
	assert_int_equal(b.got, 1);
	assert_int_equal(b.last_len, sizeof(f));
	assert_memory_equal(b.last, f, sizeof(f));
	assert_int_equal(guest_poll(&a), 0); /* never back to the sender */
	assert_int_equal(netfront_get_stats(a.dev)->tx_errors, 0);
	assert_int_equal(netfront_tx_free(a.dev), NETFRONT_TX_BUFS);

	/* And back. */
	mac_of(1, mac);
	assert_int_equal(guest_send(&b, f, frame(f, mac, 2, 0x0806, 60, 9)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&a), 1);
	assert_memory_equal(a.last, f, 60);
	assert_true(status_has("tx 1 packets 1514 bytes"));
	assert_true(status_has("2 addresses learned"));
	guest_close(&a);
	guest_close(&b);
}

/* dom0's DHCP server on the bridge: a DISCOVER is answered to its sender only, not flooded. */
static void test_dhcp_on_bridge(void **state)
{
	struct guest g[2];
	uint8_t f[400] = {0}, *ip = f + 14, *udp = ip + 20, *b = udp + 8;

	up("1,2", 2);
	guest_connect(&g[0], 1);
	guest_connect(&g[1], 2);
	memcpy(f, bcast, 6);
	mac_of(1, f + 6);
	f[12] = 0x08;
	ip[0] = 0x45, ip[2] = 0x01, ip[3] = 0x74, ip[8] = 64, ip[9] = 17; /* total 372 */
	memset(ip + 16, 0xff, 4);
	udp[1] = 68, udp[3] = 67, udp[4] = 0x01, udp[5] = 0x60; /* length 352 */
	b[0] = 1, b[1] = 1, b[2] = 6, b[4] = 0xca, b[5] = 0xfe;
	mac_of(1, b + 28);
	b[236] = 0x63, b[237] = 0x82, b[238] = 0x53, b[239] = 0x63;
	b[240] = 53, b[241] = 1, b[242] = 1, b[243] = 255; /* DISCOVER */
	assert_int_equal(guest_send(&g[0], f, 14 + 372), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[1]), 0);
	assert_int_equal(guest_poll(&g[0]), 1);
	uint8_t *rb = g[0].last + 14 + 28;

	assert_int_equal(rb[0], 2);   /* BOOTREPLY */
	assert_int_equal(rb[16], 10); /* yiaddr 10.0.0.10 */
	assert_int_equal(rb[19], 10);
	assert_int_equal(rb[242], 2);             /* OFFER */
	assert_memory_equal(g[0].last, f + 6, 6); /* to the client's MAC */
	for (int i = 0; i < 2; i++)
		guest_close(&g[i]);
}

static void test_broadcast_flood(void **state)
{
	struct guest g[3];
	uint8_t f[100];

	up("1,2,3", 3);
	for (int i = 0; i < 3; i++)
		guest_connect(&g[i], i + 1);
	assert_int_equal(guest_send(&g[0], f, frame(f, bcast, 1, 0x0806, sizeof(f), 1)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[0]), 0);
	assert_int_equal(guest_poll(&g[1]), 1);
	assert_int_equal(guest_poll(&g[2]), 1);
	/* Multicast floods too. */
	assert_int_equal(guest_send(&g[1], f, frame(f, (const uint8_t[]){0x01, 0, 0x5e, 0, 0, 1}, 2, 0x0800, 60, 2)),
			 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[0]), 1);
	assert_int_equal(guest_poll(&g[1]), 0);
	assert_int_equal(guest_poll(&g[2]), 1);
	for (int i = 0; i < 3; i++)
		guest_close(&g[i]);
}

static void test_mac_learning(void **state)
{
	struct guest g[3];
	uint8_t f[100], mac[6];

	up("1,2,3", 3);
	for (int i = 0; i < 3; i++)
		guest_connect(&g[i], i + 1);

	/* Unknown unicast floods. */
	mac_of(2, mac);
	assert_int_equal(guest_send(&g[0], f, frame(f, mac, 1, 0x0800, 60, 1)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[1]), 1);
	assert_int_equal(guest_poll(&g[2]), 1);

	/* Once 2 has spoken, frames for it go to its port only. */
	assert_int_equal(guest_send(&g[1], f, frame(f, bcast, 2, 0x0806, 60, 2)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[0]), 1);
	assert_int_equal(guest_poll(&g[2]), 1);
	assert_int_equal(guest_send(&g[0], f, frame(f, mac, 1, 0x0800, 60, 3)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[1]), 1);
	assert_int_equal(guest_poll(&g[2]), 0);
	assert_true(status_has("2 addresses learned"));

	/* A frame for an address learned on the sender's own port is filtered. */
	mac_of(1, mac);
	assert_int_equal(guest_send(&g[0], f, frame(f, mac, 1, 0x0800, 60, 4)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[1]) + guest_poll(&g[2]), 0);

	/* Aged out after 300 s: flooded again. */
	md_now += SECONDS(301);
	mac_of(2, mac);
	assert_int_equal(guest_send(&g[0], f, frame(f, mac, 1, 0x0800, 60, 5)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[1]), 1);
	assert_int_equal(guest_poll(&g[2]), 1);
	assert_true(status_has("1 addresses learned"));

	/* An invalid source (multicast) is dropped, not learned. */
	assert_int_equal(guest_send(&g[0], f, frame(f, bcast, 1, 0x0800, 60, 6)), 0);
	f[6] = 0x01;
	assert_int_equal(guest_send(&g[0], f, 60), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[1]), 1);
	assert_true(status_has("tx 6 packets 360 bytes, 1 dropped, 0 errors"));
	for (int i = 0; i < 3; i++)
		guest_close(&g[i]);
}

static void test_vlans(void **state)
{
	struct guest g[3];
	uint8_t f[100], mac[6];

	up("1:vlan=10,2:vlan=10,3:vlan=20", 3);
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/vlan"), "10");
	for (int i = 0; i < 3; i++)
		guest_connect(&g[i], i + 1);
	assert_int_equal(guest_send(&g[0], f, frame(f, bcast, 1, 0x0806, 60, 1)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[1]), 1);
	assert_int_equal(guest_poll(&g[2]), 0);
	/* Unicast to a known address on another VLAN: never forwarded. */
	mac_of(1, mac);
	assert_int_equal(guest_send(&g[2], f, frame(f, mac, 3, 0x0800, 60, 2)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[0]) + guest_poll(&g[1]), 0);
	/* A guest's own 802.1Q tag on a VLAN port is dropped. */
	assert_int_equal(guest_send(&g[0], f, frame(f, bcast, 1, 0x8100, 64, 3)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&g[1]), 0);
	assert_true(status_has("vlan 10"));
	for (int i = 0; i < 3; i++)
		guest_close(&g[i]);
}

/* More frames than the receiver posted buffers: the rest are dropped and counted. */
static void test_rx_pressure(void **state)
{
	struct guest a, b;
	uint8_t f[200], mac[6];

	up("1,2", 2);
	guest_connect(&a, 1);
	guest_connect(&b, 2);
	mac_of(2, mac);
	frame(f, mac, 1, 0x0800, sizeof(f), 1);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < NETFRONT_TX_BUFS; i++)
			assert_int_equal(guest_send(&a, f, sizeof(f)), 0);
		run_dom0();
		assert_int_equal(guest_poll(&a), 0); /* reclaims the TX buffers */
		assert_int_equal(netfront_tx_free(a.dev), NETFRONT_TX_BUFS);
	}
	assert_int_equal(guest_poll(&b), NETFRONT_RX_BUFS);
	assert_true(status_has("vif2.0: dom2 connected\n  rx 32 packets 6400 bytes, 16 dropped, 0 errors"));
	/* Buffers reposted: traffic flows again. */
	assert_int_equal(guest_send(&a, f, sizeof(f)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&b), 1);
	guest_close(&a);
	guest_close(&b);
}

/* ---------------------------------------------------------------- a hand-written frontend */

struct raw {
	domid_t dom;
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	grant_ref_t tx_ref, rx_ref;
	evtchn_port_t port;
	uint8_t *page; /* TX data, granted read-only */
	grant_ref_t page_ref;
	uint8_t *rx_pages[4];
	grant_ref_t rx_refs[4];
};

static void raw_connect(struct raw *r, domid_t dom, bool rx_copy)
{
	void *txs = alloc_page(), *rxs = alloc_page();

	memset(r, 0, sizeof(*r));
	r->dom = dom;
	md_cur = dom;
	SHARED_RING_INIT((netif_tx_sring_t *)txs);
	SHARED_RING_INIT((netif_rx_sring_t *)rxs);
	FRONT_RING_INIT(&r->tx, (netif_tx_sring_t *)txs, PAGE_SIZE);
	FRONT_RING_INIT(&r->rx, (netif_rx_sring_t *)rxs, PAGE_SIZE);
	r->tx_ref = gnttab_grant_access(0, virt_to_gfn(txs), false);
	r->rx_ref = gnttab_grant_access(0, virt_to_gfn(rxs), false);
	r->page = alloc_page();
	r->page_ref = gnttab_grant_access(0, virt_to_gfn(r->page), true);
	for (int i = 0; i < 4; i++) {
		r->rx_pages[i] = alloc_page();
		r->rx_refs[i] = gnttab_grant_access(0, virt_to_gfn(r->rx_pages[i]), false);
	}
	assert_int_equal(evtchn_alloc_unbound(0, NULL, NULL, &r->port), 0);
	xenbus_printf(XBT_NIL, "device/vif/0", "tx-ring-ref", "%u", r->tx_ref);
	xenbus_printf(XBT_NIL, "device/vif/0", "rx-ring-ref", "%u", r->rx_ref);
	xenbus_printf(XBT_NIL, "device/vif/0", "event-channel", "%u", r->port);
	if (rx_copy)
		xenbus_printf(XBT_NIL, "device/vif/0", "request-rx-copy", "1");
	xenbus_switch_state(XBT_NIL, "device/vif/0", XenbusStateConnected);
	run_dom0();
}

static void raw_close(struct raw *r)
{
	md_cur = r->dom;
	xenbus_switch_state(XBT_NIL, "device/vif/0", XenbusStateClosing);
	run_dom0();
	md_cur = r->dom;
	xenbus_switch_state(XBT_NIL, "device/vif/0", XenbusStateClosed);
	run_dom0();
	free_page(r->tx.sring);
	free_page(r->rx.sring);
	free_page(r->page);
	for (int i = 0; i < 4; i++)
		free_page(r->rx_pages[i]);
}

static void raw_push_tx(struct raw *r, netif_tx_request_t req)
{
	int notify;

	md_cur = r->dom;
	*RING_GET_REQUEST(&r->tx, r->tx.req_prod_pvt) = req;
	r->tx.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r->tx, notify);
	if (notify)
		notify_remote_via_evtchn(r->port);
	md_cur = 0;
}

static netif_tx_response_t raw_tx_rsp(struct raw *r)
{
	assert_true(RING_HAS_UNCONSUMED_RESPONSES(&r->tx));
	return *RING_GET_RESPONSE(&r->tx, r->tx.rsp_cons++);
}

static void raw_post_rx(struct raw *r, uint16_t id, grant_ref_t gref)
{
	netif_rx_request_t *req = RING_GET_REQUEST(&r->rx, r->rx.req_prod_pvt++);

	req->id = id;
	req->gref = gref;
	RING_PUSH_REQUESTS(&r->rx);
}

static void test_malformed_tx(void **state)
{
	struct raw r;
	struct guest a;
	netif_tx_response_t rsp;
	struct netif_extra_info extra = {.type = XEN_NETIF_EXTRA_TYPE_GSO, .flags = 0};
	netif_tx_request_t x;

	up("1,3", 3);
	guest_connect(&a, 1);
	raw_connect(&r, 3, true);
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/3/0/state"), "4");
	frame(r.page, bcast, 3, 0x0806, 4096, 0);
	frame(r.page + 4000, bcast, 3, 0x0806, 96, 0);

	raw_push_tx(&r, (netif_tx_request_t){.gref = 400, .offset = 0, .size = 60, .id = 1}); /* no such grant */
	raw_push_tx(&r, (netif_tx_request_t){.gref = r.tx_ref + 1000, .size = 60, .id = 2});  /* out of range */
	raw_push_tx(&r, (netif_tx_request_t){.gref = r.page_ref, .offset = 0, .size = 5000, .id = 3});   /* > page */
	raw_push_tx(&r, (netif_tx_request_t){.gref = r.page_ref, .offset = 4000, .size = 200, .id = 4}); /* crosses */
	raw_push_tx(&r, (netif_tx_request_t){.gref = r.page_ref, .offset = 0, .size = 10, .id = 5});     /* runt */
	raw_push_tx(&r, (netif_tx_request_t){.gref = r.page_ref, .offset = 0, .size = 1600, .id = 6});   /* > MTU */
	/* A two-slot packet, and one with an extra info slot: refused slot by slot. */
	raw_push_tx(&r, (netif_tx_request_t){.gref = r.page_ref, .size = 60, .flags = NETTXF_more_data, .id = 7});
	raw_push_tx(&r, (netif_tx_request_t){.gref = r.page_ref, .size = 60, .id = 8});
	memset(&x, 0, sizeof(x));
	memcpy(&x, &extra, sizeof(extra));
	raw_push_tx(&r, (netif_tx_request_t){.gref = r.page_ref, .size = 60, .flags = NETTXF_extra_info, .id = 9});
	raw_push_tx(&r, x);
	/* And a good one at the end of the page. */
	raw_push_tx(&r, (netif_tx_request_t){.gref = r.page_ref, .offset = 4000, .size = 96, .id = 10});
	run_dom0();

	for (uint16_t id = 1; id <= 9; id++) {
		rsp = raw_tx_rsp(&r);
		assert_int_equal(rsp.id, id);
		assert_int_equal(rsp.status, NETIF_RSP_ERROR);
	}
	assert_int_equal(raw_tx_rsp(&r).status, NETIF_RSP_NULL);
	rsp = raw_tx_rsp(&r);
	assert_int_equal(rsp.id, 10);
	assert_int_equal(rsp.status, NETIF_RSP_OKAY);
	assert_false(RING_HAS_UNCONSUMED_RESPONSES(&r.tx));
	assert_int_equal(guest_poll(&a), 1);
	assert_int_equal(a.last_len, 96);
	assert_memory_equal(a.last, r.page + 4000, 96);
	assert_true(status_has("vif3.0: dom3 connected\n  rx 0 packets 0 bytes, 0 dropped, 0 errors\n  tx 1 packets 96 "
			       "bytes, 0 dropped, 8 errors"));
	raw_close(&r);
	guest_close(&a);
}

/* RX requests the backend cannot use: an error status in that slot, nothing else harmed. */
static void test_bad_rx_request(void **state)
{
	struct raw r;
	struct guest a;
	uint8_t f[80];

	up("1,3", 3);
	guest_connect(&a, 1);
	raw_connect(&r, 3, true);
	md_cur = 3;
	raw_post_rx(&r, 11, 450);          /* not a grant */
	raw_post_rx(&r, 12, r.page_ref);   /* read-only */
	raw_post_rx(&r, 13, r.rx_refs[0]); /* good */
	md_cur = 0;
	for (int i = 0; i < 4; i++)
		assert_int_equal(guest_send(&a, f, frame(f, bcast, 1, 0x0806, sizeof(f), i)), 0);
	run_dom0();
	for (uint16_t id = 11; id <= 13; id++) {
		netif_rx_response_t rsp;

		assert_true(RING_HAS_UNCONSUMED_RESPONSES(&r.rx));
		rsp = *RING_GET_RESPONSE(&r.rx, r.rx.rsp_cons++);
		assert_int_equal(rsp.id, id);
		assert_int_equal(rsp.status, id == 13 ? (int)sizeof(f) : NETIF_RSP_ERROR);
	}
	assert_false(RING_HAS_UNCONSUMED_RESPONSES(&r.rx));
	assert_memory_equal(r.rx_pages[0], f, 10);
	assert_true(status_has("vif3.0: dom3 connected\n  rx 1 packets 80 bytes, 1 dropped, 2 errors"));
	raw_close(&r);
	guest_close(&a);
}

/* A full TX ring: handled in budgets, every slot answered, nothing overrun. */
static void test_tx_ring_full(void **state)
{
	struct raw r;
	unsigned int n = 0, copies;

	up("3", 3);
	raw_connect(&r, 3, true);
	frame(r.page, bcast, 3, 0x0806, 60, 0);
	copies = md_copy_calls;
	for (uint16_t id = 0; id < RING_SIZE(&r.tx); id++)
		raw_push_tx(&r, (netif_tx_request_t){.gref = r.page_ref, .size = 60, .id = id});
	run_dom0();
	while (RING_HAS_UNCONSUMED_RESPONSES(&r.tx)) {
		assert_int_equal(raw_tx_rsp(&r).status, NETIF_RSP_OKAY);
		n++;
	}
	assert_int_equal(n, 128); /* one budget */
	assert_int_equal(md_copy_calls - copies, 4);
	run_dom0();
	while (RING_HAS_UNCONSUMED_RESPONSES(&r.tx)) {
		assert_int_equal(raw_tx_rsp(&r).id, n);
		n++;
	}
	assert_int_equal(n, RING_SIZE(&r.tx));
	/* Re-armed: the next request notifies. */
	assert_int_equal(r.tx.sring->req_event, r.tx.req_prod_pvt + 1);
	raw_close(&r);
}

static void test_rx_flip_refused(void **state)
{
	struct raw r;

	up("3", 3);
	raw_connect(&r, 3, false);
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/3/0/state"), "5"); /* Closing */
	assert_non_null(strstr(md_xs_get("/local/domain/0/backend/vif/3/0/error"), "rx-flip"));
	assert_int_equal(md_maps, 0);
	assert_true(status_has("(failed)"));
	raw_close(&r);
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/3/0/state"), "6");
}

/* netfront_shutdown: Closing, Closed, back to InitWait; then a new connection works. */
static void test_frontend_close_reconnect(void **state)
{
	struct guest a, b;
	uint8_t f[60];

	up("1,2", 2);
	guest_connect(&a, 1);
	guest_connect(&b, 2);
	guest_close(&b);
	run_dom0(); /* sees the frontend Initialising again */
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/2/0/state"), "2");
	assert_int_equal(md_ports_open(2), 0);
	assert_true(status_has("vif2.0: dom2 initwait"));
	/* Frames for the closed guest are dropped. */
	assert_int_equal(guest_send(&a, f, frame(f, bcast, 1, 0x0806, sizeof(f), 1)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&a), 0);

	guest_connect(&b, 2);
	assert_int_equal(guest_send(&a, f, sizeof(f)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&b), 1);
	guest_close(&a);
	guest_close(&b);
}

/* domain_down with the rings still connected: all released, directories gone; up again. */
static void test_domain_down_up(void **state)
{
	struct guest a;

	up("1", 1);
	guest_connect(&a, 1);
	assert_int_equal(md_maps, 2);
	netback_backend.domain_down(1);
	run_dom0();
	assert_int_equal(md_maps, 0);
	assert_int_equal(md_ports_open(0), 0);
	assert_null(md_xs_get("/local/domain/0/backend/vif/1/0/state"));
	assert_null(md_xs_get("/local/domain/1/device/vif/0/backend"));
	assert_true(status_has("vif1.0: dom1 down"));
	run_dom0(); /* nothing left to run */

	/* The guest's side is gone with its domain; free it as the domain's teardown would. */
	md_cur = 1;
	netfront_shutdown(a.dev);
	md_cur = 0;

	netback_backend.domain_up(1);
	netback_backend.domain_up(1); /* twice is once */
	run_dom0();
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/state"), "2");
	guest_connect(&a, 1);
	guest_close(&a);
}

/* Indexes near 2^32 on both rings. */
static void test_ring_wrap(void **state)
{
	struct guest a, b;
	uint8_t f[60], mac[6];

	netfront_ring_start = 0xffffff00u;
	up("1,2", 2);
	guest_connect(&a, 1);
	guest_connect(&b, 2);
	mac_of(2, mac);
	frame(f, mac, 1, 0x0800, sizeof(f), 1);
	for (int i = 0; i < 600; i++) {
		assert_int_equal(guest_send(&a, f, sizeof(f)), 0);
		run_dom0();
		assert_int_equal(guest_poll(&a), 0);
		assert_int_equal(guest_poll(&b), 1);
	}
	assert_int_equal(netfront_get_stats(b.dev)->rx_packets, 600);
	assert_int_equal(netfront_get_stats(b.dev)->rx_errors, 0);
	guest_close(&a);
	guest_close(&b);
}

/* NETTXF_csum_blank: the bridge completes the UDP checksum before guests that want it whole. */
static void test_csum_blank(void **state)
{
	struct raw r;
	struct guest a;
	uint8_t *f;
	static const uint8_t ip[20] = {0x45, 0, 0, 36, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 3, 10, 0, 0, 1};
	uint32_t sum = 0;

	up("1,3", 3);
	guest_connect(&a, 1);
	raw_connect(&r, 3, true);
	f = r.page;
	frame(f, bcast, 3, 0x0800, 14 + 36, 0);
	memcpy(f + 14, ip, 20);
	/* UDP 1234 -> 80, length 16, 8 bytes of data; the field holds the pseudo-header sum. */
	memcpy(f + 34, (const uint8_t[]){0x04, 0xd2, 0, 80, 0, 16, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, 16);
	sum = 0x0a00 + 0x0003 + 0x0a00 + 0x0001 + 17 + 16;
	f[40] = sum >> 8;
	f[41] = sum & 0xff;
	raw_push_tx(&r, (netif_tx_request_t){.gref = r.page_ref, .size = 50, .flags = NETTXF_csum_blank, .id = 1});
	run_dom0();
	assert_int_equal(raw_tx_rsp(&r).status, NETIF_RSP_OKAY);
	assert_int_equal(guest_poll(&a), 1);
	/* Pseudo-header plus segment sums to 0xffff with the checksum in place. */
	sum = 0x0a00 + 0x0003 + 0x0a00 + 0x0001 + 17 + 16;
	for (int i = 34; i < 50; i += 2)
		sum += a.last[i] << 8 | a.last[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	assert_int_not_equal(a.last[40] << 8 | a.last[41], 0);
	raw_close(&r);
	guest_close(&a);
}

/* network-attach: a second vif of a running domain beside vif 0, bridged; detached while connected. */
static void test_attach_detach(void **state)
{
	static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0xaa, 0xbb, 0x01};
	struct guest a, a1, b;
	uint32_t devid = 99;
	uint8_t f[60];

	up("1,2", 2);
	guest_connect(&a, 1);
	guest_connect(&b, 2);
	assert_int_equal(netback_attach(1, 0, mac, &devid), 0);
	assert_int_equal(devid, 1);
	assert_int_equal(netback_attach(2, 0, mac, &devid), -EEXIST); /* a MAC in use */
	assert_int_equal(netback_attach(0, 0, NULL, &devid), -EINVAL);
	assert_int_equal(netback_attach(1, 4095, NULL, &devid), -EINVAL);
	run_dom0();
	assert_string_equal(md_xs_get("/local/domain/1/device/vif/1/mac"), "00:16:3e:aa:bb:01");
	assert_string_equal(md_xs_get("/local/domain/1/device/vif/1/handle"), "1");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/1/frontend"), "/local/domain/1/device/vif/1");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/1/state"), "2");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/state"), "4"); /* vif 0 untouched */

	memset(&a1, 0, sizeof(a1));
	a1.dom = 1;
	md_cur = 1;
	assert_int_equal(netfront_init(1, guest_rx, &a1, 0, &a1.dev), 0);
	md_cur = 0;
	assert_int_equal(md_maps, 6);
	assert_true(status_has("vif1.1: dom1 connected"));
	/* A broadcast from b reaches both of domain 1's vifs. */
	assert_int_equal(guest_send(&b, f, frame(f, bcast, 2, 0x0806, sizeof(f), 3)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&a), 1);
	assert_int_equal(guest_poll(&a1), 1);

	/* Detach while connected: Closing; the frontend closes; the device is removed. */
	assert_int_equal(netback_detach(1, 1), 0);
	assert_int_equal(netback_detach(1, 1), -EBUSY);
	run_dom0();
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/1/state"), "5");
	md_cur = 1;
	assert_int_equal(netfront_shutdown(a1.dev), 0);
	md_cur = 0;
	run_dom0();
	assert_null(md_xs_get("/local/domain/0/backend/vif/1/1/state"));
	assert_null(md_xs_get("/local/domain/1/device/vif/1/backend"));
	assert_int_equal(md_maps, 4);
	assert_int_equal(netback_detach(1, 1), -ENODEV);
	assert_int_equal(netback_detach(1, 7), -ENODEV);

	/* vif 0 still works; the number is free again. */
	assert_int_equal(guest_send(&b, f, frame(f, bcast, 2, 0x0806, sizeof(f), 4)), 0);
	run_dom0();
	assert_int_equal(guest_poll(&a), 1);
	assert_int_equal(netback_attach(1, 10, NULL, &devid), 0);
	assert_int_equal(devid, 1);
	run_dom0();
	assert_string_equal(md_xs_get("/local/domain/1/device/vif/1/mac"), "00:16:3e:4e:00:01");
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/1/vlan"), "10");
	/* A frontend that never connected: removed at once. */
	assert_int_equal(netback_detach(1, 1), 0);
	run_dom0();
	assert_null(md_xs_get("/local/domain/0/backend/vif/1/1/state"));
	guest_close(&a);
	guest_close(&b);
}

/* Attached vifs go with their domain: the next domain with that id has only the config's. */
static void test_attached_go_with_domain(void **state)
{
	struct guest a;
	uint32_t devid;

	up("1", 1);
	assert_int_equal(netback_attach(1, 0, NULL, &devid), 0);
	assert_int_equal(netback_attach(1, 0, NULL, &devid), 0);
	assert_int_equal(devid, 2);
	run_dom0();
	assert_non_null(md_xs_get("/local/domain/0/backend/vif/1/2/state"));
	netback_backend.domain_down(1);
	run_dom0();
	assert_null(md_xs_get("/local/domain/0/backend/vif/1/1/state"));
	assert_null(md_xs_get("/local/domain/0/backend/vif/1/2/state"));
	netback_backend.domain_up(1);
	run_dom0();
	assert_string_equal(md_xs_get("/local/domain/0/backend/vif/1/0/state"), "2");
	assert_null(md_xs_get("/local/domain/0/backend/vif/1/1/state"));
	assert_true(status_has("bridge mica0: 1 vifs"));
	guest_connect(&a, 1);
	guest_close(&a);
}

static void test_status_truncates(void **state)
{
	char small[16];
	int len;

	up("1,2", 2);
	len = netback_status(small, sizeof(small));
	assert_true(len > (int)sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_true(netback_status(small, 0) == len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_publish, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_frame_between_guests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broadcast_flood, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dhcp_on_bridge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mac_learning, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vlans, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_pressure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_tx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_rx_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_ring_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_flip_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_frontend_close_reconnect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_domain_down_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_wrap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csum_blank, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_status_truncates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_attach_detach, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_attached_go_with_domain, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
