/* The mica / xl command line over a fake toolstack: output, exit codes, name resolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/internal.h"

#define EINVAL_ 22
#define ESRCH_ 3

struct fake {
	struct mica_ctl_dominfo doms[8];
	unsigned nr;
	int fail;    /* every operation returns this when non-zero */
	int op_fail; /* the operations on one domain's memory, vCPUs and devices return this */
	char log[1024];
};

static struct fake fk;

static void logf_(const char *fmt, ...)
{
	size_t len = strlen(fk.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fk.log + len, sizeof(fk.log) - len, fmt, ap);
	va_end(ap);
}

static void add_dom(uint16_t id, const char *name, uint8_t state, uint32_t flags, uint64_t pages, uint32_t vcpus,
		    uint64_t ns)
{
	struct mica_ctl_dominfo *d = &fk.doms[fk.nr++];

	memset(d, 0, sizeof(*d));
	d->domain = id;
	d->state = state;
	d->flags = flags;
	d->pages = pages;
	d->max_pages = pages * 2;
	d->max_vcpus = vcpus;
	d->online_vcpus = vcpus;
	d->cpu_time_ns = ns;
	d->generation = 100 + id;
	strncpy(d->name, name, sizeof(d->name) - 1);
}

static int f_list(void *ctx, struct mica_ctl_dominfo *buf, unsigned max)
{
	unsigned n = fk.nr < max ? fk.nr : max;

	if (fk.fail)
		return fk.fail;
	memcpy(buf, fk.doms, n * sizeof(*buf));
	return (int)n;
}

static int f_physinfo(void *ctx, struct mica_ctl_physinfo *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->nr_cpus = 4;
	pi->hvm = MICA_CTL_HVM_VMX;
	pi->cpu_online_mask = 0xf;
	pi->total_pages = 262144; /* 1 GiB */
	pi->free_pages = 131072;
	pi->cpu_khz = 2400123;
	pi->features = MICA_CTL_PHYS_P2M_2M;
	pi->max_domains = 64;
	pi->max_vcpus = 8;
	pi->nr_domains = fk.nr;
	return fk.fail;
}

static int f_version(void *ctx, struct mica_cli_version *v)
{
	strcpy(v->host, "dom0");
	strcpy(v->release, "Mica 0.1");
	strcpy(v->version, "#1 test");
	v->xen_major = 4;
	v->xen_minor = 14;
	strcpy(v->xen_extra, ".0");
	strcpy(v->commandline, "console=com1");
	strcpy(v->cc_compiler, "gcc");
	strcpy(v->cc_compile_date, "today");
	return fk.fail;
}

static int f_create(void *ctx, const char *cfg, char **ov, unsigned n, bool paused, uint16_t *domid, char *errbuf,
		    size_t errlen)
{
	logf_("create %s%s", cfg, paused ? " paused" : "");
	for (unsigned i = 0; i < n; i++)
		logf_(" %s", ov[i]);
	logf_(";");
	if (!strcmp(cfg, "bad.cfg")) {
		snprintf(errbuf, errlen, "bad.cfg:3:10: memory: not a number");
		return -EINVAL_;
	}
	*domid = 7;
	return fk.fail;
}

#define LOG_DOM_OP(fn, what)                   \
	static int fn(void *ctx, uint16_t dom) \
	{                                      \
		logf_(what " %u;", dom);       \
		return fk.fail;                \
	}
LOG_DOM_OP(f_destroy, "destroy")
LOG_DOM_OP(f_pause, "pause")
LOG_DOM_OP(f_unpause, "unpause")
LOG_DOM_OP(f_console, "console")

static int f_shutdown(void *ctx, uint16_t dom, unsigned reason)
{
	logf_("shutdown %u %u;", dom, reason);
	return fk.fail;
}

static int f_wait_gone(void *ctx, uint16_t dom, uint64_t gen)
{
	logf_("wait %u %llu;", dom, (unsigned long long)gen);
	return fk.fail;
}

static int f_dmesg(void *ctx, char *buf, size_t len, bool clear)
{
	logf_("dmesg%s;", clear ? " clear" : "");
	if (fk.fail)
		return fk.fail;
	memcpy(buf, "(XEN) hello\n", 12);
	return 12;
}

/* Keys "typed" at mica top, one per wait; then none. */
static const char *keys;
static unsigned waits;

static int f_wait_key(void *ctx, unsigned ms)
{
	logf_("wait %u;", ms);
	waits++;
	return keys && *keys ? *keys++ : -1;
}

static int f_uptime(void *ctx, uint16_t dom, uint64_t *s)
{
	*s = dom == 0 ? 90061 : dom == 1 ? 3725 : 2 * 86400 + 5;
	return fk.fail;
}

