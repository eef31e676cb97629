/* MCFG (PCI Firmware specification 3.2, section 4.1.2): PCI Express ECAM regions. */
#include "acpi_internal.h"

void acpi_parse_mcfg(struct acpi_parser *p, const struct acpi_table *t)
{
	struct acpi_mcfg_info *mi = &p->info->mcfg;
	uint32_t off = sizeof(struct acpi_mcfg);

	if (mi->present || !acpi_table_min_len(p, t, sizeof(struct acpi_mcfg)))
		return;
	mi->present = true;
	for (; off + sizeof(struct acpi_mcfg_entry) <= t->length; off += sizeof(struct acpi_mcfg_entry)) {
		const struct acpi_mcfg_entry *e = (const void *)(t->data + off);
		struct acpi_mcfg_segment *s;

		if (mi->count >= ACPI_MAX_MCFG) {
			acpi_list_full(p, t, &mi->dropped);
			continue;
		}
		s = &mi->segments[mi->count++];
		s->base = e->base;
		s->segment = e->segment;
		s->start_bus = e->start_bus;
		s->end_bus = e->end_bus;
	}
}
