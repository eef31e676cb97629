/* dom0's bridge (bridge.c): the learning table and checksum completion, for netback. */
#ifndef PV_DOM0_BRIDGE_H
#define PV_DOM0_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netdev;

#define BRIDGE_FDB_SIZE 256
#define ETH_ALEN 6

void fdb_reset(void);
void fdb_learn(const uint8_t *mac, uint16_t vlan, unsigned int port); /* mac is behind port */
int fdb_lookup(const uint8_t *mac, uint16_t vlan);                    /* its port, or -1 */
void fdb_flush_port(unsigned int port);                               /* forget what is behind port */
unsigned int fdb_count(void);                                         /* live entries */
/*
 * NETTXF_csum_blank: completes an IPv4 TCP or UDP checksum whose field holds only the
 * pseudo-header sum. false if the frame is not one it can complete.
 */
bool csum_complete(uint8_t *f, unsigned int len);

/*
 * Ports besides the vifs (in bridge_ports.c, with the forwarding). Numbers above any vif's in
 * the learning table. Both are untagged (VLAN 0).
 */
#define BRIDGE_PORT_UPLINK 253
#define BRIDGE_PORT_LOCAL 254
/* dom0's own port (br0) and the DHCP server answer from this address: 00:16:3e:4d:ff:ff. */
#define BRIDGE_LOCAL_MAC                           \
	{                                          \
		0x00, 0x16, 0x3e, 0x4d, 0xff, 0xff \
	}

struct bridge_port_stats {
	uint64_t rx_frames, rx_dropped; /* from the bridge to the port */
	uint64_t tx_frames, tx_dropped; /* from the port into the bridge */
};

/*
 * dom0's own port: frames to mac (and floods of VLAN 0) go to deliver, from any dom0 thread
 * (deliver must not call back into the bridge). 0, -EINVAL, -ENOMEM.
 */
int bridge_attach_local(const uint8_t mac[ETH_ALEN], void (*deliver)(const void *frame, size_t len));
/*
 * The uplink: a NIC whose rx callback the bridge takes. Every frame not for a known port of
 * VLAN 0 floods to it; what it receives is learned and forwarded. 0, -EBUSY, -EINVAL, -ENOMEM.
 */
int bridge_attach_uplink(struct netdev *d);
void bridge_detach_ports(void);
/* A frame from BRIDGE_PORT_LOCAL or _UPLINK (copied at once): 0, or -EINVAL (dropped, counted). */
int bridge_port_input(unsigned int port, const void *frame, size_t len);
/* dom0's DHCP server on the untagged vifs (on by default; off when the LAN has its own). */
void bridge_set_dhcpd(bool serve);

#endif
