/*
 * xl.cfg(5) domain configurations: one table entry per key that checks and stores its value, the
 * checks across keys, and the API (parse, command-line overrides). The syntax is in xlcfg_lex.c,
 * simple values in xlcfg_values.c, vif= and disk= in xlcfg_vif.c and xlcfg_disk.c, printing in
 * xlcfg_format.c.
 */
#include "xlcfg/xlcfg_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keys: one entry each; keys not here warn and are ignored. */

#define NUM(key, field, lo, hi)                                    \
	{                                                          \
		key, xlcfg_set_num, CFG_FIELD(field), lo, hi, NULL \
	}
#define STR(key, field)                                          \
	{                                                        \
		key, xlcfg_set_str, CFG_FIELD(field), 0, 0, NULL \
	}
#define ACTION(field)                                                  \
	{                                                              \
#field, xlcfg_set_action, CFG_FIELD(field), 0, 0, NULL \
	}
#define IGNORED(key, why)                               \
	{                                               \
		key, xlcfg_set_ignored, 0, 0, 0, 0, why \
	}
static const struct key_def keys[] = {
    {"name", xlcfg_set_name, 0, 0, 0, 0, NULL},
    {"type", xlcfg_set_type, 0, 0, 0, 0, NULL},
    {"builder", xlcfg_set_builder, 0, 0, 0, 0, NULL},
    NUM("memory", memory_mib, 1, XLCFG_MAX_MEMORY_MIB),
    NUM("maxmem", maxmem_mib, 1, XLCFG_MAX_MEMORY_MIB),
    NUM("vcpus", vcpus, 1, XLCFG_MAX_VCPUS),
    NUM("maxvcpus", maxvcpus, 1, XLCFG_MAX_VCPUS),
    {"cpus", xlcfg_set_cpus, 0, 0, 0, 0, NULL},
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
    {"uuid", xlcfg_set_uuid, 0, 0, 0, 0, NULL},
    {"vif", xlcfg_set_vifs, 0, 0, 0, 0, NULL},
    {"disk", xlcfg_set_disks, 0, 0, 0, 0, NULL},
    {"bootloader", xlcfg_set_refused, 0, 0, 0, 0, "not supported: give the guest's kernel= (and ramdisk=)"},
    {"firmware", xlcfg_set_refused, 0, 0, 0, 0, "not supported: Mica boots PVH guests directly from kernel="},
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

bool xlcfg_given(const struct xl_domain_config *cfg, const char *name)
{
	const struct key_def *k = find_key(name);

	return k && (cfg->given & (1ull << (k - keys)));
}

int xlcfg_apply_setting(struct parser *p, uint32_t line, uint32_t col, bool append)
{
	const struct key_def *k = find_key(p->key);
	size_t idx;
	int r;

	if (!k) {
		xlcfg_pwarn(p, line, col, "%s: unknown key, ignored", p->key);
		return 0;
	}
	idx = (size_t)(k - keys);
	if (append && k->set != xlcfg_set_vifs && k->set != xlcfg_set_disks)
		return xlcfg_perr(p, line, col, "%s: += only applies to lists (vif, disk)", p->key);
	if ((p->seen & (1ull << idx)) && !append)
		xlcfg_pwarn(p, line, col, "%s: set again (first at line %u); the last value wins", p->key,
			    p->seen_line[idx]);
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
		return xlcfg_perr(p, 0, 0, "name is required");
	if (!cfg->kernel[0])
		return xlcfg_perr(p, 0, 0, "kernel is required (Mica boots PVH guests from a kernel image)");
	if (!xlcfg_given(cfg, "maxmem"))
		cfg->maxmem_mib = cfg->memory_mib;
	if (cfg->maxmem_mib < cfg->memory_mib)
		return xlcfg_perr(p, 0, 0, "maxmem (%llu) is below memory (%llu)", (unsigned long long)cfg->maxmem_mib,
				  (unsigned long long)cfg->memory_mib);
	if (!xlcfg_given(cfg, "maxvcpus"))
		cfg->maxvcpus = cfg->vcpus;
	if (cfg->maxvcpus < cfg->vcpus)
		return xlcfg_perr(p, 0, 0, "maxvcpus (%u) is below vcpus (%u)", cfg->maxvcpus, cfg->vcpus);
	if (xlcfg_given(cfg, "cmdline")) {
		if (cfg->root[0] || cfg->extra[0])
			xlcfg_pwarn(p, 0, 0, "root= and extra= are ignored: cmdline= is set");
		strcpy(cfg->boot_cmdline, cfg->cmdline);
		return 0;
	}
	n = snprintf(cfg->boot_cmdline, sizeof(cfg->boot_cmdline), "%s%s%s%s", cfg->root[0] ? "root=" : "", cfg->root,
		     cfg->root[0] && cfg->extra[0] ? " " : "", cfg->extra);
	if (n < 0 || (size_t)n >= sizeof(cfg->boot_cmdline))
		return xlcfg_perr(p, 0, 0, "root= and extra= make a command line longer than %u bytes",
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
	r = xlcfg_parse_text(p);
	if (!r && whole_file && !xlcfg_given(cfg, "type") && !xlcfg_given(cfg, "builder"))
		xlcfg_pwarn(p, 0, 0, "no type= given: Mica builds a PVH domain (xl's default is PV)");
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
	return !xlcfg_parse_u64(v, len, &n);
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