static int f_vcpu_info(void *ctx, uint16_t dom, struct mica_cli_vcpu *v, unsigned max)
{
	if (fk.fail)
		return fk.fail;
	for (unsigned i = 0; i < max && i < 2; i++) {
		v[i].vcpu = i;
		v[i].cpu = i + 1;
		v[i].online = i == 0;
		v[i].running = true;
		v[i].cpu_time_ns = 1250000000ull * (i + 1);
		v[i].affinity = i ? 0x6 : 0xf;
	}
	return max < 2 ? (int)max : 2;
}

static int f_vcpu_pin(void *ctx, uint16_t dom, uint32_t vcpu, uint64_t mask)
{
	logf_("pin %u %u %llx;", dom, vcpu, (unsigned long long)mask);
	return fk.fail;
}

static int f_vcpu_set(void *ctx, uint16_t dom, uint32_t n)
{
	logf_("vcpus %u %u;", dom, n);
	return fk.fail ? fk.fail : fk.op_fail;
}

static int f_mem_set(void *ctx, uint16_t dom, uint64_t kib)
{
	logf_("memset %u %llu;", dom, (unsigned long long)kib);
	return fk.fail ? fk.fail : fk.op_fail;
}

static int f_mem_max(void *ctx, uint16_t dom, uint64_t kib)
{
	logf_("memmax %u %llu;", dom, (unsigned long long)kib);
	return fk.fail;
}

static int f_sched_get(void *ctx, uint16_t dom, struct mica_ctl_sched *s)
{
	s->weight = 256 + dom;
	s->cap = dom ? 50 : 0;
	return fk.fail;
}

static int f_sched_set(void *ctx, uint16_t dom, const struct mica_ctl_sched *s)
{
	logf_("sched %u %u %u;", dom, s->weight, s->cap);
	return fk.fail;
}

static int f_rename(void *ctx, uint16_t dom, const char *name)
{
	logf_("rename %u %s;", dom, name);
	return fk.fail;
}

static int f_net_list(void *ctx, uint16_t dom, struct mica_cli_nic *buf, unsigned max)
{
	static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x01, 0x02, 0x0a};

	if (fk.fail || fk.op_fail)
		return fk.fail ? fk.fail : fk.op_fail;
	memset(buf, 0, sizeof(*buf));
	buf->devid = 0;
	buf->backend = 0;
	memcpy(buf->mac, mac, 6);
	buf->state = 4;
	buf->evtchn = 9;
	buf->tx_ring_ref = 8;
	buf->rx_ring_ref = 768;
	snprintf(buf->backend_path, sizeof(buf->backend_path), "/local/domain/0/backend/vif/%u/0", dom);
	return 1;
}

static int f_attach(void *ctx, uint16_t dom, char **spec, unsigned n, char *errbuf, size_t errlen)
{
	logf_("attach %u", dom);
	for (unsigned i = 0; i < n; i++)
		logf_(" %s", spec[i]);
	logf_(";");
	if (fk.op_fail && n && !strcmp(spec[0], "explain"))
		snprintf(errbuf, errlen, "the backend refused (%d)", fk.op_fail);
	return fk.fail ? fk.fail : fk.op_fail;
}

static int f_detach(void *ctx, uint16_t dom, const char *dev)
{
	logf_("detach %u %s;", dom, dev);
	return fk.fail ? fk.fail : fk.op_fail;
}

static int f_block_list(void *ctx, uint16_t dom, struct mica_cli_disk *buf, unsigned max)
{
	if (fk.fail)
		return fk.fail;
	memset(buf, 0, sizeof(*buf));
	buf->devid = 51712;
	buf->frontend = dom;
	buf->state = 4;
	buf->evtchn = 10;
	buf->ring_ref = 9;
	snprintf(buf->backend_path, sizeof(buf->backend_path), "/local/domain/0/backend/vbd/%u/51712", dom);
	return 1;
}

static const struct mica_toolstack full_ts = {
    .list = f_list,
    .physinfo = f_physinfo,
    .version = f_version,
    .create = f_create,
    .destroy = f_destroy,
    .shutdown = f_shutdown,
    .wait_gone = f_wait_gone,
    .pause = f_pause,
    .unpause = f_unpause,
    .console = f_console,
    .dmesg = f_dmesg,
    .uptime = f_uptime,
    .wait_key = f_wait_key,
    .vcpu_info = f_vcpu_info,
    .vcpu_pin = f_vcpu_pin,
    .vcpu_set = f_vcpu_set,
    .mem_set = f_mem_set,
    .mem_max = f_mem_max,
    .sched_get = f_sched_get,
    .sched_set = f_sched_set,
    .rename = f_rename,
    .net_list = f_net_list,
    .net_attach = f_attach,
    .net_detach = f_detach,
    .block_list = f_block_list,
    .block_attach = f_attach,
    .block_detach = f_detach,
};

