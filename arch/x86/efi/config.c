/*
 * mica.cfg parser (format in config.h). Two passes over the text: the first
 * checks every line and finds the sections and default=, the second copies the
 * values of [global] and of the selected section. No allocation, no libc
 * beyond <mica/string.h>; values that do not fit are errors, never truncated.
 */
#include <stdarg.h>

#include <mica/string.h>

#include "config.h"

struct span {
	const char *p;
	size_t n;
};

struct cfg_parser;

#define IN_GLOBAL (1u << 0)
#define IN_BOOT (1u << 1)

struct cfg_key {
	const char *name;
	unsigned int where; /* IN_GLOBAL | IN_BOOT */
	bool repeat;        /* may appear more than once in a section */
	bool need_value;    /* an empty value is an error */
	size_t max;         /* destination size, including the NUL */
	void (*store)(struct cfg_parser *p, struct span v);
};

struct cfg_parser {
	const char *text;
	size_t len;
	size_t pos;
	unsigned int line;
	int pass; /* 1: check everything, 2: store the values */
	struct mica_cfg_error *err;
	struct mica_cfg *out;

	char names[MICA_CFG_MAX_SECTIONS][MICA_CFG_SECTION_MAX];
	unsigned int nr_sections;
	int cur; /* index in names[], -1 before the first header */
	bool cur_global;
	bool cur_target; /* pass 2: the current section is the selected one */
	uint32_t seen;   /* single-use keys seen in the current section */
	unsigned int cur_modules;

	struct span def; /* [global] default=, n == 0 if absent */
	unsigned int def_line;
	bool hv_from_section;
};

/* ---- error messages: a tiny formatter (%s C string, %S span, %u, %x byte) ---- */

static void msg_put(struct mica_cfg_error *e, size_t *at, const char *s, size_t n)
{
	while (n-- && *at + 1 < sizeof(e->msg))
		e->msg[(*at)++] = *s++;
	e->msg[*at] = '\0';
}

static void msg_uint(struct mica_cfg_error *e, size_t *at, unsigned int v)
{
	char buf[12];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	msg_put(e, at, buf + i, sizeof(buf) - i);
}

static void msg_hex_byte(struct mica_cfg_error *e, size_t *at, unsigned int v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[4] = {'0', 'x', digits[(v >> 4) & 0xf], digits[v & 0xf]};

	msg_put(e, at, buf, sizeof(buf));
}

static int cfg_fail_at(struct cfg_parser *p, unsigned int line, const char *fmt, ...)
{
	struct mica_cfg_error *e = p->err;
	size_t at = 0;
	struct span s;
	const char *str;
	va_list ap;

	e->line = line;
	e->msg[0] = '\0';
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%' || !fmt[1]) {
			msg_put(e, &at, fmt, 1);
			continue;
		}
		switch (*++fmt) {
		case 's':
			str = va_arg(ap, const char *);
			msg_put(e, &at, str, strlen(str));
			break;
		case 'S':
			s = va_arg(ap, struct span);
			msg_put(e, &at, s.p, s.n);
			break;
		case 'u':
			msg_uint(e, &at, va_arg(ap, unsigned int));
			break;
		case 'x':
			msg_hex_byte(e, &at, va_arg(ap, unsigned int));
			break;
		default:
			msg_put(e, &at, fmt, 1);
		}
	}
	va_end(ap);
	return -1;
}

#define cfg_fail(p, ...) cfg_fail_at((p), (p)->line, __VA_ARGS__)

/* ---- spans ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static struct span span_trim(struct span s)
{
	while (s.n && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

static bool span_eq(struct span s, const char *str)
{
	return strlen(str) == s.n && memcmp(s.p, str, s.n) == 0;
}

static void span_copy(char *dst, struct span s)
{
	memcpy(dst, s.p, s.n);
	dst[s.n] = '\0';
}

/* Index of the first c in s, or s.n (libc's memchr is not available in mica.efi). */
static size_t span_find(struct span s, char c)
{
	size_t i = 0;

	while (i < s.n && s.p[i] != c)
		i++;
	return i;
}

/* At most 40 characters of a line, for quoting it in a message. */
static struct span span_excerpt(struct span s)
{
	s.n = MIN(s.n, (size_t)40);
	return s;
}

/* ---- storing values (pass 2) ---- */

static void store_hypervisor(struct cfg_parser *p, struct span v)
{
	if (p->cur_global && p->hv_from_section)
		return;
	span_copy(p->out->hypervisor, v);
	if (!p->cur_global)
		p->hv_from_section = true;
}

