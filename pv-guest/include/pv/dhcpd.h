/*
 * A small DHCP server (RFC 2131/2132) for dom0's bridge, in the role libvirt's default network
 * gives dnsmasq: guests on the bridge get an address from one /24 pool, the server's address
 * as router, a lease per MAC. A Xen-style MAC (00:16:3e:..:HI:LO, dom0's netback puts the domain
 * id in the last two bytes) of domain n gets first + n - 1 when that is free: stable addresses. Pure frame-in, frame-out logic (host-tested): the bridge hands
 * it every frame to UDP port 67 and sends what it returns.
 */
#ifndef PV_DHCPD_H
#define PV_DHCPD_H

#include <stddef.h>
#include <stdint.h>

#define DHCPD_LEASES 64

struct dhcpd {
	uint32_t net;    /* network, host order, e.g. 10.0.0.0 */
	uint32_t server; /* our address (also the router), e.g. 10.0.0.1 */
	uint32_t first;  /* first address handed out, e.g. 10.0.0.10 */
	uint8_t server_mac[6];
	uint32_t lease_secs;
	struct {
		uint8_t mac[6];
		uint32_t addr; /* 0: slot free */
	} leases[DHCPD_LEASES];
	unsigned long offers, acks, naks, ignored;
};

/* A /24 pool: server at net+1, clients from net+10. */
void dhcpd_init(struct dhcpd *d, uint32_t net, const uint8_t server_mac[6]);

/*
 * An Ethernet frame in; if it is a DHCPDISCOVER or DHCPREQUEST for us, the answer (OFFER, ACK
 * or NAK) is built in reply (at least DHCPD_REPLY_MAX bytes) and its length returned; 0 if the
 * frame needs no answer (not DHCP, malformed, for another server, pool exhausted).
 */
#define DHCPD_REPLY_MAX 600
size_t dhcpd_handle(struct dhcpd *d, const uint8_t *frame, size_t len, uint8_t *reply);

/* The address leased to mac (host order), 0 if none. */
uint32_t dhcpd_lease_of(const struct dhcpd *d, const uint8_t mac[6]);

#endif
