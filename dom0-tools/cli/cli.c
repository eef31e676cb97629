/* The mica / xl command line: the verb table, option parsing, help and error reporting. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"

const struct cli_verb cli_verbs[] = {
    {"create", cli_create, "[-c] [-p] [-q] [-v] [-f] <ConfigFile> [key=value ...]",
     "Create a domain from a config file",
     "  -c  attach to the console after creating it (Ctrl-] detaches)\n"
     "  -p  leave it paused after creating it\n"
     "  -q  quiet: no \"Parsing config\" line\n"
     "  -v  verbose (accepted; mica create always reports the build)\n"
     "  -f  the next argument is the config file\n"},
    {"list", cli_list, "[-l] [-v] [Domain ...]", "List information about domains",
     "  -l, --long     JSON instead of the table\n"
     "  -v, --verbose  also the generation and the shutdown reason\n"},
    {"destroy", cli_destroy, "<Domain>", "Terminate a domain immediately", NULL},
    {"shutdown", cli_shutdown, "[-a] [-w] <Domain>", "Ask a domain to shut down",
     "  -a, --all   every domain but dom0\n"
     "  -w, --wait  wait until it has gone\n"},
    {"reboot", cli_shutdown, "[-a] [-w] <Domain>", "Ask a domain to reboot",
     "  -a, --all   every domain but dom0\n"
     "  -w, --wait  wait until it has restarted\n"},
    {"pause", cli_pause, "<Domain>", "Pause execution of a domain", NULL},
    {"unpause", cli_pause, "<Domain>", "Unpause a paused domain", NULL},
    {"console", cli_console, "<Domain>", "Attach to a domain's console (Ctrl-] detaches)", NULL},
    {"info", cli_info, "", "Get information about the host", NULL},
    {"dmesg", cli_dmesg, "[-c]", "Read and/or clear the hypervisor's message buffer", "  -c  clear it after reading\n"},
    {"uptime", cli_uptime, "[Domain ...]", "Print uptime for all or some domains", NULL},
    {"top", cli_top, "[-b] [-i <Iterations>] [-d <Delay>]", "Show the domains' resource use (like xentop)",
     "  -b, --batch       screens one after another instead of one redrawn screen\n"
     "  -i, --iterations  that many screens, then stop (default: until q is typed)\n"
     "  -d, --delay       seconds between screens (default 1)\n"},
    {"vcpu-list", cli_vcpu_list, "[Domain ...]", "List the vCPUs of all or some domains", NULL},
    {"vcpu-pin", cli_vcpu_pin, "<Domain> <vCPU|all> <CPUs|-> [-]", "Set which CPUs a vCPU may run on",
     "  CPUs: \"all\", a list of CPUs and ranges (\"0-3,6\"), \"^n\" excludes n\n"},
    {"vcpu-set", cli_vcpu_set, "<Domain> <vCPUs>", "Set the number of online vCPUs", NULL},
    {"mem-set", cli_mem, "<Domain> <Mem>", "Set a domain's memory target",
     "  Mem: a number with b, k, m (the default), g or t\n"},
    {"mem-max", cli_mem, "<Domain> <Mem>", "Set the most memory a domain may have",
     "  Mem: a number with b, k, m (the default), g or t\n"},
    {"sched-credit", cli_sched_credit, "[-d <Domain> [-w <Weight>] [-c <Cap>]]",
     "Get or set the credit scheduler's parameters",
     "  -d, --domain  the domain\n"
     "  -w, --weight  1 .. 65535 (default 256)\n"
     "  -c, --cap     % of one CPU at most, 0: no cap\n"},
    {"network-attach", cli_dev_attach, "<Domain> [key=value ...]", "Create a new virtual network device", NULL},
    {"network-list", cli_dev_list, "<Domain ...>", "List virtual network interfaces", NULL},
    {"network-detach", cli_dev_detach, "<Domain> <DevId|mac>", "Destroy a virtual network device", NULL},
    {"block-attach", cli_dev_attach, "<Domain> <disk-spec ...>", "Create a new virtual block device", NULL},
    {"block-list", cli_dev_list, "<Domain ...>", "List virtual block devices", NULL},
    {"block-detach", cli_dev_detach, "<Domain> <DevId>", "Destroy a virtual block device", NULL},
    {"domid", cli_domid, "<DomainName>", "Convert a domain name to a domain id", NULL},
    {"domname", cli_domname, "<DomainId>", "Convert a domain id to a domain name", NULL},
    {"rename", cli_rename, "<Domain> <NewName>", "Rename a domain", NULL},
    {"help", cli_help, "[verb]", "Print help", NULL},
};
const unsigned cli_nr_verbs = sizeof(cli_verbs) / sizeof(cli_verbs[0]);

/* The long options the verbs know, by their letter. */
static const struct {
	const char *name;
	char letter;
} long_opts[] = {
    {"help", 'h'},   {"long", 'l'}, {"verbose", 'v'}, {"wait", 'w'},       {"all", 'a'},   {"domain", 'd'},
    {"weight", 'w'}, {"cap", 'c'},  {"batch", 'b'},   {"iterations", 'i'}, {"delay", 'd'},
};

