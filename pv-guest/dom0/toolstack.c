/*
 * dom0's toolstack behind the `mica` (and `xl`) shell command: dom0-tools/cli/ over Mica's
 * control interface and Xen's hypercalls. `create` reads an xl.cfg file and the kernel from
 * dom0's initrd (xlcfg/, initrd/), builds with builder/, gives the domain the config's vifs and
 * disks (netback, blkback: RAM disks, images in dom0's store, dom0's disks), introduces it to the
 * store and unpauses it. `console` attaches the hypervisor's console input
 * (MICA_CTL_CONSOLE_ATTACH); restarts are in toolstack_restart.c, mem-set and vcpu-set in
 * toolstack_mem.c, the device verbs in toolstack_dev.c.
 */
#include <pv/dom0.h>
#include <pv/hypercall.h>
#include <pv/sched.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pv/console.h>
#include <pv/initrd.h>
#include <pv/mm.h>
#include <pv/xenbus.h>

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

/* ---- console, uptime, rename */

static int console_ctl(uint16_t dom, uint32_t flags, struct mica_ctl_console *out)
{
	struct mica_ctl c = {.cmd = MICA_CTL_CONSOLE_ATTACH, .domain = dom};
	int rc;

	c.u.console.flags = flags;
	rc = dom0_ctl(&c);
	if (!rc && out)
		*out = c.u.console;
	return rc;
}

static int dom_info(uint16_t dom, struct mica_ctl_dominfo *info)
{
	struct mica_ctl c = {.cmd = MICA_CTL_DOMAIN_INFO, .domain = dom};
	int rc = dom0_ctl(&c);

	if (!rc)
		*info = c.u.info;
	return rc;
}

/*
 * The hypervisor serves the consoles: attaching gives the domain the console's input (its lines
 * then come without their "(dN) " prefix) until Ctrl-] gives it back to dom0. This waits for
 * that, or for the domain to stop (then takes the input back itself).
 */
static int ts_console(void *ctx, uint16_t dom)
{
	struct mica_ctl_dominfo info, now;
	struct mica_ctl_console st;
	int rc = dom_info(dom, &info);

	(void)ctx;
	if (rc)
		return rc;
	if (info.state == MICA_CTL_STATE_SHUTDOWN || info.state == MICA_CTL_STATE_CRASHED)
		return -ENODEV;
	fprintf(stderr, "mica console: d%u (%.*s); Ctrl-] returns to dom0\n", dom, MICA_CTL_NAME_LEN, info.name);
	fflush(stderr);
	rc = console_ctl(dom, 0, NULL);
	if (rc)
		return rc;
	for (;;) {
		msleep(100);
		rc = console_ctl(0, MICA_CTL_CONSOLE_QUERY, &st);
		if (rc)
			return rc;
		if (st.focus == 0)
			return 0; /* Ctrl-], or Ctrl-A rotated the input back to dom0 */
		rc = dom_info(dom, &now);
		if (rc || now.generation != info.generation || now.state == MICA_CTL_STATE_SHUTDOWN ||
		    now.state == MICA_CTL_STATE_CRASHED || (now.flags & MICA_CTL_DOMF_DYING)) {
			console_ctl(0, 0, NULL); /* the input back to dom0 */
			fprintf(stderr, "\nmica console: domain %u has stopped\n", dom);
			return 0;
		}
	}
}

static int ts_uptime(void *ctx, uint16_t dom, uint64_t *seconds)
{
	struct mica_ctl_dominfo info;
	int rc = dom_info(dom, &info);

	(void)ctx;
	if (!rc)
		*seconds = info.uptime_ns / 1000000000ULL;
	return rc;
}

/* The hypervisor's name (it refuses a name another live domain has) and the store's. */
static int ts_rename(void *ctx, uint16_t dom, const char *name)
{
	struct mica_ctl c = {.cmd = MICA_CTL_DOMAIN_RENAME, .domain = dom};
	char path[48];
	int rc;

	(void)ctx;
	if (strlen(name) >= sizeof(c.u.rename.name))
		return -EINVAL;
	strcpy(c.u.rename.name, name);
	rc = dom0_ctl(&c);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/local/domain/%u/name", dom);
	rc = xenbus_write(XBT_NIL, path, name);
	if (rc)
		fprintf(stderr, "mica rename: %s not updated (%d)\n", path, rc);
	return 0;
}

