/*
 * The guest's network: lwIP (NO_SYS=1) with one interface, en0, over netfront vif 0. All of
 * lwIP runs in the "net" thread: it sleeps until the backend signals or lwIP's next timeout,
 * then polls the rings (received frames go to netif->input) and runs the timeouts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/netfront.h>
#include <pv/sched.h>
#ifndef PV_HOST_TEST
#include <pv/arch.h>
#include <pv/setup.h>
#endif

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define NET_RX_BUDGET 64         /* frames per poll before timers and other threads get a turn */
#define NET_IDLE_WAKE SECONDS(1) /* longest sleep when lwIP has no timeout pending */

static struct netif net_if;
static struct netfront_dev *net_dev;
static bool net_dhcp;
static volatile bool net_running, net_thread_alive;
static struct wait_queue net_config_wq = WAIT_QUEUE_INIT;
static struct wait_queue net_thread_wq = WAIT_QUEUE_INIT;

/* dom0's image: lwIP's interface is br0, dom0's port on its bridge (pv-guest/dom0/br0.c). */
extern bool br0_running(void) __attribute__((weak));
extern bool br0_configured(void) __attribute__((weak));
extern int br0_status(char *buf, size_t size) __attribute__((weak));

bool net_on_bridge(void)
{
	return br0_running && br0_running();
}

void net_config_changed(void)
{
	wake_up(&net_config_wq);
}

void net_lwip_init(void)
{
	static bool lwip_ready;

	if (!lwip_ready) {
		lwip_init();
		lwip_ready = true;
	}
}

/* ---------------------------------------------------------------- the netif glue */

/* netfront -> lwIP: copies the frame into pool pbufs (the RX page is reposted afterwards). */
static bool net_rx(void *arg, const void *frame, size_t len)
{
	struct netif *netif = arg;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);

	if (!p)
		return false;
	pbuf_take(p, frame, len);
	if (netif->input(p, netif) != ERR_OK) {
		pbuf_free(p);
		return false;
	}
	return true;
}

/* lwIP -> netfront: the frame, possibly a pbuf chain, copied into one granted TX page. */
static err_t net_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct netfront_dev *dev = netif->state;
	void *buf;

	if (p->tot_len > NETFRONT_FRAME_MAX)
		return ERR_BUF;
	buf = netfront_tx_reserve(dev);
	if (!buf)
		return ERR_MEM; /* every TX buffer in flight: dropped, counted in tx_ring_full */
	pbuf_copy_partial(p, buf, p->tot_len, 0);
	return netfront_tx_commit(dev, p->tot_len) ? ERR_IF : ERR_OK;
}

static err_t net_netif_init(struct netif *netif)
{
	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->output = etharp_output;
	netif->linkoutput = net_linkoutput;
	netif->mtu = NETFRONT_MTU;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	netfront_get_mac(netif->state, netif->hwaddr);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	netif_set_hostname(netif, "mica-pv");
	return ERR_OK;
}

static void net_status_changed(struct netif *netif)
{
	char ip[16];

	if (!net_configured())
		return;
	ip4addr_ntoa_r(netif_ip4_addr(netif), ip, sizeof(ip));
	printk("net: %c%c%u up, address %s (%s)\n", netif->name[0], netif->name[1], netif->num, ip,
	       net_dhcp ? "dhcp" : "static");
#ifndef PV_HOST_TEST
	if (kernel_opt("bench")) {
		extern uint64_t entry_tsc;

		/* bench/pv-guest.sh: under QEMU -icount shift=0 TSC cycles are instructions (and idle time). */
		printk("pv-guest: bench: entry to configured network: %lu TSC cycles, %lld us of system time\n",
		       (unsigned long)(rdtsc() - entry_tsc), (long long)((NOW() - boot_time()) / 1000));
	}
#endif
	wake_up(&net_config_wq);
}

/* ---------------------------------------------------------------- the net thread */

void net_poll(void)
{
	if (!net_dev)
		return;
	netfront_poll(net_dev, NET_RX_BUDGET);
	sys_check_timeouts();
}

static void net_thread(void *arg)
{
	net_thread_alive = true;
	while (net_running) {
		u32_t ms = sys_timeouts_sleeptime();
		s_time_t wait =
		    ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? NET_IDLE_WAKE : MIN(MILLISECS(ms), NET_IDLE_WAKE);

		if (wait > 0)
			netfront_wait(net_dev, NOW() + wait);
		if (!net_running)
			break;
		net_poll();
		if (netfront_has_work(net_dev))
			yield(); /* more than a budget's worth: let other threads run between rounds */
	}
	net_thread_alive = false;
	wake_up(&net_thread_wq);
}

/* ---------------------------------------------------------------- configuration */

static const char *skip_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : s;
}

