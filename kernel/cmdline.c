/* Hypervisor command-line parsing: tokens, typed getters, serial console spec. */
#include <mica/cmdline.h>
#include <mica/string.h>

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static inline bool is_end_marker(const char *key, size_t len, const char *val)
{
	return !val && len == 2 && key[0] == '-' && key[1] == '-';
}

/* Scan a value from p up to an unquoted space; returns the end. */
static const char *scan_value(const char *p, bool *unterminated)
{
	bool quoted = false;

	while (*p && (quoted || !is_space(*p))) {
		if (*p == '"')
			quoted = !quoted;
		p++;
	}
	*unterminated = quoted;
	return p;
}

bool cmdline_next(const char **cursor, struct cmdline_token *tok)
{
	const char *p = *cursor;

	while (is_space(*p))
		p++;
	*cursor = p;
	if (!*p)
		return false;
	*tok = (struct cmdline_token){.key = p};
	while (*p && !is_space(*p) && *p != '=')
		p++;
	tok->key_len = (size_t)(p - tok->key);
	if (*p == '=') {
		tok->val = ++p;
		p = scan_value(p, &tok->unterminated);
		tok->val_len = (size_t)(p - tok->val);
	}
	if (is_end_marker(tok->key, tok->key_len, tok->val))
		return false; /* *cursor stays on the "--" */
	if (!tok->val && tok->key_len > 3 && !strncmp(tok->key, "no-", 3)) {
		tok->negated = true;
		tok->key += 3;
		tok->key_len -= 3;
	}
	*cursor = p;
	return true;
}

static inline char key_char(char c)
{
	return c == '-' ? '_' : c;
}

bool cmdline_token_is(const struct cmdline_token *tok, const char *key)
{
	size_t i;

	for (i = 0; i < tok->key_len; i++)
		if (!key[i] || key_char(key[i]) != key_char(tok->key[i]))
			return false;
	return key[i] == '\0';
}

size_t cmdline_token_value(const struct cmdline_token *tok, char *buf, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < tok->val_len; i++) {
		if (tok->val[i] == '"')
			continue;
		if (n + 1 < size)
			buf[n] = tok->val[i];
		n++;
	}
	if (size)
		buf[MIN(n, size - 1)] = '\0';
	return n;
}

/* Find the last token for key; false if none or the last one is `no-key`. */
static bool find_last(const char *cmdline, const char *key, struct cmdline_token *out)
{
	struct cmdline_token tok;
	bool found = false;

	while (cmdline_next(&cmdline, &tok)) {
		if (!cmdline_token_is(&tok, key))
			continue;
		*out = tok;
		found = !tok.negated;
	}
	return found;
}

bool cmdline_get_str(const char *cmdline, const char *key, char *buf, size_t size)
{
	struct cmdline_token tok;

	if (!find_last(cmdline, key, &tok))
		return false;
	return cmdline_token_value(&tok, buf, size) < size;
}

/* 1 true, 0 false, -1 unreadable. */
static int parse_bool(const struct cmdline_token *tok)
{
	static const char *const yes[] = {"1", "yes", "true", "on", "enable"};
	static const char *const no[] = {"0", "no", "false", "off", "disable"};
	char buf[16];

	if (cmdline_token_value(tok, buf, sizeof(buf)) >= sizeof(buf))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(buf, yes[i]))
			return 1;
		if (!strcmp(buf, no[i]))
			return 0;
	}
	return -1;
}

bool cmdline_get_bool(const char *cmdline, const char *key, bool def)
{
	struct cmdline_token tok;
	bool v = def;

	while (cmdline_next(&cmdline, &tok)) {
		if (!cmdline_token_is(&tok, key))
			continue;
		if (tok.negated) {
			v = false;
		} else if (!tok.val) {
			v = true;
		} else {
			int r = parse_bool(&tok);
			if (r >= 0)
				v = r;
		}
	}
	return v;
}

static int digit_value(char c)
{
	c = lower(c);
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 99;
}

static unsigned int suffix_shift(char c)
{
	switch (lower(c)) {
	case 'k':
		return 10;
	case 'm':
		return 20;
	case 'g':
		return 30;
	case 't':
		return 40;
	default:
		return 0;
	}
}

bool cmdline_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	size_t i = 0, digits = 0;

	if (len > 2 && s[0] == '0' && lower(s[1]) == 'x') {
		base = 16;
		i = 2;
	}
	for (; i < len; i++, digits++) {
		uint64_t d = (uint64_t)digit_value(s[i]);
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (!digits)
		return false;
	if (i < len) {
		unsigned int shift = suffix_shift(s[i]);
		if (!shift || i + 1 != len || v > (UINT64_MAX >> shift))
			return false;
		v <<= shift;
	}
	*out = v;
	return true;
}