static char *out_text, *err_text;

/* Runs "xl <words>" (words split at spaces) against ts; output in out_text / err_text. */
static int run_ts(const struct mica_toolstack *ts, const char *line)
{
	char buf[512], *argv[32], *save = NULL;
	size_t out_len, err_len;
	FILE *out, *err;
	int argc = 0, rc;

	free(out_text);
	free(err_text);
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	out = open_memstream(&out_text, &out_len);
	err = open_memstream(&err_text, &err_len);
	assert_non_null(out);
	assert_non_null(err);
	rc = mica_cli_main(argc, argv, ts, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

static int run(const char *line)
{
	return run_ts(&full_ts, line);
}

static int setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	keys = NULL;
	add_dom(0, "Domain-0", MICA_CTL_STATE_RUNNING, MICA_CTL_DOMF_PRIVILEGED, 131072, 2, 11794300000000ull);
	add_dom(1, "web", MICA_CTL_STATE_RUNNING, 0, 65536, 1, 349999999);
	add_dom(3, "stopped", MICA_CTL_STATE_SHUTDOWN, MICA_CTL_DOMF_PAUSED, 256, 1, 0);
	fk.doms[2].shutdown_reason = 3; /* crash */
	return 0;
}

static int teardown(void **state)
{
	free(out_text);
	free(err_text);
	out_text = err_text = NULL;
	return 0;
}

static void test_list_table(void **state)
{
	assert_int_equal(run("xl list"), 0);
	assert_string_equal(out_text,
			    "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
			    "Domain-0                                     0   512     2     r-----   11794.3\n"
			    "web                                          1   256     1     r-----       0.3\n"
			    "stopped                                      3     1     1     --psc-       0.0\n");
	assert_string_equal(err_text, "");
}

static void test_list_some_and_verbose(void **state)
{
	assert_int_equal(run("mica list web 0"), 0);
	assert_non_null(strstr(out_text, "\nweb "));
	assert_non_null(strstr(out_text, "\nDomain-0 "));
	assert_null(strstr(out_text, "stopped"));
	assert_ptr_equal(strstr(out_text, "web"), strchr(out_text, '\n') + 1); /* in the order asked */
	assert_int_equal(run("xl list -v stopped"), 0);
	assert_non_null(strstr(out_text, "Generation"));
	assert_non_null(strstr(out_text, "103                        3\n"));
	assert_int_equal(run("xl list nosuch"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "'nosuch'"));
	assert_string_equal(out_text, "");
}

/* A small JSON checker: returns the end of one value, or NULL. */
static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++) {
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				}
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
	}
	return p + 1;
}

static const char *json_list(const char *p, char close, bool members)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (members) {
			p = json_string(json_ws(p));
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p)
{
	p = json_ws(p);
	if (*p == '{')
		return json_list(p, '}', true);
	if (*p == '[')
		return json_list(p, ']', false);
	if (*p == '"')
		return json_string(p);
	if (*p >= '0' && *p <= '9') {
		while (*p >= '0' && *p <= '9')
			p++;
		return p;
	}
	return NULL;
}

static void assert_json(const char *text)
{
	const char *end = json_value(text);

	assert_non_null(end);
	assert_string_equal(json_ws(end), "");
}

static void test_list_json(void **state)
{
	assert_int_equal(run("xl list -l"), 0);
	assert_json(out_text);
	assert_non_null(strstr(out_text, "\"domid\": 1,\n        \"name\": \"web\",\n        \"state\": \"r-----\""));
	assert_non_null(strstr(out_text, "\"memory\": 262144,\n        \"maxmem\": 524288"));
	assert_non_null(strstr(out_text, "\"cpu_time\": 349999999,\n        \"generation\": 101"));
	assert_int_equal(run("xl list --long web"), 0);
	assert_json(out_text);
	assert_null(strstr(out_text, "Domain-0"));
	fk.nr = 0;
	assert_int_equal(run("xl list -l"), 0);
	assert_string_equal(out_text, "[]\n");
}

static void test_odd_names(void **state)
{
	char line[80];

	add_dom(9, "q\"uo\\te\x01", MICA_CTL_STATE_RUNNING, 0, 256, 1, 0);
	add_dom(10, "a-name-that-is-31-characters-xx", MICA_CTL_STATE_RUNNING, 0, 256, 1, 0);
	memset(fk.doms[2].name, 'z', sizeof(fk.doms[3].name)); /* no NUL from a broken backend */
	assert_int_equal(run("xl list -l"), 0);
	assert_json(out_text);
	assert_non_null(strstr(out_text, "\"name\": \"q\\\"uo\\\\te\\u0001\""));
	assert_int_equal(run("xl list"), 0);
	assert_non_null(strstr(out_text, "\na-name-that-is-31-characters-xx             10     1     1     r-----"));
	assert_non_null(strstr(out_text, "\nzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz             3     1 "));
	snprintf(line, sizeof(line), "xl domid a-name-that-is-31-characters-xx");
	assert_int_equal(run(line), 0);
	assert_string_equal(out_text, "10\n");
	assert_int_equal(run("xl domid a-name-that-is-31-characters-xxy"), MICA_CLI_FAILED);
}

