/*
 * ACPI core: finds and validates the RSDP and the root table (XSDT, else RSDT), maps and checks
 * every table it points to, and hands each known signature to its parser.
 */
#include "acpi_internal.h"

#define ACPI_RSDP_MAX_LEN 1024 /* the 2.0 RSDP is 36 bytes; anything near this is corrupt */
#define ACPI_BDA_EBDA_PTR 0x40E
#define ACPI_EBDA_SCAN_LEN 1024
#define ACPI_BIOS_AREA 0xE0000
#define ACPI_BIOS_AREA_LEN 0x20000

static const char acpi_rsdp_sig[8] = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' '};

bool acpi_checksum_ok(const void *data, size_t len)
{
	const uint8_t *b = data;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

/* Copies a fixed-width firmware string, replacing unprintable bytes and trimming spaces. */
static void acpi_copy_id(char *dst, const void *src, size_t n)
{
	const uint8_t *s = src;
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7F) ? (char)s[i] : '?';
	dst[n] = '\0';
	while (i > 0 && dst[i - 1] == ' ')
		dst[--i] = '\0';
}

void acpi_warn(struct acpi_parser *p, enum acpi_warning_code code, const void *sig, paddr_t pa)
{
	struct acpi_info *info = p->info;
	struct acpi_warning *w;

	if (info->warning_count++ >= ACPI_MAX_WARNINGS)
		return;
	w = &info->warnings[info->warning_count - 1];
	w->code = (uint16_t)code;
	w->address = pa;
	if (sig)
		acpi_copy_id(w->signature, sig, ACPI_SIG_LEN);
	else
		w->signature[0] = '\0';
}

bool acpi_subtable_fits(struct acpi_parser *p, const struct acpi_table *t, uint32_t off, uint32_t len, uint32_t min)
{
	if (len < min || len > t->length || off > t->length - len) {
		acpi_warn(p, ACPI_WARN_BAD_ENTRY, t->data, t->address + off);
		return false;
	}
	return true;
}

bool acpi_table_min_len(struct acpi_parser *p, const struct acpi_table *t, uint32_t min)
{
	if (t->length >= min)
		return true;
	acpi_warn(p, ACPI_WARN_TABLE_TOO_SHORT, t->data, t->address);
	return false;
}

/* Counts an entry that did not fit in its list; warns on the first one only. */
void acpi_list_full(struct acpi_parser *p, const struct acpi_table *t, uint32_t *dropped)
{
	if ((*dropped)++ == 0)
		acpi_warn(p, ACPI_WARN_LIST_FULL, t->data, t->address);
}

static const void *acpi_map(struct acpi_parser *p, paddr_t pa, size_t len)
{
	if (!pa || pa + len < pa)
		return NULL;
	return p->map(pa, len, p->ctx);
}

/*
 * Maps the header, checks signature (when want_sig is set) and length bounds, then maps the
 * whole table and verifies its checksum. The length is read once, before the full mapping.
 */
bool acpi_map_sdt(struct acpi_parser *p, paddr_t pa, const char *want_sig, struct acpi_table *t)
{
	const struct acpi_sdt_header *h = acpi_map(p, pa, sizeof(*h));
	uint32_t len;

	if (!h) {
		acpi_warn(p, ACPI_WARN_MAP, want_sig, pa);
		return false;
	}
	if (want_sig && !acpi_sig_eq(h->signature, want_sig)) {
		acpi_warn(p, ACPI_WARN_SIGNATURE, h->signature, pa);
		return false;
	}
	len = h->length;
	if (len < sizeof(*h) || len > ACPI_MAX_TABLE_LEN) {
		acpi_warn(p, ACPI_WARN_LENGTH, h->signature, pa);
		return false;
	}
	t->data = acpi_map(p, pa, len);
	if (!t->data) {
		acpi_warn(p, ACPI_WARN_MAP, h->signature, pa);
		return false;
	}
	if (!acpi_checksum_ok(t->data, len)) {
		acpi_warn(p, ACPI_WARN_CHECKSUM, t->data, pa);
		return false;
	}
	t->length = len;
	t->address = pa;
	return true;
}

/* FACS: signature and length only (it carries no checksum). */
static bool acpi_map_facs(struct acpi_parser *p, paddr_t pa, struct acpi_table *t)
{
	const struct acpi_facs *f = acpi_map(p, pa, sizeof(*f));
	uint32_t len;

	if (!f) {
		acpi_warn(p, ACPI_WARN_MAP, "FACS", pa);
		return false;
	}
	if (!acpi_sig_eq(f->signature, "FACS")) {
		acpi_warn(p, ACPI_WARN_SIGNATURE, f->signature, pa);
		return false;
	}
	len = f->length;
	if (len < ACPI_FACS_MIN_LEN || len > ACPI_MAX_TABLE_LEN) {
		acpi_warn(p, ACPI_WARN_LENGTH, "FACS", pa);
		return false;
	}
	t->data = acpi_map(p, pa, len);
	if (!t->data) {
		acpi_warn(p, ACPI_WARN_MAP, "FACS", pa);
		return false;
	}
	t->length = len;
	t->address = pa;
	return true;
}

