/* The verbs that report: list, info, uptime, top, domid, domname; and xl's ways of printing values. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"

#define SHUTDOWN_CRASH 3 /* Xen's SHUTDOWN_crash (xen/sched.h) */
#define PAGE_KIB 4
#define TOP_MAX_DOMS 64

void cli_state_string(const struct mica_ctl_dominfo *d, char buf[7])
{
	bool paused = d->flags & MICA_CTL_DOMF_PAUSED || d->state == MICA_CTL_STATE_BUILDING;
	bool stopped = d->state == MICA_CTL_STATE_SHUTDOWN || d->state == MICA_CTL_STATE_CRASHED;
	bool crashed = d->state == MICA_CTL_STATE_CRASHED ||
		       (d->state == MICA_CTL_STATE_SHUTDOWN && d->shutdown_reason == SHUTDOWN_CRASH);

	/* Mica reports no per-domain running/blocked split: a runnable domain shows as running. */
	buf[0] = d->state == MICA_CTL_STATE_RUNNING && !paused ? 'r' : '-';
	buf[1] = '-';
	buf[2] = paused ? 'p' : '-';
	buf[3] = stopped ? 's' : '-';
	buf[4] = crashed ? 'c' : '-';
	buf[5] = d->flags & MICA_CTL_DOMF_DYING ? 'd' : '-';
	buf[6] = '\0';
}

void cli_print_seconds(FILE *f, int w, uint64_t ns)
{
	uint64_t tenths = (ns + 50000000) / 100000000;
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu.%u", (unsigned long long)(tenths / 10), (unsigned)(tenths % 10));
	fprintf(f, "%*s", w, buf);
}

void cli_print_cpus(FILE *f, uint64_t mask, unsigned nr_cpus)
{
	uint64_t all = nr_cpus >= 64 ? ~0ull : (1ull << nr_cpus) - 1;
	const char *sep = "";

	if ((mask & all) == all) {
		fputs("all", f);
		return;
	}
	if (!mask) {
		fputs("none", f);
		return;
	}
	for (unsigned i = 0; i < 64; i++) {
		unsigned j = i;

		if (!(mask >> i & 1))
			continue;
		while (j < 63 && mask >> (j + 1) & 1)
			j++;
		if (j > i)
			fprintf(f, "%s%u-%u", sep, i, j);
		else
			fprintf(f, "%s%u", sep, i);
		sep = ",";
		i = j;
	}
}

