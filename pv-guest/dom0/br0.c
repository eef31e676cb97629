/*
 * br0: dom0's own interface, an lwIP netif that is a port of its bridge like a vif
 * (docs/dom0-netback.md). Internal bridge: the static address 10.0.0.1/24, the DHCP server's.
 * With an uplink (a NIC, pv/netdev.h) on the bridge: an address by DHCP from the LAN, and dom0's
 * DHCP server quiet. The bridge hands frames over from any thread into a queue; the "br0"
 * thread feeds them to lwIP and runs its timers: all of lwIP runs there or in threads that call
 * it without blocking (pv-guest's rule, docs/pv-guest-net.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/netdev.h>
#include <pv/netfront.h>
#include <pv/sched.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "br0.h"
#include "bridge.h"

#define BR0_QUEUE 32              /* frames from the bridge waiting for the br0 thread */
#define BR0_FRAME_MAX (1500 + 14) /* untagged Ethernet, no FCS */
#define BR0_IDLE_WAKE SECONDS(1)  /* longest sleep when lwIP has no timeout pending */
#define BR0_INTERNAL_ADDR "10.0.0.1"
#define BR0_INTERNAL_MASK "255.255.255.0"

static struct netif br0_if;
static const uint8_t br0_mac[ETH_ALEN] = BRIDGE_LOCAL_MAC;
static struct netdev *br0_uplink;
static bool br0_started, br0_dhcp, br0_thread_made;
static struct wait_queue br0_wq = WAIT_QUEUE_INIT;

static struct br0_frame {
	uint16_t len;
	uint8_t data[BR0_FRAME_MAX];
} br0_queue[BR0_QUEUE];
static unsigned int br0_head, br0_tail; /* free-running: head - tail frames queued */
static unsigned long br0_dropped, br0_rx_nomem;

/* ---------------------------------------------------------------- the bridge port */

/* The bridge -> br0, from any thread: a copy queued for the br0 thread, dropped when full. */
static void br0_deliver(const void *frame, size_t len)
{
	struct br0_frame *f;

	if (len > BR0_FRAME_MAX || br0_head - br0_tail == BR0_QUEUE) {
		br0_dropped++;
		return;
	}
	f = &br0_queue[br0_head % BR0_QUEUE];
	memcpy(f->data, frame, len);
	f->len = (uint16_t)len;
	br0_head++;
	wake_up(&br0_wq);
}

/* lwIP -> the bridge: the pbuf chain gathered into one frame; the bridge copies it at once. */
static err_t br0_linkoutput(struct netif *netif, struct pbuf *p)
{
	static uint8_t buf[BR0_FRAME_MAX];

	if (p->tot_len > sizeof(buf))
		return ERR_BUF;
	pbuf_copy_partial(p, buf, p->tot_len, 0);
	return bridge_port_input(BRIDGE_PORT_LOCAL, buf, p->tot_len) ? ERR_IF : ERR_OK;
}

static err_t br0_netif_init(struct netif *netif)
{
	netif->name[0] = 'b';
	netif->name[1] = 'r';
	netif->output = etharp_output;
	netif->linkoutput = br0_linkoutput;
	netif->mtu = 1500;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, br0_mac, ETH_ALEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	netif_set_hostname(netif, "mica-dom0");
	return ERR_OK;
}

/* ---------------------------------------------------------------- the br0 thread */

void br0_poll(void)
{
	while (br0_tail != br0_head) {
		struct br0_frame *f = &br0_queue[br0_tail % BR0_QUEUE];
		struct pbuf *p = pbuf_alloc(PBUF_RAW, f->len, PBUF_POOL);

		if (p) {
			pbuf_take(p, f->data, f->len);
			if (br0_if.input(p, &br0_if) != ERR_OK)
				pbuf_free(p);
		} else {
			br0_rx_nomem++;
		}
		br0_tail++;
	}
	sys_check_timeouts();
}

static void br0_thread(void *arg)
{
	for (;;) {
		u32_t ms = sys_timeouts_sleeptime();
		s_time_t wait =
		    ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? BR0_IDLE_WAKE : MIN(MILLISECS(ms), BR0_IDLE_WAKE);

		if (wait > 0)
			wait_event_deadline(br0_wq, br0_head != br0_tail, NOW() + wait);
		br0_poll();
	}
}

/* ---------------------------------------------------------------- configuration */

bool br0_running(void)
{
	return br0_started;
}

bool br0_configured(void)
{
	return br0_started && netif_is_up(&br0_if) && !ip4_addr_isany_val(*netif_ip4_addr(&br0_if));
}

