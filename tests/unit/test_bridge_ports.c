/*
 * The bridge's ports besides the vifs (pv-guest/dom0/netback.c, br0.c): dom0's own lwIP
 * interface br0, and the uplink over a fake NIC (pv/netdev.h). Real netfront guests in the
 * same process (multidom_fake.c); the "LAN" behind the uplink is the test, with dhcpd.c as the
 * LAN's DHCP server.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pv/dhcpd.h>
#include <pv/dom0.h>
#include <pv/netdev.h>
#include <pv/netfront.h>

#include <setjmp.h>

#include <cmocka.h>

#include "../../pv-guest/dom0/br0.h"
#include "../../pv-guest/dom0/bridge.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip_addr.h"
#include "lwip/prot/icmp.h"
#include "lwip/raw.h"
#include "multidom_fake.h"

#define NFRAMES 16

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t br0_mac[6] = BRIDGE_LOCAL_MAC;
static const uint8_t ip_10_0_0_1[4] = {10, 0, 0, 1}, ip_10_0_0_10[4] = {10, 0, 0, 10};
static const uint8_t lan_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}; /* a host behind the uplink */

/* ---------------------------------------------------------------- a fake NIC and its LAN */

static struct lan {
	struct netdev dev;
	bool present, full;
	unsigned int n;
	uint8_t f[NFRAMES][1518];
	size_t len[NFRAMES];
} lan;

static int lan_tx(struct netdev *d, const void *frame, size_t len)
{
	if (lan.full)
		return -EAGAIN;
	assert_true(len <= 1518);
	if (lan.n < NFRAMES) {
		memcpy(lan.f[lan.n], frame, len);
		lan.len[lan.n] = len;
	}
	lan.n++;
	return 0;
}

struct netdev *netdev_find(const char *name)
{
	return lan.present && !strcmp(name, lan.dev.name) ? &lan.dev : NULL;
}

static void lan_reset(bool present)
{
	memset(&lan, 0, sizeof(lan));
	strcpy(lan.dev.name, "eth0");
	memcpy(lan.dev.mac, lan_mac, 6);
	lan.dev.mac[5] = 0x99;
	lan.dev.mtu = 1500;
	lan.dev.link_up = true;
	lan.dev.tx = lan_tx;
	lan.present = present;
}

/* A frame arriving from the LAN: what the NIC driver would hand its user. */
static void lan_send(const void *frame, size_t len)
{
	assert_non_null(lan.dev.rx);
	lan.dev.rx(&lan.dev, frame, len, lan.dev.rx_arg);
}

/* ---------------------------------------------------------------- netfront guests */

struct guest {
	domid_t dom;
	struct netfront_dev *dev;
	unsigned int n;
	uint8_t f[NFRAMES][2048];
	size_t len[NFRAMES];
};

static bool guest_rx(void *arg, const void *frame, size_t len)
{
	struct guest *g = arg;

	if (g->n < NFRAMES) {
		memcpy(g->f[g->n], frame, len);
		g->len[g->n] = len;
	}
	g->n++;
	return true;
}

static void run_dom0(void)
{
	md_cur = 0;
	netback_run_all();
}

static void guest_connect(struct guest *g, domid_t dom)
{
	memset(g, 0, sizeof(*g));
	g->dom = dom;
	md_cur = dom;
	assert_int_equal(netfront_init(0, guest_rx, g, 0, &g->dev), 0);
	md_cur = 0;
}

static void guest_send(struct guest *g, const void *frame, size_t len)
{
	md_cur = g->dom;
	assert_int_equal(netfront_xmit(g->dev, frame, len), 0);
	md_cur = 0;
	run_dom0();
}

/* Polls g; returns how many frames came since the last call (kept in g->f from 0). */
static unsigned int guest_poll(struct guest *g)
{
	g->n = 0;
	md_cur = g->dom;
	netfront_poll(g->dev, 0);
	md_cur = 0;
	return g->n;
}

static void guest_close(struct guest *g)
{
	md_cur = g->dom;
	assert_int_equal(netfront_shutdown(g->dev), 0);
	md_cur = 0;
}

