/*
 * xl.cfg(5) domain configurations: the syntax (KEY = VALUE settings, strings, numbers, lists), then one
 * table entry per key that checks and stores its value; vif= and disk= entries follow
 * xl-network-configuration(5) and xl-disk-configuration(5).
 */
#include "xlcfg/xlcfg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CFG_FIELD(f) offsetof(struct xl_domain_config, f), sizeof(((struct xl_domain_config *)0)->f)

/* One string or number as written; s is dequoted and NUL-terminated, cols[i] is the column of s[i]. */
struct atom {
	const char *s;
	const uint16_t *cols; /* len + 1 entries: the last is the column just after the atom */
	size_t len;
	uint32_t line, col; /* col: where the atom starts, its opening quote for a string */
};

struct value {
	bool is_list;
	unsigned n;
	struct atom atoms[XLCFG_LIST_MAX];
};

struct parser;
struct key_def {
	const char *name;
	int (*set)(struct parser *p, const struct key_def *k, const struct value *v);
	size_t off, size;  /* the field in struct xl_domain_config */
	uint64_t min, max; /* numbers */
	const char *why;   /* refused or ignored keys */
};

struct parser {
	const char *text, *file;
	size_t len, pos, line_start;
	uint32_t line;
	struct xl_domain_config *cfg;
	struct xlcfg_diag *diag;
	bool append;
	uint32_t set_line, set_col; /* the key being set */
	uint64_t seen;
	uint32_t seen_line[64];
	char key[48];
	char show[64];
	struct value val;
	size_t used;
	char arena[XLCFG_VALUE_MAX];
	uint16_t cols[XLCFG_VALUE_MAX];
};

/* Messages */

static void vformat_msg(char *out, const char *file, uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
	int n = line ? snprintf(out, XLCFG_MSG_MAX, "%s:%u:%u: ", file, line, col)
		     : snprintf(out, XLCFG_MSG_MAX, "%s: ", file);

	if (n < 0 || n >= XLCFG_MSG_MAX)
		n = 0;
	vsnprintf(out + n, XLCFG_MSG_MAX - (size_t)n, fmt, ap);
}

static int perr(struct parser *p, uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;

	if (p->diag && !p->diag->error[0]) {
		va_start(ap, fmt);
		vformat_msg(p->diag->error, p->file, line, col, fmt, ap);
		va_end(ap);
		p->diag->error_line = line;
		p->diag->error_col = col;
	}
	return -EINVAL;
}

static void pwarn(struct parser *p, uint32_t line, uint32_t col, const char *fmt, ...)
{
	struct xlcfg_warning *w;
	va_list ap;

	if (!p->diag)
		return;
	if (p->diag->nr_warnings == XLCFG_MAX_WARNINGS) {
		p->diag->warnings_dropped++;
		return;
	}
	w = &p->diag->warnings[p->diag->nr_warnings++];
	w->line = line;
	w->col = col;
	va_start(ap, fmt);
	vformat_msg(w->text, p->file, line, col, fmt, ap);
	va_end(ap);
}