static const struct acpi_table_desc *acpi_lookup_addr(const struct acpi_info *info, paddr_t pa)
{
	for (uint32_t i = 0; i < info->table_count; i++)
		if (info->tables[i].address == pa)
			return &info->tables[i];
	return NULL;
}

/* Adds a validated table to info->tables; returns false if it was already listed. */
static bool acpi_record(struct acpi_parser *p, const struct acpi_table *t, bool is_facs)
{
	struct acpi_info *info = p->info;
	struct acpi_table_desc *d;

	if (acpi_lookup_addr(info, t->address))
		return false;
	if (info->table_count >= ACPI_MAX_TABLES) {
		if (info->tables_dropped++ == 0)
			acpi_warn(p, ACPI_WARN_TOO_MANY_TABLES, t->data, t->address);
		return true;
	}
	d = &info->tables[info->table_count++];
	acpi_copy_id(d->signature, t->data, ACPI_SIG_LEN);
	d->address = t->address;
	d->length = t->length;
	if (is_facs) {
		d->revision = ((const struct acpi_facs *)t->data)->version;
		d->oem_id[0] = '\0';
	} else {
		const struct acpi_sdt_header *h = (const void *)t->data;
		d->revision = h->revision;
		acpi_copy_id(d->oem_id, h->oem_id, ACPI_OEM_ID_LEN);
	}
	return true;
}

typedef void (*acpi_table_parser)(struct acpi_parser *p, const struct acpi_table *t);

static const struct {
	char signature[ACPI_SIG_BUF];
	acpi_table_parser parse;
} acpi_table_parsers[] = {
    {"FACP", acpi_parse_fadt}, {"APIC", acpi_parse_madt}, {"HPET", acpi_parse_hpet},
    {"MCFG", acpi_parse_mcfg}, {"DMAR", acpi_parse_dmar}, {"IVRS", acpi_parse_ivrs},
};

static void acpi_load_entry(struct acpi_parser *p, paddr_t pa)
{
	struct acpi_table t;

	if (!pa || acpi_lookup_addr(p->info, pa))
		return;
	if (!acpi_map_sdt(p, pa, NULL, &t) || !acpi_record(p, &t, false))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(acpi_table_parsers); i++)
		if (acpi_sig_eq(t.data, acpi_table_parsers[i].signature))
			acpi_table_parsers[i].parse(p, &t);
}

/* Walks an RSDT (4-byte entries) or XSDT (8-byte entries). False if the table is unusable. */
static bool acpi_load_root(struct acpi_parser *p, paddr_t pa, const char *sig, uint32_t entry_len)
{
	struct acpi_table root;
	uint32_t body, count;

	if (!acpi_map_sdt(p, pa, sig, &root))
		return false;
	acpi_record(p, &root, false);
	body = root.length - (uint32_t)sizeof(struct acpi_sdt_header);
	count = body / entry_len;
	if (body % entry_len)
		acpi_warn(p, ACPI_WARN_ROOT_PARTIAL, root.data, pa);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = root.data + sizeof(struct acpi_sdt_header) + i * entry_len;
		acpi_load_entry(p, entry_len == 8 ? acpi_get64(e) : acpi_get32(e));
	}
	p->info->xsdt_used = entry_len == 8;
	p->info->root_address = pa;
	return true;
}

/* Returns the XSDT address when the RSDP's 2.0 part is valid, else 0 (with a warning). */
static paddr_t acpi_rsdp_xsdt(struct acpi_parser *p, paddr_t pa)
{
	const struct acpi_rsdp *r = acpi_map(p, pa, ACPI_RSDP_V2_LEN);
	uint32_t len;

	if (!r) {
		acpi_warn(p, ACPI_WARN_MAP, "RSDP", pa);
		return 0;
	}
	len = r->length;
	if (len < ACPI_RSDP_V2_LEN || len > ACPI_RSDP_MAX_LEN) {
		acpi_warn(p, ACPI_WARN_RSDP_EXTENDED, "RSDP", pa);
		return 0;
	}
	r = acpi_map(p, pa, len);
	if (!r || !acpi_checksum_ok(r, len)) {
		acpi_warn(p, ACPI_WARN_RSDP_EXTENDED, "RSDP", pa);
		return 0;
	}
	return r->xsdt_address;
}