static void mac_of(domid_t dom, uint8_t mac[6])
{
	const uint8_t m[6] = {0x00, 0x16, 0x3e, 0x4d, dom >> 8, dom & 0xff};

	memcpy(mac, m, 6);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static bool status_has(const char *text)
{
	char buf[4096];

	netback_status(buf, sizeof(buf));
	if (!strstr(buf, text)) {
		fprintf(stderr, "status lacks \"%s\":\n%s", text, buf);
		return false;
	}
	return true;
}

/* An ARP packet (op 1 request, 2 reply) in f: 42 bytes. */
static size_t arp(uint8_t *f, const uint8_t *dst, const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa,
		  int op)
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, sha, 6);
	f[12] = 0x08, f[13] = 0x06;
	f[14] = 0, f[15] = 1, f[16] = 8, f[17] = 0, f[18] = 6, f[19] = 4, f[20] = 0, f[21] = (uint8_t)op;
	memcpy(f + 22, sha, 6);
	put32(f + 28, spa);
	memcpy(f + 32, tha, 6);
	put32(f + 38, tpa);
	return 60;
}

/* An ICMP echo request (type 8) or reply (0) from src to dst with 32 bytes of payload. */
static size_t icmp_echo(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t src, uint32_t dst, int type,
			uint16_t seq)
{
	uint8_t *ip = f + 14, *icmp = ip + 20;

	memset(f, 0, 14 + 20 + 8 + 32);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	ip[0] = 0x45, ip[3] = 20 + 8 + 32, ip[8] = 64, ip[9] = 1;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	uint16_t c = inet_chksum(ip, 20);
	memcpy(ip + 10, &c, 2);
	icmp[0] = (uint8_t)type, icmp[4] = 0x12, icmp[5] = 0x34, icmp[6] = seq >> 8, icmp[7] = seq & 0xff;
	memset(icmp + 8, 'p', 32);
	c = inet_chksum(icmp, 40);
	memcpy(icmp + 2, &c, 2);
	return 14 + 20 + 8 + 32;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static int setup(void **state)
{
	md_reset();
	netfront_ring_start = 0;
	md_schedule_hook = run_dom0;
	lan_reset(false);
	return 0;
}

static int teardown(void **state)
{
	br0_stop();
	for (domid_t d = 1; d < MD_DOMS; d++)
		netback_backend.domain_down(d);
	run_dom0();
	assert_int_equal(md_maps, 0);
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

/* ---------------------------------------------------------------- dom0's own port */

/* A domU asks for 10.0.0.1's MAC and pings it: br0 answers both; DHCP still served. */
static void test_domu_pings_dom0(void **state)
{
	struct guest g;
	uint8_t f[128], me[6];

	up("1", 1);
	guest_connect(&g, 1);
	assert_int_equal(br0_start("internal", NULL), 0);
	assert_true(br0_configured());
	assert_true(net_on_bridge());
	assert_true(net_configured());
	assert_int_equal(net_start(NULL, NULL), -EBUSY); /* dom0 has no netfront */
	assert_int_equal(guest_poll(&g), 1);             /* br0's gratuitous ARP, flooded */
	assert_memory_equal(g.f[0], bcast, 6);
	assert_int_equal(rd16(g.f[0] + 12), 0x0806);
	assert_true(status_has("br0: dom0's port"));
	assert_true(status_has("DHCP server on"));

	mac_of(1, me);
	guest_send(&g, f, arp(f, bcast, me, IP(10, 0, 0, 10), (const uint8_t[6]){0}, IP(10, 0, 0, 1), 1));
	br0_poll();
	assert_int_equal(guest_poll(&g), 1);
	assert_memory_equal(g.f[0], me, 6);           /* to us */
	assert_memory_equal(g.f[0] + 6, br0_mac, 6);  /* from br0 */
	assert_int_equal(g.f[0][21], 2);              /* ARP reply */
	assert_memory_equal(g.f[0] + 22, br0_mac, 6); /* 10.0.0.1 is at br0's MAC */

	guest_send(&g, f, icmp_echo(f, br0_mac, me, IP(10, 0, 0, 10), IP(10, 0, 0, 1), 8, 1));
	br0_poll();
	assert_int_equal(guest_poll(&g), 1);
	assert_int_equal(rd16(g.f[0] + 12), 0x0800);
	assert_int_equal(g.f[0][14 + 9], 1);      /* ICMP */
	assert_int_equal(g.f[0][14 + 20], 0);     /* echo reply */
	assert_int_equal(g.f[0][14 + 20 + 7], 1); /* seq 1 */
	assert_memory_equal(g.f[0] + 14 + 12, ip_10_0_0_1, 4);
	assert_true(status_has("br0: dom0's port\n  rx 2 frames")); /* the ARP request and the echo */
	guest_close(&g);
}

static u8_t ping_seen;
static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	ping_seen++;
	pbuf_free(p);
	return 1;
}

/* dom0 pings a domU: ARP request out of br0 (flooded), the guest's reply, then the echo. */
static void test_dom0_pings_domu(void **state)
{
	struct guest a, b;
	uint8_t f[128], me[6];
	struct raw_pcb *pcb;
	ip_addr_t dst;
	struct pbuf *p;

	up("1,2", 2);
	guest_connect(&a, 1);
	guest_connect(&b, 2);
	assert_int_equal(br0_start(NULL, NULL), 0); /* auto, no eth0: internal */
	guest_poll(&a);
	guest_poll(&b);
	mac_of(1, me);

	pcb = raw_new(IP_PROTO_ICMP);
	assert_non_null(pcb);
	raw_recv(pcb, ping_recv, NULL);
	IP_ADDR4(&dst, 10, 0, 0, 10);
	p = pbuf_alloc(PBUF_IP, 40, PBUF_RAM);
	icmp_echo(f, bcast, bcast, 0, 0, 8, 7);
	memcpy(p->payload, f + 34, 40);
	assert_int_equal(raw_sendto(pcb, p, &dst), ERR_OK); /* queued behind ARP */
	pbuf_free(p);
	assert_int_equal(guest_poll(&a), 1);
	assert_int_equal(guest_poll(&b), 1); /* a broadcast: both */
	assert_int_equal(a.f[0][21], 1);     /* who-has */
	assert_memory_equal(a.f[0] + 38, ip_10_0_0_10, 4);

	guest_send(&a, f, arp(f, br0_mac, me, IP(10, 0, 0, 10), br0_mac, IP(10, 0, 0, 1), 2));
	br0_poll();
	assert_int_equal(guest_poll(&a), 1);
	assert_int_equal(guest_poll(&b), 0);  /* learned: unicast to a only */
	assert_int_equal(a.f[0][14 + 20], 8); /* the echo request */
	assert_int_equal(a.f[0][14 + 20 + 7], 7);

	/* The guest answers; lwIP hands the reply to the raw pcb. */
	guest_send(&a, f, icmp_echo(f, br0_mac, me, IP(10, 0, 0, 10), IP(10, 0, 0, 1), 0, 7));
	br0_poll();
	assert_int_equal(ping_seen, 1);
	raw_remove(pcb);
	guest_close(&a);
	guest_close(&b);
}

/* Frames from br0 that the bridge must refuse; a VLAN guest never reaches br0. */
static void test_local_port_refusals(void **state)
{
	struct guest v;
	uint8_t f[1600] = {0}, me[6];

	up("1:vlan=5", 1);
	guest_connect(&v, 1);
	assert_int_equal(br0_start("internal", NULL), 0);
	assert_int_equal(bridge_port_input(BRIDGE_PORT_LOCAL, f, 13), -EINVAL);   /* runt */
	assert_int_equal(bridge_port_input(BRIDGE_PORT_LOCAL, f, 1519), -EINVAL); /* over MTU */
	memcpy(f + 6, bcast, 6);
	assert_int_equal(bridge_port_input(BRIDGE_PORT_LOCAL, f, 60), -EINVAL); /* multicast source */
	assert_int_equal(bridge_port_input(7, f, 60), -EINVAL);                 /* no such port */
	assert_true(status_has("tx 1 frames, 3 dropped"));                      /* the gratuitous ARP went in */
	assert_int_equal(guest_poll(&v), 0);                                    /* ...but not to VLAN 5 */

	mac_of(1, me);
	guest_send(&v, f, arp(f, bcast, me, IP(10, 0, 0, 10), (const uint8_t[6]){0}, IP(10, 0, 0, 1), 1));
	br0_poll();
	assert_int_equal(guest_poll(&v), 0);
	assert_true(status_has("rx 0 frames"));
	assert_int_equal(br0_start("internal", NULL), -EBUSY);
	br0_stop();
	assert_int_equal(br0_start("bridged", NULL), -EINVAL);
	guest_close(&v);
}

/* ---------------------------------------------------------------- the uplink */

/* Fills a DHCP exchange: what br0 sent to the LAN goes through the LAN's server, its answer back. */
static unsigned int lan_dhcp(struct dhcpd *server)
{
	uint8_t reply[DHCPD_REPLY_MAX];
	unsigned int answered = 0, n = lan.n;

	for (unsigned int i = 0; i < n && i < NFRAMES; i++) {
		size_t len = dhcpd_handle(server, lan.f[i], lan.len[i], reply);

		if (len) {
			lan_send(reply, len);
			answered++;
		}
	}
	lan.n = 0;
	return answered;
}

static void test_uplink_dhcp_for_br0(void **state)
{
	struct dhcpd server;
	const uint8_t server_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
	char buf[1024];

	lan_reset(true);
	up("1", 1);
	assert_int_equal(br0_start(NULL, NULL), 0); /* auto: eth0 exists */
	assert_non_null(lan.dev.rx);
	assert_false(br0_configured());
	assert_true(status_has("uplink eth0: link up"));
	assert_true(status_has("DHCP server off"));
	dhcpd_init(&server, IP(10, 0, 2, 0), server_mac);

	assert_int_equal(lan.n, 1); /* DHCPDISCOVER from br0, flooded to the LAN */
	assert_memory_equal(lan.f[0] + 6, br0_mac, 6);
	assert_int_equal(lan_dhcp(&server), 1); /* OFFER */
	br0_poll();                             /* br0 asks: REQUEST */
	assert_int_equal(lan_dhcp(&server), 1); /* ACK */
	br0_poll();
	assert_true(br0_configured());
	assert_int_equal(dhcpd_lease_of(&server, br0_mac), IP(10, 0, 2, 10));
	net_status(buf, sizeof(buf));
	assert_non_null(strstr(buf, "inet 10.0.2.10 netmask 255.255.255.0 gateway 10.0.2.1"));
	assert_non_null(strstr(buf, "uplink eth0"));
}

/* Guests' frames flood to the uplink; replies from the LAN are learned and come back to them. */
static void test_uplink_forwarding(void **state)
{
	struct guest a, b, v;
	uint8_t f[1514], ma[6], mb[6];

	lan_reset(true);
	up("1,2,3:vlan=9", 3);
	guest_connect(&a, 1);
	guest_connect(&b, 2);
	guest_connect(&v, 3);
	assert_int_equal(br0_start("uplink", "eth0"), 0);
	lan.n = 0;
	guest_poll(&a), guest_poll(&b), guest_poll(&v);
	mac_of(1, ma);
	mac_of(2, mb);

	/* A's DHCPDISCOVER: dom0's server is quiet, the LAN gets it. */
	memset(f, 0, 400);
	memcpy(f, bcast, 6);
	memcpy(f + 6, ma, 6);
	f[12] = 0x08, f[14] = 0x45, f[16] = 0x01, f[17] = 0x74, f[22] = 64, f[23] = 17;
	f[34 + 1] = 68, f[34 + 3] = 67, f[34 + 4] = 0x01, f[34 + 5] = 0x60;
	guest_send(&a, f, 14 + 372);
	assert_int_equal(lan.n, 1);
	assert_int_equal(guest_poll(&a), 0); /* no answer from dom0 */
	assert_int_equal(guest_poll(&b), 1); /* flooded */

	/* Unicast to the unknown LAN host: flooded (uplink and B). */
	lan.n = 0;
	memcpy(f, lan_mac, 6);
	f[12] = 0x08, f[13] = 0x00;
	guest_send(&a, f, 200);
	assert_int_equal(lan.n, 1);
	assert_int_equal(guest_poll(&b), 1);
	assert_int_equal(guest_poll(&v), 0); /* VLAN 9 never sees the LAN */

	/* The LAN host answers A: learned behind the uplink, delivered to A only. */
	memcpy(f, ma, 6);
	memcpy(f + 6, lan_mac, 6);
	memset(f + 14, 0x5a, 100);
	lan_send(f, 114);
	assert_int_equal(guest_poll(&a), 1);
	assert_int_equal(a.len[0], 114);
	assert_memory_equal(a.f[0], f, 114);
	assert_int_equal(guest_poll(&b), 0);
	assert_int_equal(guest_poll(&v), 0);

	/* Now A's unicast to it goes to the uplink only. */
	lan.n = 0;
	memcpy(f, lan_mac, 6);
	memcpy(f + 6, ma, 6);
	guest_send(&a, f, 300);
	assert_int_equal(lan.n, 1);
	assert_int_equal(lan.len[0], 300);
	assert_int_equal(guest_poll(&b), 0);

	/* A to B stays off the uplink (both learned). */
	memcpy(f, mb, 6);
	guest_send(&b, (uint8_t[60]){0x00, 0x16, 0x3e, 0x4d, 0x00, 0x01, 0x00, 0x16, 0x3e, 0x4d, 0x00, 0x02, 8, 0}, 60);
	lan.n = 0;
	guest_send(&a, f, 300);
	assert_int_equal(lan.n, 0);
	assert_int_equal(guest_poll(&b), 1);
	assert_int_equal(guest_poll(&a), 1); /* B's frame that taught the bridge where B is */

	/* From the LAN: tagged, runt, multicast source: dropped and counted. */
	memcpy(f, ma, 6);
	memcpy(f + 6, lan_mac, 6);
	f[12] = 0x81, f[13] = 0x00;
	lan_send(f, 100);
	lan_send(f, 10);
	memcpy(f + 6, bcast, 6);
	f[12] = 0x08;
	lan_send(f, 100);
	assert_int_equal(guest_poll(&a), 0);
	assert_true(status_has("in 1 frames, 3 dropped"));

	/* A full NIC queue: dropped, counted. */
	lan.full = true;
	memcpy(f, lan_mac, 6);
	memcpy(f + 6, ma, 6);
	guest_send(&a, f, 100);
	assert_true(status_has("dropped\n  in"));
	lan.full = false;

	/* A LAN broadcast reaches every untagged port: A, B and br0. */
	memcpy(f, bcast, 6);
	memcpy(f + 6, lan_mac, 6);
	lan_send(f, 100);
	assert_int_equal(guest_poll(&a), 1);
	assert_int_equal(guest_poll(&b), 1);
	assert_int_equal(guest_poll(&v), 0);
	br0_stop();
	assert_null(lan.dev.rx);
	guest_close(&a);
	guest_close(&b);
	guest_close(&v);
}

/* bridge=uplink without the NIC: internal; bridge=internal with it: the NIC stays off. */
static void test_uplink_modes(void **state)
{
	up("", 0);
	assert_int_equal(br0_start("uplink", "eth7"), 0);
	assert_true(br0_configured()); /* 10.0.0.1 */
	assert_true(status_has("DHCP server on"));
	br0_stop();
	lan_reset(true);
	assert_int_equal(br0_start("internal", NULL), 0);
	assert_null(lan.dev.rx);
	assert_int_equal(lan.n, 0);
	assert_true(status_has("DHCP server on"));
	br0_stop();
	assert_int_equal(bridge_attach_uplink(NULL), -EINVAL);
	assert_int_equal(bridge_attach_uplink(&lan.dev), 0);
	assert_int_equal(bridge_attach_uplink(&lan.dev), -EBUSY);
	bridge_detach_ports();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_domu_pings_dom0, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dom0_pings_domu, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_local_port_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uplink_dhcp_for_br0, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uplink_forwarding, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uplink_modes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
