/*
 * dom0's toolstack behind the `mica` (and `xl`) shell command: dom0-tools/cli/ over Mica's
 * control interface and Xen's hypercalls. `create` reads an xl.cfg file and the kernel from
 * dom0's initrd (xlcfg/, initrd/), builds with builder/, gives the domain the config's vifs and
 * RAM disks (netback, blkback), and unpauses it; the store introduces it as it does any domain.
 * mem-set and vcpu-set are in toolstack_mem.c, the device verbs in toolstack_dev.c. Not wired
 * yet (the CLI says "not supported here"): console, rename.
 */
#include <pv/dom0.h>
#include <pv/hypercall.h>
#include <pv/sched.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/initrd.h>
#include <pv/mm.h>

#include <stdlib.h>

#include "builder/builder.h"
#include "cli/cli.h"
#include "toolstack.h"
#include "xlcfg/xlcfg.h"

static int ts_list(void *ctx, struct mica_ctl_dominfo *buf, unsigned max)
{
	struct mica_ctl c = {.cmd = MICA_CTL_DOMAIN_LIST, .domain = 0};
	int rc;

	(void)ctx;
	c.u.list.buffer = (uint64_t)(uintptr_t)buf;
	c.u.list.max_entries = max;
	rc = dom0_ctl(&c);
	return rc ? rc : (int)c.u.list.nr_entries;
}

static int ts_physinfo(void *ctx, struct mica_ctl_physinfo *info)
{
	struct mica_ctl c = {.cmd = MICA_CTL_PHYSINFO};
	int rc = dom0_ctl(&c);

	(void)ctx;
	if (!rc)
		*info = c.u.physinfo;
	return rc;
}

static int ts_version(void *ctx, struct mica_cli_version *v)
{
	xen_extraversion_t extra = {0};
	xen_compile_info_t ci;
	long ver = HYPERVISOR_xen_version(XENVER_version, NULL);

	(void)ctx;
	memset(&ci, 0, sizeof(ci));
	(void)HYPERVISOR_xen_version(XENVER_extraversion, extra);
	(void)HYPERVISOR_xen_version(XENVER_compile_info, &ci);
	memset(v, 0, sizeof(*v));
	snprintf(v->host, sizeof(v->host), "dom0");
	snprintf(v->release, sizeof(v->release), "Mica (%s)", extra);
	snprintf(v->version, sizeof(v->version), "%s", ci.compile_date);
	v->xen_major = (uint32_t)(ver >> 16);
	v->xen_minor = (uint32_t)(ver & 0xffff);
	snprintf(v->xen_extra, sizeof(v->xen_extra), "%s", extra);
	snprintf(v->cc_compiler, sizeof(v->cc_compiler), "%s", ci.compiler);
	snprintf(v->cc_compile_date, sizeof(v->cc_compile_date), "%s", ci.compile_date);
	return 0;
}

static int simple(uint32_t cmd, uint16_t dom)
{
	struct mica_ctl c = {.cmd = cmd, .domain = dom};

	return dom0_ctl(&c);
}

static int ts_destroy(void *ctx, uint16_t dom)
{
	(void)ctx;
	return simple(MICA_CTL_DOMAIN_DESTROY, dom);
}

static int ts_pause(void *ctx, uint16_t dom)
{
	(void)ctx;
	return simple(MICA_CTL_DOMAIN_PAUSE, dom);
}

static int ts_unpause(void *ctx, uint16_t dom)
{
	(void)ctx;
	return simple(MICA_CTL_DOMAIN_UNPAUSE, dom);
}

static int ts_shutdown(void *ctx, uint16_t dom, unsigned reason)
{
	struct sched_remote_shutdown rs = {
	    .domain_id = dom, .reason = reason == MICA_CLI_SHUTDOWN_REBOOT ? SHUTDOWN_reboot : SHUTDOWN_poweroff};

	(void)ctx;
	return (int)HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs);
}

