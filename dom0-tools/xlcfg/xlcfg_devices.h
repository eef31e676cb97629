/*
 * The devices of a parsed config as dom0's toolstack serves them at create (docs/cli.md): the
 * vdev numbers of xl's disk names and the checks a config's vifs and disks pass before a domain
 * is built. Portable: built into dom0 and on the host for the unit tests.
 */
#ifndef MICA_XLCFG_DEVICES_H
#define MICA_XLCFG_DEVICES_H

#include <stddef.h>

#include "xlcfg/xlcfg.h"

#define XLCFG_VDEV_XVDA 768 /* blkback's xvda: the config's first disk, the guest's boot disk */
#define XLCFG_VDEV_XVD(n) (202U << 8 | (unsigned)(n) << 4) /* Xen's xvd numbers: xvdb is 51728 */

/* "xvda" (768), "xvdb" .. "xvdp" (Xen's xvd numbers), or a device number; 0 if none of them. */
unsigned int xlcfg_vdev_number(const char *name);

/*
 * Whether the toolstack serves every vif and disk of cfg: at most max_vifs vifs and max_disks
 * disks, vifs on dom0's backend with unicast MACs given at most once, disks with a vdev of
 * xlcfg_vdev_number's (vdevs[i] gets disk i's) given once, no CD-ROMs, and no image or device
 * given twice unless every use is read-only (RAM disks are each their own). 0, or -EINVAL /
 * -EOPNOTSUPP / -E2BIG with the reason in err.
 */
int xlcfg_check_devices(const struct xl_domain_config *cfg, unsigned int max_vifs, unsigned int max_disks,
			unsigned int *vdevs, char *err, size_t errlen);

#endif /* MICA_XLCFG_DEVICES_H */
