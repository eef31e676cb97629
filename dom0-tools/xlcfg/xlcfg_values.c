/* xl.cfg(5) values: numbers, strings and comma-separated items, and the keys with simple values. */
#include "xlcfg/xlcfg_int.h"

#include <string.h>

/* Values */

int xlcfg_get_atom(struct parser *p, const struct value *v, const struct atom **a)
{
	if (v->is_list) {
		return xlcfg_perr(p, v->n ? v->atoms[0].line : p->line, v->n ? xlcfg_acol(&v->atoms[0], 0) : 0,
				  "%s: expected a single value, not a list", p->key);
	}
	*a = &v->atoms[0];
	return 0;
}

/* A whole decimal, 0x hex or 0-prefixed octal number, as xl reads them; false if s is not one. */
bool xlcfg_parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		base = 16;
		i = 2;
	} else if (len > 1 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	if (i >= len)
		return false;
	for (; i < len; i++) {
		unsigned d;

		if (!is_hex(s[i]) || (d = (unsigned)hex_val(s[i])) >= base)
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

int xlcfg_number_in(struct parser *p, const char *what, const struct atom *a, size_t off, size_t len, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	if (!xlcfg_parse_u64(a->s + off, len, out))
		return xlcfg_perr(p, a->line, xlcfg_acol(a, off), "%s: not a number: \"%s\"", what,
				  xlcfg_show(p, a->s + off, len));
	if (*out < min || *out > max) {
		return xlcfg_perr(p, a->line, xlcfg_acol(a, off), "%s: %s is out of range (%llu..%llu)", what,
				  xlcfg_show(p, a->s + off, len), (unsigned long long)min, (unsigned long long)max);
	}
	return 0;
}

/* Copy a string value into a field of size bytes: no control characters, not truncated. */
int xlcfg_copy_str(struct parser *p, const char *what, const struct atom *a, size_t off, size_t len, char *dst,
		   size_t size)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)a->s[off + i] < 0x20 || a->s[off + i] == 0x7f)
			return xlcfg_perr(p, a->line, xlcfg_acol(a, off + i), "%s: control character in the value",
					  what);
	}
	if (len >= size)
		return xlcfg_perr(p, a->line, xlcfg_acol(a, off), "%s: longer than %u characters", what,
				  (unsigned)size - 1);
	memcpy(dst, a->s + off, len);
	dst[len] = '\0';
	return 0;
}

bool xlcfg_next_item(const struct atom *a, size_t *pos, struct item *it)
{
	size_t start = *pos, end = *pos;

	if (start > a->len)
		return false;
	while (end < a->len && a->s[end] != ',')
		end++;
	*pos = end + 1;
	while (start < end && is_blank(a->s[start]))
		start++;
	while (end > start && is_blank(a->s[end - 1]))
		end--;
	it->s = a->s + start;
	it->len = end - start;
	it->off = start;
	return true;
}

bool xlcfg_item_is(const struct item *it, const char *word)
{
	return strlen(word) == it->len && !memcmp(it->s, word, it->len);
}

/* "key=value" items: split at the first '='; false if there is none. */
bool xlcfg_item_split(const struct item *it, struct item *key, struct item *val)
{
	const char *eq = memchr(it->s, '=', it->len);

	if (!eq)
		return false;
	*key = (struct item){it->s, (size_t)(eq - it->s), it->off};
	while (key->len && is_blank(key->s[key->len - 1]))
		key->len--;
	*val = (struct item){eq + 1, (size_t)(it->s + it->len - (eq + 1)), it->off + (size_t)(eq + 1 - it->s)};
	while (val->len && is_blank(*val->s)) {
		val->s++;
		val->off++;
		val->len--;
	}
	return true;
}

int xlcfg_add_u32(struct parser *p, const char *what, const struct atom *a, const struct item *v, uint64_t min,
		  uint64_t max, void *dst, size_t size)
{
	uint64_t n;
	int r = xlcfg_number_in(p, what, a, v->off, v->len, min, max, &n);

	if (!r && size == sizeof(uint16_t))
		*(uint16_t *)dst = (uint16_t)n;
	else if (!r)
		*(uint32_t *)dst = (uint32_t)n;
	return r;
}

/* Keys with simple values */

int xlcfg_set_str(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	int r = xlcfg_get_atom(p, v, &a);

	return r ? r : xlcfg_copy_str(p, k->name, a, 0, a->len, (char *)p->cfg + k->off, k->size);
}

