/* A domain configuration printed back as xl.cfg(5) text. */
#include "xlcfg/xlcfg_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
	for (size_t i = 0; i < ARRAY_LEN(xlcfg_vif_strs); i++) {
		const char *s = (const char *)v + xlcfg_vif_strs[i].off;

		if (s[0]) {
			out_add(&eo, "%s%s=%s", comma, xlcfg_vif_strs[i].name, s);
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
	if (xlcfg_given(cfg, "cmdline"))
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