static const struct cli_verb *find_verb(const char *name)
{
	for (unsigned i = 0; i < cli_nr_verbs; i++) {
		if (!strcmp(cli_verbs[i].name, name))
			return &cli_verbs[i];
	}
	return NULL;
}

static void print_usage(struct cli *c, FILE *f, const struct cli_verb *v)
{
	fprintf(f, "Usage: %s %s %s\n\n%s.\n", c->prog, v->name, v->args, v->summary);
	if (v->options)
		fprintf(f, "\nOptions:\n%s", v->options);
}

static void print_verbs(struct cli *c, FILE *f)
{
	fprintf(f, "Usage: %s <subcommand> [args]\n\nSubcommands:\n", c->prog);
	for (unsigned i = 0; i < cli_nr_verbs; i++)
		fprintf(f, " %-16s %s\n", cli_verbs[i].name, cli_verbs[i].summary);
	fprintf(f, "\n'%s help <subcommand>' or '%s <subcommand> -h' describes one.\n", c->prog, c->prog);
}

int cli_usage(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->err, "%s %s: ", c->prog, c->verb->name);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fprintf(c->err, "\nUsage: %s %s %s\n", c->prog, c->verb->name, c->verb->args);
	return MICA_CLI_USAGE;
}

/* Xen's errno values (xen/errno.h), which the hypervisor and the toolstack return. */
static const struct {
	int no;
	const char *text;
} xen_errors[] = {
    {1, "Operation not permitted"},
    {2, "No such file or directory"},
    {3, "No such domain"},
    {7, "Argument list too long"},
    {12, "Out of memory"},
    {13, "Permission denied"},
    {14, "Bad address"},
    {16, "Device or resource busy"},
    {17, "Already exists"},
    {19, "No such device"},
    {22, "Invalid argument"},
    {28, "No space left"},
    {34, "Result out of range"},
    {38, "Function not implemented"},
    {95, "Operation not supported"},
    {110, "Timed out"},
};

const char *cli_strerror(int rc)
{
	for (unsigned i = 0; i < sizeof(xen_errors) / sizeof(xen_errors[0]); i++) {
		if (xen_errors[i].no == -rc)
			return xen_errors[i].text;
	}
	return "Error";
}

int cli_fail(struct cli *c, int rc, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->err, "%s %s: ", c->prog, c->verb->name);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	if (rc < 0)
		fprintf(c->err, ": %s (%d)", cli_strerror(rc), -rc);
	fputc('\n', c->err);
	return MICA_CLI_FAILED;
}

int cli_unsupported(struct cli *c)
{
	fprintf(c->err, "%s %s: not supported here\n", c->prog, c->verb->name);
	return MICA_CLI_FAILED;
}

static char long_letter(const char *name, const char *spec)
{
	for (unsigned i = 0; i < sizeof(long_opts) / sizeof(long_opts[0]); i++) {
		char l = long_opts[i].letter;

		if (!strcmp(long_opts[i].name, name) && (l == 'h' || strchr(spec, l)))
			return l;
	}
	return 0;
}