/* Until no live domain has that id and generation (30 s at most). */
static int ts_wait_gone(void *ctx, uint16_t dom, uint64_t generation)
{
	static struct mica_ctl_dominfo info[64];
	s_time_t deadline = NOW() + SECONDS(30);

	while (NOW() < deadline) {
		int n = ts_list(ctx, info, 64);
		bool there = false;

		if (n < 0)
			return n;
		for (int i = 0; i < n; i++)
			there |= info[i].domain == dom && info[i].generation == generation;
		if (!there)
			return 0;
		msleep(100);
	}
	return -ETIMEDOUT;
}

static int ts_dmesg(void *ctx, char *buf, size_t len, bool clear)
{
	static uint64_t cleared; /* offset of the last "dmesg -c" */
	struct mica_ctl c = {.cmd = MICA_CTL_CONSOLE_READ};
	size_t got = 0;

	(void)ctx;
	c.u.console_read.index = cleared;
	while (got + 1 < len) {
		uint32_t want = (uint32_t)MIN(len - 1 - got, (size_t)MICA_CTL_CONSOLE_READ_MAX);
		int rc;

		c.u.console_read.buffer = (uint64_t)(uintptr_t)(buf + got);
		c.u.console_read.size = want;
		c.u.console_read.lost = 0;
		c.u.console_read.pad = 0;
		rc = dom0_ctl(&c);
		if (rc)
			return rc;
		if (!c.u.console_read.size)
			break;
		got += c.u.console_read.size;
	}
	buf[got] = '\0';
	if (clear)
		cleared = c.u.console_read.index;
	return (int)got;
}

static int ts_vcpu_info(void *ctx, uint16_t dom, struct mica_cli_vcpu *buf, unsigned max)
{
	struct mica_ctl c = {.cmd = MICA_CTL_DOMAIN_INFO, .domain = dom};
	int rc = dom0_ctl(&c);
	unsigned n;

	(void)ctx;
	if (rc)
		return rc;
	n = MIN(max, c.u.info.max_vcpus);
	for (unsigned v = 0; v < n; v++) {
		struct mica_ctl a = {.cmd = MICA_CTL_VCPU_GET_AFFINITY, .domain = dom};

		a.u.affinity.vcpu = v;
		rc = dom0_ctl(&a);
		if (rc)
			return rc;
		buf[v] = (struct mica_cli_vcpu){
		    .vcpu = v,
		    .online = v < c.u.info.online_vcpus,
		    .cpu_time_ns = v ? 0 : c.u.info.cpu_time_ns, /* per-vCPU time is not reported: all on vCPU0 */
		    .affinity = a.u.affinity.cpumask,
		};
	}
	return (int)n;
}

static int ts_vcpu_pin(void *ctx, uint16_t dom, uint32_t vcpu, uint64_t cpumask)
{
	struct mica_ctl c = {.cmd = MICA_CTL_VCPU_SET_AFFINITY, .domain = dom};

	(void)ctx;
	c.u.affinity.vcpu = vcpu;
	c.u.affinity.cpumask = cpumask;
	return dom0_ctl(&c);
}

static int ts_mem_max(void *ctx, uint16_t dom, uint64_t kib)
{
	struct mica_ctl c = {.cmd = MICA_CTL_SET_MAX_MEM, .domain = dom};

	(void)ctx;
	c.u.max_mem.max_pages = kib / 4;
	return dom0_ctl(&c);
}

static int ts_sched_get(void *ctx, uint16_t dom, struct mica_ctl_sched *s)
{
	struct mica_ctl c = {.cmd = MICA_CTL_SCHED_GET, .domain = dom};
	int rc = dom0_ctl(&c);

	(void)ctx;
	if (!rc)
		*s = c.u.sched;
	return rc;
}

