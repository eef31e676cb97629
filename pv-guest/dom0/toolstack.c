/*
 * dom0's toolstack behind the `mica` (and `xl`) shell command: dom0-tools/cli/ over Mica's
 * control interface and Xen's hypercalls. What needs the builder, xl.cfg and device hot-plug
 * (create, console, network-/block-attach, mem-set, vcpu-set, rename) is not wired yet: those
 * operations are NULL and the CLI says "not supported here".
 */
#include <pv/dom0.h>
#include <pv/hypercall.h>
#include <pv/sched.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

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

static const struct mica_toolstack toolstack = {
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