bool cmdline_parse_size(const char *s, size_t len, unsigned int unit_shift, uint64_t *out)
{
	uint64_t v;

	if (unit_shift >= 64 || !cmdline_parse_u64(s, len, &v))
		return false;
	/* K, M, G and T are no hex digits: a last one that parsed is a suffix. */
	if (!suffix_shift(s[len - 1])) {
		if (v > (UINT64_MAX >> unit_shift))
			return false;
		v <<= unit_shift;
	}
	*out = v;
	return true;
}

bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out)
{
	struct cmdline_token tok;
	char buf[32];

	if (!find_last(cmdline, key, &tok) || !tok.val)
		return false;
	size_t n = cmdline_token_value(&tok, buf, sizeof(buf));
	if (n >= sizeof(buf))
		return false;
	return cmdline_parse_u64(buf, n, out);
}

const char *cmdline_dom0_args(const char *cmdline)
{
	struct cmdline_token tok;
	const char *p = cmdline;

	while (cmdline_next(&p, &tok))
		;
	if (p[0] != '-' || p[1] != '-')
		return NULL;
	p += 2;
	while (is_space(*p))
		p++;
	return p;
}

/* ---- serial console spec ---- */

static const uint16_t com_bases[] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};

struct field {
	const char *s;
	size_t len;
};

/* Split val at commas into at most max fields; false if there are more. */
static bool split_fields(const char *val, struct field *f, size_t max, size_t *nr)
{
	size_t n = 0;

	for (;;) {
		if (n == max)
			return false;
		const char *comma = strchr(val, ',');
		f[n].s = val;
		f[n].len = comma ? (size_t)(comma - val) : strlen(val);
		n++;
		if (!comma)
			break;
		val = comma + 1;
	}
	*nr = n;
	return true;
}

/* Data bits, parity, stop bits in any order, e.g. "8n1", "n8", "7e2"; parity is required. */
static bool parse_dps(const char *s, size_t len, struct com_spec *out)
{
	bool data = false, parity = false, stop = false;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = lower(s[i]);
		if (c >= '5' && c <= '8' && !data) {
			out->data_bits = (uint8_t)(c - '0');
			data = true;
		} else if ((c == '1' || c == '2') && data && !stop) {
			out->stop_bits = (uint8_t)(c - '0');
			stop = true;
		} else if (c && strchr("noems", c) && !parity) {
			out->parity = c;
			parity = true;
		} else {
			return false;
		}
	}
	return parity; /* the parity letter tells a DPS field from a number */
}

static bool valid_baud(uint64_t baud)
{
	return baud >= 1200 && baud <= 115200 && 115200 % baud == 0;
}

/* "115200", "9600n8", "auto" or "" (keep the firmware's setting). */
static bool parse_baud(const struct field *f, struct com_spec *out, bool *have_dps)
{
	size_t n = 0;
	uint64_t baud;

	if (f->len == 4 && !strncmp(f->s, "auto", 4))
		return true;
	while (n < f->len && f->s[n] >= '0' && f->s[n] <= '9')
		n++;
	if (!n)
		return f->len == 0;
	if (!cmdline_parse_u64(f->s, n, &baud) || !valid_baud(baud))
		return false;
	out->baud = (uint32_t)baud;
	if (n == f->len)
		return true;
	*have_dps = true;
	return parse_dps(f->s + n, f->len - n, out);
}

static bool parse_com_port(const struct field *f, struct com_spec *out)
{
	if (f->len != 4 || lower(f->s[0]) != 'c' || lower(f->s[1]) != 'o' || lower(f->s[2]) != 'm' || f->s[3] < '1' ||
	    f->s[3] > '4')
		return false;
	out->index = (uint8_t)(f->s[3] - '0');
	out->io_base = com_bases[out->index - 1];
	return true;
}

static bool parse_io_base(const struct field *f, struct com_spec *out)
{
	uint64_t base;

	if (!cmdline_parse_u64(f->s, f->len, &base) || base == 0 || base > 0xfff8)
		return false;
	out->io_base = (uint16_t)base;
	return true;
}

bool cmdline_parse_com(const char *val, struct com_spec *out)
{
	struct com_spec spec = {.data_bits = 8, .parity = 'n', .stop_bits = 1};
	struct field f[4];
	size_t nr;
	bool have_dps = false, have_base = false;

	if (!split_fields(val, f, ARRAY_SIZE(f), &nr) || !parse_com_port(&f[0], &spec))
		return false;
	if (nr > 1 && !parse_baud(&f[1], &spec, &have_dps))
		return false;
	for (size_t i = 2; i < nr; i++) {
		struct com_spec tmp = spec;
		if (!have_dps && parse_dps(f[i].s, f[i].len, &tmp)) {
			spec = tmp;
			have_dps = true;
		} else if (!have_base && parse_io_base(&f[i], &spec)) {
			have_base = true;
		} else {
			return false;
		}
	}
	*out = spec;
	return true;
}