static void test_info(void **state)
{
	assert_int_equal(run("xl info"), 0);
	assert_string_equal(out_text, "host                   : dom0\n"
				      "release                : Mica 0.1\n"
				      "version                : #1 test\n"
				      "machine                : x86_64\n"
				      "nr_cpus                : 4\n"
				      "max_cpu_id             : 3\n"
				      "nr_nodes               : 1\n"
				      "cpu_mhz                : 2400.123\n"
				      "virt_caps              : hvm hap vmx hap_2mb\n"
				      "total_memory           : 1024\n"
				      "free_memory            : 512\n"
				      "free_pages             : 131072\n"
				      "outstanding_claims     : 0\n"
				      "free_cpus              : 0\n"
				      "max_domains            : 64\n"
				      "max_vcpus              : 8\n"
				      "nr_domains             : 3\n"
				      "xen_major              : 4\n"
				      "xen_minor              : 14\n"
				      "xen_extra              : .0\n"
				      "xen_version            : 4.14.0\n"
				      "xen_caps               : hvm-3.0-x86_64\n"
				      "xen_scheduler          : credit\n"
				      "xen_pagesize           : 4096\n"
				      "xen_commandline        : console=com1\n"
				      "cc_compiler            : gcc\n"
				      "cc_compile_date        : today\n"
				      "xend_config_format     : 4\n");
}

static void test_info_without_version(void **state)
{
	struct mica_toolstack ts = {.physinfo = f_physinfo};

	assert_int_equal(run_ts(&ts, "xl info"), 0);
	assert_non_null(strstr(out_text, "release                : Mica\n"));
	assert_non_null(strstr(out_text, "total_memory           : 1024\n"));
}

static void test_domid_domname(void **state)
{
	assert_int_equal(run("xl domid web"), 0);
	assert_string_equal(out_text, "1\n");
	assert_int_equal(run("xl domname 3"), 0);
	assert_string_equal(out_text, "stopped\n");
	assert_int_equal(run("xl domid nosuch"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "'nosuch'"));
	assert_string_equal(out_text, "");
	assert_int_equal(run("xl domname 2"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "domain 2 does not exist"));
	assert_int_equal(run("xl domname web"), MICA_CLI_USAGE);
}

static void test_uptime(void **state)
{
	assert_int_equal(run("xl uptime"), 0);
	assert_string_equal(out_text, "Name                                ID Uptime\n"
				      "Domain-0                             0 1 day,  1:01:01\n"
				      "web                                  1  1:02:05\n"
				      "stopped                              3 2 days,  0:00:05\n");
	assert_int_equal(run("xl uptime web"), 0);
	assert_string_equal(out_text, "Name                                ID Uptime\n"
				      "web                                  1  1:02:05\n");
	assert_int_equal(run("xl uptime web nosuch"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "'nosuch'"));
}

static void test_vcpu_list(void **state)
{
	assert_int_equal(run("xl vcpu-list 0"), 0);
	assert_string_equal(
	    out_text, "Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)\n"
		      "Domain-0                             0     0     1   r--       1.3  all / all\n"
		      "Domain-0                             0     1     -   --p       2.5  1-2 / all\n");
	assert_int_equal(run("xl vcpu-list"), 0);
	assert_non_null(strstr(out_text, "Domain-0 "));
	assert_int_equal(run("xl vcpu-list nosuch"), MICA_CLI_FAILED);
}

static void test_top(void **state)
{
	fk.doms[1].uptime_ns = 4000000000ULL; /* web: 3 s of CPU over 4 s: 75% since its start */
	fk.doms[1].cpu_time_ns = 3000000000ULL;
	assert_int_equal(run("mica top -b -i 1"), 0);
	assert_string_equal(fk.log, ""); /* one screen: no wait */
	assert_non_null(
	    strstr(out_text, "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS\n"));
	assert_non_null(
	    strstr(out_text, "       web r-----          3   75.0     262144   25.0     524288      50.0     1\n"));
	/* Batch: three screens, two waits of -d seconds, keys ignored. */
	keys = "q";
	assert_int_equal(run("mica top -b -i 3 -d 2"), 0);
	assert_string_equal(fk.log, "wait 2000;wait 2000;");
	{
		int screens = 0;

		for (const char *p = out_text; (p = strstr(p, "  NAME  STATE")); p++)
			screens++;
		assert_int_equal(screens, 3);
	}
	/* Interactive: redrawn until q. */
	fk.log[0] = '\0';
	keys = "xq";
	assert_int_equal(run("mica top"), 0);
	assert_string_equal(fk.log, "wait 1000;wait 1000;");
	assert_non_null(strstr(out_text, "\033[H\033[2J"));
	keys = NULL;
	assert_int_equal(run("mica top -d 0"), MICA_CLI_USAGE);
	assert_int_equal(run("mica top -i x"), MICA_CLI_USAGE);
	assert_int_equal(run("mica top -b extra"), MICA_CLI_USAGE);
}

