/*
 * dom0's toolstack, devices of a running domain (docs/cli.md): network-attach/-list/-detach and
 * block-attach/-list/-detach. Specs are read as xl reads them (xlcfg/: a vif = [...] entry, a
 * disk = [...] entry); netback and blkback publish the new device and the guest's frontend
 * picks it up; detach is the backend going Closing, the frontend closing, the nodes removed.
 * The lists are read from the store, as xl reads them.
 */
#include <pv/dom0.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "toolstack.h"
#include "xlcfg/xlcfg.h"
#include "xlcfg/xlcfg_devices.h"

#define SPEC_MAX 512

/* The specs as one xl.cfg entry ("key" = ["a,b,c"]) parsed into cfg; an error in errbuf. */
static int parse_entry(const char *key, char **spec, unsigned n, struct xl_domain_config *cfg, char *errbuf,
		       size_t errlen)
{
	struct xlcfg_diag *diag = calloc(1, sizeof(*diag));
	char *text = malloc(SPEC_MAX + 64);
	size_t len;
	int rc = -ENOMEM;

	if (!diag || !text)
		goto out;
	len = (size_t)snprintf(text, SPEC_MAX + 64, "name = \"attach\"\nkernel = \"-\"\n%s = [\"", key);
	for (unsigned i = 0; i < n; i++) {
		if (strpbrk(spec[i], "\"\n\\") || len + strlen(spec[i]) + 2 > SPEC_MAX) {
			snprintf(errbuf, errlen, "'%s': quotes, backslashes and long specs are not accepted", spec[i]);
			rc = -EINVAL;
			goto out;
		}
		len += (size_t)snprintf(text + len, SPEC_MAX + 64 - len, "%s%s", i ? "," : "", spec[i]);
	}
	len += (size_t)snprintf(text + len, SPEC_MAX + 64 - len, "\"]\n");
	rc = xlcfg_parse(text, len, key, cfg, diag);
	if (rc)
		snprintf(errbuf, errlen, "%s", diag->error);
out:
	free(diag);
	free(text);
	return rc;
}

/* ---- network */

int ts_net_attach(void *ctx, uint16_t dom, char **spec, unsigned n, char *errbuf, size_t errlen)
{
	struct xl_domain_config *cfg = calloc(1, sizeof(*cfg));
	const struct xl_vif *v;
	uint32_t devid;
	int rc = -ENOMEM;

	(void)ctx;
	if (!cfg)
		return rc;
	if (!dom) {
		snprintf(errbuf, errlen, "dom0 is the backend: it gets no vifs");
		rc = -EINVAL;
		goto out;
	}
	rc = parse_entry("vif", spec, n, cfg, errbuf, errlen);
	if (rc)
		goto out;
	v = &cfg->vifs[0];
	if (v->backend[0] && strcmp(v->backend, "0") && strcmp(v->backend, "dom0")) {
		snprintf(errbuf, errlen, "backend=%s: dom0 is the only network backend", v->backend);
		rc = -EINVAL;
		goto out;
	}
	rc = netback_attach(dom, v->vlan, v->has_mac ? v->mac : NULL, &devid);
	if (rc) {
		snprintf(errbuf, errlen, "netback refused the vif (%d)%s", rc,
			 rc == -EEXIST   ? ": that MAC address is in use"
			 : rc == -ENOSPC ? ": no free vif"
					 : "");
		goto out;
	}
	if (v->ip[0]) { /* as Xen's toolstack: for the record (the guest configures its own address) */
		char be[64];

		snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", dom, devid);
		xenbus_printf(XBT_NIL, be, "ip", "%s", v->ip);
	}
	printf("network-attach: d%u vif %u\n", dom, devid);
out:
	free(cfg);
	return rc;
}

/* A number from dir/node, -1 if absent. */
static int32_t read_int(const char *dir, const char *node)
{
	unsigned long v = xenbus_read_unsigned(XBT_NIL, dir, node, ~0UL);

	return v > INT32_MAX ? -1 : (int32_t)v;
}

