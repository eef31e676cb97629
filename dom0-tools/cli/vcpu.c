/* The verbs about vCPUs and their scheduling: vcpu-list, vcpu-pin, vcpu-set, sched-credit. */
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"

static int vcpu_list_one(struct cli *c, const struct mica_ctl_dominfo *d, unsigned nr_cpus)
{
	char name[MICA_CTL_NAME_LEN + 1];
	unsigned max = d->max_vcpus ? d->max_vcpus : 1;
	struct mica_cli_vcpu *v = calloc(max, sizeof(*v));
	int n;

	if (!v)
		return cli_fail(c, 0, "out of memory");
	n = c->ts->vcpu_info(c->ts->ctx, d->domain, v, max);
	if (n < 0) {
		free(v);
		return cli_fail(c, n, "cannot read the vCPUs of domain %u", d->domain);
	}
	memcpy(name, d->name, MICA_CTL_NAME_LEN);
	name[MICA_CTL_NAME_LEN] = '\0';
	for (int i = 0; i < n && (unsigned)i < max; i++) {
		fprintf(c->out, "%-32s %5u %5u", name, d->domain, v[i].vcpu);
		if (v[i].online)
			fprintf(c->out, " %5u   %c%c- ", v[i].cpu, v[i].running ? 'r' : '-', v[i].blocked ? 'b' : '-');
		else
			fprintf(c->out, " %5c   --p ", '-');
		cli_print_seconds(c->out, 9, v[i].cpu_time_ns);
		fputs("  ", c->out);
		cli_print_cpus(c->out, v[i].affinity, nr_cpus);
		fputs(" / all\n", c->out);
	}
	free(v);
	return MICA_CLI_OK;
}

int cli_vcpu_list(struct cli *c, int argc, char **argv)
{
	struct mica_ctl_physinfo pi;
	struct mica_ctl_dominfo *all;
	int i = cli_parse(c, argc, argv, "", 0, -1, NULL, NULL);
	int n, rc;

	if (i <= 0)
		return -i;
	if (!c->ts->vcpu_info || !c->ts->physinfo)
		return cli_unsupported(c);
	rc = c->ts->physinfo(c->ts->ctx, &pi);
	if (rc < 0)
		return cli_fail(c, rc, "cannot read the host's information");
	n = cli_list_all(c, &all);
	if (n < 0)
		return -n;
	rc = MICA_CLI_OK;
	fprintf(c->out, "%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
		"Affinity (Hard / Soft)");
	for (int j = 0; i == argc && j < n; j++)
		rc |= vcpu_list_one(c, &all[j], pi.nr_cpus);
	for (; i < argc; i++) {
		int j;

		for (j = 0; j < n && !cli_dom_matches(&all[j], argv[i]); j++)
			;
		if (j < n) {
			rc |= vcpu_list_one(c, &all[j], pi.nr_cpus);
		} else {
			fprintf(c->err, "%s %s: domain '%s' does not exist\n", c->prog, c->verb->name, argv[i]);
			rc = MICA_CLI_FAILED;
		}
	}
	free(all);
	return rc;
}

int cli_vcpu_pin(struct cli *c, int argc, char **argv)
{
	struct mica_ctl_dominfo d;
	int i = cli_parse(c, argc, argv, "", 3, 4, NULL, NULL);
	uint64_t vcpu = 0, mask = 0;
	bool all;
	int rc;

	if (i <= 0)
		return -i;
	all = !strcmp(argv[i + 1], "all");
	if (!all && !cli_parse_uint(argv[i + 1], UINT32_MAX, &vcpu))
		return cli_usage(c, "invalid vCPU '%s'", argv[i + 1]);
	if (strcmp(argv[i + 2], "-") && !cli_parse_cpus(argv[i + 2], &mask))
		return cli_usage(c, "invalid CPU list '%s'", argv[i + 2]);
	if (i + 3 < argc && strcmp(argv[i + 3], "-")) {
		fprintf(c->err, "%s %s: Mica has no soft affinity (give '-')\n", c->prog, c->verb->name);
		return MICA_CLI_FAILED;
	}
	rc = cli_find_domain(c, argv[i], &d);
	if (rc)
		return rc;
	if (!c->ts->vcpu_pin)
		return cli_unsupported(c);
	if (!strcmp(argv[i + 2], "-"))
		return MICA_CLI_OK; /* hard affinity left alone */
	if (!all) {
		rc = c->ts->vcpu_pin(c->ts->ctx, d.domain, (uint32_t)vcpu, mask);
		return rc < 0 ? cli_fail(c, rc, "cannot set the affinity of vCPU %llu", (unsigned long long)vcpu)
			      : MICA_CLI_OK;
	}
	if (!d.max_vcpus)
		return cli_fail(c, 0, "the vCPUs of domain %u are not known here", d.domain);
	for (uint32_t v = 0; v < d.max_vcpus; v++) {
		rc = c->ts->vcpu_pin(c->ts->ctx, d.domain, v, mask);
		if (rc < 0)
			return cli_fail(c, rc, "cannot set the affinity of vCPU %u", v);
	}
	return MICA_CLI_OK;
}

