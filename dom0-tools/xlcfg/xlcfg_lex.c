/*
 * xl.cfg(5) syntax: messages with file:line:col, the lexer (strings with escapes, numbers, lists)
 * and the KEY = VALUE statements, each handed to xlcfg_apply_setting().
 */
#include "xlcfg/xlcfg_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Messages */

static void vformat_msg(char *out, const char *file, uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
	int n = line ? snprintf(out, XLCFG_MSG_MAX, "%s:%u:%u: ", file, line, col)
		     : snprintf(out, XLCFG_MSG_MAX, "%s: ", file);

	if (n < 0 || n >= XLCFG_MSG_MAX)
		n = 0;
	vsnprintf(out + n, XLCFG_MSG_MAX - (size_t)n, fmt, ap);
}

int xlcfg_perr(struct parser *p, uint32_t line, uint32_t col, const char *fmt, ...)
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

void xlcfg_pwarn(struct parser *p, uint32_t line, uint32_t col, const char *fmt, ...)
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
const char *xlcfg_show(struct parser *p, const char *s, size_t len)
{
	size_t n = len > 40 ? 40 : len;

	for (size_t i = 0; i < n; i++)
		p->show[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(p->show + n, len > n ? "..." : "");
	return p->show;
}

/* The column of s[off]; offset 0 stands for the whole value, and gives where it starts. */
uint32_t xlcfg_acol(const struct atom *a, size_t off)
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
		return xlcfg_perr(p, 0, 0, "larger than %u bytes", (unsigned)XLCFG_TEXT_MAX);
	for (size_t i = 0; i <= p->len; i++) {
		if (i < p->len && p->text[i] == '\0')
			return xlcfg_perr(p, line, (uint32_t)(i - start + 1), "NUL byte in the text");
		if (i - start > XLCFG_LINE_MAX)
			return xlcfg_perr(p, line, XLCFG_LINE_MAX + 1, "line longer than %u bytes",
					  (unsigned)XLCFG_LINE_MAX);
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
		return xlcfg_perr(p, line, start_col, "%s: value longer than %u bytes", p->key,
				  (unsigned)XLCFG_VALUE_MAX);
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
		return xlcfg_perr(p, p->line, col, "backslash at the end of a line");
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
			return xlcfg_perr(p, p->line, col, "\\x needs hex digits");
	} else if (c >= '0' && c <= '7') {
		v = c - '0';
		while (++digits < 3 && peek(p) >= '0' && peek(p) <= '7') {
			v = v * 8 + peek(p) - '0';
			p->pos++;
		}
		if (v > 255)
			return xlcfg_perr(p, p->line, col, "octal escape above \\377");
	} else {
		return xlcfg_perr(p, p->line, col, "unknown escape \\%c", (c >= 0x20 && c < 0x7f) ? c : '?');
	}
	if (!v)
		return xlcfg_perr(p, p->line, col, "NUL character in a string");
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
			return xlcfg_perr(p, line, col, "unterminated string (strings end on their line)");
		if (c == quote) {
			p->pos++;
			break;
		}
		if (c == '\\') {
			r = lex_escape(p, &c);
			if (r)
				return r;
		} else if (c < 0x20 && c != '\t') {
			return xlcfg_perr(p, line, ccol, "control character in a string");
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
		return xlcfg_perr(p, p->line, col, "%s: malformed number %s", p->key,
				  xlcfg_show(p, p->text + start, p->pos - start));
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
		return xlcfg_perr(p, p->line, col_of(p), "%s: lists cannot be nested", p->key);
	if (c < 0 || c == '\n' || c == ';')
		return xlcfg_perr(p, p->line, col_of(p), "%s: missing value", p->key);
	return xlcfg_perr(p, p->line, col_of(p), "%s: expected a value: a \"string\", a number or a [list]", p->key);
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
			return xlcfg_perr(p, line, col, "%s: unterminated list (no ']')", p->key);
		if (peek(p) == ']') {
			p->pos++;
			return 0;
		}
		if (v->n == XLCFG_LIST_MAX)
			return xlcfg_perr(p, p->line, col_of(p), "%s: more than %u entries in a list", p->key,
					  (unsigned)XLCFG_LIST_MAX);
		r = parse_atom(p, &v->atoms[v->n++]);
		if (r)
			return r;
		skip_space(p);
		if (peek(p) == ',')
			p->pos++;
		else if (!at_end(p) && peek(p) != ']')
			return xlcfg_perr(p, p->line, col_of(p), "%s: expected ',' or ']' in the list", p->key);
	}
}

static int parse_statement(struct parser *p)
{
	uint32_t line = p->line, col = col_of(p);
	size_t start = p->pos;
	bool append = false;
	int r;

	while (is_ident(peek(p)))
		p->pos++;
	if (p->pos - start >= sizeof(p->key))
		return xlcfg_perr(p, line, col, "key longer than %u characters", (unsigned)sizeof(p->key) - 1);
	memcpy(p->key, p->text + start, p->pos - start);
	p->key[p->pos - start] = '\0';
	skip_blanks(p);
	if (peek(p) == '+' && p->pos + 1 < p->len && p->text[p->pos + 1] == '=') {
		append = true;
		p->pos += 2;
	} else if (peek(p) == '=') {
		p->pos++;
	} else {
		return xlcfg_perr(p, p->line, col_of(p), "%s: expected '=' after the key", p->key);
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
		return xlcfg_perr(p, p->line, col_of(p), "%s: unexpected text after the value", p->key);
	return xlcfg_apply_setting(p, line, col, append);
}

int xlcfg_parse_text(struct parser *p)
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
			r = xlcfg_perr(p, p->line, col_of(p), "expected a setting (KEY = VALUE)");
		}
	}
	return r;
}