/* A key typed within ms milliseconds (mica top's 'q'), or -1. */
static int ts_wait_key(void *ctx, unsigned ms)
{
	s_time_t deadline = NOW() + MILLISECS(ms);
	char ch;

	(void)ctx;
	do {
		if (console_poll(&ch, 1) == 1)
			return (unsigned char)ch;
		msleep(20);
	} while (NOW() < deadline);
	return -1;
}

/* ---- the builder's access to the hypervisor */

#define MAP_PAGES 1024 /* a window of dom0's physical space for the builder's foreign mappings */
static uint64_t map_gfn;
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
	if (!map_gfn)
		map_gfn = dom0_window(MAP_PAGES, "builder mappings");
	if (!map_gfn)
		return NULL;
	for (unsigned int i = 0; i < MAP_PAGES && run < nr; i++) {
		run = map_dom[i] ? 0 : run + 1;
		if (run == 1)
			first = i;
	}
	if (!nr || run < nr)
		return NULL;
	c.u.map_foreign.gfn = gfn;
	c.u.map_foreign.caller_gfn = map_gfn + first;
	c.u.map_foreign.nr_pages = nr;
	if (dom0_ctl(&c))
		return NULL;
	for (unsigned int i = 0; i < nr; i++)
		map_dom[first + i] = (uint16_t)(dom + 1);
	return gfn_to_virt(map_gfn + first);
}

