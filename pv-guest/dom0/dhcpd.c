/*
 * dom0's DHCP server for its bridge (pv/dhcpd.h). Frames are parsed defensively: every length
 * is checked before it is used; anything odd is ignored rather than answered.
 */
#include <pv/dhcpd.h>

#include <string.h>

#define ETH_HLEN 14
#define IP_HLEN 20
#define UDP_HLEN 8
#define BOOTP_FIXED 236 /* op .. file */
#define MAGIC 0x63825363u
#define PORT_SERVER 67
#define PORT_CLIENT 68

enum { DISCOVER = 1, OFFER = 2, REQUEST = 3, DECLINE = 4, ACK = 5, NAK = 6, RELEASE = 7 };
enum {
	OPT_PAD = 0,
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_REQ_IP = 50,
	OPT_LEASE = 51,
	OPT_TYPE = 53,
	OPT_SERVER = 54,
	OPT_END = 255
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

void dhcpd_init(struct dhcpd *d, uint32_t net, const uint8_t server_mac[6])
{
	memset(d, 0, sizeof(*d));
	d->net = net & 0xffffff00u;
	d->server = d->net + 1;
	d->first = d->net + 10;
	d->lease_secs = 86400;
	memcpy(d->server_mac, server_mac, 6);
}

uint32_t dhcpd_lease_of(const struct dhcpd *d, const uint8_t mac[6])
{
	for (unsigned int i = 0; i < DHCPD_LEASES; i++)
		if (d->leases[i].addr && !memcmp(d->leases[i].mac, mac, 6))
			return d->leases[i].addr;
	return 0;
}

/* The client's lease, made if it has none; 0 if the pool is full. */
static uint32_t lease_for(struct dhcpd *d, const uint8_t mac[6])
{
	uint32_t a = dhcpd_lease_of(d, mac);

	if (a)
		return a;
	/* Xen-style MACs name their domain in the last two bytes: domain n gets first + n - 1 if free. */
	unsigned int hint = (unsigned int)(mac[4] << 8 | mac[5]);

	if (mac[0] == 0x00 && mac[1] == 0x16 && mac[2] == 0x3e && hint >= 1 && hint <= DHCPD_LEASES &&
	    d->first + hint - 1 < d->net + 255 && !d->leases[hint - 1].addr) {
		memcpy(d->leases[hint - 1].mac, mac, 6);
		d->leases[hint - 1].addr = d->first + hint - 1;
		return d->leases[hint - 1].addr;
	}
	for (unsigned int i = 0; i < DHCPD_LEASES && d->first + i < d->net + 255; i++) {
		if (d->leases[i].addr)
			continue;
		memcpy(d->leases[i].mac, mac, 6);
		d->leases[i].addr = d->first + i;
		return d->leases[i].addr;
	}
	return 0;
}

/* The options of a BOOTP message: the value of code (len in *n), or NULL. */
static const uint8_t *find_opt(const uint8_t *opt, size_t len, uint8_t code, uint8_t *n)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = opt[i];