static void test_create(void **state)
{
	assert_int_equal(run("xl create /etc/web.cfg memory=256 name=w2"), 0);
	assert_string_equal(fk.log, "create /etc/web.cfg memory=256 name=w2;");
	assert_string_equal(err_text, "Parsing config from /etc/web.cfg\n");
	fk.log[0] = '\0';
	assert_int_equal(run("xl create -p -c a.cfg"), 0);
	assert_string_equal(fk.log, "create a.cfg paused;console 7;");
	fk.log[0] = '\0';
	assert_int_equal(run("xl create -pc -f b.cfg"), 0);
	assert_string_equal(fk.log, "create b.cfg paused;console 7;");
	assert_int_equal(run("xl create bad.cfg"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "xl create: bad.cfg:3:10: memory: not a number"));
	assert_int_equal(run("xl create a.cfg notkv"), MICA_CLI_USAGE);
	assert_int_equal(run("xl create a.cfg =x"), MICA_CLI_USAGE);
	assert_int_equal(run("xl create -x a.cfg"), MICA_CLI_USAGE);
	assert_int_equal(run("xl create"), MICA_CLI_USAGE);
	assert_int_equal(run("xl create -q -v a.cfg"), 0);
	assert_string_equal(err_text, "");
}

static void test_lifecycle(void **state)
{
	assert_int_equal(run("xl destroy web"), 0);
	assert_int_equal(run("xl destroy 3"), 0);
	assert_int_equal(run("xl pause web"), 0);
	assert_int_equal(run("xl unpause 1"), 0);
	assert_int_equal(run("xl console stopped"), 0);
	assert_int_equal(run("xl shutdown web"), 0);
	assert_int_equal(run("xl reboot -w web"), 0);
	assert_string_equal(err_text, "Rebooting domain 1\nDomain 1 has been rebooted\n");
	assert_int_equal(run("xl rename web www"), 0);
	assert_string_equal(fk.log, "destroy 1;destroy 3;pause 1;unpause 1;console 3;shutdown 1 0;shutdown 1 1;"
				    "wait 1 101;rename 1 www;");
	assert_int_equal(run("xl destroy Domain-0"), MICA_CLI_FAILED);
	assert_int_equal(run("xl destroy nosuch"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "domain 'nosuch' does not exist"));
	assert_int_equal(run("xl pause 42"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "'42'"));
}

static void test_shutdown_all(void **state)
{
	assert_int_equal(run("xl shutdown -a -w"), 0);
	assert_string_equal(fk.log, "shutdown 1 0;wait 1 101;shutdown 3 0;wait 3 103;");
	assert_int_equal(run("xl shutdown -a web"), MICA_CLI_USAGE);
}

static void test_dmesg(void **state)
{
	assert_int_equal(run("xl dmesg"), 0);
	assert_string_equal(out_text, "(XEN) hello\n");
	assert_int_equal(run("xl dmesg -c"), 0);
	assert_string_equal(fk.log, "dmesg;dmesg clear;");
}

static void test_memory(void **state)
{
	assert_int_equal(run("xl mem-set web 512"), 0);
	assert_int_equal(run("xl mem-set web 1g"), 0);
	assert_int_equal(run("xl mem-max web 2048k"), 0);
	assert_int_equal(run("xl mem-max 1 1M"), 0);
	assert_string_equal(fk.log, "memset 1 524288;memset 1 1048576;memmax 1 2048;memmax 1 1024;");
	assert_int_equal(run("xl mem-set web 12q"), MICA_CLI_USAGE);
	assert_int_equal(run("xl mem-set web g"), MICA_CLI_USAGE);
}

