/* vif= entries of xl.cfg(5), as xl-network-configuration(5) writes them. */
#include "xlcfg/xlcfg_int.h"

#include <stdio.h>
#include <string.h>

/* vif = [ 'mac=00:16:3e:01:02:03,bridge=br0,ip=10.0.0.5', ... ] */

static int vif_mac(struct parser *p, const struct atom *a, const struct item *v, struct xl_vif *vif)
{
	const struct xl_domain_config *cfg = p->cfg;

	for (size_t i = 0; i < 18; i++) {
		char c = i < v->len ? v->s[i] : '\0';
		bool ok = i == 17 ? i == v->len : i % 3 == 2 ? c == ':' || c == '-' : is_hex(c);

		if (!ok)
			return xlcfg_perr(p, a->line, xlcfg_acol(a, v->off + i),
					  "vif: mac: \"%s\" is not of the form xx:xx:xx:xx:xx:xx",
					  xlcfg_show(p, v->s, v->len));
	}
	for (size_t i = 0; i < 6; i++)
		vif->mac[i] = (uint8_t)(hex_val(v->s[3 * i]) << 4 | hex_val(v->s[3 * i + 1]));
	if (vif->mac[0] & 1)
		return xlcfg_perr(p, a->line, xlcfg_acol(a, v->off), "vif: mac: %.17s is a multicast address", v->s);
	for (unsigned i = 0; i < cfg->nr_vifs; i++) {
		if (cfg->vifs[i].has_mac && !memcmp(cfg->vifs[i].mac, vif->mac, 6))
			return xlcfg_perr(p, a->line, xlcfg_acol(a, v->off),
					  "vif: mac: %.17s is already used by vif %u", v->s, i);
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
			return xlcfg_perr(p, a->line, xlcfg_acol(a, v->off + start),
					  "vif: ip: \"%s\" is not an IPv4 address",
					  xlcfg_show(p, v->s + start, i - start));
		while (i < v->len && is_blank(v->s[i]))
			i++;
	}
	return xlcfg_copy_str(p, "vif: ip", a, v->off, v->len, vif->ip, sizeof(vif->ip));
}

#define VIF_STR(f) #f, offsetof(struct xl_vif, f), sizeof(((struct xl_vif *)0)->f)
const struct vif_str xlcfg_vif_strs[VIF_NR_STRS] = {
    {VIF_STR(bridge)}, {VIF_STR(model)}, {VIF_STR(vifname)}, {VIF_STR(backend)}, {VIF_STR(rate)}};

/* Keys xl knows that mean nothing to Mica's netback. */
static const char *const vif_ignored[] = {"script", "gatewaydev", "forwarddev", "devid",
					  "accel",  "trusted",    "untrusted"};

static int vif_item(struct parser *p, const struct atom *a, const struct item *it, struct xl_vif *vif)
{
	struct item key, val;
	char what[40];

	if (!xlcfg_item_split(it, &key, &val))
		return xlcfg_perr(p, a->line, xlcfg_acol(a, it->off), "vif: expected key=value, not \"%s\"",
				  xlcfg_show(p, it->s, it->len));
	snprintf(what, sizeof(what), "vif: %.*s", (int)(key.len > 20 ? 20 : key.len), key.s);
	if (xlcfg_item_is(&key, "mac"))
		return vif_mac(p, a, &val, vif);
	if (xlcfg_item_is(&key, "ip"))
		return vif_ip(p, a, &val, vif);
	if (xlcfg_item_is(&key, "vlan"))
		return xlcfg_add_u32(p, what, a, &val, 1, 4094, &vif->vlan, sizeof(vif->vlan));
	if (xlcfg_item_is(&key, "mtu"))
		return xlcfg_add_u32(p, what, a, &val, 68, 65535, &vif->mtu, sizeof(vif->mtu));
	if (xlcfg_item_is(&key, "type")) {
		if (!(xlcfg_item_is(&val, "vif") || xlcfg_item_is(&val, "ioemu")))
			return xlcfg_perr(p, a->line, xlcfg_acol(a, val.off),
					  "vif: type: \"%s\" is neither vif nor ioemu", xlcfg_show(p, val.s, val.len));
		return xlcfg_copy_str(p, what, a, val.off, val.len, vif->type, sizeof(vif->type));
	}
	for (size_t i = 0; i < ARRAY_LEN(xlcfg_vif_strs); i++) {
		if (xlcfg_item_is(&key, xlcfg_vif_strs[i].name))
			return xlcfg_copy_str(p, what, a, val.off, val.len, (char *)vif + xlcfg_vif_strs[i].off,
					      xlcfg_vif_strs[i].size);
	}
	for (size_t i = 0; i < ARRAY_LEN(vif_ignored); i++) {
		if (xlcfg_item_is(&key, vif_ignored[i])) {
			xlcfg_pwarn(p, a->line, xlcfg_acol(a, it->off), "%s: ignored by Mica", what);
			return 0;
		}
	}
	xlcfg_pwarn(p, a->line, xlcfg_acol(a, it->off), "%s: unknown vif key, ignored", what);
	return 0;
}

int xlcfg_set_vifs(struct parser *p, const struct key_def *k, const struct value *v)
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
			return xlcfg_perr(p, a->line, xlcfg_acol(a, 0), "vif: more than %u interfaces",
					  (unsigned)XLCFG_MAX_VIFS);
		memset(vif, 0, sizeof(*vif));
		while (xlcfg_next_item(a, &at, &it)) {
			r = it.len ? vif_item(p, a, &it, vif) : 0;
			if (r)
				return r;
		}
		cfg->nr_vifs++;
	}
	return 0;
}