/* A value for a message: at most 40 bytes, unprintable bytes as '?'. */
static const char *show(struct parser *p, const char *s, size_t len)
{
	size_t n = len > 40 ? 40 : len;

	for (size_t i = 0; i < n; i++)
		p->show[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(p->show + n, len > n ? "..." : "");
	return p->show;
}

/* The column of s[off]; offset 0 stands for the whole value, and gives where it starts. */
static uint32_t acol(const struct atom *a, size_t off)
{
	if (!off)
		return a->col;
	return a->cols[off > a->len ? a->len : off];
}

/* Lexer */

static bool at_end(const struct parser *p)
{
	return p->pos >= p->len;
}

static int peek(const struct parser *p)
{
	return at_end(p) ? -1 : (unsigned char)p->text[p->pos];
}

static uint32_t col_of(const struct parser *p)
{
	return (uint32_t)(p->pos - p->line_start + 1);
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(int c)
{
	return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(int c)
{
	return is_ident_start(c) || is_digit(c) || c == '.';
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Blanks and a comment, up to (not over) the end of the line. */
static void skip_blanks(struct parser *p)
{
	while (!at_end(p)) {
		int c = peek(p);

		if (c == ' ' || c == '\t' || c == '\r') {
			p->pos++;
		} else if (c == '#') {
			while (!at_end(p) && peek(p) != '\n')
				p->pos++;
		} else {
			break;
		}
	}
}

/* Blanks, comments and newlines (inside a list). */
static void skip_space(struct parser *p)
{
	for (;;) {
		skip_blanks(p);
		if (peek(p) != '\n')
			return;
		p->pos++;
		p->line++;
		p->line_start = p->pos;
	}
}

/* Whole-text checks first, so the lexer never meets a NUL, an overlong line or an overlong file. */
static int check_text(struct parser *p)
{
	uint32_t line = 1;
	size_t start = 0;

	if (p->len > XLCFG_TEXT_MAX)
		return perr(p, 0, 0, "larger than %u bytes", (unsigned)XLCFG_TEXT_MAX);
	for (size_t i = 0; i <= p->len; i++) {
		if (i < p->len && p->text[i] == '\0')
			return perr(p, line, (uint32_t)(i - start + 1), "NUL byte in the text");
		if (i - start > XLCFG_LINE_MAX)
			return perr(p, line, XLCFG_LINE_MAX + 1, "line longer than %u bytes", (unsigned)XLCFG_LINE_MAX);
		if (i < p->len && p->text[i] == '\n') {
			line++;
			start = i + 1;
		}
	}
	return 0;
}

static int arena_put(struct parser *p, char c, uint32_t col, uint32_t line, uint32_t start_col)
{
	if (p->used + 1 >= XLCFG_VALUE_MAX)
		return perr(p, line, start_col, "%s: value longer than %u bytes", p->key, (unsigned)XLCFG_VALUE_MAX);
	p->arena[p->used] = c;
	p->cols[p->used++] = (uint16_t)col;
	return 0;
}

/* The escapes xl accepts after a backslash, as pairs (letter, byte). */
static const char simple_escapes[] = "a\ab\bf\fn\nr\rt\tv\v\"\"''\\\\";

static int lex_escape(struct parser *p, int *out)
{
	uint32_t col = col_of(p);
	int c, v = 0, digits = 0;

	p->pos++;
	c = peek(p);
	if (c < 0 || c == '\n')
		return perr(p, p->line, col, "backslash at the end of a line");
	p->pos++;
	for (const char *e = simple_escapes; *e; e += 2) {
		if (*e == c) {
			*out = (unsigned char)e[1];
			return 0;
		}
	}
	if (c == 'x') {
		while (digits < 2 && is_hex(peek(p))) {
			v = v * 16 + hex_val(peek(p));
			p->pos++;
			digits++;
		}
		if (!digits)
			return perr(p, p->line, col, "\\x needs hex digits");
	} else if (c >= '0' && c <= '7') {
		v = c - '0';
		while (++digits < 3 && peek(p) >= '0' && peek(p) <= '7') {
			v = v * 8 + peek(p) - '0';
			p->pos++;
		}
		if (v > 255)
			return perr(p, p->line, col, "octal escape above \\377");
	} else {
		return perr(p, p->line, col, "unknown escape \\%c", (c >= 0x20 && c < 0x7f) ? c : '?');
	}
	if (!v)
		return perr(p, p->line, col, "NUL character in a string");
	*out = v;
	return 0;
}

static int lex_string(struct parser *p, struct atom *a)
{
	int quote = peek(p), c, r;
	uint32_t line = p->line, col = col_of(p), ccol;
	size_t first = p->used;

	p->pos++;
	for (;;) {
		c = peek(p);
		ccol = col_of(p);
		if (c < 0 || c == '\n')
			return perr(p, line, col, "unterminated string (strings end on their line)");
		if (c == quote) {
			p->pos++;
			break;
		}
		if (c == '\\') {
			r = lex_escape(p, &c);
			if (r)
				return r;
		} else if (c < 0x20 && c != '\t') {
			return perr(p, line, ccol, "control character in a string");
		} else {
			p->pos++;
		}
		r = arena_put(p, (char)c, ccol, line, col);
		if (r)
			return r;
	}
	r = arena_put(p, '\0', ccol, line, col);
	a->s = p->arena + first;
	a->cols = p->cols + first;
	a->len = p->used - first - 1;
	a->line = line;
	a->col = col;
	return r;
}

static int lex_number(struct parser *p, struct atom *a)
{
	uint32_t col = col_of(p);
	size_t start = p->pos, first = p->used;
	bool hex = peek(p) == '0' && p->pos + 1 < p->len && (p->text[p->pos + 1] | 0x20) == 'x';
	int r;

	p->pos += hex ? 2 : 0;
	while (hex ? is_hex(peek(p)) : is_digit(peek(p)))
		p->pos++;
	if ((hex && p->pos == start + 2) || is_ident(peek(p))) {
		while (is_ident(peek(p)))
			p->pos++;
		return perr(p, p->line, col, "%s: malformed number %s", p->key,
			    show(p, p->text + start, p->pos - start));
	}
	for (size_t i = start; i <= p->pos; i++) {
		r = arena_put(p, i < p->pos ? p->text[i] : '\0', (uint32_t)(i - p->line_start + 1), p->line, col);
		if (r)
			return r;
	}
	a->s = p->arena + first;
	a->cols = p->cols + first;
	a->len = p->pos - start;
	a->line = p->line;
	a->col = col;
	return 0;
}

static int parse_atom(struct parser *p, struct atom *a)
{
	int c = peek(p);

	if (c == '"' || c == '\'')
		return lex_string(p, a);
	if (is_digit(c))
		return lex_number(p, a);
	if (c == '[')
		return perr(p, p->line, col_of(p), "%s: lists cannot be nested", p->key);
	if (c < 0 || c == '\n' || c == ';')
		return perr(p, p->line, col_of(p), "%s: missing value", p->key);
	return perr(p, p->line, col_of(p), "%s: expected a value: a \"string\", a number or a [list]", p->key);
}

static int parse_list(struct parser *p, struct value *v)
{
	uint32_t line = p->line, col = col_of(p);
	int r;

	p->pos++;
	v->is_list = true;
	for (;;) {
		skip_space(p);
		if (at_end(p))
			return perr(p, line, col, "%s: unterminated list (no ']')", p->key);
		if (peek(p) == ']') {
			p->pos++;
			return 0;
		}
		if (v->n == XLCFG_LIST_MAX)
			return perr(p, p->line, col_of(p), "%s: more than %u entries in a list", p->key,
				    (unsigned)XLCFG_LIST_MAX);
		r = parse_atom(p, &v->atoms[v->n++]);
		if (r)
			return r;
		skip_space(p);
		if (peek(p) == ',')
			p->pos++;
		else if (!at_end(p) && peek(p) != ']')
			return perr(p, p->line, col_of(p), "%s: expected ',' or ']' in the list", p->key);
	}
}

static int apply_setting(struct parser *p, uint32_t line, uint32_t col, bool append);

static int parse_statement(struct parser *p)
{
	uint32_t line = p->line, col = col_of(p);
	size_t start = p->pos;
	bool append = false;
	int r;

	while (is_ident(peek(p)))
		p->pos++;
	if (p->pos - start >= sizeof(p->key))
		return perr(p, line, col, "key longer than %u characters", (unsigned)sizeof(p->key) - 1);
	memcpy(p->key, p->text + start, p->pos - start);
	p->key[p->pos - start] = '\0';
	skip_blanks(p);
	if (peek(p) == '+' && p->pos + 1 < p->len && p->text[p->pos + 1] == '=') {
		append = true;
		p->pos += 2;
	} else if (peek(p) == '=') {
		p->pos++;
	} else {
		return perr(p, p->line, col_of(p), "%s: expected '=' after the key", p->key);
	}
	skip_blanks(p);
	p->used = 0;
	p->val.n = 0;
	p->val.is_list = false;
	if (peek(p) == '[') {
		r = parse_list(p, &p->val);
	} else {
		p->val.n = 1;
		r = parse_atom(p, &p->val.atoms[0]);
	}
	if (r)
		return r;
	skip_blanks(p);
	if (!at_end(p) && peek(p) != '\n' && peek(p) != ';')
		return perr(p, p->line, col_of(p), "%s: unexpected text after the value", p->key);
	return apply_setting(p, line, col, append);
}

static int parse_text(struct parser *p)
{
	int r = check_text(p);

	while (!r) {
		skip_blanks(p);
		if (at_end(p))
			return 0;
		if (peek(p) == '\n') {
			p->pos++;
			p->line++;
			p->line_start = p->pos;
		} else if (peek(p) == ';') {
			p->pos++;
		} else if (is_ident_start(peek(p))) {
			r = parse_statement(p);
		} else {
			r = perr(p, p->line, col_of(p), "expected a setting (KEY = VALUE)");
		}
	}
	return r;
}

/* Values */

static int get_atom(struct parser *p, const struct value *v, const struct atom **a)
{
	if (v->is_list) {
		return perr(p, v->n ? v->atoms[0].line : p->line, v->n ? acol(&v->atoms[0], 0) : 0,
			    "%s: expected a single value, not a list", p->key);
	}
	*a = &v->atoms[0];
	return 0;
}

/* A whole decimal, 0x hex or 0-prefixed octal number, as xl reads them; false if s is not one. */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
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

static int number_in(struct parser *p, const char *what, const struct atom *a, size_t off, size_t len, uint64_t min,
		     uint64_t max, uint64_t *out)
{
	if (!parse_u64(a->s + off, len, out))
		return perr(p, a->line, acol(a, off), "%s: not a number: \"%s\"", what, show(p, a->s + off, len));
	if (*out < min || *out > max) {
		return perr(p, a->line, acol(a, off), "%s: %s is out of range (%llu..%llu)", what,
			    show(p, a->s + off, len), (unsigned long long)min, (unsigned long long)max);
	}
	return 0;
}

/* Copy a string value into a field of size bytes: no control characters, not truncated. */
static int copy_str(struct parser *p, const char *what, const struct atom *a, size_t off, size_t len, char *dst,
		    size_t size)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)a->s[off + i] < 0x20 || a->s[off + i] == 0x7f)
			return perr(p, a->line, acol(a, off + i), "%s: control character in the value", what);
	}
	if (len >= size)
		return perr(p, a->line, acol(a, off), "%s: longer than %u characters", what, (unsigned)size - 1);
	memcpy(dst, a->s + off, len);
	dst[len] = '\0';
	return 0;
}