static void store_options(struct cfg_parser *p, struct span v)
{
	span_copy(p->out->options, v);
}

static void store_kernel(struct cfg_parser *p, struct span v)
{
	span_copy(p->out->kernel, v);
}

static void store_ramdisk(struct cfg_parser *p, struct span v)
{
	span_copy(p->out->ramdisk, v);
}

static void store_module(struct cfg_parser *p, struct span v)
{
	span_copy(p->out->modules[p->out->nr_modules++], v);
}

static const struct cfg_key cfg_keys[] = {
    {"default", IN_GLOBAL, false, true, MICA_CFG_SECTION_MAX, NULL},
    {"hypervisor", IN_GLOBAL | IN_BOOT, false, true, MICA_CFG_PATH_MAX, store_hypervisor},
    {"options", IN_BOOT, false, false, BOOT_CMDLINE_MAX, store_options},
    {"kernel", IN_BOOT, false, true, BOOT_MODULE_CMDLINE_MAX, store_kernel},
    {"ramdisk", IN_BOOT, false, true, BOOT_MODULE_CMDLINE_MAX, store_ramdisk},
    {"module", IN_BOOT, true, true, BOOT_MODULE_CMDLINE_MAX, store_module},
};

/* ---- one line ---- */

static int find_section(const struct cfg_parser *p, struct span name)
{
	for (unsigned int i = 0; i < p->nr_sections; i++)
		if (span_eq(name, p->names[i]))
			return (int)i;
	return -1;
}

static int parse_header(struct cfg_parser *p, struct span l)
{
	struct span name;

	if (l.p[l.n - 1] != ']')
		return cfg_fail(p, "unterminated section header '%S'", span_excerpt(l));
	name = span_trim((struct span){l.p + 1, l.n - 2});
	if (!name.n)
		return cfg_fail(p, "empty section name");
	for (size_t i = 0; i < name.n; i++)
		if (name.p[i] == '[' || name.p[i] == ']')
			return cfg_fail(p, "invalid section name '%S'", span_excerpt(name));
	if (name.n >= MICA_CFG_SECTION_MAX)
		return cfg_fail(p, "section name longer than %u characters", MICA_CFG_SECTION_MAX - 1);
	if (find_section(p, name) >= 0)
		return cfg_fail(p, "duplicate section [%S]", name);
	if (p->nr_sections == MICA_CFG_MAX_SECTIONS)
		return cfg_fail(p, "too many sections (max %u)", MICA_CFG_MAX_SECTIONS);
	span_copy(p->names[p->nr_sections], name);
	p->cur = (int)p->nr_sections++;
	p->cur_global = span_eq(name, MICA_CFG_GLOBAL);
	p->cur_target = p->pass == 2 && span_eq(name, p->out->section);
	p->seen = 0;
	p->cur_modules = 0;
	return 0;
}

static const struct cfg_key *find_key(struct span key)
{
	for (size_t i = 0; i < ARRAY_SIZE(cfg_keys); i++)
		if (span_eq(key, cfg_keys[i].name))
			return &cfg_keys[i];
	return NULL;
}

/* Checks one key=value against the rules of the current section. */
static int check_key(struct cfg_parser *p, const struct cfg_key *k, struct span key, struct span v)
{
	uint32_t bit = 1u << (k - cfg_keys);

	if (p->cur < 0)
		return cfg_fail(p, "key '%S' before any [section]", key);
	if (p->cur_global && !(k->where & IN_GLOBAL))
		return cfg_fail(p, "key '%S' is not allowed in [global]", key);
	if (!p->cur_global && !(k->where & IN_BOOT))
		return cfg_fail(p, "key '%S' is only allowed in [global]", key);
	if (!k->repeat && (p->seen & bit))
		return cfg_fail(p, "duplicate key '%S' in [%s]", key, p->names[p->cur]);
	p->seen |= bit;
	if (k->need_value && !v.n)
		return cfg_fail(p, "key '%S' needs a value", key);
	if (v.n >= k->max)
		return cfg_fail(p, "value of '%S' longer than %u characters", key, (unsigned int)(k->max - 1));
	if (k->store == store_module && ++p->cur_modules > MICA_CFG_MAX_MODULES)
		return cfg_fail(p, "too many module= lines in [%s] (max %u)", p->names[p->cur], MICA_CFG_MAX_MODULES);
	return 0;
}

