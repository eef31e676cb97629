/*
 * netback's vifs (docs/dom0-netback.md): the vif= option, the toolstack's vifs (a domain's vif 0
 * from its config, more from network-attach), network-detach, and the status text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pv/dom0.h>
#include <pv/sched.h>

#include "netback.h"

/* Xen's prefix 00:16:3e, then 4d ("M"), the vif number above it, the domain. */
static void default_mac(uint8_t *mac, domid_t dom, uint32_t devid)
{
	const uint8_t m[ETH_ALEN] = {0x00, 0x16, 0x3e, (uint8_t)(0x4d + devid), (uint8_t)(dom >> 8), (uint8_t)dom};

	memcpy(mac, m, ETH_ALEN);
}

/* A slot for a new vif: a free one (dom 0) or one more. */
static struct netback_vif *vif_new(domid_t dom, uint32_t devid, uint16_t vlan, const uint8_t *mac)
{
	struct netback_vif *vif = NULL;

	for (unsigned int i = 0; i < nb_nr_vifs && !vif; i++)
		if (!nb_vifs[i].dom && !nb_vifs[i].active)
			vif = &nb_vifs[i];
	if (!vif) {
		if (nb_nr_vifs == NETBACK_MAX_VIFS)
			return NULL;
		vif = &nb_vifs[nb_nr_vifs++];
	}
	memset(vif, 0, sizeof(*vif));
	vif->dom = dom;
	vif->devid = devid;
	vif->vlan = vlan;
	vif->state = XenbusStateClosed;
	if (mac)
		memcpy(vif->mac, mac, ETH_ALEN);
	else
		default_mac(vif->mac, dom, devid);
	snprintf(vif->fe, sizeof(vif->fe), "/local/domain/%u/device/vif/%u", vif->dom, devid);
	snprintf(vif->be, sizeof(vif->be), "/local/domain/0/backend/vif/%u/%u", vif->dom, devid);
	return vif;
}

/* "1,2" or "1:vlan=10,2:vlan=10": domains with a vif 0, optionally on a VLAN. */
static int netback_parse(const char *config)
{
	const char *s = config;

	nb_nr_vifs = 0;
	while (*s) {
		struct netback_vif *vif;
		unsigned long dom, vlan = 0;
		char *end;

		dom = strtoul(s, &end, 10);
		if (end == s || dom == 0 || dom >= DOMID_FIRST_RESERVED)
			return -EINVAL;
		s = end;
		if (!strncmp(s, ":vlan=", 6)) {
			vlan = strtoul(s + 6, &end, 10);
			if (end == s + 6 || vlan == 0 || vlan > 4094)
				return -EINVAL;
			s = end;
		}
		if (*s && *s++ != ',')
			return -EINVAL;
		if (nb_vif_find(dom, 0))
			return -EEXIST;
		vif = vif_new(dom, 0, vlan, NULL);
		if (!vif)
			return -ENOSPC;
	}
	return 0;
}

int netback_add_vif(domid_t dom, uint16_t vlan, const uint8_t *mac)
{
	struct netback_vif *vif = nb_vif_find(dom, 0);
	uint8_t want[ETH_ALEN];
	int err = netback_setup(false);

	if (err)
		return err;
	if (dom == 0 || dom >= DOMID_FIRST_RESERVED || vlan > 4094 || (mac && (mac[0] & 1)))
		return -EINVAL;
	if (mac)
		memcpy(want, mac, ETH_ALEN);
	else
		default_mac(want, dom, 0);
	if (vif) { /* kept from an earlier domain with this id */
		if ((vif->vlan != vlan || memcmp(vif->mac, want, ETH_ALEN)) && vif->active)
			return -EBUSY; /* that domain's vif is still being torn down */
		vif->vlan = vlan;
		memcpy(vif->mac, want, ETH_ALEN);
		vif->disabled = false;
		return 0;
	}
	return vif_new(dom, 0, vlan, want) ? 0 : -ENOSPC;
}

void netback_remove_vif(domid_t dom)
{
	struct netback_vif *vif = nb_vif_find(dom, 0);

	if (vif)
		vif->disabled = true; /* a running teardown finishes; the next domain_up is ignored */
}

/* Starts (dom, id) as a vif that goes with its domain. */
static int vif_attach(domid_t dom, uint32_t id, uint16_t vlan, const uint8_t *mac)
{
	struct netback_vif *vif = nb_vif_find(dom, id);

	if (vif)
		vif->dom = 0; /* a disabled leftover: reuse its slot */
	vif = vif_new(dom, id, vlan, mac);
	if (!vif)
		return -ENOSPC;
	vif->hotplug = true;
	nb_vif_start(vif);
	return 0;
}

