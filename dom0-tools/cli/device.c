/* The verbs about a domain's virtual devices: network-attach/-list/-detach, block-attach/-list/-detach. */
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"

#define MAX_DEVICES 64
#define ERRBUF_LEN 256

static bool is_network(const struct cli *c)
{
	return !strncmp(c->verb->name, "network-", 8);
}

int cli_dev_attach(struct cli *c, int argc, char **argv)
{
	bool net = is_network(c);
	int (*op)(void *ctx, uint16_t dom, char **spec, unsigned n, char *errbuf, size_t errlen) =
	    net ? c->ts->net_attach : c->ts->block_attach;
	char errbuf[ERRBUF_LEN] = "";
	struct mica_ctl_dominfo d;
	int i = cli_parse(c, argc, argv, "", net ? 1 : 2, -1, NULL, NULL);
	int rc;

	if (i <= 0)
		return -i;
	for (int k = i + 1; net && k < argc; k++) {
		if (!strchr(argv[k], '=') || argv[k][0] == '=')
			return cli_usage(c, "'%s' is not key=value", argv[k]);
	}
	rc = cli_find_domain(c, argv[i], &d);
	if (rc)
		return rc;
	if (!op)
		return cli_unsupported(c);
	rc = op(c->ts->ctx, d.domain, argv + i + 1, (unsigned)(argc - i - 1), errbuf, sizeof(errbuf));
	if (rc < 0) {
		errbuf[sizeof(errbuf) - 1] = '\0';
		if (errbuf[0])
			return cli_fail(c, 0, "%s", errbuf);
		return cli_fail(c, rc, "cannot attach the device to domain %u", d.domain);
	}
	return MICA_CLI_OK;
}

static int net_list_one(struct cli *c, const struct mica_ctl_dominfo *d)
{
	struct mica_cli_nic *nic = calloc(MAX_DEVICES, sizeof(*nic));
	int n;

	if (!nic)
		return cli_fail(c, 0, "out of memory");
	n = c->ts->net_list(c->ts->ctx, d->domain, nic, MAX_DEVICES);
	if (n < 0) {
		free(nic);
		return cli_fail(c, n, "cannot list the network devices of domain %u", d->domain);
	}
	for (int k = 0; k < n && k < MAX_DEVICES; k++) {
		const struct mica_cli_nic *e = &nic[k];
		const uint8_t *m = e->mac;

		fprintf(c->out, "%-3u %-2u %02x:%02x:%02x:%02x:%02x:%02x %6u %5u %6d %5d/%-11d %.*s\n", e->devid,
			e->backend, m[0], m[1], m[2], m[3], m[4], m[5], e->devid, e->state, e->evtchn, e->tx_ring_ref,
			e->rx_ring_ref, (int)sizeof(e->backend_path), e->backend_path);
	}
	free(nic);
	return MICA_CLI_OK;
}

static int block_list_one(struct cli *c, const struct mica_ctl_dominfo *d)
{
	struct mica_cli_disk *disk = calloc(MAX_DEVICES, sizeof(*disk));
	int n;

	if (!disk)
		return cli_fail(c, 0, "out of memory");
	n = c->ts->block_list(c->ts->ctx, d->domain, disk, MAX_DEVICES);
	if (n < 0) {
		free(disk);
		return cli_fail(c, n, "cannot list the block devices of domain %u", d->domain);
	}
	for (int k = 0; k < n && k < MAX_DEVICES; k++) {
		const struct mica_cli_disk *e = &disk[k];

		fprintf(c->out, "%-5u %-3u %-6u %-5u %-6d %-8d %.*s\n", e->devid, e->backend, e->frontend, e->state,
			e->evtchn, e->ring_ref, (int)sizeof(e->backend_path), e->backend_path);
	}
	free(disk);
	return MICA_CLI_OK;
}

int cli_dev_list(struct cli *c, int argc, char **argv)
{
	bool net = is_network(c);
	struct mica_ctl_dominfo d;
	int i = cli_parse(c, argc, argv, "", 1, -1, NULL, NULL);
	int rc = MICA_CLI_OK;

	if (i <= 0)
		return -i;
	if (net ? !c->ts->net_list : !c->ts->block_list)
		return cli_unsupported(c);
	if (net)
		fprintf(c->out, "%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.", "handle",
			"state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
	else
		fprintf(c->out, "%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state", "evt-ch",
			"ring-ref", "BE-path");
	for (; i < argc; i++) {
		int err = cli_find_domain(c, argv[i], &d);

		if (err)
			rc = err;
		else
			rc |= net ? net_list_one(c, &d) : block_list_one(c, &d);
	}
	return rc;
}

int cli_dev_detach(struct cli *c, int argc, char **argv)
{
	bool net = is_network(c);
	int (*op)(void *ctx, uint16_t dom, const char *dev) = net ? c->ts->net_detach : c->ts->block_detach;
	struct mica_ctl_dominfo d;
	int i = cli_parse(c, argc, argv, "", 2, 2, NULL, NULL);
	int rc;

	if (i <= 0)
		return -i;
	rc = cli_find_domain(c, argv[i], &d);
	if (rc)
		return rc;
	if (!op)
		return cli_unsupported(c);
	rc = op(c->ts->ctx, d.domain, argv[i + 1]);
	return rc < 0 ? cli_fail(c, rc, "cannot detach device %s from domain %u", argv[i + 1], d.domain) : MICA_CLI_OK;
}
