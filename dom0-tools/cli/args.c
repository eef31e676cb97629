/* Operands: numbers, sizes, CPU lists, and domains by name or id. */
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"

bool cli_parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (n > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*v = n;
	return true;
}

bool cli_parse_size_kib(const char *s, uint64_t *kib)
{
	static const struct {
		char suffix;
		int shift; /* KiB = number << shift (negative: >>) */
	} units[] = {{'b', -10}, {'k', 0}, {'m', 10}, {'g', 20}, {'t', 30}};
	char num[24];
	size_t len = strlen(s);
	int shift = 10;
	uint64_t n;

	if (len && (s[len - 1] < '0' || s[len - 1] > '9')) {
		char u = s[len - 1] | 0x20;
		unsigned i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]) && units[i].suffix != u; i++)
			;
		if (i == sizeof(units) / sizeof(units[0]))
			return false;
		shift = units[i].shift;
		len--;
	}
	if (!len || len >= sizeof(num))
		return false;
	memcpy(num, s, len);
	num[len] = '\0';
	if (!cli_parse_uint(num, UINT64_MAX >> (shift > 0 ? shift : 0), &n))
		return false;
	*kib = shift >= 0 ? n << shift : n >> -shift;
	return true;
}

/* One element of a CPU list: "n" or "n-m", both below 64. */
static bool parse_cpu_range(const char *s, size_t len, uint64_t *mask)
{
	char buf[16];
	char *dash;
	uint64_t a, b;

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (!cli_parse_uint(buf, 63, &a))
		return false;
	b = a;
	if (dash && !cli_parse_uint(dash + 1, 63, &b))
		return false;
	if (b < a)
		return false;
	*mask = (b == 63 ? ~0ull : (1ull << (b + 1)) - 1) & ~((1ull << a) - 1);
	return true;
}

bool cli_parse_cpus(const char *s, uint64_t *mask)
{
	uint64_t m = 0, r;

	if (!*s)
		return false;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		bool exclude = *s == '^';

		if (exclude) {
			s++;
			len--;
		}
		if (len == 3 && !strncmp(s, "all", 3))
			r = ~0ull;
		else if (!parse_cpu_range(s, len, &r))
			return false;
		m = exclude ? m & ~r : m | r;
		s += len;
		if (*s == ',' && !*++s)
			return false;
	}
	*mask = m;
	return true;
}

int cli_list_all(struct cli *c, struct mica_ctl_dominfo **out)
{
	struct mica_ctl_dominfo *buf = NULL, *bigger;
	unsigned max = 64;
	int n;

	if (!c->ts->list)
		return -cli_unsupported(c);
	for (;;) {
		bigger = realloc(buf, max * sizeof(*buf));
		if (!bigger) {
			free(buf);
			return -cli_fail(c, 0, "out of memory");
		}
		buf = bigger;
		n = c->ts->list(c->ts->ctx, buf, max);
		if (n < 0) {
			free(buf);
			return -cli_fail(c, n, "cannot list the domains");
		}
		if ((unsigned)n < max || max >= 65536)
			break;
		max *= 2;
	}
	*out = buf;
	return n;
}

bool cli_dom_matches(const struct mica_ctl_dominfo *d, const char *arg)
{
	uint64_t id;

	if (cli_parse_uint(arg, UINT16_MAX, &id))
		return d->domain == id;
	return !strncmp(d->name, arg, sizeof(d->name)) && strlen(arg) < sizeof(d->name);
}

int cli_find_domain(struct cli *c, const char *arg, struct mica_ctl_dominfo *info)
{
	struct mica_ctl_dominfo *all;
	uint64_t id;
	bool numeric = cli_parse_uint(arg, UINT16_MAX, &id);
	int n, i;

	if (!c->ts->list) {
		/* Nothing to look names up in: a number is taken as it is. */
		if (!numeric) {
			fprintf(c->err, "%s %s: cannot look up domain '%s' here (use its id)\n", c->prog, c->verb->name,
				arg);
			return MICA_CLI_FAILED;
		}
		memset(info, 0, sizeof(*info));
		info->domain = (uint16_t)id;
		return MICA_CLI_OK;
	}
	n = cli_list_all(c, &all);
	if (n < 0)
		return -n;
	for (i = 0; i < n; i++) {
		if (cli_dom_matches(&all[i], arg))
			break;
	}
	if (i < n)
		*info = all[i];
	free(all);
	if (i == n) {
		fprintf(c->err, "%s %s: domain '%s' does not exist\n", c->prog, c->verb->name, arg);
		return MICA_CLI_FAILED;
	}
	return MICA_CLI_OK;
}
