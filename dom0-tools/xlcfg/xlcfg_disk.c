/* disk= entries of xl.cfg(5), as xl-disk-configuration(5) writes them. */
#include "xlcfg/xlcfg_int.h"

#include <string.h>

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
		return xlcfg_perr(p, a->line, xlcfg_acol(a, v->off), "disk: %s given twice", disk_pos_names[which]);
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

			if (!xlcfg_item_is(&word, disk_prefixes[i].prefix))
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
		if (xlcfg_item_is(key, disk_pos_names[i]))
			return disk_set_pos(p, a, ds, i, val);
	}
	if (xlcfg_item_is(key, "devtype")) {
		if (!xlcfg_item_is(val, "cdrom") && !xlcfg_item_is(val, "disk"))
			return xlcfg_perr(p, a->line, xlcfg_acol(a, val->off),
					  "disk: devtype: \"%s\" is neither disk nor cdrom",
					  xlcfg_show(p, val->s, val->len));
		ds->cdrom |= xlcfg_item_is(val, "cdrom");
		return 0;
	}
	if (xlcfg_item_is(key, "backend"))
		return xlcfg_copy_str(p, "disk: backend", a, val->off, val->len, d->backend, sizeof(d->backend));
	for (size_t i = 0; i < ARRAY_LEN(disk_ignored); i++) {
		if (xlcfg_item_is(key, disk_ignored[i])) {
			xlcfg_pwarn(p, a->line, xlcfg_acol(a, key->off), "disk: %s: ignored by Mica", disk_ignored[i]);
			return 0;
		}
	}
	xlcfg_pwarn(p, a->line, xlcfg_acol(a, key->off), "disk: unknown key \"%s\", ignored",
		    xlcfg_show(p, key->s, key->len));
	return 0;
}

static int disk_item(struct parser *p, const struct atom *a, struct disk_spec *ds, const struct item *it,
		     struct xl_disk *d)
{
	struct item key, val;
	int slot = 0;

	if (xlcfg_item_split(it, &key, &val))
		return disk_keyword(p, a, ds, &key, &val, d);
	if (xlcfg_item_is(it, "cdrom")) {
		ds->cdrom = true;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(disk_ignored); i++) {
		if (xlcfg_item_is(it, disk_ignored[i])) {
			xlcfg_pwarn(p, a->line, xlcfg_acol(a, it->off), "disk: %s: ignored by Mica", disk_ignored[i]);
			return 0;
		}
	}
	while (slot < DISK_NPOS && ds->have[slot])
		slot++;
	if (slot == DISK_NPOS)
		return xlcfg_perr(p, a->line, xlcfg_acol(a, it->off), "disk: too many positional parameters at \"%s\"",
				  xlcfg_show(p, it->s, it->len));
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
		return xlcfg_perr(p, a->line, xlcfg_acol(a, 0), "disk: no vdev (the device the guest sees, as xvda)");
	colon = memchr(v.s, ':', v.len);
	if (colon) { /* deprecated "hdc:cdrom" */
		struct item suffix = {colon + 1, v.len - (size_t)(colon + 1 - v.s), v.off + (size_t)(colon + 1 - v.s)};

		if (!xlcfg_item_is(&suffix, "cdrom") && !xlcfg_item_is(&suffix, "disk"))
			return xlcfg_perr(p, a->line, xlcfg_acol(a, suffix.off), "disk: vdev: unknown suffix \"%s\"",
					  xlcfg_show(p, suffix.s, suffix.len));
		ds->cdrom |= xlcfg_item_is(&suffix, "cdrom");
		v.len = (size_t)(colon - v.s);
	}
	if (!vdev_ok(v.s, v.len))
		return xlcfg_perr(p, a->line, xlcfg_acol(a, v.off),
				  "disk: vdev: \"%s\" is not a disk name (xvda, xvdb1, hda, sdc...)",
				  xlcfg_show(p, v.s, v.len));
	r = xlcfg_copy_str(p, "disk: vdev", a, v.off, v.len, d->vdev, sizeof(d->vdev));
	for (unsigned i = 0; !r && i < p->cfg->nr_disks; i++) {
		if (!strcmp(p->cfg->disks[i].vdev, d->vdev))
			return xlcfg_perr(p, a->line, xlcfg_acol(a, v.off), "disk: vdev %s is already used by disk %u",
					  d->vdev, i);
	}
	return r;
}

static int disk_check(struct parser *p, const struct atom *a, struct disk_spec *ds, struct xl_disk *d)
{
	const struct item *f = &ds->pos[DISK_FORMAT], *acc = &ds->pos[DISK_ACCESS], *t = &ds->pos[DISK_TARGET];
	int r;

	if (ds->have[DISK_FORMAT] && f->len && !xlcfg_item_is(f, "raw")) {
		for (size_t i = 0; i < ARRAY_LEN(disk_prefixes); i++) {
			if (disk_prefixes[i].format && xlcfg_item_is(f, disk_prefixes[i].format))
				return xlcfg_perr(p, a->line, xlcfg_acol(a, f->off),
						  "disk: format %s is not supported: Mica serves raw images only",
						  disk_prefixes[i].format);
		}
		return xlcfg_perr(p, a->line, xlcfg_acol(a, f->off), "disk: unknown format \"%s\" (raw)",
				  xlcfg_show(p, f->s, f->len));
	}
	r = disk_vdev(p, a, ds, d);
	if (r)
		return r;
	d->access = ds->cdrom ? XLCFG_DISK_RO : XLCFG_DISK_RW;
	if (ds->have[DISK_ACCESS] && (xlcfg_item_is(acc, "r") || xlcfg_item_is(acc, "ro"))) {
		d->access = XLCFG_DISK_RO;
	} else if (ds->have[DISK_ACCESS] && (xlcfg_item_is(acc, "w") || xlcfg_item_is(acc, "rw"))) {
		if (ds->cdrom)
			return xlcfg_perr(p, a->line, xlcfg_acol(a, acc->off), "disk: a cdrom is read-only");
	} else if (ds->have[DISK_ACCESS] && acc->len) {
		return xlcfg_perr(p, a->line, xlcfg_acol(a, acc->off), "disk: access: \"%s\" is neither ro nor rw",
				  xlcfg_show(p, acc->s, acc->len));
	}
	d->cdrom = ds->cdrom;
	if ((!ds->have[DISK_TARGET] || !t->len) && !ds->cdrom)
		return xlcfg_perr(p, a->line, xlcfg_acol(a, 0), "disk: no target (the image or device behind %s)",
				  d->vdev);
	return ds->have[DISK_TARGET]
		   ? xlcfg_copy_str(p, "disk: target", a, t->off, t->len, d->target, sizeof(d->target))
		   : 0;
}

static int disk_entry(struct parser *p, const struct atom *a, struct xl_disk *d)
{
	struct disk_spec ds;
	struct item it;
	size_t at = 0;
	int r;

	memset(&ds, 0, sizeof(ds));
	while (xlcfg_next_item(a, &at, &it)) {
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

int xlcfg_set_disks(struct parser *p, const struct key_def *k, const struct value *v)
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
			return xlcfg_perr(p, a->line, xlcfg_acol(a, 0), "disk: more than %u disks",
					  (unsigned)XLCFG_MAX_DISKS);
		memset(&cfg->disks[cfg->nr_disks], 0, sizeof(cfg->disks[0]));
		r = disk_entry(p, a, &cfg->disks[cfg->nr_disks]);
		if (r)
			return r;
		cfg->nr_disks++;
	}
	return 0;
}