/* Comma-separated items of an atom, each without surrounding blanks. */
struct item {
	const char *s;
	size_t len, off;
};

static bool next_item(const struct atom *a, size_t *pos, struct item *it)
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

static bool item_is(const struct item *it, const char *word)
{
	return strlen(word) == it->len && !memcmp(it->s, word, it->len);
}

/* "key=value" items: split at the first '='; false if there is none. */
static bool item_split(const struct item *it, struct item *key, struct item *val)
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

static int add_u32(struct parser *p, const char *what, const struct atom *a, const struct item *v, uint64_t min,
		   uint64_t max, void *dst, size_t size)
{
	uint64_t n;
	int r = number_in(p, what, a, v->off, v->len, min, max, &n);

	if (!r && size == sizeof(uint16_t))
		*(uint16_t *)dst = (uint16_t)n;
	else if (!r)
		*(uint32_t *)dst = (uint32_t)n;
	return r;
}

/* Keys with simple values */

static int set_str(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	int r = get_atom(p, v, &a);

	return r ? r : copy_str(p, k->name, a, 0, a->len, (char *)p->cfg + k->off, k->size);
}

static int set_num(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	uint64_t n;
	int r = get_atom(p, v, &a);

	if (!r)
		r = number_in(p, k->name, a, 0, a->len, k->min, k->max, &n);
	if (!r && k->size == sizeof(uint32_t))
		*(uint32_t *)((char *)p->cfg + k->off) = (uint32_t)n;
	else if (!r)
		*(uint64_t *)((char *)p->cfg + k->off) = n;
	return r;
}

static int set_name(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	size_t digits = 0;
	int r = get_atom(p, v, &a);

	if (!r)
		r = copy_str(p, k->name, a, 0, a->len, p->cfg->name, sizeof(p->cfg->name));
	if (r)
		return r;
	if (!a->len)
		return perr(p, a->line, acol(a, 0), "name: empty");
	for (size_t i = 0; i < a->len; i++) {
		char c = a->s[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == '"' || c == '\'' || c == '\\')
			return perr(p, a->line, acol(a, i),
				    "name: only printable ASCII without blanks, quotes, '/' or '\\'");
		digits += is_digit(c);
	}
	if (digits == a->len)
		return perr(p, a->line, acol(a, 0), "name: \"%s\" is all digits (it would read as a domain id)", a->s);
	return 0;
}

static bool atom_is(const struct atom *a, const char *word)
{
	return !strcmp(a->s, word);
}

static int set_type(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	int r = get_atom(p, v, &a);

	if (r || atom_is(a, "pvh"))
		return r;
	if (atom_is(a, "pv") || atom_is(a, "hvm")) {
		return perr(p, a->line, acol(a, 0),
			    "type: \"%s\" domains are not supported: Mica runs PVH guests only (type = \"pvh\")", a->s);
	}
	return perr(p, a->line, acol(a, 0), "type: unknown type \"%s\" (pvh; xl also knows pv and hvm)",
		    show(p, a->s, a->len));
}