static void test_size_parser(void **state)
{
	uint64_t kib;

	assert_true(cli_parse_size_kib("0", &kib) && kib == 0);
	assert_true(cli_parse_size_kib("3t", &kib) && kib == 3ull << 30);
	assert_true(cli_parse_size_kib("4096b", &kib) && kib == 4);
	assert_true(cli_parse_size_kib("2G", &kib) && kib == 2ull << 20);
	assert_false(cli_parse_size_kib("", &kib));
	assert_false(cli_parse_size_kib("-1", &kib));
	assert_false(cli_parse_size_kib("1mb", &kib));
	assert_false(cli_parse_size_kib("99999999999999999999", &kib));
	assert_false(cli_parse_size_kib("17179869184t", &kib)); /* overflows */
}

static void test_cpu_parser(void **state)
{
	uint64_t m;

	assert_true(cli_parse_cpus("all", &m) && m == ~0ull);
	assert_true(cli_parse_cpus("0-3,6", &m) && m == 0x4f);
	assert_true(cli_parse_cpus("all,^1", &m) && m == ~2ull);
	assert_true(cli_parse_cpus("63", &m) && m == 1ull << 63);
	assert_true(cli_parse_cpus("0-63", &m) && m == ~0ull);
	assert_false(cli_parse_cpus("64", &m));
	assert_false(cli_parse_cpus("3-1", &m));
	assert_false(cli_parse_cpus("1,", &m));
	assert_false(cli_parse_cpus("", &m));
	assert_false(cli_parse_cpus("x", &m));
}

static void test_vcpu_pin_set(void **state)
{
	assert_int_equal(run("xl vcpu-pin web 0 2-3"), 0);
	assert_int_equal(run("xl vcpu-pin Domain-0 all 1 -"), 0);
	assert_int_equal(run("xl vcpu-pin web 0 -"), 0);
	assert_int_equal(run("xl vcpu-set web 2"), 0);
	assert_string_equal(fk.log, "pin 1 0 c;pin 0 0 2;pin 0 1 2;vcpus 1 2;");
	assert_int_equal(run("xl vcpu-pin web 0 1 2"), MICA_CLI_FAILED); /* soft affinity */
	assert_int_equal(run("xl vcpu-pin web x 1"), MICA_CLI_USAGE);
	assert_int_equal(run("xl vcpu-pin web 0 1-x"), MICA_CLI_USAGE);
	assert_int_equal(run("xl vcpu-set web 0"), MICA_CLI_USAGE);
}

static void test_sched_credit(void **state)
{
	assert_int_equal(run("xl sched-credit"), 0);
	assert_string_equal(out_text, "Name                                ID Weight  Cap\n"
				      "Domain-0                             0    256    0\n"
				      "web                                  1    257   50\n"
				      "stopped                              3    259   50\n");
	assert_int_equal(run("xl sched-credit -d web"), 0);
	assert_string_equal(out_text, "Name                                ID Weight  Cap\n"
				      "web                                  1    257   50\n");
	assert_int_equal(run("xl sched-credit -d web -w 512"), 0);
	assert_int_equal(run("xl sched-credit --domain=web"), MICA_CLI_USAGE);
	assert_int_equal(run("xl sched-credit --domain web --cap 0"), 0);
	assert_string_equal(fk.log, "sched 1 512 50;sched 1 257 0;");
	assert_int_equal(run("xl sched-credit -w 5"), MICA_CLI_USAGE);
	assert_int_equal(run("xl sched-credit -d web -w 0"), MICA_CLI_USAGE);
	assert_int_equal(run("xl sched-credit -d web -w 65536"), MICA_CLI_USAGE);
	assert_int_equal(run("xl sched-credit -d"), MICA_CLI_USAGE);
}

static void test_devices(void **state)
{
	assert_int_equal(run("xl network-attach web mac=00:16:3e:00:00:01 bridge=xenbr0"), 0);
	assert_int_equal(run("xl network-detach web 0"), 0);
	assert_int_equal(run("xl block-attach web phy:/dev/vda,xvdb,w"), 0);
	assert_int_equal(run("xl block-detach web xvdb"), 0);
	assert_string_equal(fk.log, "attach 1 mac=00:16:3e:00:00:01 bridge=xenbr0;detach 1 0;"
				    "attach 1 phy:/dev/vda,xvdb,w;detach 1 xvdb;");
	assert_int_equal(run("xl network-list web"), 0);
	assert_string_equal(
	    out_text,
	    "Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                       \n"
	    "0   0  00:16:3e:01:02:0a      0     4      9     8/768         /local/domain/0/backend/vif/1/0\n");
	assert_int_equal(run("xl block-list web"), 0);
	assert_string_equal(out_text, "Vdev  BE  handle state evt-ch ring-ref BE-path                       \n"
				      "51712 0   1      4     10     9        /local/domain/0/backend/vbd/1/51712\n");
	assert_int_equal(run("xl network-attach web bridge"), MICA_CLI_USAGE);
	assert_int_equal(run("xl block-attach web"), MICA_CLI_USAGE);
	assert_int_equal(run("xl block-list nosuch"), MICA_CLI_FAILED);
}

