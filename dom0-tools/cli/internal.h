/* What the CLI's files share: the invocation, the verb table's shape, parsing and lookup helpers. */
#ifndef MICA_CLI_INTERNAL_H
#define MICA_CLI_INTERNAL_H

#include "cli/cli.h"

struct cli;

struct cli_verb {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv); /* argv[0] is the verb */
	const char *args;                                 /* "[-l] [-v] [domain...]" */
	const char *summary;
	const char *options; /* one "  -x  what" line each, or NULL */
};

struct cli {
	const struct mica_toolstack *ts;
	FILE *out, *err;
	const char *prog; /* "mica" or "xl" */
	const struct cli_verb *verb;
};

/* A small getopt: options before the operands, "--" ends them, --help is -h. */
struct cli_opt {
	int ind;          /* next argument to look at; the first operand once done */
	const char *arg;  /* the option's argument */
	const char *next; /* inside a group of short options ("-pc") */
};

/* Returns the option letter, -1 at the first operand, or '?' (message printed) for a bad option. */
int cli_getopt(struct cli *c, struct cli_opt *o, int argc, char **argv, const char *spec);

/* Verb entry: parses spec plus -h; returns the first operand's index or, < 0, -(exit code) to return now. */
int cli_parse(struct cli *c, int argc, char **argv, const char *spec, int min_operands, int max_operands,
	      int (*on_opt)(struct cli *c, int opt, const char *arg, void *priv), void *priv);

int cli_usage(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_fail(struct cli *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int cli_unsupported(struct cli *c);
const char *cli_strerror(int rc);

/* All live domains (malloc'ed array); returns the count or -(exit code) after printing why. */
int cli_list_all(struct cli *c, struct mica_ctl_dominfo **out);
/* arg (a name or a numeric id) names d. */
bool cli_dom_matches(const struct mica_ctl_dominfo *d, const char *arg);
/* A name or a numeric id: 0, or MICA_CLI_FAILED after naming it. */
int cli_find_domain(struct cli *c, const char *arg, struct mica_ctl_dominfo *info);

bool cli_parse_uint(const char *s, uint64_t max, uint64_t *v);
/* xl's sizes: a number with b, k, m (default), g or t; in KiB. */
bool cli_parse_size_kib(const char *s, uint64_t *kib);
/* "all", "3", "0-3,6", "^2": bit n = CPU n (CPUs 0 .. 63). */
bool cli_parse_cpus(const char *s, uint64_t *mask);
/* xl's map: "all" (every CPU of nr_cpus), "none", or ranges "0-3,6". */
void cli_print_cpus(FILE *f, uint64_t mask, unsigned nr_cpus);
/* xl's six-letter state: r b p s c d. */
void cli_state_string(const struct mica_ctl_dominfo *d, char buf[7]);
/* Nanoseconds as seconds with one decimal, in a field of width w. */
void cli_print_seconds(FILE *f, int w, uint64_t ns);

extern const struct cli_verb cli_verbs[];
extern const unsigned cli_nr_verbs;

/* The verbs, by file. */
int cli_help(struct cli *c, int argc, char **argv);
int cli_list(struct cli *c, int argc, char **argv);
int cli_info(struct cli *c, int argc, char **argv);
int cli_uptime(struct cli *c, int argc, char **argv);
int cli_top(struct cli *c, int argc, char **argv);
int cli_domid(struct cli *c, int argc, char **argv);
int cli_domname(struct cli *c, int argc, char **argv);
int cli_create(struct cli *c, int argc, char **argv);
int cli_destroy(struct cli *c, int argc, char **argv);
int cli_shutdown(struct cli *c, int argc, char **argv);
int cli_pause(struct cli *c, int argc, char **argv);
int cli_console(struct cli *c, int argc, char **argv);
int cli_dmesg(struct cli *c, int argc, char **argv);
int cli_rename(struct cli *c, int argc, char **argv);
int cli_mem(struct cli *c, int argc, char **argv);
int cli_vcpu_list(struct cli *c, int argc, char **argv);
int cli_vcpu_pin(struct cli *c, int argc, char **argv);
int cli_vcpu_set(struct cli *c, int argc, char **argv);
int cli_sched_credit(struct cli *c, int argc, char **argv);
int cli_dev_attach(struct cli *c, int argc, char **argv);
int cli_dev_list(struct cli *c, int argc, char **argv);
int cli_dev_detach(struct cli *c, int argc, char **argv);

#endif