static int set_builder(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	int r = get_atom(p, v, &a);

	if (r)
		return r;
	if (atom_is(a, "generic")) {
		pwarn(p, a->line, acol(a, 0),
		      "builder: \"generic\" (PV) is deprecated; Mica builds the domain as type = \"pvh\"");
		return 0;
	}
	if (atom_is(a, "hvm"))
		return perr(p, a->line, acol(a, 0),
			    "builder: \"hvm\" domains are not supported: Mica runs PVH guests only (type = \"pvh\")");
	return perr(p, a->line, acol(a, 0), "builder: unknown builder \"%s\" (generic; better: type = \"pvh\")",
		    show(p, a->s, a->len));
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

static int set_action(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	int r = get_atom(p, v, &a);

	for (size_t i = 0; !r && i < ARRAY_LEN(action_names); i++) {
		if (atom_is(a, action_names[i])) {
			*(enum xlcfg_action *)((char *)p->cfg + k->off) = (enum xlcfg_action)i;
			return 0;
		}
	}
	if (r)
		return r;
	return perr(
	    p, a->line, acol(a, 0),
	    "%s: unknown action \"%s\" (destroy, restart, rename-restart, preserve, coredump-destroy, coredump-restart, soft-reset)",
	    k->name, show(p, a->s, a->len));
}

static int set_uuid(struct parser *p, const struct key_def *k, const struct value *v)
{
	const struct atom *a = &v->atoms[0];
	int r = get_atom(p, v, &a);

	if (r)
		return r;
	for (size_t i = 0, b = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = i < a->len ? a->s[i] : '\0';

		if (dash ? c != '-' : !is_hex(c))
			return perr(p, a->line, acol(a, i), "uuid: expected 8-4-4-4-12 hex digits, not \"%s\"",
				    show(p, a->s, a->len));
		if (!dash && (b++ & 1))
			p->cfg->uuid[b / 2 - 1] = (uint8_t)(hex_val(a->s[i - 1]) << 4 | hex_val(c));
	}
	if (a->len != 36)
		return perr(p, a->line, acol(a, 36), "uuid: expected 8-4-4-4-12 hex digits, not \"%s\"",
			    show(p, a->s, a->len));
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
		return perr(p, a->line, acol(a, it->off), "cpus: empty entry");
	if (item_is(it, "all")) {
		memset(mask, 0xff, XLCFG_MAX_CPUS / 8);
		return 0;
	}
	if (!strncmp(it->s, "node", 4))
		return perr(p, a->line, acol(a, it->off), "cpus: NUMA node selection is not supported");
	if (neg) {
		num = (struct item){it->s + 1, it->len - 1, it->off + 1};
		if (first)
			memset(mask, 0xff, XLCFG_MAX_CPUS / 8);
	}
	dash = memchr(num.s, '-', num.len);
	r = number_in(p, "cpus", a, num.off, dash ? (size_t)(dash - num.s) : num.len, 0, XLCFG_MAX_CPUS - 1, &lo);
	hi = lo;
	if (!r && dash)
		r = number_in(p, "cpus", a, num.off + (size_t)(dash + 1 - num.s), num.len - (size_t)(dash + 1 - num.s),
			      lo, XLCFG_MAX_CPUS - 1, &hi);
	for (uint64_t c = lo; !r && c <= hi; c++) {
		if (neg)
			mask[c / 64] &= ~(1ull << (c % 64));
		else
			mask[c / 64] |= 1ull << (c % 64);
	}
	return r;
}

static int set_cpus(struct parser *p, const struct key_def *k, const struct value *v)
{
	uint64_t mask[XLCFG_MAX_CPUS / 64] = {0}, any = 0, all = ~0ull;
	const struct atom *a = &v->atoms[0];
	struct item it;
	size_t at = 0;
	int r;

	if (v->is_list)
		return perr(p, p->set_line, p->set_col,
			    "cpus: per-vCPU lists are not supported; give one string (\"0-3,^2\")");
	a = &v->atoms[0];
	for (bool first = true; next_item(a, &at, &it); first = false) {
		r = cpus_item(p, a, &it, mask, first);
		if (r)
			return r;
	}
	for (size_t i = 0; i < ARRAY_LEN(mask); i++) {
		any |= mask[i];
		all &= mask[i];
	}
	if (!any)
		return perr(p, a->line, acol(a, 0), "cpus: \"%s\" selects no CPU", show(p, a->s, a->len));
	memcpy(p->cfg->cpumask, mask, sizeof(mask));
	p->cfg->cpus_all = all == ~0ull;
	return 0;
}

static int set_ignored(struct parser *p, const struct key_def *k, const struct value *v)
{
	pwarn(p, p->set_line, p->set_col, "%s: ignored: %s", k->name, k->why);
	return 0;
}

static int set_refused(struct parser *p, const struct key_def *k, const struct value *v)
{
	return perr(p, p->set_line, p->set_col, "%s: %s", k->name, k->why);
}

/* vif = [ 'mac=00:16:3e:01:02:03,bridge=br0,ip=10.0.0.5', ... ] */

static int vif_mac(struct parser *p, const struct atom *a, const struct item *v, struct xl_vif *vif)
{
	const struct xl_domain_config *cfg = p->cfg;

	for (size_t i = 0; i < 18; i++) {
		char c = i < v->len ? v->s[i] : '\0';
		bool ok = i == 17 ? i == v->len : i % 3 == 2 ? c == ':' || c == '-' : is_hex(c);

		if (!ok)
			return perr(p, a->line, acol(a, v->off + i),
				    "vif: mac: \"%s\" is not of the form xx:xx:xx:xx:xx:xx", show(p, v->s, v->len));
	}
	for (size_t i = 0; i < 6; i++)
		vif->mac[i] = (uint8_t)(hex_val(v->s[3 * i]) << 4 | hex_val(v->s[3 * i + 1]));
	if (vif->mac[0] & 1)
		return perr(p, a->line, acol(a, v->off), "vif: mac: %.17s is a multicast address", v->s);
	for (unsigned i = 0; i < cfg->nr_vifs; i++) {
		if (cfg->vifs[i].has_mac && !memcmp(cfg->vifs[i].mac, vif->mac, 6))
			return perr(p, a->line, acol(a, v->off), "vif: mac: %.17s is already used by vif %u", v->s, i);
	}
	vif->has_mac = true;
	return 0;
}

/* One IPv4 address with an optional /prefix. */
static bool ipv4_ok(const char *s, size_t len)
{
	size_t i = 0;
	unsigned v;

	for (int part = 0; part < 5; part++) {
		size_t start = i;

		for (v = 0; i < len && is_digit(s[i]) && i - start < 3; i++)
			v = v * 10 + (unsigned)(s[i] - '0');
		if (i == start || v > (part < 4 ? 255u : 32u))
			return false;
		if (i == len)
			return part >= 3;
		if (s[i] != (part < 3 ? '.' : '/') || part == 4)
			return false;
		i++;
	}
	return false;
}

static int vif_ip(struct parser *p, const struct atom *a, const struct item *v, struct xl_vif *vif)
{
	for (size_t i = 0; i < v->len;) {
		size_t start = i;

		while (i < v->len && !is_blank(v->s[i]))
			i++;
		if (!ipv4_ok(v->s + start, i - start))
			return perr(p, a->line, acol(a, v->off + start), "vif: ip: \"%s\" is not an IPv4 address",
				    show(p, v->s + start, i - start));
		while (i < v->len && is_blank(v->s[i]))
			i++;
	}
	return copy_str(p, "vif: ip", a, v->off, v->len, vif->ip, sizeof(vif->ip));
}

#define VIF_STR(f) #f, offsetof(struct xl_vif, f), sizeof(((struct xl_vif *)0)->f)
static const struct vif_str {
	const char *name;
	size_t off, size;
} vif_strs[] = {{VIF_STR(bridge)}, {VIF_STR(model)}, {VIF_STR(vifname)}, {VIF_STR(backend)}, {VIF_STR(rate)}};

/* Keys xl knows that mean nothing to Mica's netback. */
static const char *const vif_ignored[] = {"script", "gatewaydev", "forwarddev", "devid",
					  "accel",  "trusted",    "untrusted"};

static int vif_item(struct parser *p, const struct atom *a, const struct item *it, struct xl_vif *vif)
{
	struct item key, val;
	char what[40];

	if (!item_split(it, &key, &val))
		return perr(p, a->line, acol(a, it->off), "vif: expected key=value, not \"%s\"",
			    show(p, it->s, it->len));
	snprintf(what, sizeof(what), "vif: %.*s", (int)(key.len > 20 ? 20 : key.len), key.s);
	if (item_is(&key, "mac"))
		return vif_mac(p, a, &val, vif);
	if (item_is(&key, "ip"))
		return vif_ip(p, a, &val, vif);
	if (item_is(&key, "vlan"))
		return add_u32(p, what, a, &val, 1, 4094, &vif->vlan, sizeof(vif->vlan));
	if (item_is(&key, "mtu"))
		return add_u32(p, what, a, &val, 68, 65535, &vif->mtu, sizeof(vif->mtu));
	if (item_is(&key, "type")) {
		if (!(item_is(&val, "vif") || item_is(&val, "ioemu")))
			return perr(p, a->line, acol(a, val.off), "vif: type: \"%s\" is neither vif nor ioemu",
				    show(p, val.s, val.len));
		return copy_str(p, what, a, val.off, val.len, vif->type, sizeof(vif->type));
	}
	for (size_t i = 0; i < ARRAY_LEN(vif_strs); i++) {
		if (item_is(&key, vif_strs[i].name))
			return copy_str(p, what, a, val.off, val.len, (char *)vif + vif_strs[i].off, vif_strs[i].size);
	}
	for (size_t i = 0; i < ARRAY_LEN(vif_ignored); i++) {
		if (item_is(&key, vif_ignored[i])) {
			pwarn(p, a->line, acol(a, it->off), "%s: ignored by Mica", what);
			return 0;
		}
	}
	pwarn(p, a->line, acol(a, it->off), "%s: unknown vif key, ignored", what);
	return 0;
}

static int set_vifs(struct parser *p, const struct key_def *k, const struct value *v)
{
	struct xl_domain_config *cfg = p->cfg;
	struct item it;
	int r;

	if (!p->append) {
		memset(cfg->vifs, 0, sizeof(cfg->vifs));
		cfg->nr_vifs = 0;
	}
	for (unsigned i = 0; i < v->n; i++) {
		const struct atom *a = &v->atoms[i];
		struct xl_vif *vif = &cfg->vifs[cfg->nr_vifs];
		size_t at = 0;

		if (cfg->nr_vifs == XLCFG_MAX_VIFS)
			return perr(p, a->line, acol(a, 0), "vif: more than %u interfaces", (unsigned)XLCFG_MAX_VIFS);
		memset(vif, 0, sizeof(*vif));
		while (next_item(a, &at, &it)) {
			r = it.len ? vif_item(p, a, &it, vif) : 0;
			if (r)
				return r;
		}
		cfg->nr_vifs++;
	}
	return 0;
}

/* disk = [ 'file:/images/a.img,xvda,w', 'format=raw, vdev=xvdb, access=ro, target=/dev/sda' ] */

enum { DISK_TARGET, DISK_FORMAT, DISK_VDEV, DISK_ACCESS, DISK_NPOS };
static const char *const disk_pos_names[DISK_NPOS] = {"target", "format", "vdev", "access"};

struct disk_spec {
	struct item pos[DISK_NPOS];
	bool have[DISK_NPOS];
	bool cdrom;
};

/* Deprecated "prefix:" forms of the target; format is NULL where the prefix implies none. */
static const struct {
	const char *prefix, *format;
} disk_prefixes[] = {{"phy", "raw"}, {"file", "raw"},  {"aio", "raw"},     {"raw", "raw"}, {"tap", NULL},
		     {"tap2", NULL}, {"qcow", "qcow"}, {"qcow2", "qcow2"}, {"vhd", "vhd"}, {"qed", "qed"}};

static const char *const disk_ignored[] = {"backendtype",    "script",      "discard",    "no-discard",
					   "direct-io-safe", "colo",        "colo-host",  "colo-port",
					   "colo-export",    "active-disk", "hidden-disk"};

static int disk_set_pos(struct parser *p, const struct atom *a, struct disk_spec *ds, int which, const struct item *v)
{
	if (ds->have[which])
		return perr(p, a->line, acol(a, v->off), "disk: %s given twice", disk_pos_names[which]);
	ds->have[which] = true;
	ds->pos[which] = *v;
	return 0;
}

/* A positional target: strip "phy:", "tap:aio:", "raw:"... (a format prefix fills the format slot). */
static int disk_target(struct parser *p, const struct atom *a, struct disk_spec *ds, struct item v)
{
	for (bool again = true; again;) {
		const char *colon = memchr(v.s, ':', v.len);

		again = false;
		for (size_t i = 0; colon && i < ARRAY_LEN(disk_prefixes); i++) {
			struct item word = {v.s, (size_t)(colon - v.s), v.off};
			size_t skip = word.len + 1;

			if (!item_is(&word, disk_prefixes[i].prefix))
				continue;
			if (disk_prefixes[i].format && !ds->have[DISK_FORMAT])
				disk_set_pos(
				    p, a, ds, DISK_FORMAT,
				    &(struct item){disk_prefixes[i].format, strlen(disk_prefixes[i].format), word.off});
			v = (struct item){v.s + skip, v.len - skip, v.off + skip};
			again = true;
			break;
		}
	}
	return disk_set_pos(p, a, ds, DISK_TARGET, &v);
}

static int disk_keyword(struct parser *p, const struct atom *a, struct disk_spec *ds, const struct item *key,
			const struct item *val, struct xl_disk *d)
{
	for (int i = 0; i < DISK_NPOS; i++) {
		if (item_is(key, disk_pos_names[i]))
			return disk_set_pos(p, a, ds, i, val);
	}
	if (item_is(key, "devtype")) {
		if (!item_is(val, "cdrom") && !item_is(val, "disk"))
			return perr(p, a->line, acol(a, val->off), "disk: devtype: \"%s\" is neither disk nor cdrom",
				    show(p, val->s, val->len));
		ds->cdrom |= item_is(val, "cdrom");
		return 0;
	}
	if (item_is(key, "backend"))
		return copy_str(p, "disk: backend", a, val->off, val->len, d->backend, sizeof(d->backend));
	for (size_t i = 0; i < ARRAY_LEN(disk_ignored); i++) {
		if (item_is(key, disk_ignored[i])) {
			pwarn(p, a->line, acol(a, key->off), "disk: %s: ignored by Mica", disk_ignored[i]);
			return 0;
		}
	}
	pwarn(p, a->line, acol(a, key->off), "disk: unknown key \"%s\", ignored", show(p, key->s, key->len));
	return 0;
}

static int disk_item(struct parser *p, const struct atom *a, struct disk_spec *ds, const struct item *it,
		     struct xl_disk *d)
{
	struct item key, val;
	int slot = 0;

	if (item_split(it, &key, &val))
		return disk_keyword(p, a, ds, &key, &val, d);
	if (item_is(it, "cdrom")) {
		ds->cdrom = true;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(disk_ignored); i++) {
		if (item_is(it, disk_ignored[i])) {
			pwarn(p, a->line, acol(a, it->off), "disk: %s: ignored by Mica", disk_ignored[i]);
			return 0;
		}
	}
	while (slot < DISK_NPOS && ds->have[slot])
		slot++;
	if (slot == DISK_NPOS)
		return perr(p, a->line, acol(a, it->off), "disk: too many positional parameters at \"%s\"",
			    show(p, it->s, it->len));
	if (slot == DISK_TARGET)
		return disk_target(p, a, ds, *it);
	return disk_set_pos(p, a, ds, slot, it);
}

/* xvda, xvdb1, hda, sdc2, xvdaa: a prefix, 1-3 letters and an optional partition number; or a bare number. */
static bool vdev_ok(const char *s, size_t len)
{
	size_t i = !strncmp(s, "xvd", 3) ? 3 : (!strncmp(s, "hd", 2) || !strncmp(s, "sd", 2)) ? 2 : 0;
	size_t letters = 0, digits = 0;

	while (i && i < len && s[i] >= 'a' && s[i] <= 'z' && letters < 3) {
		i++;
		letters++;
	}
	while (i < len && is_digit(s[i]) && digits < 9) {
		i++;
		digits++;
	}
	return i == len && (letters || (!strncmp(s, "xvd", 3) ? false : digits && digits == len));
}

static int disk_vdev(struct parser *p, const struct atom *a, struct disk_spec *ds, struct xl_disk *d)
{
	struct item v = ds->pos[DISK_VDEV];
	const char *colon;
	int r;

	if (!ds->have[DISK_VDEV] || !v.len)
		return perr(p, a->line, acol(a, 0), "disk: no vdev (the device the guest sees, as xvda)");
	colon = memchr(v.s, ':', v.len);
	if (colon) { /* deprecated "hdc:cdrom" */
		struct item suffix = {colon + 1, v.len - (size_t)(colon + 1 - v.s), v.off + (size_t)(colon + 1 - v.s)};

		if (!item_is(&suffix, "cdrom") && !item_is(&suffix, "disk"))
			return perr(p, a->line, acol(a, suffix.off), "disk: vdev: unknown suffix \"%s\"",
				    show(p, suffix.s, suffix.len));
		ds->cdrom |= item_is(&suffix, "cdrom");
		v.len = (size_t)(colon - v.s);
	}
	if (!vdev_ok(v.s, v.len))
		return perr(p, a->line, acol(a, v.off),
			    "disk: vdev: \"%s\" is not a disk name (xvda, xvdb1, hda, sdc...)", show(p, v.s, v.len));
	r = copy_str(p, "disk: vdev", a, v.off, v.len, d->vdev, sizeof(d->vdev));
	for (unsigned i = 0; !r && i < p->cfg->nr_disks; i++) {
		if (!strcmp(p->cfg->disks[i].vdev, d->vdev))
			return perr(p, a->line, acol(a, v.off), "disk: vdev %s is already used by disk %u", d->vdev, i);
	}
	return r;
}

static int disk_check(struct parser *p, const struct atom *a, struct disk_spec *ds, struct xl_disk *d)
{
	const struct item *f = &ds->pos[DISK_FORMAT], *acc = &ds->pos[DISK_ACCESS], *t = &ds->pos[DISK_TARGET];
	int r;

	if (ds->have[DISK_FORMAT] && f->len && !item_is(f, "raw")) {
		for (size_t i = 0; i < ARRAY_LEN(disk_prefixes); i++) {
			if (disk_prefixes[i].format && item_is(f, disk_prefixes[i].format))
				return perr(p, a->line, acol(a, f->off),
					    "disk: format %s is not supported: Mica serves raw images only",
					    disk_prefixes[i].format);
		}
		return perr(p, a->line, acol(a, f->off), "disk: unknown format \"%s\" (raw)", show(p, f->s, f->len));
	}
	r = disk_vdev(p, a, ds, d);
	if (r)
		return r;
	d->access = ds->cdrom ? XLCFG_DISK_RO : XLCFG_DISK_RW;
	if (ds->have[DISK_ACCESS] && (item_is(acc, "r") || item_is(acc, "ro"))) {
		d->access = XLCFG_DISK_RO;
	} else if (ds->have[DISK_ACCESS] && (item_is(acc, "w") || item_is(acc, "rw"))) {
		if (ds->cdrom)
			return perr(p, a->line, acol(a, acc->off), "disk: a cdrom is read-only");
	} else if (ds->have[DISK_ACCESS] && acc->len) {
		return perr(p, a->line, acol(a, acc->off), "disk: access: \"%s\" is neither ro nor rw",
			    show(p, acc->s, acc->len));
	}
	d->cdrom = ds->cdrom;
	if ((!ds->have[DISK_TARGET] || !t->len) && !ds->cdrom)
		return perr(p, a->line, acol(a, 0), "disk: no target (the image or device behind %s)", d->vdev);
	return ds->have[DISK_TARGET] ? copy_str(p, "disk: target", a, t->off, t->len, d->target, sizeof(d->target)) : 0;
}

static int disk_entry(struct parser *p, const struct atom *a, struct xl_disk *d)
{
	struct disk_spec ds;
	struct item it;
	size_t at = 0;
	int r;

	memset(&ds, 0, sizeof(ds));
	while (next_item(a, &at, &it)) {
		if (it.len >= 7 && !memcmp(it.s, "target=", 7)) { /* the rest of the string, commas and all */
			struct item t = {it.s + 7, a->len - (it.off + 7), it.off + 7};

			r = disk_set_pos(p, a, &ds, DISK_TARGET, &t);
			if (r)
				return r;
			break;
		}
		r = disk_item(p, a, &ds, &it, d);
		if (r)
			return r;
	}
	return disk_check(p, a, &ds, d);
}

static int set_disks(struct parser *p, const struct key_def *k, const struct value *v)
{
	struct xl_domain_config *cfg = p->cfg;
	int r;

	if (!p->append) {
		memset(cfg->disks, 0, sizeof(cfg->disks));
		cfg->nr_disks = 0;
	}
	for (unsigned i = 0; i < v->n; i++) {
		const struct atom *a = &v->atoms[i];

		if (cfg->nr_disks == XLCFG_MAX_DISKS)
			return perr(p, a->line, acol(a, 0), "disk: more than %u disks", (unsigned)XLCFG_MAX_DISKS);
		memset(&cfg->disks[cfg->nr_disks], 0, sizeof(cfg->disks[0]));
		r = disk_entry(p, a, &cfg->disks[cfg->nr_disks]);
		if (r)
			return r;
		cfg->nr_disks++;
	}
	return 0;
}

/* The keys: one entry each; keys not here warn and are ignored. */

#define NUM(key, field, lo, hi)                              \
	{                                                    \
		key, set_num, CFG_FIELD(field), lo, hi, NULL \
	}
#define STR(key, field)                                    \
	{                                                  \
		key, set_str, CFG_FIELD(field), 0, 0, NULL \
	}
#define ACTION(field)                                            \
	{                                                        \
#field, set_action, CFG_FIELD(field), 0, 0, NULL \
	}
#define IGNORED(key, why)                         \
	{                                         \
		key, set_ignored, 0, 0, 0, 0, why \
	}
static const struct key_def keys[] = {
    {"name", set_name, 0, 0, 0, 0, NULL},
    {"type", set_type, 0, 0, 0, 0, NULL},
    {"builder", set_builder, 0, 0, 0, 0, NULL},
    NUM("memory", memory_mib, 1, XLCFG_MAX_MEMORY_MIB),
    NUM("maxmem", maxmem_mib, 1, XLCFG_MAX_MEMORY_MIB),
    NUM("vcpus", vcpus, 1, XLCFG_MAX_VCPUS),
    NUM("maxvcpus", maxvcpus, 1, XLCFG_MAX_VCPUS),
    {"cpus", set_cpus, 0, 0, 0, 0, NULL},
    NUM("cpu_weight", cpu_weight, 1, 65535),
    NUM("cap", cap, 0, 100 * XLCFG_MAX_VCPUS),
    STR("kernel", kernel),
    STR("ramdisk", ramdisk),
    STR("cmdline", cmdline),
    STR("extra", extra),
    STR("root", root),
    ACTION(on_poweroff),
    ACTION(on_reboot),
    ACTION(on_crash),
    ACTION(on_watchdog),
    ACTION(on_soft_reset),
    {"uuid", set_uuid, 0, 0, 0, 0, NULL},
    {"vif", set_vifs, 0, 0, 0, 0, NULL},
    {"disk", set_disks, 0, 0, 0, 0, NULL},
    {"bootloader", set_refused, 0, 0, 0, 0, "not supported: give the guest's kernel= (and ramdisk=)"},
    {"firmware", set_refused, 0, 0, 0, 0, "not supported: Mica boots PVH guests directly from kernel="},
    IGNORED("bootloader_args", "there is no bootloader"),
    IGNORED("seclabel", "Mica has no XSM/FLASK policy"),
    IGNORED("init_seclabel", "Mica has no XSM/FLASK policy"),
    IGNORED("pvh", "the PVHv1 switch of old xl; Mica builds PVH anyway"),
    IGNORED("device_model_version", "PVH domains have no device model"),
    IGNORED("device_model_override", "PVH domains have no device model"),
    IGNORED("vfb", "no virtual framebuffer"),
    IGNORED("vkb", "no virtual keyboard"),
    IGNORED("channel", "no PV channels"),
    IGNORED("serial", "the console is the PV console"),
    IGNORED("pci", "no PCI passthrough"),
    IGNORED("usbctrl", "no USB"),
    IGNORED("usbdev", "no USB"),
    IGNORED("vtpm", "no vTPM"),
    IGNORED("p9", "no 9pfs"),
    IGNORED("cpus_soft", "only hard affinity (cpus=)"),
    IGNORED("max_grant_frames", "Mica's grant table size is fixed"),
    IGNORED("max_maptrack_frames", "Mica's maptrack size is fixed"),
    IGNORED("driver_domain", "no driver domains"),
    IGNORED("nomigrate", "no migration"),
    IGNORED("localtime", "PVH guests read the PV clock"),
};

_Static_assert(ARRAY_LEN(keys) <= 64, "the given and seen masks have 64 bits");

static const struct key_def *find_key(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	}
	return NULL;
}