/* The toolstack's refusals of the memory, vCPU and device verbs: exit 1 and why. */
static void test_device_errors(void **state)
{
	fk.op_fail = -19; /* ENODEV */
	assert_int_equal(run("xl network-detach web 00:16:3e:aa:bb:01"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "cannot detach device 00:16:3e:aa:bb:01 from domain 1: No such device (19)"));
	assert_int_equal(run("xl block-detach web xvdc"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "block-detach: cannot detach device xvdc from domain 1"));
	assert_int_equal(run("xl network-attach web explain=1"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "network-attach: cannot attach the device to domain 1: No such device"));
	assert_int_equal(run("xl block-attach web explain"), MICA_CLI_FAILED);
	assert_string_equal(err_text, "xl block-attach: the backend refused (-19)\n");
	assert_int_equal(run("xl network-list web"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "cannot list the network devices of domain 1"));
	fk.op_fail = -34; /* ERANGE: below the guest's floor */
	assert_int_equal(run("xl mem-set web 1m"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "cannot set the memory of domain 1 to 1024 KiB: Result out of range (34)"));
	fk.op_fail = -22;
	assert_int_equal(run("xl vcpu-set web 9"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "cannot set 9 vCPUs online in domain 1: Invalid argument (22)"));
	assert_string_equal(fk.log, "detach 1 00:16:3e:aa:bb:01;detach 1 xvdc;attach 1 explain=1;attach 1 explain;"
				    "memset 1 1024;vcpus 1 9;");
	fk.op_fail = 0;
	assert_int_equal(run("xl network-detach web"), MICA_CLI_USAGE);
	assert_int_equal(run("xl mem-set nosuch 8m"), MICA_CLI_FAILED);
	assert_int_equal(run("xl vcpu-set nosuch 1"), MICA_CLI_FAILED);
}

static void test_help(void **state)
{
	assert_int_equal(run("xl help"), 0);
	assert_non_null(strstr(out_text, " vcpu-pin "));
	assert_int_equal(run("xl --help"), 0);
	assert_int_equal(run("xl help list"), 0);
	assert_non_null(strstr(out_text, "Usage: xl list [-l] [-v] [Domain ...]"));
	assert_int_equal(run("mica list -h"), 0);
	assert_non_null(strstr(out_text, "Usage: mica list"));
	assert_int_equal(run("mica destroy --help"), 0);
	assert_string_equal(fk.log, "");
	assert_int_equal(run("xl help nosuch"), MICA_CLI_USAGE);
	assert_int_equal(run("xl"), MICA_CLI_USAGE);
	assert_non_null(strstr(err_text, "Usage: xl <subcommand>"));
}

static void test_usage_errors(void **state)
{
	static const char *const lines[] = {
	    "xl frobnicate",
	    "xl list -x",
	    "xl list --nope",
	    "xl info extra",
	    "xl create",
	    "xl create -f",
	    "xl destroy",
	    "xl destroy a b",
	    "xl shutdown",
	    "xl reboot -q 1",
	    "xl pause",
	    "xl unpause",
	    "xl console",
	    "xl dmesg -x",
	    "xl dmesg now",
	    "xl vcpu-pin web 0",
	    "xl vcpu-set web",
	    "xl vcpu-set web two",
	    "xl mem-set web",
	    "xl mem-max web 1x",
	    "xl sched-credit -c",
	    "xl sched-credit extra",
	    "xl network-list",
	    "xl network-detach web",
	    "xl block-detach web",
	    "xl domid",
	    "xl domname",
	    "xl domid a b",
	    "xl rename web",
	    "xl top now",
	    "xl rename web has\x01ctl",
	    "xl help a b",
	    "xl sched-credit -d web -c x",
	};

	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int rc = run(lines[i]);

		if (rc != MICA_CLI_USAGE)
			fail_msg("'%s' gave %d", lines[i], rc);
		assert_string_not_equal(err_text, "");
	}
	assert_string_equal(fk.log, "");
	run("xl rename web a-name-that-is-far-too-long-for-mica");
	assert_non_null(strstr(err_text, "1 to 31 characters"));
}