int netback_attach(domid_t dom, uint16_t vlan, const uint8_t *mac, uint32_t *devid)
{
	uint32_t id = 0;
	int err = netback_setup(false);

	if (err)
		return err;
	if (dom == 0 || dom >= DOMID_FIRST_RESERVED || vlan > 4094)
		return -EINVAL;
	if (mac && (mac[0] & 1))
		return -EINVAL; /* a multicast address cannot be a vif's */
	for (unsigned int i = 0; i < nb_nr_vifs; i++) {
		if (!nb_vifs[i].dom)
			continue;
		if (mac && !memcmp(nb_vifs[i].mac, mac, ETH_ALEN))
			return -EEXIST;
	}
	while (id < NETBACK_MAX_VIFS) { /* the lowest number no vif of dom has (a disabled one counts) */
		struct netback_vif *other = nb_vif_find(dom, id);

		if (!other || (other->disabled && !other->active && id))
			break;
		id++;
	}
	if (id == NETBACK_MAX_VIFS)
		return -ENOSPC;
	err = vif_attach(dom, id, vlan, mac);
	if (!err)
		*devid = id;
	return err;
}

int netback_attach_devid(domid_t dom, uint32_t devid, uint16_t vlan, const uint8_t *mac)
{
	struct netback_vif *other = nb_vif_find(dom, devid);
	uint8_t want[ETH_ALEN];
	int err = netback_setup(false);

	if (err)
		return err;
	if (dom == 0 || dom >= DOMID_FIRST_RESERVED || devid == 0 || devid >= NETBACK_MAX_VIFS || vlan > 4094 ||
	    (mac && (mac[0] & 1)))
		return -EINVAL;
	if (other && (other->active || !(other->disabled || other->hotplug)))
		return -EBUSY; /* an earlier domain's vif with this number is still going away */
	if (mac)
		memcpy(want, mac, ETH_ALEN);
	else
		default_mac(want, dom, devid);
	return vif_attach(dom, devid, vlan, want);
}

int netback_detach(domid_t dom, uint32_t devid)
{
	struct netback_vif *vif = nb_vif_find(dom, devid);
	unsigned long flags;

	if (!vif || !vif->active || vif->down)
		return -ENODEV;
	if (vif->detach)
		return -EBUSY; /* being detached */
	flags = local_irq_save();
	vif->detach = true;
	wake_up(&vif->watch.wq);
	local_irq_restore(flags);
	return 0;
}

int netback_init(const char *config)
{
	int err;

	for (unsigned int i = 0; i < nb_nr_vifs; i++)
		if (nb_vifs[i].active)
			return -EBUSY;
	err = netback_setup(true);
	if (err)
		return err;
	err = netback_parse(config ? config : "");
	if (err) {
		printk("netback: bad vif= option \"%s\"\n", config);
		nb_nr_vifs = 0;
	}
	return err;
}

static const char *const state_names[] = {
    [XenbusStateUnknown] = "unknown",
    [XenbusStateInitialising] = "initialising",
    [XenbusStateInitWait] = "initwait",
    [XenbusStateInitialised] = "initialised",
    [XenbusStateConnected] = "connected",
    [XenbusStateClosing] = "closing",
    [XenbusStateClosed] = "closed",
    [XenbusStateReconfiguring] = "reconfiguring",
    [XenbusStateReconfigured] = "reconfigured",
};

int netback_status(char *buf, size_t size)
{
	size_t len = 0;
	unsigned int n = 0;

	for (unsigned int i = 0; i < nb_nr_vifs; i++)
		n += nb_vifs[i].dom != 0;
#define OUT(...)                                                                             \
	do {                                                                                 \
		int n_ = snprintf(buf + MIN(len, size), size - MIN(len, size), __VA_ARGS__); \
		len += n_ > 0 ? (size_t)n_ : 0;                                              \
	} while (0)
	for (unsigned int i = 0; i < nb_nr_vifs; i++) {
		const struct netback_vif *v = &nb_vifs[i];
		const char *state = (unsigned int)v->state < ARRAY_SIZE(state_names) ? state_names[v->state] : "?";

		if (!v->dom)
			continue; /* a free slot */
		OUT("vif%u.%u: dom%u %s%s", v->dom, v->devid, v->dom, v->active ? state : "down",
		    v->failed ? " (failed)" : "");
		if (v->vlan)
			OUT(" vlan %u", v->vlan);
		OUT("\n  rx %llu packets %llu bytes, %llu dropped, %llu errors\n",
		    (unsigned long long)v->stats.rx_packets, (unsigned long long)v->stats.rx_bytes,
		    (unsigned long long)v->stats.rx_dropped, (unsigned long long)v->stats.rx_errors);
		OUT("  tx %llu packets %llu bytes, %llu dropped, %llu errors\n",
		    (unsigned long long)v->stats.tx_packets, (unsigned long long)v->stats.tx_bytes,
		    (unsigned long long)v->stats.tx_dropped, (unsigned long long)v->stats.tx_errors);
	}
	{
		int m = bridge_ports_status(buf + MIN(len, size), size - MIN(len, size));

		len += m > 0 ? (size_t)m : 0;
	}
	OUT("bridge %s: %u vifs, %u addresses learned, DHCP server %s\n", NETBACK_BRIDGE, n, fdb_count(),
	    bridge_dhcpd_serving() ? "on" : "off");
#undef OUT
	return (int)len;
}