static void br0_status_changed(struct netif *netif)
{
	char ip[16];
	unsigned int bits = 0;

	if (!br0_configured())
		return;
	ip4addr_ntoa_r(netif_ip4_addr(netif), ip, sizeof(ip));
	for (uint32_t m = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(netif))); m & 0x80000000u; m <<= 1)
		bits++;
	if (br0_uplink)
		printk("br0: %s/%u via DHCP (uplink %s)\n", ip, bits, br0_uplink->name);
	else
		printk("br0: %s/%u static (internal bridge, DHCP server on)\n", ip, bits);
	net_config_changed();
}

/* "uplink", "internal", or NULL/"auto" (an uplink when eth0 exists): 0 or -errno. */
int br0_start(const char *mode, const char *nic)
{
	ip4_addr_t addr, mask, gw;
	struct netdev *d = NULL;
	int err;

	if (br0_started)
		return -EBUSY;
	if (!nic)
		nic = "eth0";
	if (mode && strcmp(mode, "auto") && strcmp(mode, "uplink") && strcmp(mode, "internal")) {
		printk("br0: bridge=%s: want uplink, internal or auto\n", mode);
		return -EINVAL;
	}
	if (!mode || strcmp(mode, "internal")) {
		d = netdev_find(nic);
		if (!d && mode && !strcmp(mode, "uplink"))
			printk("br0: bridge=uplink: no network device %s; the bridge stays internal\n", nic);
	}
	err = bridge_attach_local(br0_mac, br0_deliver);
	if (!err && d)
		err = bridge_attach_uplink(d);
	if (err) {
		bridge_detach_ports();
		return err;
	}
	br0_uplink = d;
	br0_dhcp = d != NULL;
	bridge_set_dhcpd(!br0_dhcp); /* the LAN has its own DHCP server */
	br0_head = br0_tail = 0;
	net_lwip_init();
	ip4_addr_set_zero(&addr);
	ip4_addr_set_zero(&mask);
	ip4_addr_set_zero(&gw);
	if (!br0_dhcp) {
		ip4addr_aton(BR0_INTERNAL_ADDR, &addr);
		ip4addr_aton(BR0_INTERNAL_MASK, &mask);
	}
	if (!netif_add(&br0_if, &addr, &mask, &gw, NULL, br0_netif_init, ethernet_input)) {
		bridge_detach_ports();
		return -ENOMEM;
	}
	br0_started = true;
	netif_set_status_callback(&br0_if, br0_status_changed);
	netif_set_default(&br0_if);
	netif_set_up(&br0_if);
	if (br0_dhcp && dhcp_start(&br0_if) != ERR_OK)
		printk("br0: cannot start DHCP\n");
	if (!br0_thread_made && !(br0_thread_made = create_thread("br0", br0_thread, NULL) != NULL))
		printk("br0: no thread\n");
	return 0;
}

int br0_status(char *buf, size_t size)
{
	char ip[16], mask[16], gw[16];

	if (!br0_started)
		return snprintf(buf, size, "br0: not started\n");
	ip4addr_ntoa_r(netif_ip4_addr(&br0_if), ip, sizeof(ip));
	ip4addr_ntoa_r(netif_ip4_netmask(&br0_if), mask, sizeof(mask));
	ip4addr_ntoa_r(netif_ip4_gw(&br0_if), gw, sizeof(gw));
	return snprintf(buf, size,
			"br0: %s, %s%s, mtu %u, bridge mica0%s%s\n"
			"  mac %02x:%02x:%02x:%02x:%02x:%02x\n"
			"  inet %s netmask %s gateway %s\n"
			"  rx queue dropped %lu, no pbuf %lu\n",
			netif_is_up(&br0_if) ? "up" : "down", br0_dhcp ? "dhcp" : "static",
			br0_dhcp && !br0_configured() ? " (no lease yet)" : "", br0_if.mtu,
			br0_uplink ? ", uplink " : " (internal)", br0_uplink ? br0_uplink->name : "", br0_mac[0],
			br0_mac[1], br0_mac[2], br0_mac[3], br0_mac[4], br0_mac[5], ip, mask, gw, br0_dropped,
			br0_rx_nomem);
}

/* The ports off the bridge and br0 gone from lwIP (host tests start it afresh). */
void br0_stop(void)
{
	if (!br0_started)
		return;
	if (br0_dhcp)
		dhcp_stop(&br0_if);
	netif_set_down(&br0_if);
	netif_remove(&br0_if);
	bridge_detach_ports();
	bridge_set_dhcpd(true);
	br0_uplink = NULL;
	br0_started = false;
}