static int acpi_load_rsdp(struct acpi_parser *p, paddr_t pa, paddr_t *rsdt, paddr_t *xsdt)
{
	const struct acpi_rsdp *r = acpi_map(p, pa, ACPI_RSDP_V1_LEN);

	if (!r)
		return ACPI_ERR_RSDP_MAP;
	if (memcmp(r->signature, acpi_rsdp_sig, sizeof(acpi_rsdp_sig)))
		return ACPI_ERR_RSDP_SIGNATURE;
	if (!acpi_checksum_ok(r, ACPI_RSDP_V1_LEN))
		return ACPI_ERR_RSDP_CHECKSUM;
	p->info->rsdp_address = pa;
	p->info->rsdp_revision = r->revision;
	acpi_copy_id(p->info->oem_id, r->oem_id, ACPI_OEM_ID_LEN);
	*rsdt = r->rsdt_address;
	*xsdt = r->revision >= 2 ? acpi_rsdp_xsdt(p, pa) : 0;
	return ACPI_OK;
}

/* Scans AML for _S5_ once; true when found (result stored in info->s5). */
static bool acpi_scan_s5(struct acpi_parser *p, const struct acpi_table *t)
{
	struct acpi_s5_info *s5 = &p->info->s5;
	size_t hdr = sizeof(struct acpi_sdt_header);

	if (!acpi_aml_find_s5(t->data + hdr, t->length - hdr, &s5->slp_typ_a, &s5->slp_typ_b))
		return false;
	s5->found = true;
	acpi_copy_id(s5->source, t->data, ACPI_SIG_LEN);
	return true;
}

static void acpi_load_dsdt(struct acpi_parser *p)
{
	struct acpi_fadt_info *fadt = &p->info->fadt;
	struct acpi_table t;

	if (!acpi_map_sdt(p, fadt->dsdt, "DSDT", &t)) {
		if (!p->dsdt_fallback || p->dsdt_fallback == fadt->dsdt ||
		    !acpi_map_sdt(p, p->dsdt_fallback, "DSDT", &t))
			return;
		fadt->dsdt = p->dsdt_fallback;
	}
	acpi_record(p, &t, false);
	acpi_scan_s5(p, &t);
}

/* Loads the FADT's DSDT and FACS, then looks for _S5_ in the DSDT first and each SSDT after. */
static void acpi_load_fadt_children(struct acpi_parser *p)
{
	struct acpi_info *info = p->info;
	struct acpi_table t;

	if (info->fadt.dsdt)
		acpi_load_dsdt(p);
	if (info->fadt.facs && acpi_map_facs(p, info->fadt.facs, &t))
		acpi_record(p, &t, true);
	for (uint32_t i = 0; i < info->table_count && !info->s5.found; i++) {
		const struct acpi_table_desc *d = &info->tables[i];
		if (acpi_sig_eq(d->signature, "SSDT") && acpi_map_sdt(p, d->address, "SSDT", &t))
			acpi_scan_s5(p, &t);
	}
	if (!info->s5.found)
		acpi_warn(p, ACPI_WARN_NO_S5, NULL, 0);
}

int acpi_parse(paddr_t rsdp, acpi_map_fn map, void *ctx, struct acpi_info *info)
{
	struct acpi_parser p = {.map = map, .ctx = ctx, .info = info};
	paddr_t rsdt, xsdt;
	int err;

	memset(info, 0, sizeof(*info));
	err = acpi_load_rsdp(&p, rsdp, &rsdt, &xsdt);
	if (err)
		return err;
	if (!xsdt || !acpi_load_root(&p, xsdt, "XSDT", 8)) {
		if (xsdt)
			acpi_warn(&p, ACPI_WARN_XSDT_FALLBACK, "XSDT", xsdt);
		if (!acpi_load_root(&p, rsdt, "RSDT", 4))
			return ACPI_ERR_NO_ROOT;
	}
	acpi_load_fadt_children(&p);
	return ACPI_OK;
}

static paddr_t acpi_scan_rsdp(acpi_map_fn map, void *ctx, paddr_t start, size_t len)
{
	const uint8_t *area = map(start, len, ctx);

	if (!area)
		return 0;
	for (size_t off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16)
		if (!memcmp(area + off, acpi_rsdp_sig, sizeof(acpi_rsdp_sig)) &&
		    acpi_checksum_ok(area + off, ACPI_RSDP_V1_LEN))
			return start + off;
	return 0;
}

paddr_t acpi_find_rsdp(acpi_map_fn map, void *ctx)
{
	const uint8_t *bda = map(ACPI_BDA_EBDA_PTR, 2, ctx);
	paddr_t ebda = bda ? (paddr_t)(bda[0] | bda[1] << 8) << 4 : 0;
	paddr_t found = 0;

	/* The EBDA sits just below 640 KiB; anything else is a garbage pointer. */
	if (ebda >= 0x80000 && ebda < 0xA0000)
		found = acpi_scan_rsdp(map, ctx, ebda, ACPI_EBDA_SCAN_LEN);
	if (!found)
		found = acpi_scan_rsdp(map, ctx, ACPI_BIOS_AREA, ACPI_BIOS_AREA_LEN);
	return found;
}

const struct acpi_table_desc *acpi_find_table(const struct acpi_info *info, const char *sig)
{
	for (uint32_t i = 0; i < info->table_count; i++)
		if (acpi_sig_eq(info->tables[i].signature, sig))
			return &info->tables[i];
	return NULL;
}
