/*
 * The dom0 build: Mica's control interface, and bringing up the store and the backends when
 * the kernel finds itself privileged (dom0_main, called from the main thread before the app).
 */
#include <pv/dom0.h>
#include <pv/hypercall.h>
#include <pv/images.h>
#include <pv/pci.h>
#include <pv/setup.h>

#include <errno.h>
#include <string.h>

#include "br0.h"

static const struct dom0_backend *const backends[] = {&netback_backend, &blkback_backend};

int dom0_ctl(struct mica_ctl *c)
{
	c->interface_version = MICA_CTL_INTERFACE_VERSION;
	long rc = HYPERVISOR_mica_ctl(c);

	return rc < 0 ? (int)rc : 0;
}

bool dom0_privileged(void)
{
	static int known = -1;

	if (known < 0) {
		struct mica_ctl c = {.cmd = MICA_CTL_PHYSINFO};

		known = on_mica && dom0_ctl(&c) == 0;
	}
	return known;
}

void dom0_domain_up(domid_t dom)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(backends); i++)
		if (backends[i]->domain_up)
			backends[i]->domain_up(dom);
}

void dom0_domain_down(domid_t dom)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(backends); i++)
		if (backends[i]->domain_down)
			backends[i]->domain_down(dom);
}

int dom0_main(void)
{
	int rc;

	if (!dom0_privileged())
		return -EPERM;
	printk("dom0: PCI: %d functions\n", pci_init());
	dom0_drivers_init(); /* after pci_init() */
	rc = dom0_store_start();
	if (rc) {
		printk("dom0: the store did not start (%d)\n", rc);
		return rc;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(backends); i++) {
		const char *cfg = kernel_opt(backends[i]->name);

		if (!cfg || !backends[i]->init)
			continue;
		rc = backends[i]->init(cfg);
		if (rc)
			printk("dom0: %s=%s refused (%d)\n", backends[i]->name, cfg, rc);
	}
	images_mount(); /* dom0's image store on vda, for file: disks; without it dom0 runs on */
	/* dom0's own port on the bridge, and the uplink ("bridge=uplink|internal|auto", "uplink=eth0"). */
	rc = br0_start(kernel_opt("bridge"), kernel_opt("uplink"));
	if (rc)
		printk("dom0: br0 did not start (%d)\n", rc);
	printk("dom0: store up; backends:%s%s\n", kernel_opt("vif") ? " vif" : "", kernel_opt("vbd") ? " vbd" : "");
	return 0;
}
