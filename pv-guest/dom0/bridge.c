/*
 * dom0's bridge, the parts that are not netback's rings: the learning table ((MAC, VLAN) ->
 * port, with ageing; a full table gives up its stalest entry) and checksum completion.
 */
#include <string.h>

#include <pv/time.h>

#include "bridge.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_8021Q 0x8100
#define VLAN_HLEN 4
#define BRIDGE_AGEING SECONDS(300) /* a learned address not seen for this long is forgotten */

struct fdb_entry {
	uint8_t mac[ETH_ALEN];
	uint16_t vlan;
	uint8_t port;
	bool used;
	s_time_t seen;
};
static struct fdb_entry fdb[BRIDGE_FDB_SIZE];

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void fdb_reset(void)
{
	memset(fdb, 0, sizeof(fdb));
}

static bool fdb_live(const struct fdb_entry *e)
{
	return e->used && NOW() - e->seen < BRIDGE_AGEING;
}

static struct fdb_entry *fdb_find(const uint8_t *mac, uint16_t vlan)
{
	for (unsigned int i = 0; i < BRIDGE_FDB_SIZE; i++) {
		struct fdb_entry *e = &fdb[i];

		if (e->used && e->vlan == vlan && !memcmp(e->mac, mac, ETH_ALEN)) {
			if (fdb_live(e))
				return e;
			e->used = false; /* aged out */
			return NULL;
		}
	}
	return NULL;
}

/* Records that mac (on vlan) is behind port; a full table gives up its stalest entry. */
void fdb_learn(const uint8_t *mac, uint16_t vlan, unsigned int port)
{
	struct fdb_entry *e = fdb_find(mac, vlan);

	for (unsigned int i = 0; !e && i < BRIDGE_FDB_SIZE; i++)
		if (!fdb_live(&fdb[i]))
			e = &fdb[i];
	if (!e) {
		e = &fdb[0];
		for (unsigned int i = 1; i < BRIDGE_FDB_SIZE; i++)
			if (fdb[i].seen < e->seen)
				e = &fdb[i];
	}
	memcpy(e->mac, mac, ETH_ALEN);
	e->vlan = vlan;
	e->port = port;
	e->used = true;
	e->seen = NOW();
}

void fdb_flush_port(unsigned int port)
{
	for (unsigned int i = 0; i < BRIDGE_FDB_SIZE; i++)
		if (fdb[i].port == port)
			fdb[i].used = false;
}

unsigned int fdb_count(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < BRIDGE_FDB_SIZE; i++)
		n += fdb_live(&fdb[i]);
	return n;
}

int fdb_lookup(const uint8_t *mac, uint16_t vlan)
{
	struct fdb_entry *e = fdb_find(mac, vlan);

	return e ? e->port : -1;
}

/*
 * NETTXF_csum_blank: the TCP or UDP checksum field holds only the pseudo-header sum (IPv4).
 * Completes it over the segment, since receivers asked for whole checksums. false if the
 * frame is not one we can complete.
 */
bool csum_complete(uint8_t *f, unsigned int len)
{
	unsigned int l3 = ETH_HLEN, ihl, total, l4, l4len, field;
	uint16_t type = rd16(f + 12);
	uint32_t sum = 0;
	uint16_t csum;

	if (type == ETH_P_8021Q) {
		l3 += VLAN_HLEN;
		if (len < l3)
			return false;
		type = rd16(f + 16);
	}
	if (type != ETH_P_IP || len < l3 + 20 || f[l3] >> 4 != 4)
		return false;
	ihl = (f[l3] & 0xf) * 4u;
	total = rd16(f + l3 + 2);
	if (ihl < 20 || total < ihl || l3 + total > len || (rd16(f + l3 + 6) & 0x3fff))
		return false; /* bad header, or a fragment */
	l4 = l3 + ihl;
	l4len = total - ihl;
	if (f[l3 + 9] == 6 && l4len >= 20)
		field = l4 + 16;
	else if (f[l3 + 9] == 17 && l4len >= 8)
		field = l4 + 6;
	else
		return false;
	for (unsigned int i = 0; i < l4len; i += 2)
		sum += i + 1 < l4len ? rd16(f + l4 + i) : (uint32_t)f[l4 + i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	csum = (uint16_t)~sum;
	if (csum == 0 && f[l3 + 9] == 17)
		csum = 0xffff;
	f[field] = csum >> 8;
	f[field + 1] = csum & 0xff;
	return true;
}
