/* Boot-time domain parameters from a boot module's command line (docs/boot.md, "Boot-time domains"). */
#include <stdarg.h>
#include <mica/boot_domain_cfg.h>
#include <mica/cmdline.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/printk.h>
#include <mica/string.h>

_Static_assert(BOOT_DOMAIN_NAME_MAX == DOMAIN_NAME_MAX, "a boot domain's name must fit struct domain");
_Static_assert(DOMAIN_ID_MAX - 1 <= UINT16_MAX, "domid= must fit domid_t");
_Static_assert(BOOT_DOMAIN_NR_PARAMS <= 32, "boot_domain_cfg.given has 32 bits");
_Static_assert(BOOT_DOMAIN_CPUS_MAX == 64, "cpus= fills a uint64_t");

/* One line being parsed, and the parameter at hand (for error messages). */
struct parse {
	struct boot_domain_cfg *cfg;
	const char *key; /* the parameter's name, or NULL */
	const char *val; /* its value without quotes */
	char *err;
	size_t errlen;
};

/* Writes "key=value: <message>" (or just the message without a key) into the error buffer. */
static __printf(2, 3) int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;

	if (!p->err || !p->errlen)
		return -EINVAL;
	if (p->key)
		n = (size_t)snprintf_k(p->err, p->errlen, "%s=%s: ", p->key, p->val);
	if (n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf_k(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_decimal(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A plain decimal number in [min, max]: no sign, no 0x, no suffix. */
static int parse_number(struct parse *p, uint64_t min, uint64_t max, uint64_t *out)
{
	size_t len = strlen(p->val);
	uint64_t v;

	if (!is_decimal(p->val, len))
		return fail(p, "not a decimal number");
	if (!cmdline_parse_u64(p->val, len, &v) || v < min || v > max)
		return fail(p, "out of range (%llu to %llu)", (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

/* Page aligned up, unless too large anyway (then left so, to be refused). */
static uint64_t mem_align(uint64_t bytes)
{
	return bytes > BOOT_DOMAIN_MEM_MAX ? bytes : ALIGN_UP(bytes, PAGE_SIZE);
}

static bool mem_in_range(uint64_t bytes)
{
	return bytes >= BOOT_DOMAIN_MEM_MIN && bytes <= BOOT_DOMAIN_MEM_MAX;
}

/* A size for messages: "16M" when it is whole MiB, else "2052K" (sizes here are page aligned). */
static const char *mem_str(uint64_t bytes, char *buf, size_t size)
{
	if (bytes % (1ULL << 20))
		snprintf_k(buf, size, "%lluK", (unsigned long long)(bytes >> 10));
	else
		snprintf_k(buf, size, "%lluM", (unsigned long long)(bytes >> 20));
	return buf;
}

/* memory= and maxmem=: MiB, or a size with a K/M/G/T suffix. */
static int parse_mem(struct parse *p, uint64_t *out)
{
	uint64_t v;

	if (!cmdline_parse_size(p->val, strlen(p->val), 20, &v))
		return fail(p, "not a size (a number of MiB, or a number with a K, M, G or T suffix)");
	v = mem_align(v);
	if (!mem_in_range(v))
		return fail(p, "out of range (2M to 1T)");
	*out = v;
	return 0;
}

static int parse_name(struct parse *p, struct boot_domain_cfg *cfg)
{
	size_t len = strlen(p->val);

	if (len < 1 || len >= BOOT_DOMAIN_NAME_MAX)
		return fail(p, "a name has 1 to %u characters", BOOT_DOMAIN_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p->val[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			  c == '.' || c == '-';
		if (ok)
			continue;
		if (c > ' ' && c < 0x7f)
			return fail(p, "'%c' is not allowed in a name (only A-Z a-z 0-9 _ . -)", c);
		return fail(p, "byte 0x%02x is not allowed in a name (only A-Z a-z 0-9 _ . -)", c);
	}
	memcpy(cfg->name, p->val, len + 1);
	return 0;
}

static int parse_memory(struct parse *p, struct boot_domain_cfg *cfg)
{
	return parse_mem(p, &cfg->memory);
}

static int parse_maxmem(struct parse *p, struct boot_domain_cfg *cfg)
{
	return parse_mem(p, &cfg->maxmem);
}

static int parse_vcpus(struct parse *p, struct boot_domain_cfg *cfg)
{
	uint64_t v;
	int rc = parse_number(p, 1, DOMAIN_MAX_VCPUS, &v);

	if (rc == 0)
		cfg->vcpus = (unsigned int)v;
	return rc;
}

/* One element of a CPU list: "n" or "lo-hi", inclusive. */
static int parse_cpu_range(struct parse *p, const char *s, size_t len, uint64_t *mask)
{
	size_t lo_len = 0;
	uint64_t lo, hi;

	if (!len)
		return fail(p, "empty element in the CPU list");
	while (lo_len < len && s[lo_len] != '-')
		lo_len++;
	bool range = lo_len < len;
	const char *hi_s = range ? s + lo_len + 1 : s;
	size_t hi_len = range ? len - lo_len - 1 : len;

	if (!is_decimal(s, lo_len) || !is_decimal(hi_s, hi_len))
		return fail(p, "'%.*s' is not a CPU number or a range like 0-3", (int)len, s);
	if (!cmdline_parse_u64(s, lo_len, &lo) || !cmdline_parse_u64(hi_s, hi_len, &hi) || lo >= BOOT_DOMAIN_CPUS_MAX ||
	    hi >= BOOT_DOMAIN_CPUS_MAX)
		return fail(p, "'%.*s': CPU numbers are below %u", (int)len, s, BOOT_DOMAIN_CPUS_MAX);
	if (lo > hi)
		return fail(p, "'%.*s' is a reversed range", (int)len, s);
	/* hi - lo + 1 bits from lo; all 64 when the range is 0-63. */
	*mask |= (hi - lo == 63 ? UINT64_MAX : ((1ULL << (hi - lo + 1)) - 1)) << lo;
	return 0;
}

/* cpus=all or cpus=0-3,5,7. */
static int parse_cpus(struct parse *p, struct boot_domain_cfg *cfg)
{
	const char *s = p->val;
	uint64_t mask = 0;

	if (!strcmp(s, "all")) {
		cfg->cpus = UINT64_MAX;
		return 0;
	}
	if (!*s)
		return fail(p, "an empty CPU list");
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		int rc = parse_cpu_range(p, s, len, &mask);
		if (rc < 0)
			return rc;
		if (!comma)
			break;
		s = comma + 1;
	}
	cfg->cpus = mask;
	return 0;
}

static int parse_weight(struct parse *p, struct boot_domain_cfg *cfg)
{
	uint64_t v;
	int rc = parse_number(p, 1, BOOT_DOMAIN_WEIGHT_MAX, &v);

	if (rc == 0)
		cfg->weight = (unsigned int)v;
	return rc;
}

static int parse_cap(struct parse *p, struct boot_domain_cfg *cfg)
{
	uint64_t v;
	int rc = parse_number(p, 0, BOOT_DOMAIN_CAP_MAX, &v);

	if (rc == 0)
		cfg->cap = (unsigned int)v;
	return rc;
}

static const char *const action_names[] = {
    [BOOT_DOMAIN_DESTROY] = "destroy",
    [BOOT_DOMAIN_RESTART] = "restart",
    [BOOT_DOMAIN_PRESERVE] = "preserve",
};

const char *boot_domain_action_name(enum boot_domain_action action)
{
	return (unsigned int)action < ARRAY_SIZE(action_names) ? action_names[action] : "?";
}

static int parse_action(struct parse *p, enum boot_domain_action *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(action_names); i++) {
		if (!strcmp(p->val, action_names[i])) {
			*out = (enum boot_domain_action)i;
			return 0;
		}
	}
	return fail(p, "not destroy, restart or preserve");
}

static int parse_on_poweroff(struct parse *p, struct boot_domain_cfg *cfg)
{
	return parse_action(p, &cfg->on_poweroff);
}

static int parse_on_reboot(struct parse *p, struct boot_domain_cfg *cfg)
{
	return parse_action(p, &cfg->on_reboot);
}

static int parse_on_crash(struct parse *p, struct boot_domain_cfg *cfg)
{
	return parse_action(p, &cfg->on_crash);
}

static int parse_domid(struct parse *p, struct boot_domain_cfg *cfg)
{
	uint64_t v;
	int rc = parse_number(p, 1, DOMAIN_ID_MAX - 1, &v);

	if (rc == 0)
		cfg->domid = (uint16_t)v;
	return rc;
}

struct boot_domain_param_def {
	const char *key;
	int (*parse)(struct parse *p, struct boot_domain_cfg *cfg);
};

static const struct boot_domain_param_def params[BOOT_DOMAIN_NR_PARAMS] = {
    [BOOT_DOMAIN_PARAM_NAME] = {"name", parse_name},
    [BOOT_DOMAIN_PARAM_MEMORY] = {"memory", parse_memory},
    [BOOT_DOMAIN_PARAM_MAXMEM] = {"maxmem", parse_maxmem},
    [BOOT_DOMAIN_PARAM_VCPUS] = {"vcpus", parse_vcpus},
    [BOOT_DOMAIN_PARAM_CPUS] = {"cpus", parse_cpus},
    [BOOT_DOMAIN_PARAM_WEIGHT] = {"weight", parse_weight},
    [BOOT_DOMAIN_PARAM_CAP] = {"cap", parse_cap},
    [BOOT_DOMAIN_PARAM_ON_POWEROFF] = {"on_poweroff", parse_on_poweroff},
    [BOOT_DOMAIN_PARAM_ON_REBOOT] = {"on_reboot", parse_on_reboot},
    [BOOT_DOMAIN_PARAM_ON_CRASH] = {"on_crash", parse_on_crash},
    [BOOT_DOMAIN_PARAM_DOMID] = {"domid", parse_domid},
};

/* The parameter a `key=value` token names, or -1 if it is none (then the guest's arguments begin). */
static int find_param(const struct cmdline_token *tok)
{
	if (!tok->val)
		return -1;
	for (int i = 0; i < BOOT_DOMAIN_NR_PARAMS; i++)
		if (cmdline_token_is(tok, params[i].key))
			return i;
	return -1;
}

/* Everything but the file name; args at the end of the line. */
static void set_defaults(struct boot_domain_cfg *cfg, uint64_t default_mem, const char *line_end)
{
	cfg->args = line_end;
	mica_strlcpy(cfg->name, cfg->file, sizeof(cfg->name));
	cfg->memory = mem_align(default_mem);
	cfg->maxmem = cfg->memory;
	cfg->cpus = UINT64_MAX;
	cfg->vcpus = 1;
	cfg->weight = BOOT_DOMAIN_WEIGHT_DEFAULT;
	cfg->cap = 0;
	cfg->on_poweroff = BOOT_DOMAIN_DESTROY;
	cfg->on_reboot = BOOT_DOMAIN_RESTART;
	cfg->on_crash = BOOT_DOMAIN_DESTROY;
	cfg->domid = 0;
	cfg->given = 0;
}

/* Copies the first word of line into cfg->file; returns where the parameters start. */
static const char *read_file(struct parse *p, const char *line)
{
	size_t len = 0;

	while (is_space(*line))
		line++;
	while (line[len] && !is_space(line[len]))
		len++;
	if (len >= sizeof(p->cfg->file)) {
		mica_strlcpy(p->cfg->file, line, sizeof(p->cfg->file));
		fail(p, "file name longer than %zu characters", sizeof(p->cfg->file) - 1);
		return NULL;
	}
	memcpy(p->cfg->file, line, len);
	p->cfg->file[len] = '\0';
	return line + len;
}

/* One `key=value` domain parameter. */
static int parse_param(struct parse *p, int idx, const struct cmdline_token *tok)
{
	char val[BOOT_MODULE_CMDLINE_MAX];
	size_t len = cmdline_token_value(tok, val, sizeof(val));

	p->key = params[idx].key;
	p->val = val;
	if (tok->unterminated)
		return fail(p, "unterminated quote");
	if (len >= sizeof(val))
		return fail(p, "value longer than %zu characters", sizeof(val) - 1);
	if (p->cfg->given & BOOT_DOMAIN_GIVEN(idx))
		return fail(p, "%s is given twice", p->key);
	int rc = params[idx].parse(p, p->cfg);
	if (rc < 0)
		return rc;
	p->cfg->given |= BOOT_DOMAIN_GIVEN(idx);
	p->key = NULL;
	return 0;
}

/* The parameters up to `--` or the first other word; then the guest's arguments. */
static int parse_params(struct parse *p, const char *cursor)
{
	struct cmdline_token tok;

	while (cmdline_next(&cursor, &tok)) {
		int idx = find_param(&tok);
		if (idx < 0) {
			p->cfg->args = tok.negated ? tok.key - 3 : tok.key; /* the word as written */
			return 0;
		}
		int rc = parse_param(p, idx, &tok);
		if (rc < 0)
			return rc;
	}
	if (*cursor) { /* cmdline_next stopped on a `--`: drop it */
		cursor += 2;
		while (is_space(*cursor))
			cursor++;
	}
	p->cfg->args = cursor;
	return 0;
}

/* What only the whole line decides: the default memory, maxmem against memory. */
static int check_cfg(struct parse *p)
{
	struct boot_domain_cfg *cfg = p->cfg;
	char a[24], b[24];

	if (!(cfg->given & BOOT_DOMAIN_GIVEN(BOOT_DOMAIN_PARAM_MEMORY)) && !mem_in_range(cfg->memory))
		return fail(p, "memory: the default of %llu bytes is out of range (2M to 1T)",
			    (unsigned long long)cfg->memory);
	if (!(cfg->given & BOOT_DOMAIN_GIVEN(BOOT_DOMAIN_PARAM_MAXMEM)))
		cfg->maxmem = cfg->memory;
	else if (cfg->maxmem < cfg->memory)
		return fail(p, "maxmem=%s: below memory (%s)", mem_str(cfg->maxmem, a, sizeof(a)),
			    mem_str(cfg->memory, b, sizeof(b)));
	return 0;
}

int boot_domain_cfg_parse(const char *line, uint64_t default_mem, struct boot_domain_cfg *cfg, char *err, size_t errlen)
{
	struct parse p = {.cfg = cfg, .err = err, .errlen = errlen};
	const char *line_end = line + strlen(line);
	const char *cursor;
	int rc = -EINVAL;

	if (err && errlen)
		err[0] = '\0';
	cursor = read_file(&p, line);
	set_defaults(cfg, default_mem, line_end);
	if (cursor) {
		rc = parse_params(&p, cursor);
		if (rc == 0)
			rc = check_cfg(&p);
	}
	if (rc < 0)
		set_defaults(cfg, default_mem, line_end); /* nothing of the line is half applied */
	return rc;
}
