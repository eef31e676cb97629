/*
 * netback's parts (docs/dom0-netback.md): the data path, connection and threads (netback.c);
 * the vifs' configuration, attach/detach and status (netback_vifs.c); the bridge's forwarding
 * and its ports besides the vifs (bridge_ports.c).
 */
#ifndef PV_DOM0_NETBACK_H
#define PV_DOM0_NETBACK_H

#include <pv/dom0.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

#include <xen/io/netif.h>

#include "bridge.h"

#define NETBACK_MAX_VIFS 16
#define NETBACK_BRIDGE "mica0"
#define NETBACK_BUF_SIZE 2048 /* a dom0 frame buffer: half a page, never crossing one */

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_8021Q 0x8100
#define VLAN_HLEN 4
#define NETBACK_FRAME_MAX (1500 + ETH_HLEN + VLAN_HLEN)

struct netback_stats {
	uint64_t rx_packets, rx_bytes; /* delivered to the guest */
	uint64_t tx_packets, tx_bytes; /* taken from the guest */
	uint64_t rx_dropped;           /* no RX request posted (or not connected) */
	uint64_t rx_errors;            /* copy into the guest's page failed */
	uint64_t tx_errors;            /* malformed TX requests, failed copies */
	uint64_t tx_dropped;           /* well-formed frames the bridge would not forward */
};

struct netback_vif {
	domid_t dom;               /* 0: a free slot */
	uint32_t devid;            /* the vif's number under device/vif/ (0: the config's) */
	uint16_t vlan;             /* 802.1Q VLAN of the port (0: none); frames stay within it */
	uint8_t mac[ETH_ALEN];     /* the guest's */
	char fe[48];               /* /local/domain/<dom>/device/vif/<devid> */
	char be[48];               /* /local/domain/0/backend/vif/<dom>/<devid> */
	bool hotplug;              /* network-attach's: goes with its domain, never comes back */
	bool detach;               /* network-detach: Closing, wait for the frontend, remove */
	s_time_t detach_deadline;  /* then removed whatever the frontend does */
	bool active;               /* its thread exists */
	bool down;                 /* domain_down: tear everything down */
	bool restart;              /* domain_up came while tearing down: publish again afterwards */
	bool published;            /* store nodes written, watch registered */
	bool connected;            /* rings mapped, event channel bound */
	bool failed;               /* connection refused; waits for the frontend to close */
	bool disabled;             /* removed by the toolstack: a new domain with this id has no vif */
	volatile bool kick;        /* event channel fired, or TX work left over */
	XenbusState state;         /* the backend's, as last written */
	struct xenbus_watch watch; /* frontend's state node; its wait queue is the thread's */

	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	grant_handle_t tx_handle, rx_handle;
	evtchn_port_t port;
	bool csum_offload;                /* the frontend accepts NETRXF_data_validated hints */
	bool tx_skip_extra, tx_skip_more; /* inside a packet we refuse (extras, fragments) */
	bool rx_dirty;                    /* RX responses written, not pushed yet */
	struct netback_stats stats;
};

extern struct netback_vif nb_vifs[NETBACK_MAX_VIFS]; /* a slot is free when its dom is 0 */
extern unsigned int nb_nr_vifs;                      /* slots in use or used once */

struct netback_vif *nb_vif_find(domid_t dom, uint32_t devid);
void nb_vif_start(struct netback_vif *vif); /* its thread: publish, serve */
int netback_setup(bool fresh);              /* buffers and the DHCP server (fresh: a new bridge) */
int netback_init(const char *config);       /* the vif= option */

/* A vif's port number in the learning table (bridge.h). */
static inline unsigned int nb_vif_port(const struct netback_vif *vif)
{
	return (unsigned int)(vif - nb_vifs);
}

/* RX (netback.c): frame (a dom0 buffer) into vif's next posted RX request, or dropped if none. */
void nb_rx_enqueue(struct netback_vif *vif, const uint8_t *frame, unsigned int len, bool validated);
void nb_rx_flush(void); /* the gathered copies done and answered; before a frame buffer is reused */

/* The bridge (bridge_ports.c) */
bool bridge_setup(bool fresh); /* the learning table and the DHCP server, once; true when set up now */
void bridge_input(struct netback_vif *src, const uint8_t *frame, unsigned int len, bool validated);
int bridge_ports_status(char *buf, size_t size); /* br0 and the uplink, for netback_status; the length */
bool bridge_dhcpd_serving(void);                 /* dom0's DHCP server answers (no LAN server) */

#endif
