/*
 * DMAR (Intel VT-d specification, chapter 8): host address width, global flags and the DMA
 * remapping hardware units (DRHD). RMRR/ATSR structures are only counted for now.
 */
#include "acpi_internal.h"

/* Device scope entries (8.3.1) after the fixed DRHD part; counted, never followed past `len`. */
static uint16_t dmar_scope_count(const uint8_t *drhd, uint32_t len)
{
	uint32_t off = sizeof(struct acpi_dmar_drhd);
	uint16_t count = 0;

	while (off + sizeof(struct acpi_dmar_scope) <= len) {
		const struct acpi_dmar_scope *s = (const void *)(drhd + off);
		if (s->length < sizeof(*s) || s->length > len - off)
			break;
		count++;
		off += s->length;
	}
	return count;
}

static void dmar_drhd(struct acpi_parser *p, const struct acpi_table *t, uint32_t off, uint32_t len)
{
	const struct acpi_dmar_drhd *d = (const void *)(t->data + off);
	struct acpi_dmar_info *di = &p->info->dmar;
	struct acpi_drhd *u;

	if (len < sizeof(*d)) {
		acpi_warn(p, ACPI_WARN_ENTRY_TOO_SHORT, t->data, t->address + off);
		return;
	}
	if (di->drhd_count >= ACPI_MAX_DRHD) {
		acpi_list_full(p, t, &di->drhds_dropped);
		return;
	}
	u = &di->drhds[di->drhd_count++];
	u->register_base = d->register_base;
	u->segment = d->segment;
	u->flags = d->flags;
	u->include_pci_all = (d->flags & ACPI_DRHD_INCLUDE_PCI_ALL) != 0;
	u->scope_count = dmar_scope_count(t->data + off, len);
}

void acpi_parse_dmar(struct acpi_parser *p, const struct acpi_table *t)
{
	const struct acpi_dmar *dmar = (const void *)t->data;
	struct acpi_dmar_info *di = &p->info->dmar;
	uint32_t off = sizeof(*dmar);

	if (di->present || !acpi_table_min_len(p, t, sizeof(*dmar)))
		return;
	di->present = true;
	di->host_addr_width = (uint8_t)(dmar->host_addr_width + 1);
	di->flags = dmar->flags;
	di->intr_remap = (dmar->flags & ACPI_DMAR_INTR_REMAP) != 0;
	di->x2apic_opt_out = (dmar->flags & ACPI_DMAR_X2APIC_OPT_OUT) != 0;
	while (off + sizeof(struct acpi_dmar_entry) <= t->length) {
		const struct acpi_dmar_entry *e = (const void *)(t->data + off);
		if (!acpi_subtable_fits(p, t, off, e->length, sizeof(*e)))
			break;
		if (e->type == ACPI_DMAR_DRHD)
			dmar_drhd(p, t, off, e->length);
		else if (e->type == ACPI_DMAR_RMRR)
			di->rmrr_count++;
		else if (e->type == ACPI_DMAR_ATSR)
			di->atsr_count++;
		off += e->length;
	}
}