static int read_mac(const char *dir, uint8_t mac[6])
{
	char path[96], *s = NULL;
	unsigned int m[6];
	int rc;

	snprintf(path, sizeof(path), "%s/mac", dir);
	rc = xenbus_read(XBT_NIL, path, &s);
	if (!rc && sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		rc = -EINVAL;
	for (int i = 0; !rc && i < 6; i++)
		mac[i] = (uint8_t)m[i];
	free(s);
	return rc;
}

/* The device numbers under /local/domain/0/backend/<type>/<dom>, in order; the count or -errno. */
static int list_devs(const char *type, uint16_t dom, unsigned long *ids, unsigned max)
{
	char path[64], **names;
	unsigned int n;
	int rc, k = 0;

	snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u", type, dom);
	rc = xenbus_ls(XBT_NIL, path, &names, &n);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	for (unsigned int i = 0; i < n && (unsigned)k < max; i++) {
		char *end;
		unsigned long id = strtoul(names[i], &end, 10);

		if (*end || end == names[i])
			continue;
		int j = k++;

		for (; j > 0 && ids[j - 1] > id; j--) /* insertion sort */
			ids[j] = ids[j - 1];
		ids[j] = id;
	}
	xenbus_free_names(names, n);
	return k;
}

int ts_net_list(void *ctx, uint16_t dom, struct mica_cli_nic *buf, unsigned max)
{
	unsigned long ids[64];
	int n = list_devs("vif", dom, ids, max < 64 ? max : 64);

	(void)ctx;
	for (int i = 0; i < n; i++) {
		struct mica_cli_nic *e = &buf[i];
		char fe[64];

		memset(e, 0, sizeof(*e));
		e->devid = (uint32_t)ids[i];
		snprintf(e->backend_path, sizeof(e->backend_path), "/local/domain/0/backend/vif/%u/%lu", dom, ids[i]);
		snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif/%lu", dom, ids[i]);
		read_mac(e->backend_path, e->mac);
		e->state = (uint32_t)xenbus_read_state(fe);
		e->evtchn = read_int(fe, "event-channel");
		e->tx_ring_ref = read_int(fe, "tx-ring-ref");
		e->rx_ring_ref = read_int(fe, "rx-ring-ref");
	}
	return n;
}

int ts_net_detach(void *ctx, uint16_t dom, const char *dev)
{
	struct mica_cli_nic nic[16];
	unsigned int m[6];
	char *end, extra;
	unsigned long devid = strtoul(dev, &end, 10);
	int n;

	if (*end || end == dev) { /* a MAC address */
		n = ts_net_list(ctx, dom, nic, 16);
		if (n < 0)
			return n;
		if (sscanf(dev, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &extra) != 6)
			return -EINVAL;
		devid = ~0UL;
		for (int i = 0; i < n; i++) {
			bool same = true;

			for (int k = 0; k < 6; k++)
				same &= nic[i].mac[k] == m[k];
			if (same)
				devid = nic[i].devid;
		}
		if (devid == ~0UL)
			return -ENODEV;
	}
	return devid > UINT32_MAX ? -ENODEV : netback_detach(dom, (uint32_t)devid);
}

/* ---- block */

int ts_block_attach(void *ctx, uint16_t dom, char **spec, unsigned n, char *errbuf, size_t errlen)
{
	struct xl_domain_config *cfg = calloc(1, sizeof(*cfg));
	const struct xl_disk *d;
	unsigned int vdev;
	char msg[200] = "";
	int rc = -ENOMEM;

	(void)ctx;
	if (!cfg)
		return rc;
	rc = -EINVAL;
	if (!dom) {
		snprintf(errbuf, errlen, "dom0 is the backend: it gets no vbds");
		goto out;
	}
	rc = parse_entry("disk", spec, n, cfg, errbuf, errlen);
	if (rc)
		goto out;
	rc = -EINVAL;
	d = &cfg->disks[0];
	vdev = xlcfg_vdev_number(d->vdev);
	if (!vdev) {
		snprintf(errbuf, errlen, "vdev %s: xvda .. xvdp are served", d->vdev);
		goto out;
	}
	if (d->cdrom || !d->target[0]) {
		snprintf(errbuf, errlen, "%s: CD-ROMs are not served", d->vdev);
		rc = -EOPNOTSUPP;
		goto out;
	}
	rc = blkback_attach_spec(dom, vdev, d->vdev, d->target, d->access != XLCFG_DISK_RO, msg, sizeof(msg));
	if (rc)
		snprintf(errbuf, errlen, "blkback refused %s (%d): %s", d->vdev, rc, msg[0] ? msg : "no free vbd");
	else
		printf("block-attach: d%u %s (%u): %s%s\n", dom, d->vdev, vdev, d->target,
		       d->access == XLCFG_DISK_RO ? ", read-only" : "");
out:
	free(cfg);
	return rc;
}

int ts_block_list(void *ctx, uint16_t dom, struct mica_cli_disk *buf, unsigned max)
{
	unsigned long ids[64];
	int n = list_devs("vbd", dom, ids, max < 64 ? max : 64);

	(void)ctx;
	for (int i = 0; i < n; i++) {
		struct mica_cli_disk *e = &buf[i];
		char fe[64];

		memset(e, 0, sizeof(*e));
		e->devid = (uint32_t)ids[i];
		e->frontend = dom;
		snprintf(e->backend_path, sizeof(e->backend_path), "/local/domain/0/backend/vbd/%u/%lu", dom, ids[i]);
		snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%lu", dom, ids[i]);
		e->state = (uint32_t)xenbus_read_state(fe);
		e->evtchn = read_int(fe, "event-channel");
		e->ring_ref = read_int(fe, "ring-ref");
	}
	return n;
}

int ts_block_detach(void *ctx, uint16_t dom, const char *dev)
{
	unsigned int vdev = xlcfg_vdev_number(dev);

	(void)ctx;
	return vdev ? blkback_detach(dom, vdev) : -EINVAL;
}

/* ---- a config's devices at create */

int ts_config_check(const struct xl_domain_config *cfg, unsigned int *vdevs, char *errbuf, size_t errlen)
{
	char msg[200];
	int rc = xlcfg_check_devices(cfg, TS_MAX_VIFS, TS_MAX_DISKS, vdevs, errbuf, errlen);

	for (unsigned int i = 0; !rc && i < cfg->nr_disks; i++) {
		const struct xl_disk *d = &cfg->disks[i];

		rc = blkback_check_spec(d->target, d->access != XLCFG_DISK_RO, msg, sizeof(msg));
		if (rc)
			snprintf(errbuf, errlen, "disk %s: %s", d->vdev, msg);
	}
	return rc;
}

int ts_config_first(uint16_t dom, const struct xl_domain_config *cfg, const unsigned int *vdevs, char *errbuf,
		    size_t errlen)
{
	const struct xl_disk *xvda = NULL;
	int rc = 0;

	for (unsigned int i = 0; i < cfg->nr_disks; i++)
		if (vdevs[i] == XLCFG_VDEV_XVDA)
			xvda = &cfg->disks[i];
	if (cfg->nr_vifs)
		rc = netback_add_vif(dom, cfg->vifs[0].vlan, cfg->vifs[0].has_mac ? cfg->vifs[0].mac : NULL);
	else
		netback_remove_vif(dom);
	if (rc) {
		snprintf(errbuf, errlen, "vif 0 refused (%d)%s", rc,
			 rc == -EBUSY ? ": the last domain with this id is still going; try again" : "");
		return rc;
	}
	rc = blkback_set_disk_spec(dom, xvda ? xvda->target : NULL, xvda && xvda->access != XLCFG_DISK_RO, errbuf,
				   errlen);
	if (rc && !errbuf[0])
		snprintf(errbuf, errlen, "xvda refused (%d)", rc);
	return rc;
}

/* An earlier domain's device with the same number may still be going away: a few tries. */
#define TS_ATTACH_TRIES 150
#define TS_ATTACH_WAIT_MS 20

int ts_config_rest(uint16_t dom, const struct xl_domain_config *cfg, const unsigned int *vdevs, char *errbuf,
		   size_t errlen)
{
	bool more = cfg->nr_vifs > 1;
	char msg[200];
	int rc = 0;

	for (unsigned int i = 0; i < cfg->nr_disks; i++)
		more |= vdevs[i] != XLCFG_VDEV_XVDA;
	if (!more)
		return 0;
	dom0_store_settle(); /* the backends have heard of this domain (and an earlier one's end) */
	for (unsigned int i = 1; !rc && i < cfg->nr_vifs; i++) {
		const struct xl_vif *v = &cfg->vifs[i];

		for (int t = 0; t < TS_ATTACH_TRIES; t++) {
			rc = netback_attach_devid(dom, i, v->vlan, v->has_mac ? v->mac : NULL);
			if (rc != -EBUSY)
				break;
			msleep(TS_ATTACH_WAIT_MS);
		}
		if (rc)
			snprintf(errbuf, errlen, "vif %u refused (%d)%s", i, rc,
				 rc == -EBUSY ? ": the last domain with this id is still going; try again" : "");
		else if (v->ip[0]) { /* as network-attach: for the record */
			char be[64];

			snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", dom, i);
			xenbus_printf(XBT_NIL, be, "ip", "%s", v->ip);
		}
	}
	for (unsigned int i = 0; !rc && i < cfg->nr_disks; i++) {
		const struct xl_disk *d = &cfg->disks[i];

		if (vdevs[i] == XLCFG_VDEV_XVDA)
			continue;
		for (int t = 0; t < TS_ATTACH_TRIES; t++) {
			msg[0] = '\0';
			rc = blkback_attach_spec(dom, vdevs[i], d->vdev, d->target, d->access != XLCFG_DISK_RO, msg,
						 sizeof(msg));
			if (rc != -EEXIST)
				break; /* -EEXIST: the last domain's vbd of that number is being released */
			msleep(TS_ATTACH_WAIT_MS);
		}
		if (rc)
			snprintf(errbuf, errlen, "disk %s refused (%d): %s", d->vdev, rc, msg[0] ? msg : "no free vbd");
	}
	return rc;
}

void ts_config_wait(uint16_t dom, const struct xl_domain_config *cfg, const unsigned int *vdevs)
{
	s_time_t deadline = NOW() + SECONDS(2);
	char path[80];

	for (unsigned int i = 0; i < cfg->nr_vifs; i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/%u/state", dom, i);
		if (xenbus_wait_exists(path, deadline))
			fprintf(stderr, "mica create: d%u: no nodes of vif %u after 2 s\n", dom, i);
	}
	for (unsigned int i = 0; i < cfg->nr_disks; i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u/%u/state", dom, vdevs[i]);
		if (xenbus_wait_exists(path, deadline))
			fprintf(stderr, "mica create: d%u: no nodes of vbd %s after 2 s\n", dom, cfg->disks[i].vdev);
	}
}