static void test_backend_errors(void **state)
{
	static const char *const lines[] = {
	    "xl list", "xl info",      "xl create a.cfg", "xl uptime",       "xl vcpu-list",
	    "xl top",  "xl domid web", "xl domname 1",    "xl sched-credit", "xl destroy web",
	};
	static const char *const after_lookup[] = {
	    "xl destroy 1",
	    "xl shutdown 1",
	    "xl reboot 1",
	    "xl pause 1",
	    "xl unpause 1",
	    "xl console 1",
	    "xl dmesg",
	    "xl vcpu-pin 1 0 1",
	    "xl vcpu-pin web all 1",
	    "xl vcpu-set 1 1",
	    "xl mem-set 1 1",
	    "xl mem-max 1 1",
	    "xl rename 1 x",
	    "xl sched-credit -d 1",
	    "xl sched-credit -d 1 -w 9",
	    "xl network-attach 1",
	    "xl network-detach 1 0",
	    "xl block-attach 1 x",
	    "xl block-detach 1 x",
	    "xl network-list 1",
	    "xl block-list 1",
	    "xl vcpu-list 1",
	    "xl uptime 1",
	};
	struct mica_toolstack ts = full_ts;

	fk.fail = -EINVAL_;
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (run(lines[i]) != MICA_CLI_FAILED)
			fail_msg("'%s' did not fail", lines[i]);
		assert_non_null(strstr(err_text, "Invalid argument (22)"));
	}
	/* The lookup works, the operation fails: a list that never fails, numeric ids. */
	ts.list = NULL;
	for (unsigned i = 0; i < sizeof(after_lookup) / sizeof(after_lookup[0]); i++) {
		bool with_list = i >= 20 || i == 8;
		int rc = run_ts(with_list ? &full_ts : &ts, after_lookup[i]);

		if (with_list) /* these need the list: it fails */
			assert_int_equal(rc, MICA_CLI_FAILED);
		else if (rc != MICA_CLI_FAILED || !strstr(err_text, "Invalid argument (22)"))
			fail_msg("'%s' gave %d: %s", after_lookup[i], rc, err_text);
	}
	fk.fail = 0;
	assert_int_equal(run_ts(&ts, "xl vcpu-pin 1 all 1"), MICA_CLI_FAILED); /* which vCPUs? */
	fk.fail = -ESRCH_;
	run_ts(&ts, "xl pause 1");
	assert_non_null(strstr(err_text, "No such domain (3)"));
	fk.fail = -1000;
	run_ts(&ts, "xl pause 1");
	assert_non_null(strstr(err_text, "Error (1000)"));
}

static void test_unsupported(void **state)
{
	static const char *const lines[] = {
	    "xl list",
	    "xl info",
	    "xl create a.cfg",
	    "xl destroy 1",
	    "xl shutdown 1",
	    "xl shutdown -w 1",
	    "xl reboot 1",
	    "xl pause 1",
	    "xl unpause 1",
	    "xl console 1",
	    "xl dmesg",
	    "xl uptime",
	    "xl top",
	    "xl vcpu-list",
	    "xl vcpu-pin 1 0 1",
	    "xl vcpu-set 1 1",
	    "xl mem-set 1 1",
	    "xl mem-max 1 1",
	    "xl sched-credit",
	    "xl rename 1 x",
	    "xl network-attach 1",
	    "xl network-list 1",
	    "xl network-detach 1 0",
	    "xl block-attach 1 x",
	    "xl block-list 1",
	    "xl block-detach 1 x",
	    "xl domid web",
	    "xl domname 1",
	    "xl destroy web",
	};
	struct mica_toolstack none = {0};
	struct mica_toolstack no_wait = full_ts;

	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int rc = run_ts(&none, lines[i]);

		if (rc != MICA_CLI_FAILED)
			fail_msg("'%s' gave %d", lines[i], rc);
		assert_string_not_equal(err_text, "");
	}
	assert_int_equal(run_ts(&none, "xl destroy web"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "cannot look up domain 'web'"));
	assert_int_equal(run_ts(&none, "xl pause 1"), MICA_CLI_FAILED);
	assert_non_null(strstr(err_text, "xl pause: not supported here"));
	no_wait.wait_gone = NULL;
	assert_int_equal(run_ts(&no_wait, "xl shutdown -w web"), MICA_CLI_FAILED);
	assert_int_equal(run_ts(&no_wait, "xl shutdown web"), 0);
	no_wait.console = NULL;
	assert_int_equal(run_ts(&no_wait, "xl create -c a.cfg"), MICA_CLI_FAILED);
	assert_string_equal(fk.log, "shutdown 1 0;");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_list_table),    T(test_list_some_and_verbose),
	    T(test_list_json),     T(test_odd_names),
	    T(test_info),          T(test_info_without_version),
	    T(test_domid_domname), T(test_uptime),
	    T(test_vcpu_list),     T(test_top),
	    T(test_create),        T(test_lifecycle),
	    T(test_shutdown_all),  T(test_dmesg),
	    T(test_memory),        T(test_size_parser),
	    T(test_cpu_parser),    T(test_vcpu_pin_set),
	    T(test_sched_credit),  T(test_devices),
	    T(test_device_errors), T(test_help),
	    T(test_usage_errors),  T(test_backend_errors),
	    T(test_unsupported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