/* "a.b.c.d" or "a.b.c.d/n" (n in 0..32; absent means /24). */
static int parse_cidr(const char *s, ip4_addr_t *addr, ip4_addr_t *mask)
{
	char buf[32];
	char *slash, *end;
	unsigned long bits = 24;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		bits = strtoul(slash + 1, &end, 10);
		if (end == slash + 1 || *end || bits > 32)
			return -EINVAL;
	}
	if (!ip4addr_aton(buf, addr))
		return -EINVAL;
	ip4_addr_set_u32(mask, bits ? lwip_htonl(0xffffffffUL << (32 - bits)) : 0);
	return 0;
}

int net_start(const char *ip_cidr_or_null, const char *gw)
{
	ip4_addr_t addr, mask, gateway;
	int err;

	if (net_dev || net_on_bridge())
		return -EBUSY;
	ip4_addr_set_zero(&addr);
	ip4_addr_set_zero(&mask);
	ip4_addr_set_zero(&gateway);
	if (ip_cidr_or_null)
		ip_cidr_or_null = skip_prefix(ip_cidr_or_null, "ip=");
	net_dhcp = !ip_cidr_or_null || !*ip_cidr_or_null || strcmp(ip_cidr_or_null, "dhcp") == 0;
	if (!net_dhcp && parse_cidr(ip_cidr_or_null, &addr, &mask)) {
		printk("net: bad address \"%s\" (want a.b.c.d/n)\n", ip_cidr_or_null);
		return -EINVAL;
	}
	if (gw && *(gw = skip_prefix(gw, "gw=")) && !ip4addr_aton(gw, &gateway)) {
		printk("net: bad gateway \"%s\"\n", gw);
		return -EINVAL;
	}
	net_lwip_init();
	err = netfront_init(0, net_rx, &net_if, 0, &net_dev);
	if (err)
		return err;
	if (!netif_add(&net_if, &addr, &mask, &gateway, net_dev, net_netif_init, ethernet_input)) {
		netfront_shutdown(net_dev);
		net_dev = NULL;
		return -ENOMEM;
	}
	netif_set_status_callback(&net_if, net_status_changed);
	netif_set_default(&net_if);
	netif_set_up(&net_if);
	if (net_dhcp && dhcp_start(&net_if) != ERR_OK)
		printk("net: cannot start DHCP\n");
	net_running = true;
	if (!create_thread("net", net_thread, NULL)) {
		net_stop();
		return -ENOMEM;
	}
	return 0;
}

bool net_configured(void)
{
	if (net_on_bridge())
		return br0_configured();
	return net_dev && netif_is_up(&net_if) && !ip4_addr_isany_val(*netif_ip4_addr(&net_if));
}

bool net_wait_configured(s_time_t deadline)
{
	return wait_event_deadline(net_config_wq, net_configured(), deadline);
}

void net_stop(void)
{
	struct netfront_dev *dev = net_dev;

	if (!dev)
		return;
	if (net_dhcp)
		dhcp_release_and_stop(&net_if);
	netif_set_down(&net_if);
	netif_remove(&net_if);
	net_running = false;
	netfront_kick(dev);
	wait_event(net_thread_wq, !net_thread_alive);
	net_dev = NULL;
	netfront_shutdown(dev);
}

/* ---------------------------------------------------------------- status for the shell */

int net_status(char *buf, size_t size)
{
	const struct netfront_stats *st;
	char ip[16], mask[16], gw[16];
	uint8_t mac[6];

	if (net_on_bridge())
		return br0_status(buf, size);
	if (!net_dev)
		return snprintf(buf, size, "net: not started\n");
	st = netfront_get_stats(net_dev);
	netfront_get_mac(net_dev, mac);
	ip4addr_ntoa_r(netif_ip4_addr(&net_if), ip, sizeof(ip));
	ip4addr_ntoa_r(netif_ip4_netmask(&net_if), mask, sizeof(mask));
	ip4addr_ntoa_r(netif_ip4_gw(&net_if), gw, sizeof(gw));
	return snprintf(buf, size,
			"%c%c%u: %s, %s%s, mtu %u, backend %s\n"
			"  mac %02x:%02x:%02x:%02x:%02x:%02x\n"
			"  inet %s netmask %s gateway %s\n"
			"  rx %llu packets %llu bytes, %llu errors, %llu dropped\n"
			"  tx %llu packets %llu bytes, %llu errors, %llu ring full\n"
			"  events %llu, tx buffers free %u/%u\n",
			net_if.name[0], net_if.name[1], net_if.num, netif_is_up(&net_if) ? "up" : "down",
			net_dhcp ? "dhcp" : "static", net_dhcp && !net_configured() ? " (no lease yet)" : "",
			net_if.mtu, netfront_backend(net_dev), mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], ip, mask,
			gw, (unsigned long long)st->rx_packets, (unsigned long long)st->rx_bytes,
			(unsigned long long)st->rx_errors, (unsigned long long)st->rx_dropped,
			(unsigned long long)st->tx_packets, (unsigned long long)st->tx_bytes,
			(unsigned long long)st->tx_errors, (unsigned long long)st->tx_ring_full,
			(unsigned long long)st->events, netfront_tx_free(net_dev), NETFRONT_TX_BUFS);
}