int cli_vcpu_set(struct cli *c, int argc, char **argv)
{
	struct mica_ctl_dominfo d;
	int i = cli_parse(c, argc, argv, "", 2, 2, NULL, NULL);
	uint64_t nr;
	int rc;

	if (i <= 0)
		return -i;
	if (!cli_parse_uint(argv[i + 1], UINT32_MAX, &nr) || !nr)
		return cli_usage(c, "invalid number of vCPUs '%s'", argv[i + 1]);
	rc = cli_find_domain(c, argv[i], &d);
	if (rc)
		return rc;
	if (!c->ts->vcpu_set)
		return cli_unsupported(c);
	rc = c->ts->vcpu_set(c->ts->ctx, d.domain, (uint32_t)nr);
	return rc < 0 ? cli_fail(c, rc, "cannot set %llu vCPUs online in domain %u", (unsigned long long)nr, d.domain)
		      : MICA_CLI_OK;
}

struct sched_opts {
	const char *dom;
	bool set_weight, set_cap;
	uint64_t weight, cap;
};

static int sched_opt(struct cli *c, int opt, const char *arg, void *priv)
{
	struct sched_opts *so = priv;

	if (opt == 'd') {
		so->dom = arg;
	} else if (opt == 'w') {
		if (!cli_parse_uint(arg, 65535, &so->weight) || !so->weight)
			return cli_usage(c, "invalid weight '%s' (1 .. 65535)", arg);
		so->set_weight = true;
	} else {
		if (!cli_parse_uint(arg, UINT32_MAX, &so->cap))
			return cli_usage(c, "invalid cap '%s'", arg);
		so->set_cap = true;
	}
	return 0;
}

static int sched_show(struct cli *c, const struct mica_ctl_dominfo *d)
{
	struct mica_ctl_sched s;
	char name[MICA_CTL_NAME_LEN + 1];
	int rc = c->ts->sched_get(c->ts->ctx, d->domain, &s);

	if (rc < 0)
		return cli_fail(c, rc, "cannot read the scheduling of domain %u", d->domain);
	memcpy(name, d->name, MICA_CTL_NAME_LEN);
	name[MICA_CTL_NAME_LEN] = '\0';
	fprintf(c->out, "%-33s %4u %6u %4u\n", name, d->domain, s.weight, s.cap);
	return MICA_CLI_OK;
}

int cli_sched_credit(struct cli *c, int argc, char **argv)
{
	struct sched_opts so = {NULL, false, false, 0, 0};
	struct mica_ctl_dominfo d, *all;
	struct mica_ctl_sched s;
	int i = cli_parse(c, argc, argv, "d:w:c:", 0, 0, sched_opt, &so);
	int n, rc = MICA_CLI_OK;

	if (i <= 0)
		return -i;
	if ((so.set_weight || so.set_cap) && !so.dom)
		return cli_usage(c, "-w and -c need -d");
	if (!c->ts->sched_get || ((so.set_weight || so.set_cap) && !c->ts->sched_set))
		return cli_unsupported(c);
	if (so.dom) {
		rc = cli_find_domain(c, so.dom, &d);
		if (rc)
			return rc;
		if (!so.set_weight && !so.set_cap) {
			fprintf(c->out, "%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
			return sched_show(c, &d);
		}
		rc = c->ts->sched_get(c->ts->ctx, d.domain, &s);
		if (rc < 0)
			return cli_fail(c, rc, "cannot read the scheduling of domain %u", d.domain);
		if (so.set_weight)
			s.weight = (uint32_t)so.weight;
		if (so.set_cap)
			s.cap = (uint32_t)so.cap;
		rc = c->ts->sched_set(c->ts->ctx, d.domain, &s);
		return rc < 0 ? cli_fail(c, rc, "cannot set the scheduling of domain %u", d.domain) : MICA_CLI_OK;
	}
	n = cli_list_all(c, &all);
	if (n < 0)
		return -n;
	fprintf(c->out, "%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
	for (int j = 0; j < n; j++)
		rc |= sched_show(c, &all[j]);
	free(all);
	return rc;
}