static int ts_sched_set(void *ctx, uint16_t dom, const struct mica_ctl_sched *s)
{
	struct mica_ctl c = {.cmd = MICA_CTL_SCHED_SET, .domain = dom};

	(void)ctx;
	c.u.sched = *s;
	return dom0_ctl(&c);
}

/* ---- the builder's access to the hypervisor */

#define MAP_GFN 0xe0000UL /* a window of dom0's physical space for the builder's foreign mappings */
#define MAP_PAGES 1024
static uint16_t map_dom[MAP_PAGES]; /* the domain each window page maps, + 1; 0: free */

static int b_ctl(void *ctx, struct mica_ctl *c)
{
	(void)ctx;
	return dom0_ctl(c);
}

static int b_set_param(void *ctx, uint16_t dom, uint32_t index, uint64_t value)
{
	struct xen_hvm_param p = {.domid = dom, .index = index, .value = value};

	(void)ctx;
	return (int)HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

static int b_get_param(void *ctx, uint16_t dom, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = {.domid = dom, .index = index};
	int rc = (int)HYPERVISOR_hvm_op(HVMOP_get_param, &p);

	(void)ctx;
	*value = p.value;
	return rc;
}

static int b_alloc_unbound(void *ctx, uint16_t dom, uint16_t remote, uint32_t *port)
{
	struct evtchn_alloc_unbound op = {.dom = dom, .remote_dom = remote};
	int rc = (int)HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	(void)ctx;
	*port = op.port;
	return rc;
}

static void *b_map(void *ctx, uint16_t dom, uint64_t gfn, unsigned int nr)
{
	struct mica_ctl c = {.cmd = MICA_CTL_MAP_FOREIGN, .domain = dom};
	unsigned int first = 0, run = 0;

	(void)ctx;
	for (unsigned int i = 0; i < MAP_PAGES && run < nr; i++) {
		run = map_dom[i] ? 0 : run + 1;
		if (run == 1)
			first = i;
	}
	if (!nr || run < nr)
		return NULL;
	c.u.map_foreign.gfn = gfn;
	c.u.map_foreign.caller_gfn = MAP_GFN + first;
	c.u.map_foreign.nr_pages = nr;
	if (dom0_ctl(&c))
		return NULL;
	for (unsigned int i = 0; i < nr; i++)
		map_dom[first + i] = (uint16_t)(dom + 1);
	return gfn_to_virt(MAP_GFN + first);
}

static void b_unmap(void *ctx, void *p, unsigned int nr)
{
	unsigned long gfn = virt_to_gfn(p);
	struct mica_ctl c = {.cmd = MICA_CTL_UNMAP_FOREIGN};

	(void)ctx;
	if (gfn < MAP_GFN || gfn + nr > MAP_GFN + MAP_PAGES || !map_dom[gfn - MAP_GFN])
		return;
	c.domain = (uint16_t)(map_dom[gfn - MAP_GFN] - 1);
	c.u.unmap_foreign.caller_gfn = gfn;
	dom0_ctl(&c);
	for (unsigned int i = 0; i < nr; i++)
		map_dom[gfn - MAP_GFN + i] = 0;
}

static uint64_t b_clock(void *ctx)
{
	(void)ctx;
	return (uint64_t)NOW();
}

static const struct builder_ops builder_ops = {
    .ctl = b_ctl,
    .hvm_set_param = b_set_param,
    .hvm_get_param = b_get_param,
    .evtchn_alloc_unbound = b_alloc_unbound,
    .map = b_map,
    .unmap = b_unmap,
    .clock = b_clock,
};

/* ---- create */

static uint8_t ctl_action(enum xlcfg_action a, const char *what)
{
	if (a == XLCFG_ACTION_PRESERVE)
		return MICA_CTL_ACTION_PRESERVE;
	if (a != XLCFG_ACTION_DESTROY)
		fprintf(stderr, "warning: %s=\"%s\": only destroy and preserve are carried out yet; destroy\n", what,
			xlcfg_action_name(a));
	return MICA_CTL_ACTION_DESTROY;
}

/* Disks are RAM disks for now: target "ram:MIB". */
static int disk_mib(const struct xl_disk *d, unsigned long *mib)
{
	char *end;

	if (strncmp(d->target, "ram:", 4))
		return -EOPNOTSUPP;
	*mib = strtoul(d->target + 4, &end, 10);
	return *end || !*mib ? -EINVAL : 0;
}

static int ts_create(void *ctx, const char *cfg_path, char **overrides, unsigned n, bool paused, uint16_t *domid,
		     char *errbuf, size_t errlen)
{
	struct xl_domain_config *cfg = calloc(1, sizeof(*cfg));
	struct xlcfg_diag *diag = calloc(1, sizeof(*diag));
	struct builder_params p = {0};
	struct builder_result res;
	const void *text, *kernel, *ramdisk = NULL;
	size_t len, kernel_len, ramdisk_len = 0;
	int rc = -ENOMEM;

	(void)ctx;
	if (!cfg || !diag)
		goto out;
	rc = initrd_open(cfg_path, &text, &len);
	if (rc) {
		snprintf(errbuf, errlen, "%s: no such file in dom0's initrd (%d; ls /etc/mica lists the configs)",
			 cfg_path, rc);
		goto out;
	}
	rc = xlcfg_parse(text, len, cfg_path, cfg, diag);
	for (unsigned int i = 0; !rc && i < n; i++)
		rc = xlcfg_apply_override(cfg, overrides[i], diag);
	for (unsigned int i = 0; i < diag->nr_warnings; i++)
		fprintf(stderr, "warning: %s\n", diag->warnings[i].text);
	if (rc) {
		snprintf(errbuf, errlen, "%s", diag->error);
		goto out;
	}
	if (cfg->nr_vifs > 1 || cfg->nr_disks > 1) {
		snprintf(errbuf, errlen, "%s: %u vifs and %u disks: one of each per domain for now", cfg_path,
			 cfg->nr_vifs, cfg->nr_disks);
		rc = -EOPNOTSUPP;
		goto out;
	}
	/* As xl: one domain per name. */
	{
		static struct mica_ctl_dominfo info[64];
		int nr = ts_list(NULL, info, 64);

		for (int i = 0; i < nr; i++) {
			if (!strncmp(info[i].name, cfg->name, sizeof(info[i].name))) {
				snprintf(errbuf, errlen, "%s: a domain named \"%s\" exists already (d%u)", cfg_path,
					 cfg->name, info[i].domain);
				rc = -EEXIST;
				goto out;
			}
		}
	}
	for (unsigned int i = 0; i < cfg->nr_disks; i++) {
		unsigned long mib;

		if (disk_mib(&cfg->disks[i], &mib)) {
			snprintf(errbuf, errlen,
				 "disk %s: target \"%s\": dom0 serves RAM disks only yet (target=ram:MIB)",
				 cfg->disks[i].vdev, cfg->disks[i].target);
			rc = -EOPNOTSUPP;
			goto out;
		}
	}
	rc = initrd_open(cfg->kernel, &kernel, &kernel_len);
	if (rc) {
		snprintf(errbuf, errlen, "%s: kernel %s: not in dom0's initrd (%d)", cfg_path, cfg->kernel, rc);
		goto out;
	}
	if (cfg->ramdisk[0] && (rc = initrd_open(cfg->ramdisk, &ramdisk, &ramdisk_len))) {
		snprintf(errbuf, errlen, "%s: ramdisk %s: not in dom0's initrd (%d)", cfg_path, cfg->ramdisk, rc);
		goto out;
	}
	p.name = cfg->name;
	p.memory_mib = cfg->memory_mib;
	p.maxmem_mib = cfg->maxmem_mib;
	p.vcpus = cfg->vcpus;
	p.cpumask = cfg->cpus_all ? 0 : cfg->cpumask[0];
	p.kernel = kernel;
	p.kernel_len = kernel_len;
	p.ramdisk = ramdisk;
	p.ramdisk_len = ramdisk_len;
	p.cmdline = cfg->boot_cmdline;
	p.on_poweroff = ctl_action(cfg->on_poweroff, "on_poweroff");
	p.on_reboot = ctl_action(cfg->on_reboot, "on_reboot");
	p.on_crash = ctl_action(cfg->on_crash, "on_crash");
	rc = builder_build(&p, &builder_ops, NULL, &res, errbuf, errlen);
	if (rc) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s: %s", cfg_path, errbuf);
		snprintf(errbuf, errlen, "%s", msg);
		goto out;
	}
	*domid = res.domid;
	/*
	 * Devices: the backends write their store entries when the store introduces the domain.
	 * Whatever an earlier domain with this id had is replaced (a RAM disk starts from zeros).
	 */
	if (cfg->nr_vifs)
		rc = netback_add_vif(res.domid, cfg->vifs[0].vlan);
	else
		netback_remove_vif(res.domid);
	if (!rc) {
		unsigned long mib = 0;

		if (cfg->nr_disks)
			disk_mib(&cfg->disks[0], &mib);
		rc = blkback_set_disk(res.domid, mib);
	}
	if (rc) {
		struct mica_ctl d = {.cmd = MICA_CTL_DOMAIN_DESTROY, .domain = res.domid};

		snprintf(errbuf, errlen, "%s: devices refused (%d)%s", cfg_path, rc,
			 rc == -EBUSY ? ": the last domain with this id is still going; try again" : "");
		dom0_ctl(&d);
		goto out;
	}
	toolstack_domain_nodes(res.domid, cfg->memory_mib, cfg->maxmem_mib, cfg->vcpus);
	uint64_t tool = 0, hyp = 0;

	for (unsigned int i = 0; i < BUILDER_NR_PHASES; i++) {
		tool += res.timing.total[i] - res.timing.hypervisor[i];
		hyp += res.timing.hypervisor[i];
	}
	fprintf(stderr, "mica create: d%u (%s) built in %llu us: toolstack %llu us, hypervisor %llu us\n", res.domid,
		cfg->name, (unsigned long long)(tool + hyp) / 1000, (unsigned long long)tool / 1000,
		(unsigned long long)hyp / 1000);
	if (!paused)
		rc = simple(MICA_CTL_DOMAIN_UNPAUSE, res.domid);
out:
	free(cfg);
	free(diag);
	return rc;
}