int xlcfg_set_num(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	uint64_t n;
	int r = xlcfg_get_atom(p, v, &a);

	if (!r)
		r = xlcfg_number_in(p, k->name, a, 0, a->len, k->min, k->max, &n);
	if (!r && k->size == sizeof(uint32_t))
		*(uint32_t *)((char *)p->cfg + k->off) = (uint32_t)n;
	else if (!r)
		*(uint64_t *)((char *)p->cfg + k->off) = n;
	return r;
}

int xlcfg_set_name(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	size_t digits = 0;
	int r = xlcfg_get_atom(p, v, &a);

	if (!r)
		r = xlcfg_copy_str(p, k->name, a, 0, a->len, p->cfg->name, sizeof(p->cfg->name));
	if (r)
		return r;
	if (!a->len)
		return xlcfg_perr(p, a->line, xlcfg_acol(a, 0), "name: empty");
	for (size_t i = 0; i < a->len; i++) {
		char c = a->s[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == '"' || c == '\'' || c == '\\')
			return xlcfg_perr(p, a->line, xlcfg_acol(a, i),
					  "name: only printable ASCII without blanks, quotes, '/' or '\\'");
		digits += is_digit(c);
	}
	if (digits == a->len)
		return xlcfg_perr(p, a->line, xlcfg_acol(a, 0),
				  "name: \"%s\" is all digits (it would read as a domain id)", a->s);
	return 0;
}

bool xlcfg_atom_is(const struct atom *a, const char *word)
{
	return !strcmp(a->s, word);
}

int xlcfg_set_type(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	int r = xlcfg_get_atom(p, v, &a);

	if (r || xlcfg_atom_is(a, "pvh"))
		return r;
	if (xlcfg_atom_is(a, "pv") || xlcfg_atom_is(a, "hvm")) {
		return xlcfg_perr(p, a->line, xlcfg_acol(a, 0),
				  "type: \"%s\" domains are not supported: Mica runs PVH guests only (type = \"pvh\")",
				  a->s);
	}
	return xlcfg_perr(p, a->line, xlcfg_acol(a, 0), "type: unknown type \"%s\" (pvh; xl also knows pv and hvm)",
			  xlcfg_show(p, a->s, a->len));
}

int xlcfg_set_builder(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	int r = xlcfg_get_atom(p, v, &a);

	if (r)
		return r;
	if (xlcfg_atom_is(a, "generic")) {
		xlcfg_pwarn(p, a->line, xlcfg_acol(a, 0),
			    "builder: \"generic\" (PV) is deprecated; Mica builds the domain as type = \"pvh\"");
		return 0;
	}
	if (xlcfg_atom_is(a, "hvm"))
		return xlcfg_perr(
		    p, a->line, xlcfg_acol(a, 0),
		    "builder: \"hvm\" domains are not supported: Mica runs PVH guests only (type = \"pvh\")");
	return xlcfg_perr(p, a->line, xlcfg_acol(a, 0),
			  "builder: unknown builder \"%s\" (generic; better: type = \"pvh\")",
			  xlcfg_show(p, a->s, a->len));
}

