/* The verbs that change a domain's life: create, destroy, shutdown, reboot, pause, console, rename, memory. */
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"

#define ERRBUF_LEN 256
#define DMESG_LEN 65536

struct create_opts {
	bool console, paused, quiet;
	const char *cfg;
};

static int create_opt(struct cli *c, int opt, const char *arg, void *priv)
{
	struct create_opts *co = priv;

	if (opt == 'c')
		co->console = true;
	else if (opt == 'p')
		co->paused = true;
	else if (opt == 'q')
		co->quiet = true;
	else if (opt == 'f')
		co->cfg = arg;
	return 0;
}

int cli_create(struct cli *c, int argc, char **argv)
{
	struct create_opts co = {false, false, false, NULL};
	char errbuf[ERRBUF_LEN] = "";
	uint16_t domid = 0;
	int i = cli_parse(c, argc, argv, "cpqvf:", 0, -1, create_opt, &co);
	int rc;

	if (i <= 0)
		return -i;
	if (!co.cfg) {
		if (i == argc)
			return cli_usage(c, "missing argument");
		co.cfg = argv[i++];
	}
	for (int k = i; k < argc; k++) {
		if (!strchr(argv[k], '=') || argv[k][0] == '=')
			return cli_usage(c, "'%s' is not key=value", argv[k]);
	}
	if (!c->ts->create || (co.console && !c->ts->console))
		return cli_unsupported(c);
	if (!co.quiet)
		fprintf(c->err, "Parsing config from %s\n", co.cfg);
	rc = c->ts->create(c->ts->ctx, co.cfg, argv + i, (unsigned)(argc - i), co.paused, &domid, errbuf,
			   sizeof(errbuf));
	if (rc < 0) {
		errbuf[sizeof(errbuf) - 1] = '\0';
		/* The toolstack's message names the file itself where it helps (file:line:column). */
		if (errbuf[0])
			return cli_fail(c, 0, "%s", errbuf);
		return cli_fail(c, rc, "cannot create a domain from %s", co.cfg);
	}
	if (co.console) {
		rc = c->ts->console(c->ts->ctx, domid);
		if (rc < 0)
			return cli_fail(c, rc, "cannot attach to the console of domain %u", domid);
	}
	return MICA_CLI_OK;
}

/* The verbs of the form "<verb> <Domain>" with no options: the domain, or -(exit code). */
static int one_domain(struct cli *c, int argc, char **argv, const char *spec,
		      int (*on_opt)(struct cli *c, int opt, const char *arg, void *priv), void *priv,
		      struct mica_ctl_dominfo *d)
{
	int i = cli_parse(c, argc, argv, spec, 1, 1, on_opt, priv);
	int rc;

	if (i <= 0)
		return i;
	rc = cli_find_domain(c, argv[i], d);
	return rc ? -rc : i;
}

int cli_destroy(struct cli *c, int argc, char **argv)
{
	struct mica_ctl_dominfo d;
	int i = one_domain(c, argc, argv, "", NULL, NULL, &d);
	int rc;

	if (i <= 0)
		return -i;
	if (!c->ts->destroy)
		return cli_unsupported(c);
	if (d.domain == 0)
		return cli_fail(c, 0, "domain 0 cannot be destroyed");
	rc = c->ts->destroy(c->ts->ctx, d.domain);
	return rc < 0 ? cli_fail(c, rc, "cannot destroy domain %u", d.domain) : MICA_CLI_OK;
}

struct shutdown_opts {
	bool all, wait;
};

static int shutdown_opt(struct cli *c, int opt, const char *arg, void *priv)
{
	struct shutdown_opts *so = priv;

	if (opt == 'a')
		so->all = true;
	else
		so->wait = true;
	return 0;
}

static int shutdown_one(struct cli *c, const struct mica_ctl_dominfo *d, unsigned reason, bool wait)
{
	const char *what = reason == MICA_CLI_SHUTDOWN_REBOOT ? "reboot" : "shut down";
	int rc;

	fprintf(c->err, "%s domain %u\n", reason == MICA_CLI_SHUTDOWN_REBOOT ? "Rebooting" : "Shutting down",
		d->domain);
	rc = c->ts->shutdown(c->ts->ctx, d->domain, reason);
	if (rc < 0)
		return cli_fail(c, rc, "cannot %s domain %u", what, d->domain);
	if (!wait)
		return MICA_CLI_OK;
	rc = c->ts->wait_gone(c->ts->ctx, d->domain, d->generation);
	if (rc < 0)
		return cli_fail(c, rc, "waiting for domain %u", d->domain);
	fprintf(c->err, "Domain %u has been %s\n", d->domain,
		reason == MICA_CLI_SHUTDOWN_REBOOT ? "rebooted" : "shut down");
	return MICA_CLI_OK;
}