static bool given(const struct xl_domain_config *cfg, const char *name)
{
	const struct key_def *k = find_key(name);

	return k && (cfg->given & (1ull << (k - keys)));
}

static int apply_setting(struct parser *p, uint32_t line, uint32_t col, bool append)
{
	const struct key_def *k = find_key(p->key);
	size_t idx;
	int r;

	if (!k) {
		pwarn(p, line, col, "%s: unknown key, ignored", p->key);
		return 0;
	}
	idx = (size_t)(k - keys);
	if (append && k->set != set_vifs && k->set != set_disks)
		return perr(p, line, col, "%s: += only applies to lists (vif, disk)", p->key);
	if ((p->seen & (1ull << idx)) && !append)
		pwarn(p, line, col, "%s: set again (first at line %u); the last value wins", p->key, p->seen_line[idx]);
	p->seen |= 1ull << idx;
	p->seen_line[idx] = line;
	p->set_line = line;
	p->set_col = col;
	p->append = append;
	r = k->set(p, k, &p->val);
	if (!r)
		p->cfg->given |= 1ull << idx;
	return r;
}

/* Checks across keys, and the derived fields; after the file and after each override. */
static int finalize(struct parser *p)
{
	struct xl_domain_config *cfg = p->cfg;
	int n;

	if (!cfg->name[0])
		return perr(p, 0, 0, "name is required");
	if (!cfg->kernel[0])
		return perr(p, 0, 0, "kernel is required (Mica boots PVH guests from a kernel image)");
	if (!given(cfg, "maxmem"))
		cfg->maxmem_mib = cfg->memory_mib;
	if (cfg->maxmem_mib < cfg->memory_mib)
		return perr(p, 0, 0, "maxmem (%llu) is below memory (%llu)", (unsigned long long)cfg->maxmem_mib,
			    (unsigned long long)cfg->memory_mib);
	if (!given(cfg, "maxvcpus"))
		cfg->maxvcpus = cfg->vcpus;
	if (cfg->maxvcpus < cfg->vcpus)
		return perr(p, 0, 0, "maxvcpus (%u) is below vcpus (%u)", cfg->maxvcpus, cfg->vcpus);
	if (given(cfg, "cmdline")) {
		if (cfg->root[0] || cfg->extra[0])
			pwarn(p, 0, 0, "root= and extra= are ignored: cmdline= is set");
		strcpy(cfg->boot_cmdline, cfg->cmdline);
		return 0;
	}
	n = snprintf(cfg->boot_cmdline, sizeof(cfg->boot_cmdline), "%s%s%s%s", cfg->root[0] ? "root=" : "", cfg->root,
		     cfg->root[0] && cfg->extra[0] ? " " : "", cfg->extra);
	if (n < 0 || (size_t)n >= sizeof(cfg->boot_cmdline))
		return perr(p, 0, 0, "root= and extra= make a command line longer than %u bytes",
			    (unsigned)sizeof(cfg->boot_cmdline) - 1);
	return 0;
}

