/*
 * dom0's bridge, the forwarding (docs/dom0-netback.md): frames from the vifs (with dom0's DHCP
 * server on the untagged ones), from dom0's own port (br0) and from the uplink go to the learned
 * port or flood their VLAN; into a vif through netback's RX batch (netback.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/dhcpd.h>
#include <pv/netdev.h>

#include "bridge.h"
#include "netback.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool ether_addr_valid(const uint8_t *a)
{
	static const uint8_t zero[ETH_ALEN];

	return !(a[0] & 1) && memcmp(a, zero, ETH_ALEN) != 0;
}

/*
 * dom0's DHCP server on the untagged bridge (pv/dhcpd.h): 10.0.0.0/24, server and router
 * 10.0.0.1, guests from 10.0.0.10. A request is answered straight into the asking vif (the
 * reply buffer is 1 KiB aligned: one page, as a grant copy source must be) and not forwarded.
 */
static struct dhcpd dhcp;
/* dhcp_on: set up (the bridge's buffers and tables too); dhcp_serve: off when the LAN has one. */
static bool dhcp_on, dhcp_serve = true;
static const uint8_t dhcp_mac[ETH_ALEN] = BRIDGE_LOCAL_MAC; /* br0's: the server is dom0 */

static bool dhcp_input(struct netback_vif *src, const uint8_t *frame, unsigned int len)
{
	static uint8_t reply[DHCPD_REPLY_MAX] __attribute__((aligned(1024)));
	unsigned int ihl;
	size_t n;

	if (!dhcp_on || !dhcp_serve || src->vlan || len < ETH_HLEN + 20 || rd16(frame + 12) != ETH_P_IP ||
	    frame[ETH_HLEN + 9] != 17)
		return false;
	ihl = (frame[ETH_HLEN] & 0xfu) * 4;
	if (len < ETH_HLEN + ihl + 8 || rd16(frame + ETH_HLEN + ihl + 2) != 67)
		return false;
	n = dhcpd_handle(&dhcp, frame, len, reply);
	if (n) {
		nb_rx_enqueue(src, reply, (unsigned int)n, false);
		nb_rx_flush(); /* the buffer is reused by the next request */
	}
	return true;
}

/*
 * The bridge's ports besides the vifs (bridge.h): dom0's own interface (br0, untagged) and the
 * uplink, a NIC (pv/netdev.h) that gets every frame not for a known local port (untagged only:
 * VLAN ports never reach the LAN).
 */
static struct {
	bool attached;
	uint8_t mac[ETH_ALEN];
	void (*deliver)(const void *frame, size_t len);
	struct bridge_port_stats stats;
} local_port;
static struct {
	struct netdev *dev;
	struct bridge_port_stats stats;
} uplink_port;

static void port_deliver(unsigned int port, const uint8_t *frame, unsigned int len)
{
	if (port == BRIDGE_PORT_LOCAL && local_port.attached) {
		local_port.stats.rx_frames++;
		local_port.deliver(frame, len);
	} else if (port == BRIDGE_PORT_UPLINK && uplink_port.dev) {
		if (uplink_port.dev->tx(uplink_port.dev, frame, len) == 0)
			uplink_port.stats.rx_frames++;
		else
			uplink_port.stats.rx_dropped++;
	}
}

/* Forwards a frame from port src (on vlan): to the learned port, or flooded over the VLAN. */
static void bridge_forward(unsigned int src, uint16_t vlan, const uint8_t *frame, unsigned int len, bool validated)
{
	const uint8_t *dst = frame;
	int port = -1;

	if (!(dst[0] & 1)) {
		if (local_port.attached && !vlan && !memcmp(dst, local_port.mac, ETH_ALEN))
			port = BRIDGE_PORT_LOCAL;
		else
			port = fdb_lookup(dst, vlan);
	}
	if (port >= 0) {
		if ((unsigned int)port == src)
			return;
		if ((unsigned int)port < nb_nr_vifs)
			nb_rx_enqueue(&nb_vifs[port], frame, len, validated);
		else
			port_deliver((unsigned int)port, frame, len);
		return;
	}
	for (unsigned int i = 0; i < nb_nr_vifs; i++)
		if (i != src && nb_vifs[i].vlan == vlan && nb_vifs[i].connected)
			nb_rx_enqueue(&nb_vifs[i], frame, len, validated);
	if (!vlan && src != BRIDGE_PORT_LOCAL)
		port_deliver(BRIDGE_PORT_LOCAL, frame, len);
	if (!vlan && src != BRIDGE_PORT_UPLINK)
		port_deliver(BRIDGE_PORT_UPLINK, frame, len);
}

