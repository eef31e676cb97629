/*
 * netfront: the frontend of Xen's split network device (xen/io/netif.h) and, on top of it, the
 * guest's network: lwIP (NO_SYS) with one interface over vif 0. See docs/pv-guest-net.md.
 */
#ifndef PV_NETFRONT_H
#define PV_NETFRONT_H

#include <pv/time.h>

#define NETFRONT_MTU 1500
#define NETFRONT_FRAME_MAX (NETFRONT_MTU + 14) /* Ethernet header, no FCS, no VLAN tag */
/* Buffers (one granted page each), powers of two no larger than the rings (256 slots). */
#ifndef NETFRONT_TX_BUFS
#define NETFRONT_TX_BUFS 16
#endif
#ifndef NETFRONT_RX_BUFS
#define NETFRONT_RX_BUFS 32
#endif

struct netfront_dev;

struct netfront_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_ring_full; /* packets not sent: every TX buffer was in flight */
	uint64_t tx_errors;    /* backend answered with an error, or a bad response */
	uint64_t rx_errors;    /* error status, bad offset/length, multi-slot packets */
	uint64_t rx_dropped;   /* the receive callback refused the packet */
	uint64_t events;       /* event channel notifications */
};

/* Called by netfront_poll() for each received frame; the data is valid only during the call.
 * Returns false when it could not take the frame (counted as rx_dropped). */
typedef bool (*netfront_rx_fn)(void *arg, const void *frame, size_t len);

/*
 * Connects to the backend of device/vif/<vif>: reads backend, backend-id and mac, sets up the
 * rings, buffers and event channel, negotiates features, and waits (until deadline, 0 = a
 * default of 10 s) for the backend to connect. Returns 0 or a negative errno (-ENOENT: no such
 * vif; -ETIMEDOUT: the backend never connected).
 */
int netfront_init(unsigned int vif, netfront_rx_fn rx, void *rx_arg, s_time_t deadline, struct netfront_dev **devp);
/* Closing, Closed, then revokes grants, closes the event channel and frees the device. */
int netfront_shutdown(struct netfront_dev *dev);

/*
 * Transmit, in two steps so a caller can copy a scattered packet straight into the slot:
 * netfront_tx_reserve() hands out the next free TX buffer (a page; NULL when every buffer is
 * in flight even after reclaiming, counted in tx_ring_full), netfront_tx_commit() sends the
 * first len bytes of it (len <= NETFRONT_FRAME_MAX; 0 cancels the reservation).
 */
void *netfront_tx_reserve(struct netfront_dev *dev);
int netfront_tx_commit(struct netfront_dev *dev, size_t len);
/* Copies frame into a TX buffer and sends it: 0, -EAGAIN (ring full: dropped), -EMSGSIZE. */
int netfront_xmit(struct netfront_dev *dev, const void *frame, size_t len);

/* Reclaims finished TX buffers, delivers received frames (at most budget, 0 = no limit) and
 * reposts their buffers. Returns the number of frames delivered. Thread context only. */
unsigned int netfront_poll(struct netfront_dev *dev, unsigned int budget);
/* True when responses wait on either ring. */
bool netfront_has_work(struct netfront_dev *dev);
/* Sleeps until the backend signals (or deadline, 0 = none); true if there is work. */
bool netfront_wait(struct netfront_dev *dev, s_time_t deadline);
/* Wakes a thread in netfront_wait() as an event would (e.g. to make it notice a stop). */
void netfront_kick(struct netfront_dev *dev);

void netfront_get_mac(const struct netfront_dev *dev, uint8_t mac[6]);
const struct netfront_stats *netfront_get_stats(const struct netfront_dev *dev);
unsigned int netfront_tx_free(const struct netfront_dev *dev); /* TX buffers not in flight */
const char *netfront_backend(const struct netfront_dev *dev);  /* the backend's store path */

/*
 * The network: lwIP over vif 0.
 * net_start("10.0.0.2/24", "10.0.0.1") configures a static address ("ip=" and "gw=" prefixes
 * are accepted; no "/n" means /24; gw may be NULL); net_start(NULL or "dhcp", NULL) runs DHCP.
 * It starts the "net" thread that polls the rings and lwIP's timers. Returns 0 or -errno.
 */
int net_start(const char *ip_cidr_or_null, const char *gw);
bool net_wait_configured(s_time_t deadline); /* true once the interface has an address */
bool net_configured(void);
/* One round of work: ring responses, then lwIP's timers. The net thread calls it. */
void net_poll(void);
/* "net" status: IP, netmask, gateway, MAC, DHCP or static, counters. Returns the length. */
int net_status(char *buf, size_t size);
/*
 * dom0: lwIP runs on br0, its port on the bridge (pv-guest/dom0/br0.c), not on netfront; the
 * functions above then answer for br0 and net_start() is -EBUSY.
 */
bool net_on_bridge(void);
void net_config_changed(void); /* an interface got its address: wakes net_wait_configured() */
void net_lwip_init(void);      /* lwip_init(), once */
void net_stop(void);           /* the interface down, the frontend closed */

#ifdef PV_HOST_TEST
/* Host tests: ring indexes start here instead of 0, to exercise 32-bit wrap-around. */
extern uint32_t netfront_ring_start;
#endif

#endif
