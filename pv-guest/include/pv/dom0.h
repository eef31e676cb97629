/*
 * The dom0 build of pv-guest (docs/pv-guest.md): the store daemon's service
 * (dom0-tools/xenstore/ on every domain's store ring), Mica's control interface, and the
 * backends, which talk to the store through the ordinary xenbus API (pv/xenbus.h) over an
 * in-memory ring the store serves like any other.
 */
#ifndef PV_DOM0_H
#define PV_DOM0_H

#include <pv/xen.h>

#include <mica/ctl.h>

bool dom0_privileged(void);       /* Mica's control interface answers us */
int dom0_ctl(struct mica_ctl *c); /* one MICA_CTL_* command; fills cmd's version; 0 or -errno */

/*
 * The store: starts the service thread, connects this domain's xenbus client to it, and from
 * then on introduces every domain the hypervisor built with a store ring (HVM_PARAM_STORE_PFN),
 * writing /local/domain/<id>/{name,domid} and calling the backends' domain_up; when a domain
 * goes, its connection is released and the backends' domain_down called.
 */
int dom0_store_start(void);
/* Introduces the domains built since the last scan now (mica create, before unpausing). */
void dom0_store_scan(void);

/*
 * Backends: configured from the kernel command line, told about domains as they come and go.
 *   vif=1,2        a network interface for domains 1 and 2, bridged together in dom0
 *   vbd=1:8,2:16   a RAM disk of 8 MiB for domain 1, 16 MiB for domain 2 (device xvda, 768);
 *                  `mica create` gives domains RAM disks, image files or dom0's disks instead
 */
struct dom0_backend {
	const char *name;
	int (*init)(const char *config);  /* the option's value; 0 or -errno */
	void (*domain_up)(domid_t dom);   /* the domain has a store connection: write its devices */
	void (*domain_down)(domid_t dom); /* the domain is gone: free what served it */
};
extern const struct dom0_backend netback_backend, blkback_backend;

/*
 * A window of `pages` free guest frames above 4 GiB and every PCI BAR, mapped write-back in
 * dom0's page tables, for other domains' pages (pv-guest/dom0/window.c); its first frame, or 0.
 * Call after pci_init.
 */
uint64_t dom0_window(uint64_t pages, const char *what);

/* dom0's own PCI devices: the drivers (virtio-blk, virtio-net) offered what pci_init() found. */
void dom0_drivers_init(void);
int dom0_dev_cmd(int argc, char **argv); /* the shell's disks, nics, disk-read, disk-write */

/* From the main thread: when privileged, the store and the configured backends; -EPERM if not. */
int dom0_main(void);
/* The store calls these (from a thread of their own) as domains come and go. */
void dom0_domain_up(domid_t dom);
void dom0_domain_down(domid_t dom);
/* Until the backends have heard of every domain the store introduced or released so far (2 s at most). */
void dom0_store_settle(void);

/* The shell's view of blkback: one line per vbd (domain, size, state, request counts); the length written. */
int blkback_status(char *buf, size_t size);
#ifdef PV_HOST_TEST
void blkback_poll(void); /* unit tests: the vbd threads' turn (threads do not run on the host) */
#endif

/*
 * The config's vif 0 for domain dom (on vlan, 0: untagged; mac NULL: 00:16:3e:4d:<dom>), served
 * once the domain is up; 0 if it has one. -EBUSY: an earlier domain's vif 0 is still going away.
 */
int netback_add_vif(domid_t dom, uint16_t vlan, const uint8_t *mac);
void netback_remove_vif(domid_t dom); /* a domain created later with this id gets none */
/*
 * The toolstack's disk for domain dom (xvda), replacing what an earlier domain with this id had;
 * target as xl's disk spec gives it: "ram:MIB" (a fresh thin RAM disk), "file:/images/x.img"
 * or "/images/x.img" (an image in dom0's image store), "phy:/dev/vda" or "/dev/vda" (a whole
 * disk of dom0); NULL or "": no disk. writable false: read-only to the guest (mode=r,
 * VDISK_READONLY). On error a message in err and -errno: -EINVAL, -ENOENT, -ENODEV (no image
 * store), -EBUSY (in use by a live domain, or this id's last domain is still going), -EROFS, -ENOMEM.
 */
int blkback_set_disk_spec(domid_t dom, const char *target, bool writable, char *err, size_t errlen);
/* Whether blkback_set_disk_spec would take target now (opens and closes it); before building a domain. */
int blkback_check_spec(const char *target, bool writable, char *err, size_t errlen);
/*
 * network-attach: a new vif for running domain dom, the lowest free number (*devid), with mac
 * (NULL: 00:16:3e:4d+devid:<dom>) on vlan; published at once. It goes with the domain.
 * -EEXIST: another vif has that MAC; -ENOSPC: no slot.
 */
int netback_attach(domid_t dom, uint16_t vlan, const uint8_t *mac, uint32_t *devid);
/*
 * The config's vif devid (1..) of a domain just introduced to the store: as network-attach, with
 * that number (mac NULL: 00:16:3e:4d+devid:<dom>). -EBUSY: an earlier domain's vif of that
 * number is still going away (try again shortly); -EINVAL; -ENOSPC.
 */
int netback_attach_devid(domid_t dom, uint32_t devid, uint16_t vlan, const uint8_t *mac);
/* network-detach: Closing, the frontend closes (10 s at most), then removed. -ENODEV: no such vif. */
int netback_detach(domid_t dom, uint32_t devid);
/*
 * block-attach: target (as blkback_set_disk_spec takes it) as device/vbd/<vdev> (named dev,
 * "xvdb") of running domain dom, published at once; it goes with the domain. -EEXIST: dom has
 * that vdev; other errors as blkback_set_disk_spec's, with a message in err.
 */
int blkback_attach_spec(domid_t dom, unsigned int vdev, const char *dev, const char *target, bool writable, char *err,
			size_t errlen);
/* The same for a fresh RAM disk of mib MiB. */
int blkback_attach(domid_t dom, unsigned int vdev, const char *dev, unsigned long mib);
/* block-detach: Closing, the frontend closes (10 s at most), then removed. -ENODEV: no such vbd. */
int blkback_detach(domid_t dom, unsigned int vdev);

/* netback (docs/dom0-netback.md): per vif its state and counters, then the bridge; the length. */
int netback_status(char *buf, size_t size);
#ifdef PV_HOST_TEST
void netback_run_all(void); /* host tests run no threads: one round of every vif's thread */
#endif

#endif