static void b_unmap(void *ctx, void *p, unsigned int nr)
{
	unsigned long gfn = virt_to_gfn(p);
	struct mica_ctl c = {.cmd = MICA_CTL_UNMAP_FOREIGN};

	(void)ctx;
	if (gfn < map_gfn || gfn + nr > map_gfn + MAP_PAGES || !map_dom[gfn - map_gfn])
		return;
	c.domain = (uint16_t)(map_dom[gfn - map_gfn] - 1);
	c.u.unmap_foreign.caller_gfn = gfn;
	dom0_ctl(&c);
	for (unsigned int i = 0; i < nr; i++)
		map_dom[gfn - map_gfn + i] = 0;
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

/* Is a live domain (not being destroyed) named name? Its id, or -1. */
static int live_named(const char *name)
{
	static struct mica_ctl_dominfo info[64];
	int nr = ts_list(NULL, info, 64);

	for (int i = 0; i < nr; i++) {
		if (!(info[i].flags & MICA_CTL_DOMF_DYING) && !strncmp(info[i].name, name, sizeof(info[i].name)))
			return info[i].domain;
	}
	return -1;
}

int toolstack_build(const struct xl_domain_config *cfg, const char *cfg_path, bool paused, uint16_t *domid,
		    char *errbuf, size_t errlen)
{
	struct builder_params p = {0};
	struct builder_result res;
	const void *kernel, *ramdisk = NULL;
	size_t kernel_len, ramdisk_len = 0;
	unsigned int vdevs[XLCFG_MAX_DISKS];
	char msg[256];
	int rc, other;
	s_time_t t_start = NOW();

	/* As xl: one domain per name. */
	other = live_named(cfg->name);
	if (other >= 0) {
		snprintf(errbuf, errlen, "%s: a domain named \"%s\" exists already (d%d)", cfg_path, cfg->name, other);
		return -EEXIST;
	}
	/* Every device before anything is built: a bad one leaves no domain behind. */
	rc = ts_config_check(cfg, vdevs, msg, sizeof(msg));
	if (rc) {
		snprintf(errbuf, errlen, "%s: %s", cfg_path, msg);
		return rc;
	}
	rc = initrd_open(cfg->kernel, &kernel, &kernel_len);
	if (rc) {
		snprintf(errbuf, errlen, "%s: kernel %s: not in dom0's initrd (%d)", cfg_path, cfg->kernel, rc);
		return rc;
	}
	if (cfg->ramdisk[0] && (rc = initrd_open(cfg->ramdisk, &ramdisk, &ramdisk_len))) {
		snprintf(errbuf, errlen, "%s: ramdisk %s: not in dom0's initrd (%d)", cfg_path, cfg->ramdisk, rc);
		return rc;
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
	p.on_poweroff = toolstack_ctl_action(cfg->on_poweroff);
	p.on_reboot = toolstack_ctl_action(cfg->on_reboot);
	p.on_crash = toolstack_ctl_action(cfg->on_crash);
	rc = builder_build(&p, &builder_ops, NULL, &res, errbuf, errlen);
	if (rc) {
		snprintf(msg, sizeof(msg), "%s: %s", cfg_path, errbuf);
		snprintf(errbuf, errlen, "%s", msg);
		return rc;
	}
	*domid = res.domid;
	/*
	 * Devices: the backends write their store entries when the store introduces the domain.
	 * Whatever an earlier domain with this id had is replaced (a RAM disk starts from zeros):
	 * vif 0 and xvda are set here; the config's other devices go with this domain.
	 */
	rc = ts_config_first(res.domid, cfg, vdevs, msg, sizeof(msg));
	if (rc) {
		snprintf(errbuf, errlen, "%s: devices refused: %s", cfg_path, msg);
		simple(MICA_CTL_DOMAIN_DESTROY, res.domid);
		return rc;
	}
	toolstack_domain_nodes(res.domid, cfg->memory_mib, cfg->maxmem_mib, cfg->vcpus);
	/*
	 * The store's part, as xl does it before unpausing: XS_INTRODUCE with the domain's name and
	 * id, then the backends' device nodes (the devices thread and the vif's thread write them;
	 * the domain is paused, so the time is dom0's alone). A second scan introduces the domain
	 * if the first only released an earlier one with its id; once the backends have heard of
	 * both, the config's other devices are attached (an earlier domain's going away cannot take
	 * them along).
	 */
	s_time_t t_store = NOW(), t_intro, t_devices;

	dom0_store_scan();
	dom0_store_scan();
	t_intro = NOW();
	rc = ts_config_rest(res.domid, cfg, vdevs, msg, sizeof(msg));
	if (rc) {
		snprintf(errbuf, errlen, "%s: devices refused: %s", cfg_path, msg);
		simple(MICA_CTL_DOMAIN_DESTROY, res.domid);
		return rc;
	}
	ts_config_wait(res.domid, cfg, vdevs);
	t_devices = NOW();
	uint64_t tool = 0, hyp = 0;

	for (unsigned int i = 0; i < BUILDER_NR_PHASES; i++) {
		tool += res.timing.total[i] - res.timing.hypervisor[i];
		hyp += res.timing.hypervisor[i];
	}
	fprintf(stderr, "mica create: d%u (%s) built in %llu us: toolstack %llu us, hypervisor %llu us\n", res.domid,
		cfg->name, (unsigned long long)(tool + hyp) / 1000, (unsigned long long)tool / 1000,
		(unsigned long long)hyp / 1000);
	fprintf(stderr,
		"mica create: d%u (%s) store %lld us: introduce %lld us, device nodes %lld us; started at system time "
		"%lld ns, unpaused %lld us later\n",
		res.domid, cfg->name, (long long)(t_devices - t_store) / 1000, (long long)(t_intro - t_store) / 1000,
		(long long)(t_devices - t_intro) / 1000, (long long)t_start, (long long)(NOW() - t_start) / 1000);
	toolstack_keep(res.domid, cfg, cfg_path);
	return paused ? 0 : simple(MICA_CTL_DOMAIN_UNPAUSE, res.domid);
}

static int ts_create(void *ctx, const char *cfg_path, char **overrides, unsigned n, bool paused, uint16_t *domid,
		     char *errbuf, size_t errlen)
{
	struct xl_domain_config *cfg = calloc(1, sizeof(*cfg));
	struct xlcfg_diag *diag = calloc(1, sizeof(*diag));
	const void *text;
	size_t len;
	int rc = -ENOMEM;

	(void)ctx;
	if (!cfg || !diag)
		goto out;
	/* As `xl create /dev/null name=... kernel=...`: the overrides are the whole config. */
	if (!strcmp(cfg_path, "/dev/null")) {
		rc = xlcfg_parse_overrides(overrides, n, cfg, diag);
		n = 0;
	} else {
		rc = initrd_open(cfg_path, &text, &len);
		if (rc) {
			snprintf(errbuf, errlen,
				 "%s: no such file in dom0's initrd (%d; ls /etc/mica lists the configs)", cfg_path,
				 rc);
			goto out;
		}
		rc = xlcfg_parse(text, len, cfg_path, cfg, diag);
	}
	for (unsigned int i = 0; !rc && i < n; i++)
		rc = xlcfg_apply_override(cfg, overrides[i], diag);
	for (unsigned int i = 0; i < diag->nr_warnings; i++)
		fprintf(stderr, "warning: %s\n", diag->warnings[i].text);
	if (rc) {
		snprintf(errbuf, errlen, "%s", diag->error);
		goto out;
	}
	toolstack_check_actions(cfg);
	rc = toolstack_build(cfg, cfg_path, paused, domid, errbuf, errlen);
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
    .console = ts_console,
    .uptime = ts_uptime,
    .rename = ts_rename,
    .wait_key = ts_wait_key,
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