static const struct mica_toolstack toolstack = {
    .create = ts_create,
    .list = ts_list,
    .physinfo = ts_physinfo,
    .version = ts_version,
    .destroy = ts_destroy,
    .shutdown = ts_shutdown,
    .wait_gone = ts_wait_gone,
    .pause = ts_pause,
    .unpause = ts_unpause,
    .dmesg = ts_dmesg,
    .vcpu_info = ts_vcpu_info,
    .vcpu_pin = ts_vcpu_pin,
    .mem_max = ts_mem_max,
    .mem_set = ts_mem_set,
    .vcpu_set = ts_vcpu_set,
    .net_attach = ts_net_attach,
    .net_list = ts_net_list,
    .net_detach = ts_net_detach,
    .block_attach = ts_block_attach,
    .block_list = ts_block_list,
    .block_detach = ts_block_detach,
    .sched_get = ts_sched_get,
    .sched_set = ts_sched_set,
};

/* The shell's `mica` and `xl` commands. */
int mica_cmd(int argc, char **argv)
{
	int rc;

	if (!dom0_privileged()) {
		printf("%s: only dom0 manages domains\n", argv[0]);
		return 1;
	}
	rc = mica_cli_main(argc, argv, &toolstack, stdout, stderr);
	fflush(stdout);
	fflush(stderr);
	return rc;
}