int cli_getopt(struct cli *c, struct cli_opt *o, int argc, char **argv, const char *spec)
{
	const char *a, *p;
	char l;

	o->arg = NULL;
	if (!o->next || !*o->next) {
		o->next = NULL;
		if (o->ind >= argc)
			return -1;
		a = argv[o->ind];
		if (a[0] != '-' || !a[1])
			return -1;
		o->ind++;
		if (!strcmp(a, "--"))
			return -1;
		if (a[1] == '-') {
			l = long_letter(a + 2, spec);
			if (!l) {
				cli_usage(c, "unknown option '%s'", a);
				return '?';
			}
			p = strchr(spec, l);
			if (p && p[1] == ':') {
				if (o->ind >= argc) {
					cli_usage(c, "option '%s' needs an argument", a);
					return '?';
				}
				o->arg = argv[o->ind++];
			}
			return l;
		}
		o->next = a + 1;
	}
	l = *o->next++;
	p = l == ':' ? NULL : strchr(spec, l);
	if (l == 'h')
		return l;
	if (!p) {
		o->next = NULL;
		cli_usage(c, "unknown option '-%c'", l);
		return '?';
	}
	if (p[1] == ':') {
		if (*o->next) {
			o->arg = o->next;
		} else if (o->ind < argc) {
			o->arg = argv[o->ind++];
		} else {
			o->next = NULL;
			cli_usage(c, "option '-%c' needs an argument", l);
			return '?';
		}
		o->next = NULL;
	}
	return l;
}

int cli_parse(struct cli *c, int argc, char **argv, const char *spec, int min_operands, int max_operands,
	      int (*on_opt)(struct cli *c, int opt, const char *arg, void *priv), void *priv)
{
	struct cli_opt o = {.ind = 1};
	int opt, n;

	while ((opt = cli_getopt(c, &o, argc, argv, spec)) != -1) {
		if (opt == '?')
			return -MICA_CLI_USAGE;
		if (opt == 'h') {
			print_usage(c, c->out, c->verb);
			return -MICA_CLI_OK;
		}
		if (on_opt) {
			int rc = on_opt(c, opt, o.arg, priv);

			if (rc)
				return -rc;
		}
	}
	n = argc - o.ind;
	if (n < min_operands)
		return -cli_usage(c, "missing argument");
	if (max_operands >= 0 && n > max_operands)
		return -cli_usage(c, "unexpected argument '%s'", argv[o.ind + max_operands]);
	return o.ind;
}

int cli_help(struct cli *c, int argc, char **argv)
{
	const struct cli_verb *v;
	int i = cli_parse(c, argc, argv, "", 0, 1, NULL, NULL);

	if (i <= 0)
		return -i;
	if (i == argc) {
		print_verbs(c, c->out);
		return MICA_CLI_OK;
	}
	v = find_verb(argv[i]);
	if (!v)
		return cli_usage(c, "unknown subcommand '%s'", argv[i]);
	print_usage(c, c->out, v);
	return MICA_CLI_OK;
}

int mica_cli_main(int argc, char **argv, const struct mica_toolstack *ts, FILE *out, FILE *err)
{
	static const struct cli_verb top = {"", NULL, "<subcommand> [args]", "", NULL};
	struct cli c = {.ts = ts, .out = out, .err = err, .prog = "mica", .verb = &top};
	const char *slash;
	int rc;

	if (argc >= 1 && argv[0] && argv[0][0]) {
		slash = strrchr(argv[0], '/');
		c.prog = slash ? slash + 1 : argv[0];
	}
	if (argc < 2) {
		print_verbs(&c, err);
		return MICA_CLI_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_verbs(&c, out);
		return MICA_CLI_OK;
	}
	c.verb = find_verb(argv[1]);
	if (!c.verb) {
		fprintf(err, "%s: unknown subcommand '%s' ('%s help' lists them)\n", c.prog, argv[1], c.prog);
		return MICA_CLI_USAGE;
	}
	rc = c.verb->run(&c, argc - 1, argv + 1);
	fflush(out);
	fflush(err);
	return rc;
}