static int parse_key_value(struct cfg_parser *p, struct span l)
{
	size_t eq = span_find(l, '=');
	const struct cfg_key *k;
	struct span key, v;

	if (eq == l.n)
		return cfg_fail(p, "expected key=value, got '%S'", span_excerpt(l));
	key = span_trim((struct span){l.p, eq});
	v = span_trim((struct span){l.p + eq + 1, l.n - eq - 1});
	if (!key.n)
		return cfg_fail(p, "missing key before '='");
	k = find_key(key);
	if (!k)
		return cfg_fail(p, "unknown key '%S'", span_excerpt(key));
	if (check_key(p, k, key, v))
		return -1;
	if (p->pass == 1 && k->store == NULL) {
		p->def = v;
		p->def_line = p->line;
	}
	if (p->pass == 2 && k->store && (p->cur_target || p->cur_global))
		k->store(p, v);
	return 0;
}

/* Rejects control characters and non-ASCII bytes: mica.cfg is plain text. */
static int check_bytes(struct cfg_parser *p, struct span l)
{
	for (size_t i = 0; i < l.n; i++) {
		unsigned char c = (unsigned char)l.p[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return cfg_fail(p, "invalid byte %x in column %u (not a text file?)", c, (unsigned int)(i + 1));
	}
	return 0;
}

static int parse_line(struct cfg_parser *p, struct span raw)
{
	struct span l;

	if (raw.n > MICA_CFG_LINE_MAX)
		return cfg_fail(p, "line longer than %u characters", MICA_CFG_LINE_MAX);
	if (check_bytes(p, raw))
		return -1;
	l = span_trim(raw);
	if (!l.n || l.p[0] == '#')
		return 0;
	if (l.p[0] == '[')
		return parse_header(p, l);
	return parse_key_value(p, l);
}

/* ---- passes ---- */

static bool next_line(struct cfg_parser *p, struct span *raw)
{
	struct span rest;

	if (p->pos >= p->len)
		return false;
	rest = (struct span){p->text + p->pos, p->len - p->pos};
	raw->p = rest.p;
	raw->n = span_find(rest, '\n');
	p->pos += raw->n + (raw->n < rest.n ? 1 : 0);
	if (raw->n && raw->p[raw->n - 1] == '\r')
		raw->n--;
	p->line++;
	return true;
}

static int run_pass(struct cfg_parser *p, int pass)
{
	static const char bom[] = "\xef\xbb\xbf";
	struct span raw;

	p->pass = pass;
	p->pos = 0;
	p->line = 0;
	p->nr_sections = 0;
	p->cur = -1;
	p->cur_global = false;
	p->cur_target = false;
	if (p->len >= 3 && memcmp(p->text, bom, 3) == 0)
		p->pos = 3;
	while (next_line(p, &raw))
		if (parse_line(p, raw))
			return -1;
	return 0;
}

static int first_boot_section(const struct cfg_parser *p)
{
	for (unsigned int i = 0; i < p->nr_sections; i++)
		if (strcmp(p->names[i], MICA_CFG_GLOBAL) != 0)
			return (int)i;
	return -1;
}

/* After pass 1: picks the section to boot and records it in out->section. */
static int select_section(struct cfg_parser *p, const char *want)
{
	struct span name;
	unsigned int line = 0;
	int i;

	if (want) {
		name = (struct span){want, strlen(want)};
	} else if (p->def.n) {
		name = p->def;
		line = p->def_line;
	} else {
		i = first_boot_section(p);
		if (i < 0)
			return cfg_fail_at(p, 0, "no boot section (only [global], or empty file)");
		name = (struct span){p->names[i], strlen(p->names[i])};
	}
	if (span_eq(name, MICA_CFG_GLOBAL))
		return cfg_fail_at(p, line, "section [global] cannot be booted");
	i = find_section(p, name);
	if (i < 0)
		return cfg_fail_at(p, line, "%s section [%S] not found", want ? "requested" : "default",
				   span_excerpt(name));
	memcpy(p->out->section, p->names[i], sizeof(p->out->section));
	return 0;
}

int mica_cfg_parse(const char *text, size_t len, const char *section, struct mica_cfg *out, struct mica_cfg_error *err)
{
	struct cfg_parser p;

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	p.text = text;
	p.len = text ? len : 0;
	p.err = err;
	p.out = out;
	if (run_pass(&p, 1) || select_section(&p, section) || run_pass(&p, 2)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	if (!out->hypervisor[0])
		memcpy(out->hypervisor, MICA_CFG_DEFAULT_HYPERVISOR, sizeof(MICA_CFG_DEFAULT_HYPERVISOR));
	return 0;
}

size_t mica_cfg_file_len(const char *value)
{
	size_t n = 0;

	while (value[n] && !is_blank(value[n]))
		n++;
	return n;
}