static int run(const char *text, size_t len, const char *file, struct xl_domain_config *cfg, struct xlcfg_diag *diag,
	       bool whole_file)
{
	struct parser *p = malloc(sizeof(*p));
	int r;

	if (!p) {
		if (diag && !diag->error[0])
			snprintf(diag->error, sizeof(diag->error), "%s: out of memory", file);
		return -ENOMEM;
	}
	memset(p, 0, offsetof(struct parser, val));
	p->text = text;
	p->len = len;
	p->file = file;
	p->line = 1;
	p->cfg = cfg;
	p->diag = diag;
	r = parse_text(p);
	if (!r && whole_file && !given(cfg, "type") && !given(cfg, "builder"))
		pwarn(p, 0, 0, "no type= given: Mica builds a PVH domain (xl's default is PV)");
	if (!r)
		r = finalize(p);
	free(p);
	return r;
}

/* API */

void xlcfg_init(struct xl_domain_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->memory_mib = XLCFG_DEFAULT_MEMORY_MIB;
	cfg->maxmem_mib = XLCFG_DEFAULT_MEMORY_MIB;
	cfg->vcpus = 1;
	cfg->maxvcpus = 1;
	memset(cfg->cpumask, 0xff, sizeof(cfg->cpumask));
	cfg->cpus_all = true;
	cfg->on_poweroff = XLCFG_ACTION_DESTROY;
	cfg->on_reboot = XLCFG_ACTION_RESTART;
	cfg->on_crash = XLCFG_ACTION_DESTROY;
	cfg->on_watchdog = XLCFG_ACTION_DESTROY;
	cfg->on_soft_reset = XLCFG_ACTION_SOFT_RESET;
}