/* shutdown and reboot. */
int cli_shutdown(struct cli *c, int argc, char **argv)
{
	unsigned reason = strcmp(c->verb->name, "reboot") ? MICA_CLI_SHUTDOWN_POWEROFF : MICA_CLI_SHUTDOWN_REBOOT;
	struct shutdown_opts so = {false, false};
	struct mica_ctl_dominfo d, *all;
	int i = cli_parse(c, argc, argv, "aw", 0, 1, shutdown_opt, &so);
	int n, rc = MICA_CLI_OK;

	if (i <= 0)
		return -i;
	if (so.all == (i < argc))
		return cli_usage(c, so.all ? "-a and a domain" : "missing argument");
	if (!c->ts->shutdown || (so.wait && !c->ts->wait_gone))
		return cli_unsupported(c);
	if (!so.all) {
		rc = cli_find_domain(c, argv[i], &d);
		return rc ? rc : shutdown_one(c, &d, reason, so.wait);
	}
	n = cli_list_all(c, &all);
	if (n < 0)
		return -n;
	for (int j = 0; j < n; j++) {
		if (all[j].domain != 0 && !(all[j].flags & MICA_CTL_DOMF_DYING))
			rc |= shutdown_one(c, &all[j], reason, so.wait);
	}
	free(all);
	return rc;
}

/* pause and unpause. */
int cli_pause(struct cli *c, int argc, char **argv)
{
	bool pause = !strcmp(c->verb->name, "pause");
	int (*op)(void *ctx, uint16_t dom) = pause ? c->ts->pause : c->ts->unpause;
	struct mica_ctl_dominfo d;
	int i = one_domain(c, argc, argv, "", NULL, NULL, &d);
	int rc;

	if (i <= 0)
		return -i;
	if (!op)
		return cli_unsupported(c);
	rc = op(c->ts->ctx, d.domain);
	return rc < 0 ? cli_fail(c, rc, "cannot %s domain %u", c->verb->name, d.domain) : MICA_CLI_OK;
}

int cli_console(struct cli *c, int argc, char **argv)
{
	struct mica_ctl_dominfo d;
	int i = one_domain(c, argc, argv, "", NULL, NULL, &d);
	int rc;

	if (i <= 0)
		return -i;
	if (!c->ts->console)
		return cli_unsupported(c);
	rc = c->ts->console(c->ts->ctx, d.domain);
	return rc < 0 ? cli_fail(c, rc, "cannot attach to the console of domain %u", d.domain) : MICA_CLI_OK;
}

static int dmesg_opt(struct cli *c, int opt, const char *arg, void *priv)
{
	*(bool *)priv = true;
	return 0;
}

int cli_dmesg(struct cli *c, int argc, char **argv)
{
	bool clear = false;
	int i = cli_parse(c, argc, argv, "c", 0, 0, dmesg_opt, &clear);
	char *buf;
	int n;

	if (i <= 0)
		return -i;
	if (!c->ts->dmesg)
		return cli_unsupported(c);
	buf = malloc(DMESG_LEN);
	if (!buf)
		return cli_fail(c, 0, "out of memory");
	n = c->ts->dmesg(c->ts->ctx, buf, DMESG_LEN, clear);
	if (n < 0) {
		free(buf);
		return cli_fail(c, n, "cannot read the hypervisor's messages");
	}
	if (n > DMESG_LEN)
		n = DMESG_LEN;
	fwrite(buf, 1, (size_t)n, c->out);
	free(buf);
	return MICA_CLI_OK;
}

int cli_rename(struct cli *c, int argc, char **argv)
{
	struct mica_ctl_dominfo d;
	int i = cli_parse(c, argc, argv, "", 2, 2, NULL, NULL);
	const char *name;
	int rc;

	if (i <= 0)
		return -i;
	name = argv[i + 1];
	if (!*name || strlen(name) >= MICA_CTL_NAME_LEN)
		return cli_usage(c, "a name has 1 to %d characters", MICA_CTL_NAME_LEN - 1);
	for (const char *p = name; *p; p++) {
		if (*p < 0x21 || *p > 0x7e)
			return cli_usage(c, "a name is printable ASCII without spaces");
	}
	rc = cli_find_domain(c, argv[i], &d);
	if (rc)
		return rc;
	if (!c->ts->rename)
		return cli_unsupported(c);
	rc = c->ts->rename(c->ts->ctx, d.domain, name);
	return rc < 0 ? cli_fail(c, rc, "cannot rename domain %u to '%s'", d.domain, name) : MICA_CLI_OK;
}

/* mem-set and mem-max. */
int cli_mem(struct cli *c, int argc, char **argv)
{
	bool max = !strcmp(c->verb->name, "mem-max");
	int (*op)(void *ctx, uint16_t dom, uint64_t kib) = max ? c->ts->mem_max : c->ts->mem_set;
	struct mica_ctl_dominfo d;
	int i = cli_parse(c, argc, argv, "", 2, 2, NULL, NULL);
	uint64_t kib;
	int rc;

	if (i <= 0)
		return -i;
	if (!cli_parse_size_kib(argv[i + 1], &kib))
		return cli_usage(c, "invalid memory size '%s'", argv[i + 1]);
	rc = cli_find_domain(c, argv[i], &d);
	if (rc)
		return rc;
	if (!op)
		return cli_unsupported(c);
	rc = op(c->ts->ctx, d.domain, kib);
	return rc < 0 ? cli_fail(c, rc, "cannot set the memory of domain %u to %llu KiB", d.domain,
				 (unsigned long long)kib)
		      : MICA_CLI_OK;
}
