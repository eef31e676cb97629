/* HPET table (IA-PC HPET specification 1.0a, section 3.2.4): the first event timer block. */
#include "acpi_internal.h"

void acpi_parse_hpet(struct acpi_parser *p, const struct acpi_table *t)
{
	const struct acpi_hpet *h = (const void *)t->data;
	struct acpi_hpet_info *hi = &p->info->hpet;

	if (hi->present || !acpi_table_min_len(p, t, sizeof(*h)))
		return;
	hi->present = true;
	hi->address = h->base.address;
	hi->block_id = h->block_id;
	hi->counter_64bit = (h->block_id & ACPI_HPET_COUNT_SIZE_CAP) != 0;
	hi->comparators = (uint8_t)ACPI_HPET_NUM_COMPARATORS(h->block_id);
	hi->number = h->hpet_number;
	hi->min_tick = h->min_tick;
}