int xlcfg_parse(const char *text, size_t len, const char *filename, struct xl_domain_config *cfg,
		struct xlcfg_diag *diag)
{
	if (diag)
		memset(diag, 0, sizeof(*diag));
	xlcfg_init(cfg);
	return run(text ? text : "", text ? len : 0, filename ? filename : "<config>", cfg, diag, true);
}

/* A command-line value that is not xl syntax: not quoted, not a list, not a whole number. */
static bool is_bare(const char *v)
{
	size_t len;

	while (is_blank(*v))
		v++;
	len = strlen(v);
	while (len && is_blank(v[len - 1]))
		len--;
	if (!len || *v == '"' || *v == '\'' || *v == '[')
		return false;
	uint64_t n;
	return !parse_u64(v, len, &n);
}

/* A setting as a config line: key=value with a bare value becomes key="value" (malloc'ed). */
static char *override_line(const char *setting)
{
	const char *eq = strchr(setting, '=');
	size_t len = strlen(setting);
	char *text, *o;

	if (!eq || len > XLCFG_LINE_MAX || !is_bare(eq + 1))
		return strdup(setting);
	text = malloc(2 * len + 4);
	if (!text)
		return NULL;
	o = text + (eq + 1 - setting);
	memcpy(text, setting, (size_t)(eq + 1 - setting));
	*o++ = '"';
	for (const char *s = eq + 1; *s; s++) {
		if (*s == '"' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o++ = '"';
	*o = '\0';
	return text;
}

int xlcfg_apply_override(struct xl_domain_config *cfg, const char *setting, struct xlcfg_diag *diag)
{
	char *text;
	int r;

	if (diag) {
		diag->error[0] = '\0';
		diag->error_line = diag->error_col = 0;
	}
	text = override_line(setting);
	if (!text)
		return -ENOMEM;
	r = run(text, strlen(text), "<command line>", cfg, diag, false);
	free(text);
	return r;
}

int xlcfg_parse_overrides(char *const *settings, unsigned n, struct xl_domain_config *cfg, struct xlcfg_diag *diag)
{
	size_t len = 1, used = 0;
	char *text;
	int r;

	for (unsigned i = 0; i < n; i++)
		len += 2 * strlen(settings[i]) + 4;
	text = malloc(len);
	if (!text)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		char *line = override_line(settings[i]);

		if (!line) {
			free(text);
			return -ENOMEM;
		}
		used += (size_t)snprintf(text + used, len - used, "%s\n", line);
		free(line);
	}
	text[used] = '\0';
	r = xlcfg_parse(text, used, "<command line>", cfg, diag);
	free(text);
	return r;
}

void xlcfg_free(struct xl_domain_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

/* Printing back */

struct out {
	char *buf;
	size_t size, len;
};

static void out_add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL, o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void out_quoted(struct out *o, const char *s)
{
	out_add(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			out_add(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			out_add(o, "\\x%02x", c);
		else
			out_add(o, "%c", c);
	}
	out_add(o, "\"");
}

static void out_key_str(struct out *o, const char *key, const char *s)
{
	out_add(o, "%s = ", key);
	out_quoted(o, s);
	out_add(o, "\n");
}

static bool cpu_set(const uint64_t *mask, unsigned c)
{
	return c < XLCFG_MAX_CPUS && (mask[c / 64] >> (c % 64) & 1);
}

static void out_cpus(struct out *o, const uint64_t *mask)
{
	const char *sep = "";

	out_add(o, "cpus = \"");
	for (unsigned c = 0; c < XLCFG_MAX_CPUS; c++) {
		unsigned end = c;

		if (!cpu_set(mask, c))
			continue;
		while (cpu_set(mask, end + 1))
			end++;
		out_add(o, end > c ? "%s%u-%u" : "%s%u", sep, c, end);
		sep = ",";
		c = end;
	}
	out_add(o, "\"\n");
}

static void out_vif(struct out *o, const struct xl_vif *v, const char *sep)
{
	char e[256];
	struct out eo = {e, sizeof(e), 0};
	const char *comma = "";

	e[0] = '\0';
	if (v->has_mac) {
		out_add(&eo, "mac=%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4],
			v->mac[5]);
		comma = ",";
	}
	for (size_t i = 0; i < ARRAY_LEN(vif_strs); i++) {
		const char *s = (const char *)v + vif_strs[i].off;

		if (s[0]) {
			out_add(&eo, "%s%s=%s", comma, vif_strs[i].name, s);
			comma = ",";
		}
	}
	if (v->type[0])
		out_add(&eo, "%stype=%s", comma, v->type), comma = ",";
	if (v->ip[0])
		out_add(&eo, "%sip=%s", comma, v->ip), comma = ",";
	if (v->vlan)
		out_add(&eo, "%svlan=%u", comma, v->vlan), comma = ",";
	if (v->mtu)
		out_add(&eo, "%smtu=%u", comma, v->mtu);
	out_add(o, "%s", sep);
	out_quoted(o, e);
}

static void out_disk(struct out *o, const struct xl_disk *d, const char *sep)
{
	char e[XLCFG_PATH_MAX + 128];
	struct out eo = {e, sizeof(e), 0};

	out_add(&eo, "format=raw, vdev=%s, access=%s", d->vdev, d->access == XLCFG_DISK_RO ? "ro" : "rw");
	if (d->cdrom)
		out_add(&eo, ", devtype=cdrom");
	if (d->backend[0])
		out_add(&eo, ", backend=%s", d->backend);
	if (d->target[0])
		out_add(&eo, ", target=%s", d->target);
	out_add(o, "%s", sep);
	out_quoted(o, e);
}

int xlcfg_format(const struct xl_domain_config *cfg, char *buf, size_t size)
{
	struct out o = {buf, size, 0};
	const uint8_t *u = cfg->uuid;

	if (size)
		buf[0] = '\0';
	out_key_str(&o, "name", cfg->name);
	out_add(&o, "type = \"pvh\"\n");
	if (cfg->has_uuid)
		out_add(&o, "uuid = \"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\"\n", u[0],
			u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	out_add(&o, "memory = %llu\n", (unsigned long long)cfg->memory_mib);
	if (cfg->maxmem_mib != cfg->memory_mib)
		out_add(&o, "maxmem = %llu\n", (unsigned long long)cfg->maxmem_mib);
	out_add(&o, "vcpus = %u\n", cfg->vcpus);
	if (cfg->maxvcpus != cfg->vcpus)
		out_add(&o, "maxvcpus = %u\n", cfg->maxvcpus);
	if (!cfg->cpus_all)
		out_cpus(&o, cfg->cpumask);
	if (cfg->cpu_weight)
		out_add(&o, "cpu_weight = %u\n", cfg->cpu_weight);
	if (cfg->cap)
		out_add(&o, "cap = %u\n", cfg->cap);
	out_key_str(&o, "kernel", cfg->kernel);
	if (cfg->ramdisk[0])
		out_key_str(&o, "ramdisk", cfg->ramdisk);
	if (given(cfg, "cmdline"))
		out_key_str(&o, "cmdline", cfg->cmdline);
	if (cfg->root[0])
		out_key_str(&o, "root", cfg->root);
	if (cfg->extra[0])
		out_key_str(&o, "extra", cfg->extra);
	out_add(&o, "on_poweroff = \"%s\"\non_reboot = \"%s\"\non_crash = \"%s\"\n",
		xlcfg_action_name(cfg->on_poweroff), xlcfg_action_name(cfg->on_reboot),
		xlcfg_action_name(cfg->on_crash));
	if (cfg->on_watchdog != XLCFG_ACTION_DESTROY)
		out_add(&o, "on_watchdog = \"%s\"\n", xlcfg_action_name(cfg->on_watchdog));
	if (cfg->on_soft_reset != XLCFG_ACTION_SOFT_RESET)
		out_add(&o, "on_soft_reset = \"%s\"\n", xlcfg_action_name(cfg->on_soft_reset));
	if (cfg->nr_vifs) {
		out_add(&o, "vif = [ ");
		for (unsigned i = 0; i < cfg->nr_vifs; i++)
			out_vif(&o, &cfg->vifs[i], i ? ", " : "");
		out_add(&o, " ]\n");
	}
	if (cfg->nr_disks) {
		out_add(&o, "disk = [ ");
		for (unsigned i = 0; i < cfg->nr_disks; i++)
			out_disk(&o, &cfg->disks[i], i ? ", " : "");
		out_add(&o, " ]\n");
	}
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}