/* A frame from src's guest: learn its source, forward to the learned port or flood its VLAN. */
void bridge_input(struct netback_vif *src, const uint8_t *frame, unsigned int len, bool validated)
{
	const uint8_t *sa = frame + ETH_ALEN;

	/* Tags are ours to add on a VLAN port: a guest sending its own would hop VLANs. */
	if (!ether_addr_valid(sa) || (src->vlan && rd16(frame + 12) == ETH_P_8021Q)) {
		src->stats.tx_dropped++;
		return;
	}
	fdb_learn(sa, src->vlan, nb_vif_port(src));
	if (dhcp_input(src, frame, len))
		return;
	bridge_forward(nb_vif_port(src), src->vlan, frame, len, validated);
}

/*
 * A frame from dom0's own port or the uplink (any dom0 thread; threads are cooperative and this
 * never blocks): copied into a buffer a grant copy can take, then learned and forwarded.
 */
int bridge_port_input(unsigned int port, const void *frame, size_t len)
{
	static uint8_t buf[NETBACK_BUF_SIZE] __attribute__((aligned(NETBACK_BUF_SIZE)));
	struct bridge_port_stats *st = port == BRIDGE_PORT_LOCAL ? &local_port.stats : &uplink_port.stats;

	if (port != BRIDGE_PORT_LOCAL && port != BRIDGE_PORT_UPLINK)
		return -EINVAL;
	if (len < ETH_HLEN || len > NETBACK_FRAME_MAX) {
		st->tx_dropped++;
		return -EINVAL;
	}
	memcpy(buf, frame, len);
	/* Untagged ports: a tagged frame would reach a VLAN that is not the LAN's. */
	if (!ether_addr_valid(buf + ETH_ALEN) || rd16(buf + 12) == ETH_P_8021Q) {
		st->tx_dropped++;
		return -EINVAL;
	}
	st->tx_frames++;
	fdb_learn(buf + ETH_ALEN, 0, port);
	bridge_forward(port, 0, buf, (unsigned int)len, false);
	nb_rx_flush(); /* before buf is reused */
	return 0;
}

static void uplink_rx(struct netdev *d, const void *frame, size_t len, void *arg)
{
	bridge_port_input(BRIDGE_PORT_UPLINK, frame, len);
}

int bridge_attach_local(const uint8_t mac[ETH_ALEN], void (*deliver)(const void *frame, size_t len))
{
	int err = netback_setup(false);

	if (err)
		return err;
	if (!deliver || !ether_addr_valid(mac))
		return -EINVAL;
	memcpy(local_port.mac, mac, ETH_ALEN);
	local_port.deliver = deliver;
	memset(&local_port.stats, 0, sizeof(local_port.stats));
	local_port.attached = true;
	return 0;
}

int bridge_attach_uplink(struct netdev *d)
{
	int err = netback_setup(false);

	if (err)
		return err;
	if (uplink_port.dev)
		return -EBUSY;
	if (!d || !d->tx)
		return -EINVAL;
	memset(&uplink_port.stats, 0, sizeof(uplink_port.stats));
	d->rx_arg = NULL;
	d->rx = uplink_rx;
	uplink_port.dev = d;
	return 0;
}

void bridge_detach_ports(void)
{
	if (uplink_port.dev)
		uplink_port.dev->rx = NULL;
	uplink_port.dev = NULL;
	local_port.attached = false;
	fdb_flush_port(BRIDGE_PORT_LOCAL);
	fdb_flush_port(BRIDGE_PORT_UPLINK);
}

int bridge_ports_status(char *buf, size_t size)
{
	size_t len = 0;

#define OUT(...)                                                                             \
	do {                                                                                 \
		int n_ = snprintf(buf + MIN(len, size), size - MIN(len, size), __VA_ARGS__); \
		len += n_ > 0 ? (size_t)n_ : 0;                                              \
	} while (0)
	if (local_port.attached)
		OUT("br0: dom0's port\n  rx %llu frames\n  tx %llu frames, %llu dropped\n",
		    (unsigned long long)local_port.stats.rx_frames, (unsigned long long)local_port.stats.tx_frames,
		    (unsigned long long)local_port.stats.tx_dropped);
	if (uplink_port.dev)
		OUT("uplink %s: %s\n  out %llu frames, %llu dropped\n  in %llu frames, %llu dropped\n",
		    uplink_port.dev->name, uplink_port.dev->link_up ? "link up" : "link down",
		    (unsigned long long)uplink_port.stats.rx_frames, (unsigned long long)uplink_port.stats.rx_dropped,
		    (unsigned long long)uplink_port.stats.tx_frames, (unsigned long long)uplink_port.stats.tx_dropped);
#undef OUT
	return (int)len;
}

/* The learning table and the DHCP server, once (fresh: a new bridge); true when set up now. */
bool bridge_setup(bool fresh)
{
	if (fresh)
		dhcp_on = false; /* a fresh bridge */
	if (dhcp_on)
		return false;
	fdb_reset();
	dhcpd_init(&dhcp, 0x0a000000u, dhcp_mac);
	dhcp_on = true;
	return true;
}

bool bridge_dhcpd_serving(void)
{
	return dhcp_serve;
}

void bridge_set_dhcpd(bool serve)
{
	dhcp_serve = serve;
}
