/*
 * IVRS (AMD I/O Virtualization Technology specification, section 5.2): the IOMMUs, from their
 * IVHD blocks. Firmware may describe one IOMMU with several IVHD types (10h, 11h, 40h) for
 * compatibility; those are merged by base address, keeping the highest type.
 */
#include "acpi_internal.h"

#define IVRS_IVMD_FIRST 0x20
#define IVRS_IVMD_LAST 0x22

static bool ivrs_is_ivhd(uint8_t type)
{
	return type == ACPI_IVHD_TYPE_10 || type == ACPI_IVHD_TYPE_11 || type == ACPI_IVHD_TYPE_40;
}

static struct acpi_ivhd_info *ivrs_slot(struct acpi_parser *p, const struct acpi_table *t, const struct acpi_ivhd *h)
{
	struct acpi_ivrs_info *ii = &p->info->ivrs;

	for (uint32_t i = 0; i < ii->ivhd_count; i++)
		if (ii->ivhds[i].iommu_base == h->iommu_base && ii->ivhds[i].segment == h->segment)
			return h->type > ii->ivhds[i].type ? &ii->ivhds[i] : NULL;
	if (ii->ivhd_count >= ACPI_MAX_IVHD) {
		acpi_list_full(p, t, &ii->ivhds_dropped);
		return NULL;
	}
	return &ii->ivhds[ii->ivhd_count++];
}

static void ivrs_ivhd(struct acpi_parser *p, const struct acpi_table *t, uint32_t off, uint32_t len)
{
	const struct acpi_ivhd *h = (const void *)(t->data + off);
	struct acpi_ivhd_info *u;

	if (len < sizeof(*h)) {
		acpi_warn(p, ACPI_WARN_ENTRY_TOO_SHORT, t->data, t->address + off);
		return;
	}
	u = ivrs_slot(p, t, h);
	if (!u)
		return;
	u->type = h->type;
	u->flags = h->flags;
	u->device_id = h->device_id;
	u->segment = h->segment;
	u->iommu_base = h->iommu_base;
}

void acpi_parse_ivrs(struct acpi_parser *p, const struct acpi_table *t)
{
	struct acpi_ivrs_info *ii = &p->info->ivrs;
	uint32_t off = sizeof(struct acpi_ivrs);

	if (ii->present || !acpi_table_min_len(p, t, sizeof(struct acpi_ivrs)))
		return;
	ii->present = true;
	ii->iv_info = ((const struct acpi_ivrs *)t->data)->iv_info;
	/* Every IVRS block starts with type (1 byte), flags (1 byte), length (2 bytes). */
	while (off + 4 <= t->length) {
		const uint8_t *b = t->data + off;
		uint16_t len = (uint16_t)(b[2] | b[3] << 8);
		if (!acpi_subtable_fits(p, t, off, len, 4))
			break;
		if (ivrs_is_ivhd(b[0]))
			ivrs_ivhd(p, t, off, len);
		else if (b[0] >= IVRS_IVMD_FIRST && b[0] <= IVRS_IVMD_LAST)
			ii->ivmd_count++;
		off += len;
	}
}
