/*
 * dom0's toolstack, memory and vCPUs of a running domain (docs/cli.md): mem-set writes the
 * balloon target /local/domain/<id>/memory/target (KiB, as Xen's toolstack does) for the
 * guest's balloon driver, raising max_pages first when it grows; vcpu-set writes
 * cpu/<n>/availability for each vCPU. The nodes a new domain starts with (memory/static-max,
 * memory/target, cpu/<n>/availability) are written by toolstack_domain_nodes at create.
 */
#include <pv/dom0.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "toolstack.h"

#define MEMSET_MIN_KIB 4096 /* the smallest target mem-set accepts: pv-guest's smallest domain */
#define STORE_PAGES 1       /* what a domain owns beyond its RAM: the store page (builder.c) */

static int dom_info(uint16_t dom, struct mica_ctl_dominfo *info)
{
	struct mica_ctl c = {.cmd = MICA_CTL_DOMAIN_INFO, .domain = dom};
	int rc = dom0_ctl(&c);

	if (!rc)
		*info = c.u.info;
	return rc;
}

static int set_max_pages(uint16_t dom, uint64_t pages)
{
	struct mica_ctl c = {.cmd = MICA_CTL_SET_MAX_MEM, .domain = dom};

	c.u.max_mem.max_pages = pages;
	return dom0_ctl(&c);
}

/* The domain's home, with perms: "n0 r<dom>" (read-only for it) or "n<dom>" (its own). */
static int mkdir_perms(uint16_t dom, const char *node, bool guest_owns)
{
	char path[64], perms[16];
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u/%s", dom, node);
	if (guest_owns)
		snprintf(perms, sizeof(perms), "n%u", dom);
	else
		snprintf(perms, sizeof(perms), "n0 r%u", dom);
	rc = xenbus_mkdir(XBT_NIL, path);
	return rc ? rc : xenbus_set_perms(XBT_NIL, path, perms);
}

static int write_availability(uint16_t dom, uint32_t max_vcpus, uint32_t online)
{
	char dir[64];
	int rc = 0;

	for (uint32_t v = 0; !rc && v < max_vcpus; v++) {
		snprintf(dir, sizeof(dir), "/local/domain/%u/cpu/%u", dom, v);
		rc = xenbus_printf(XBT_NIL, dir, "availability", "%s", v < online ? "online" : "offline");
	}
	return rc;
}

int toolstack_domain_nodes(uint16_t dom, unsigned long memory_mib, unsigned long maxmem_mib, unsigned int vcpus)
{
	char dir[64], perms[16];
	unsigned long max = maxmem_mib > memory_mib ? maxmem_mib : memory_mib;
	int rc;

	/* As xl: the domain's home is dom0's, readable by the domain (a missing node is ENOENT to it). */
	snprintf(dir, sizeof(dir), "/local/domain/%u", dom);
	rc = xenbus_mkdir(XBT_NIL, dir);
	if (!rc)
		rc = xenbus_set_perms(XBT_NIL, dir, (snprintf(perms, sizeof(perms), "n0 r%u", dom), perms));
	snprintf(dir, sizeof(dir), "/local/domain/%u/memory", dom);
	/* memory/ is the guest's: its balloon driver reports there (min-target, current). */
	if (!rc)
		rc = mkdir_perms(dom, "memory", true);
	if (!rc)
		rc = xenbus_printf(XBT_NIL, dir, "static-max", "%lu", max * 1024);
	if (!rc)
		rc = xenbus_printf(XBT_NIL, dir, "target", "%lu", memory_mib * 1024);
	if (!rc)
		rc = mkdir_perms(dom, "cpu", false);
	if (!rc)
		rc = write_availability(dom, vcpus ? vcpus : 1, vcpus ? vcpus : 1);
	if (rc)
		fprintf(stderr, "mica create: d%u: cannot write memory/ and cpu/ in the store (%d)\n", dom, rc);
	return rc;
}

int ts_mem_set(void *ctx, uint16_t dom, uint64_t kib)
{
	char dir[64];
	struct mica_ctl_dominfo info;
	unsigned long static_max, min_target;
	uint64_t pages = kib / 4 + STORE_PAGES;
	int rc;

	(void)ctx;
	if (!dom) {
		fprintf(stderr, "mica mem-set: dom0's memory is fixed (it has no balloon target)\n");
		return -EPERM;
	}
	rc = dom_info(dom, &info);
	if (rc)
		return rc;
	snprintf(dir, sizeof(dir), "/local/domain/%u/memory", dom);
	static_max = xenbus_read_unsigned(XBT_NIL, dir, "static-max", (info.max_pages - STORE_PAGES) * 4);
	min_target = xenbus_read_unsigned(XBT_NIL, dir, "min-target", MEMSET_MIN_KIB);
	if (min_target < MEMSET_MIN_KIB)
		min_target = MEMSET_MIN_KIB;
	if (kib > static_max) {
		fprintf(stderr, "mica mem-set: %llu KiB is more than d%u's maximum, %lu KiB (mem-max raises it)\n",
			(unsigned long long)kib, dom, static_max);
		return -EINVAL;
	}
	if (kib < min_target) {
		fprintf(stderr, "mica mem-set: %llu KiB is below the %lu KiB d%u needs (memory/min-target)\n",
			(unsigned long long)kib, min_target, dom);
		return -ERANGE;
	}
	/* As xl (enforce): max_pages follows the target; raised before the guest grows. */
	if (pages > info.max_pages) {
		rc = set_max_pages(dom, pages);
		if (rc)
			return rc;
	}
	rc = xenbus_printf(XBT_NIL, dir, "target", "%llu", (unsigned long long)kib);
	if (!rc && pages < info.max_pages)
		rc = set_max_pages(dom, pages);
	return rc;
}

int ts_vcpu_set(void *ctx, uint16_t dom, uint32_t nr_online)
{
	struct mica_ctl_dominfo info;
	int rc;

	(void)ctx;
	rc = dom_info(dom, &info);
	if (rc)
		return rc;
	if (nr_online < 1 || nr_online > info.max_vcpus) {
		fprintf(stderr, "mica vcpu-set: d%u has %u vCPUs (maxvcpus): 1 .. %u can be online\n", dom,
			info.max_vcpus, info.max_vcpus);
		return -EINVAL;
	}
	return write_availability(dom, info.max_vcpus, nr_online);
}