		if (c == OPT_PAD) {
			i++;
			continue;
		}
		if (c == OPT_END || i + 1 >= len || i + 2 + opt[i + 1] > len)
			return NULL;
		if (c == code) {
			*n = opt[i + 1];
			return opt + i + 2;
		}
		i += 2 + (size_t)opt[i + 1];
	}
	return NULL;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t build(struct dhcpd *d, const uint8_t *req, uint8_t type, uint32_t yiaddr, uint8_t *out)
{
	uint8_t *ip = out + ETH_HLEN, *udp = ip + IP_HLEN, *b = udp + UDP_HLEN, *o = b + BOOTP_FIXED;
	size_t blen, total;

	memset(out, 0, DHCPD_REPLY_MAX);
	/* Ethernet: to the client's hardware address, which is all it has yet. */
	memcpy(out, req + 28, 6); /* chaddr */
	memcpy(out + 6, d->server_mac, 6);
	put16(out + 12, 0x0800);
	/* BOOTP */
	b[0] = 2; /* BOOTREPLY */
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 4, req + 4, 4);   /* xid */
	memcpy(b + 10, req + 10, 2); /* flags */
	put32(b + 16, yiaddr);
	put32(b + 20, d->server);
	memcpy(b + 28, req + 28, 16); /* chaddr */
	put32(o, MAGIC);
	o += 4;
	*o++ = OPT_TYPE, *o++ = 1, *o++ = type;
	*o++ = OPT_SERVER, *o++ = 4, put32(o, d->server), o += 4;
	if (type != NAK) {
		*o++ = OPT_LEASE, *o++ = 4, put32(o, d->lease_secs), o += 4;
		*o++ = OPT_MASK, *o++ = 4, put32(o, 0xffffff00u), o += 4;
		*o++ = OPT_ROUTER, *o++ = 4, put32(o, d->server), o += 4;
		*o++ = OPT_DNS, *o++ = 4, put32(o, d->server), o += 4;
	}
	*o++ = OPT_END;
	blen = (size_t)(o - b);
	if (blen < 300)
		blen = 300; /* BOOTP's minimum message */
	/* UDP, checksum 0 (none: allowed over IPv4) */
	put16(udp, PORT_SERVER);
	put16(udp + 2, PORT_CLIENT);
	put16(udp + 4, (uint16_t)(UDP_HLEN + blen));
	/* IPv4 to the limited broadcast: the client has no address yet. */
	total = IP_HLEN + UDP_HLEN + blen;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)total);
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, d->server);
	put32(ip + 16, 0xffffffffu);
	put16(ip + 10, ip_checksum(ip, IP_HLEN));
	return ETH_HLEN + total;
}

size_t dhcpd_handle(struct dhcpd *d, const uint8_t *frame, size_t len, uint8_t *reply)
{
	const uint8_t *ip, *udp, *b, *val;
	size_t ihl, ulen;
	uint8_t n, type;
	uint32_t want, addr;

	if (len < ETH_HLEN + IP_HLEN + UDP_HLEN + BOOTP_FIXED + 4 || get16(frame + 12) != 0x0800)
		return 0;
	ip = frame + ETH_HLEN;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if ((ip[0] >> 4) != 4 || ihl < IP_HLEN || ip[9] != 17 || (get16(ip + 6) & 0x3fff) /* fragment */ ||
	    get16(ip + 2) < ihl + UDP_HLEN || ETH_HLEN + (size_t)get16(ip + 2) > len)
		return 0;
	udp = ip + ihl;
	ulen = get16(udp + 4);
	if (get16(udp + 2) != PORT_SERVER || ulen < UDP_HLEN + BOOTP_FIXED + 4 || ulen > get16(ip + 2) - ihl) {
		d->ignored++;
		return 0;
	}
	b = udp + UDP_HLEN;
	if (b[0] != 1 || b[1] != 1 || b[2] != 6 || get32(b + BOOTP_FIXED) != MAGIC) {
		d->ignored++;
		return 0;
	}
	const uint8_t *opts = b + BOOTP_FIXED + 4;
	size_t olen = ulen - UDP_HLEN - BOOTP_FIXED - 4;

	val = find_opt(opts, olen, OPT_TYPE, &n);
	if (!val || n != 1) {
		d->ignored++;
		return 0;
	}
	type = val[0];
	if (type == DISCOVER) {
		addr = lease_for(d, b + 28);
		if (!addr) {
			d->ignored++;
			return 0;
		}
		d->offers++;
		return build(d, b, OFFER, addr, reply);
	}
	if (type != REQUEST) {
		d->ignored++;
		return 0;
	}
	val = find_opt(opts, olen, OPT_SERVER, &n);
	if (val && (n != 4 || get32(val) != d->server)) {
		d->ignored++; /* it chose another server */
		return 0;
	}
	val = find_opt(opts, olen, OPT_REQ_IP, &n);
	want = val && n == 4 ? get32(val) : get32(b + 12) /* ciaddr: renewing */;
	addr = lease_for(d, b + 28);
	if (!addr || want != addr) {
		d->naks++;
		return build(d, b, NAK, 0, reply);
	}
	d->acks++;
	return build(d, b, ACK, addr, reply);
}