/* The name, NUL-terminated whatever the backend wrote. */
static const char *dom_name(const struct mica_ctl_dominfo *d, char buf[MICA_CTL_NAME_LEN + 1])
{
	memcpy(buf, d->name, MICA_CTL_NAME_LEN);
	buf[MICA_CTL_NAME_LEN] = '\0';
	return buf;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void list_json(FILE *f, const struct mica_ctl_dominfo *d, unsigned n)
{
	char name[MICA_CTL_NAME_LEN + 1], state[7];

	fputs("[", f);
	for (unsigned i = 0; i < n; i++) {
		cli_state_string(&d[i], state);
		fprintf(f, "%s\n    {\n        \"domid\": %u,\n        \"name\": ", i ? "," : "", d[i].domain);
		json_string(f, dom_name(&d[i], name));
		fprintf(f,
			",\n        \"state\": \"%s\",\n        \"shutdown_reason\": %u,\n"
			"        \"memory\": %llu,\n        \"maxmem\": %llu,\n"
			"        \"vcpus\": %u,\n        \"online_vcpus\": %u,\n"
			"        \"cpu_time\": %llu,\n        \"generation\": %llu\n    }",
			state, d[i].shutdown_reason, (unsigned long long)(d[i].pages * PAGE_KIB),
			(unsigned long long)(d[i].max_pages * PAGE_KIB), d[i].max_vcpus, d[i].online_vcpus,
			(unsigned long long)d[i].cpu_time_ns, (unsigned long long)d[i].generation);
	}
	fputs(n ? "\n]\n" : "]\n", f);
}

static void list_table(FILE *f, const struct mica_ctl_dominfo *d, unsigned n, bool verbose)
{
	char name[MICA_CTL_NAME_LEN + 1], state[7];

	fputs("Name                                        ID   Mem VCPUs\tState\tTime(s)", f);
	if (verbose)
		fputs("   Generation          Reason-Code", f);
	fputc('\n', f);
	for (unsigned i = 0; i < n; i++) {
		cli_state_string(&d[i], state);
		fprintf(f, "%-40s %5u %5llu %5u     %s  ", dom_name(&d[i], name), d[i].domain,
			(unsigned long long)(d[i].pages * PAGE_KIB / 1024), d[i].online_vcpus, state);
		cli_print_seconds(f, 8, d[i].cpu_time_ns);
		if (verbose) {
			fprintf(f, "   %-19llu", (unsigned long long)d[i].generation);
			if (state[3] == 's')
				fprintf(f, " %8x", d[i].shutdown_reason);
			else
				fprintf(f, " %8s", "-");
		}
		fputc('\n', f);
	}
}

struct list_opts {
	bool json, verbose;
};

static int list_opt(struct cli *c, int opt, const char *arg, void *priv)
{
	struct list_opts *lo = priv;

	if (opt == 'l')
		lo->json = true;
	else
		lo->verbose = true;
	return 0;
}

int cli_list(struct cli *c, int argc, char **argv)
{
	struct list_opts lo = {false, false};
	struct mica_ctl_dominfo *all, *pick;
	int i = cli_parse(c, argc, argv, "lv", 0, -1, list_opt, &lo);
	int n, rc = MICA_CLI_OK;
	unsigned k = 0;

	if (i <= 0)
		return -i;
	n = cli_list_all(c, &all);
	if (n < 0)
		return -n;
	pick = all;
	if (i < argc) {
		pick = malloc((size_t)(argc - i) * sizeof(*pick));
		if (!pick) {
			free(all);
			return cli_fail(c, 0, "out of memory");
		}
		for (; i < argc; i++) {
			int j;

			for (j = 0; j < n && !cli_dom_matches(&all[j], argv[i]); j++)
				;
			if (j == n) {
				fprintf(c->err, "%s %s: domain '%s' does not exist\n", c->prog, c->verb->name, argv[i]);
				rc = MICA_CLI_FAILED;
				continue;
			}
			pick[k++] = all[j];
		}
	} else {
		k = (unsigned)n;
	}
	if (rc == MICA_CLI_OK) {
		if (lo.json)
			list_json(c->out, pick, k);
		else
			list_table(c->out, pick, k, lo.verbose);
	}
	if (pick != all)
		free(pick);
	free(all);
	return rc;
}

static void info_line(FILE *f, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void info_line(FILE *f, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "%-23s: ", key);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static void info_virt_caps(FILE *f, const struct mica_ctl_physinfo *pi)
{
	fprintf(f, "%-23s:", "virt_caps");
	if (pi->hvm != MICA_CTL_HVM_NONE)
		fputs(" hvm hap", f);
	if (pi->hvm == MICA_CTL_HVM_SVM)
		fputs(" svm", f);
	else if (pi->hvm == MICA_CTL_HVM_VMX)
		fputs(" vmx", f);
	if (pi->features & MICA_CTL_PHYS_P2M_2M)
		fputs(" hap_2mb", f);
	if (pi->features & MICA_CTL_PHYS_P2M_1G)
		fputs(" hap_1gb", f);
	fputc('\n', f);
}

int cli_info(struct cli *c, int argc, char **argv)
{
	struct mica_ctl_physinfo pi;
	struct mica_cli_version v;
	int i = cli_parse(c, argc, argv, "", 0, 0, NULL, NULL);
	int rc, max_cpu = 63;
	FILE *f = c->out;

	if (i <= 0)
		return -i;
	if (!c->ts->physinfo)
		return cli_unsupported(c);
	rc = c->ts->physinfo(c->ts->ctx, &pi);
	if (rc < 0)
		return cli_fail(c, rc, "cannot read the host's information");
	memset(&v, 0, sizeof(v));
	strcpy(v.release, "Mica");
	if (c->ts->version) {
		rc = c->ts->version(c->ts->ctx, &v);
		if (rc < 0)
			return cli_fail(c, rc, "cannot read the hypervisor's version");
	}
	v.host[sizeof(v.host) - 1] = v.release[sizeof(v.release) - 1] = v.version[sizeof(v.version) - 1] = '\0';
	v.xen_extra[sizeof(v.xen_extra) - 1] = v.commandline[sizeof(v.commandline) - 1] = '\0';
	v.cc_compiler[sizeof(v.cc_compiler) - 1] = v.cc_compile_date[sizeof(v.cc_compile_date) - 1] = '\0';
	while (max_cpu > 0 && !(pi.cpu_online_mask >> max_cpu & 1))
		max_cpu--;

	info_line(f, "host", "%s", v.host);
	info_line(f, "release", "%s", v.release);
	info_line(f, "version", "%s", v.version);
	info_line(f, "machine", "x86_64");
	info_line(f, "nr_cpus", "%u", pi.nr_cpus);
	info_line(f, "max_cpu_id", "%d", max_cpu);
	info_line(f, "nr_nodes", "1");
	info_line(f, "cpu_mhz", "%llu.%03llu", (unsigned long long)(pi.cpu_khz / 1000),
		  (unsigned long long)(pi.cpu_khz % 1000));
	info_virt_caps(f, &pi);
	info_line(f, "total_memory", "%llu", (unsigned long long)(pi.total_pages * PAGE_KIB / 1024));
	info_line(f, "free_memory", "%llu", (unsigned long long)(pi.free_pages * PAGE_KIB / 1024));
	info_line(f, "free_pages", "%llu", (unsigned long long)pi.free_pages); /* Mica's: exact, 4 KiB pages */
	info_line(f, "outstanding_claims", "0");
	info_line(f, "free_cpus", "0");
	info_line(f, "max_domains", "%u", pi.max_domains);
	info_line(f, "max_vcpus", "%u", pi.max_vcpus);
	info_line(f, "nr_domains", "%u", pi.nr_domains);
	info_line(f, "xen_major", "%u", v.xen_major);
	info_line(f, "xen_minor", "%u", v.xen_minor);
	info_line(f, "xen_extra", "%s", v.xen_extra);
	info_line(f, "xen_version", "%u.%u%s", v.xen_major, v.xen_minor, v.xen_extra);
	info_line(f, "xen_caps", "hvm-3.0-x86_64");
	info_line(f, "xen_scheduler", "credit");
	info_line(f, "xen_pagesize", "4096");
	info_line(f, "xen_commandline", "%s", v.commandline);
	info_line(f, "cc_compiler", "%s", v.cc_compiler);
	info_line(f, "cc_compile_date", "%s", v.cc_compile_date);
	info_line(f, "xend_config_format", "4");
	return MICA_CLI_OK;
}

/* xl's long uptime: "[N day(s), ]HH:MM:SS", hours space-padded. */
static void print_uptime(FILE *f, uint64_t s)
{
	unsigned sec = s % 60, min = s / 60 % 60, hour = s / 3600 % 24;
	unsigned long long day = s / 86400;

	if (day)
		fprintf(f, "%llu %s, ", day, day == 1 ? "day" : "days");
	fprintf(f, "%2u:%02u:%02u\n", hour, min, sec);
}

static int uptime_one(struct cli *c, const struct mica_ctl_dominfo *d)
{
	char name[MICA_CTL_NAME_LEN + 1];
	uint64_t s;
	int err = c->ts->uptime(c->ts->ctx, d->domain, &s);

	if (err < 0)
		return cli_fail(c, err, "cannot read the uptime of domain %u", d->domain);
	fprintf(c->out, "%-33s %4u ", dom_name(d, name), d->domain);
	print_uptime(c->out, s);
	return MICA_CLI_OK;
}

int cli_uptime(struct cli *c, int argc, char **argv)
{
	struct mica_ctl_dominfo *all;
	int i = cli_parse(c, argc, argv, "", 0, -1, NULL, NULL);
	int n, rc = MICA_CLI_OK;

	if (i <= 0)
		return -i;
	if (!c->ts->uptime)
		return cli_unsupported(c);
	n = cli_list_all(c, &all);
	if (n < 0)
		return -n;
	fprintf(c->out, "%-33s %4s %s\n", "Name", "ID", "Uptime");
	for (int j = 0; i == argc && j < n; j++)
		rc |= uptime_one(c, &all[j]);
	for (; i < argc; i++) {
		int j;

		for (j = 0; j < n && !cli_dom_matches(&all[j], argv[i]); j++)
			;
		if (j < n) {
			rc |= uptime_one(c, &all[j]);
		} else {
			fprintf(c->err, "%s %s: domain '%s' does not exist\n", c->prog, c->verb->name, argv[i]);
			rc = MICA_CLI_FAILED;
		}
	}
	free(all);
	return rc;
}

/* A percentage with one decimal of part / whole. */
static void print_percent(FILE *f, int w, uint64_t part, uint64_t whole)
{
	uint64_t tenths = whole ? (part * 1000 + whole / 2) / whole : 0;
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu.%u", (unsigned long long)(tenths / 10), (unsigned)(tenths % 10));
	fprintf(f, "%*s", w, buf);
}

struct top_opts {
	bool batch;
	uint64_t iterations; /* 0: until 'q' */
	uint64_t delay;      /* seconds */
};

static int top_opt(struct cli *c, int opt, const char *arg, void *priv)
{
	struct top_opts *to = priv;

	if (opt == 'b')
		to->batch = true;
	else if (opt == 'i' && !cli_parse_uint(arg, 1000000, &to->iterations))
		return cli_usage(c, "-i: '%s' is not a number of iterations", arg);
	else if (opt == 'd' && (!cli_parse_uint(arg, 3600, &to->delay) || !to->delay))
		return cli_usage(c, "-d: '%s' is not a delay of 1 to 3600 seconds", arg);
	return 0;
}

/* What the previous screen saw of a domain, for CPU(%) over the interval. */
struct top_sample {
	uint16_t domain;
	uint64_t generation, cpu_ns, uptime_ns;
};

/* CPU(%) since the last sample of the same domain; since its creation for the first. */
static void print_cpu_percent(FILE *f, const struct mica_ctl_dominfo *d, const struct top_sample *prev, int nprev)
{
	uint64_t cpu = d->cpu_time_ns, wall = d->uptime_ns;

	for (int k = 0; k < nprev; k++) {
		if (prev[k].domain == d->domain && prev[k].generation == d->generation && cpu >= prev[k].cpu_ns &&
		    wall >= prev[k].uptime_ns) {
			cpu -= prev[k].cpu_ns;
			wall -= prev[k].uptime_ns;
		}
	}
	print_percent(f, 6, cpu / 1000, wall / 1000);
}

static int top_screen(struct cli *c, const struct mica_ctl_physinfo *pi, struct top_sample *prev, int *nprev)
{
	struct mica_ctl_dominfo *all;
	char name[MICA_CTL_NAME_LEN + 1], state[7];
	int n = cli_list_all(c, &all);

	if (n < 0)
		return -n;
	fprintf(c->out, "%10s %6s %10s %6s %10s %6s %10s %9s %5s\n", "NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)",
		"MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS");
	for (int j = 0; j < n; j++) {
		const struct mica_ctl_dominfo *d = &all[j];

		cli_state_string(d, state);
		fprintf(c->out, "%10.10s %6s %10llu ", dom_name(d, name), state,
			(unsigned long long)(d->cpu_time_ns / 1000000000));
		print_cpu_percent(c->out, d, prev, *nprev);
		fprintf(c->out, " %10llu ", (unsigned long long)(d->pages * PAGE_KIB));
		print_percent(c->out, 6, d->pages, pi->total_pages);
		fprintf(c->out, " %10llu ", (unsigned long long)(d->max_pages * PAGE_KIB));
		print_percent(c->out, 9, d->max_pages, pi->total_pages);
		fprintf(c->out, " %5u\n", d->online_vcpus);
	}
	*nprev = 0;
	for (int j = 0; j < n && j < TOP_MAX_DOMS; j++) {
		prev[j] = (struct top_sample){all[j].domain, all[j].generation, all[j].cpu_time_ns, all[j].uptime_ns};
		*nprev = j + 1;
	}
	free(all);
	return MICA_CLI_OK;
}

/*
 * xentop's table: interactive (the screen redrawn every delay seconds until 'q' is typed), or
 * with -b, screens one after another, -i of them (0: without end).
 */
int cli_top(struct cli *c, int argc, char **argv)
{
	struct top_opts to = {false, 0, 1};
	struct mica_ctl_physinfo pi;
	struct top_sample prev[TOP_MAX_DOMS];
	int nprev = 0;
	int i = cli_parse(c, argc, argv, "bi:d:", 0, 0, top_opt, &to);
	int rc;

	if (i <= 0)
		return -i;
	if (!c->ts->physinfo)
		return cli_unsupported(c);
	if (!c->ts->wait_key && (!to.batch || to.iterations != 1))
		return cli_unsupported(c); /* no way to wait between screens */
	for (uint64_t it = 0; !to.iterations || it < to.iterations; it++) {
		if (it) {
			int key = c->ts->wait_key(c->ts->ctx, (unsigned)to.delay * 1000);

			if (!to.batch && (key == 'q' || key == 'Q' || key == 3 /* Ctrl-C */))
				break;
		}
		rc = c->ts->physinfo(c->ts->ctx, &pi);
		if (rc < 0)
			return cli_fail(c, rc, "cannot read the host's information");
		if (!to.batch)
			fprintf(c->out, "\033[H\033[2J%s top: every %llu s, q quits\n", c->prog,
				(unsigned long long)to.delay);
		rc = top_screen(c, &pi, prev, &nprev);
		if (rc)
			return rc;
		if (to.batch && (!to.iterations || it + 1 < to.iterations))
			fputc('\n', c->out);
		fflush(c->out);
	}
	return MICA_CLI_OK;
}

int cli_domid(struct cli *c, int argc, char **argv)
{
	struct mica_ctl_dominfo *all;
	int i = cli_parse(c, argc, argv, "", 1, 1, NULL, NULL);
	int n, j;

	if (i <= 0)
		return -i;
	n = cli_list_all(c, &all);
	if (n < 0)
		return -n;
	for (j = 0; j < n && (strlen(argv[i]) >= MICA_CTL_NAME_LEN || strncmp(all[j].name, argv[i], MICA_CTL_NAME_LEN));
	     j++)
		;
	if (j < n)
		fprintf(c->out, "%u\n", all[j].domain);
	else
		fprintf(c->err, "%s %s: no domain is named '%s'\n", c->prog, c->verb->name, argv[i]);
	free(all);
	return j < n ? MICA_CLI_OK : MICA_CLI_FAILED;
}

int cli_domname(struct cli *c, int argc, char **argv)
{
	struct mica_ctl_dominfo *all;
	char name[MICA_CTL_NAME_LEN + 1];
	uint64_t id;
	int i = cli_parse(c, argc, argv, "", 1, 1, NULL, NULL);
	int n, j;

	if (i <= 0)
		return -i;
	if (!cli_parse_uint(argv[i], UINT16_MAX, &id))
		return cli_usage(c, "'%s' is not a domain id", argv[i]);
	n = cli_list_all(c, &all);
	if (n < 0)
		return -n;
	for (j = 0; j < n && all[j].domain != id; j++)
		;
	if (j < n)
		fprintf(c->out, "%s\n", dom_name(&all[j], name));
	else
		fprintf(c->err, "%s %s: domain %llu does not exist\n", c->prog, c->verb->name, (unsigned long long)id);
	free(all);
	return j < n ? MICA_CLI_OK : MICA_CLI_FAILED;
}
