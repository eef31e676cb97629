/* A config's devices as dom0's toolstack serves them (xlcfg_devices.h). */
#include "xlcfg/xlcfg_devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned int xlcfg_vdev_number(const char *name)
{
	char *end;
	unsigned long n = strtoul(name, &end, 10);

	if (!*end && end != name)
		return n > 0 && n < (1UL << 28) ? (unsigned int)n : 0;
	if (!strcmp(name, "xvda"))
		return XLCFG_VDEV_XVDA;
	if (!strncmp(name, "xvd", 3) && name[3] >= 'b' && name[3] <= 'p' && !name[4])
		return XLCFG_VDEV_XVD(name[3] - 'a');
	return 0;
}

static int check_vifs(const struct xl_domain_config *cfg, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < cfg->nr_vifs; i++) {
		const struct xl_vif *v = &cfg->vifs[i];

		if (v->backend[0] && strcmp(v->backend, "0") && strcmp(v->backend, "dom0")) {
			snprintf(err, errlen, "vif %u: backend=%s: dom0 is the only network backend", i, v->backend);
			return -EINVAL;
		}
		if (!v->has_mac)
			continue;
		if (v->mac[0] & 1) {
			snprintf(err, errlen, "vif %u: a multicast MAC cannot be a vif's", i);
			return -EINVAL;
		}
		for (unsigned int j = 0; j < i; j++) {
			if (cfg->vifs[j].has_mac && !memcmp(cfg->vifs[j].mac, v->mac, sizeof(v->mac))) {
				snprintf(err, errlen, "vif %u: the MAC of vif %u again", i, j);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int check_disks(const struct xl_domain_config *cfg, unsigned int *vdevs, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < cfg->nr_disks; i++) {
		const struct xl_disk *d = &cfg->disks[i];

		if (d->cdrom || !d->target[0]) {
			snprintf(err, errlen, "disk %s: CD-ROMs are not served", d->vdev);
			return -EOPNOTSUPP;
		}
		vdevs[i] = xlcfg_vdev_number(d->vdev);
		if (!vdevs[i]) {
			snprintf(err, errlen, "disk %s: vdev %s: xvda .. xvdp are served", d->target, d->vdev);
			return -EINVAL;
		}
		for (unsigned int j = 0; j < i; j++) {
			const struct xl_disk *o = &cfg->disks[j];

			if (vdevs[j] == vdevs[i]) {
				snprintf(err, errlen, "disk %s: vdev %u is %s's already", d->vdev, vdevs[i], o->vdev);
				return -EINVAL;
			}
			if (strncmp(d->target, "ram:", 4) && !strcmp(o->target, d->target) &&
			    (d->access != XLCFG_DISK_RO || o->access != XLCFG_DISK_RO)) {
				snprintf(err, errlen, "disk %s: %s is %s's already (only read-only disks share)",
					 d->vdev, d->target, o->vdev);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int xlcfg_check_devices(const struct xl_domain_config *cfg, unsigned int max_vifs, unsigned int max_disks,
			unsigned int *vdevs, char *err, size_t errlen)
{
	int rc;

	if (errlen)
		err[0] = '\0';
	if (cfg->nr_vifs > max_vifs || cfg->nr_disks > max_disks) {
		snprintf(err, errlen, "%u vifs and %u disks: at most %u vifs and %u disks per domain", cfg->nr_vifs,
			 cfg->nr_disks, max_vifs, max_disks);
		return -E2BIG;
	}
	rc = check_vifs(cfg, err, errlen);
	return rc ? rc : check_disks(cfg, vdevs, err, errlen);
}