static const char *const action_names[] = {
    [XLCFG_ACTION_DESTROY] = "destroy",
    [XLCFG_ACTION_RESTART] = "restart",
    [XLCFG_ACTION_RENAME_RESTART] = "rename-restart",
    [XLCFG_ACTION_PRESERVE] = "preserve",
    [XLCFG_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
    [XLCFG_ACTION_COREDUMP_RESTART] = "coredump-restart",
    [XLCFG_ACTION_SOFT_RESET] = "soft-reset",
};

const char *xlcfg_action_name(enum xlcfg_action action)
{
	return (unsigned)action < ARRAY_LEN(action_names) ? action_names[action] : "?";
}

int xlcfg_set_action(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	int r = xlcfg_get_atom(p, v, &a);

	for (size_t i = 0; !r && i < ARRAY_LEN(action_names); i++) {
		if (xlcfg_atom_is(a, action_names[i])) {
			*(enum xlcfg_action *)((char *)p->cfg + k->off) = (enum xlcfg_action)i;
			return 0;
		}
	}
	if (r)
		return r;
	return xlcfg_perr(
	    p, a->line, xlcfg_acol(a, 0),
	    "%s: unknown action \"%s\" (destroy, restart, rename-restart, preserve, coredump-destroy, coredump-restart, soft-reset)",
	    k->name, xlcfg_show(p, a->s, a->len));
}

int xlcfg_set_uuid(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	int r = xlcfg_get_atom(p, v, &a);

	if (r)
		return r;
	for (size_t i = 0, b = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = i < a->len ? a->s[i] : '\0';

		if (dash ? c != '-' : !is_hex(c))
			return xlcfg_perr(p, a->line, xlcfg_acol(a, i),
					  "uuid: expected 8-4-4-4-12 hex digits, not \"%s\"",
					  xlcfg_show(p, a->s, a->len));
		if (!dash && (b++ & 1))
			p->cfg->uuid[b / 2 - 1] = (uint8_t)(hex_val(a->s[i - 1]) << 4 | hex_val(c));
	}
	if (a->len != 36)
		return xlcfg_perr(p, a->line, xlcfg_acol(a, 36), "uuid: expected 8-4-4-4-12 hex digits, not \"%s\"",
				  xlcfg_show(p, a->s, a->len));
	p->cfg->has_uuid = true;
	return 0;
}

/* cpus: "all", "3", "0-3,5", "all,^1", "^1" (everything but 1: a lone exclusion starts from all). */
static int cpus_item(struct parser *p, const struct atom *a, const struct item *it, uint64_t *mask, bool first)
{
	struct item num = *it;
	bool neg = it->len && it->s[0] == '^';
	uint64_t lo, hi;
	const char *dash;
	int r;

	if (!it->len)
		return xlcfg_perr(p, a->line, xlcfg_acol(a, it->off), "cpus: empty entry");
	if (xlcfg_item_is(it, "all")) {
		memset(mask, 0xff, XLCFG_MAX_CPUS / 8);
		return 0;
	}
	if (!strncmp(it->s, "node", 4))
		return xlcfg_perr(p, a->line, xlcfg_acol(a, it->off), "cpus: NUMA node selection is not supported");
	if (neg) {
		num = (struct item){it->s + 1, it->len - 1, it->off + 1};
		if (first)
			memset(mask, 0xff, XLCFG_MAX_CPUS / 8);
	}
	dash = memchr(num.s, '-', num.len);
	r = xlcfg_number_in(p, "cpus", a, num.off, dash ? (size_t)(dash - num.s) : num.len, 0, XLCFG_MAX_CPUS - 1, &lo);
	hi = lo;
	if (!r && dash)
		r = xlcfg_number_in(p, "cpus", a, num.off + (size_t)(dash + 1 - num.s),
				    num.len - (size_t)(dash + 1 - num.s), lo, XLCFG_MAX_CPUS - 1, &hi);
	for (uint64_t c = lo; !r && c <= hi; c++) {
		if (neg)
			mask[c / 64] &= ~(1ull << (c % 64));
		else
			mask[c / 64] |= 1ull << (c % 64);
	}
	return r;
}

int xlcfg_set_cpus(struct parser *p, const struct key_def *k, const struct value *v)
{
	uint64_t mask[XLCFG_MAX_CPUS / 64] = {0}, any = 0, all = ~0ull;
	const struct atom *a = &v->atoms[0];
	struct item it;
	size_t at = 0;
	int r;

	if (v->is_list)
		return xlcfg_perr(p, p->set_line, p->set_col,
				  "cpus: per-vCPU lists are not supported; give one string (\"0-3,^2\")");
	a = &v->atoms[0];
	for (bool first = true; xlcfg_next_item(a, &at, &it); first = false) {
		r = cpus_item(p, a, &it, mask, first);
		if (r)
			return r;
	}
	for (size_t i = 0; i < ARRAY_LEN(mask); i++) {
		any |= mask[i];
		all &= mask[i];
	}
	if (!any)
		return xlcfg_perr(p, a->line, xlcfg_acol(a, 0), "cpus: \"%s\" selects no CPU",
				  xlcfg_show(p, a->s, a->len));
	memcpy(p->cfg->cpumask, mask, sizeof(mask));
	p->cfg->cpus_all = all == ~0ull;
	return 0;
}

int xlcfg_set_ignored(struct parser *p, const struct key_def *k, const struct value *v)
{
	xlcfg_pwarn(p, p->set_line, p->set_col, "%s: ignored: %s", k->name, k->why);
	return 0;
}

int xlcfg_set_refused(struct parser *p, const struct key_def *k, const struct value *v)
{
	return xlcfg_perr(p, p->set_line, p->set_col, "%s: %s", k->name, k->why);
}
