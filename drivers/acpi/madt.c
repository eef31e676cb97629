/*
 * MADT ("APIC", ACPI 6.5 section 5.2.12): local APIC address, processors (Local APIC and Local
 * x2APIC entries), IO-APICs, interrupt source overrides and NMI wiring.
 */
#include "acpi_internal.h"

static void madt_add_cpu(struct acpi_parser *p, const struct acpi_table *t, uint32_t apic_id, uint32_t uid,
			 uint32_t flags, bool x2apic)
{
	struct acpi_madt_info *m = &p->info->madt;
	struct acpi_cpu *cpu;

	if (!(flags & (ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE)))
		return; /* neither present nor hot-pluggable */
	for (uint32_t i = 0; i < m->cpu_count; i++)
		if (m->cpus[i].apic_id == apic_id)
			return; /* firmware may list a CPU as both xAPIC and x2APIC */
	if (m->cpu_count >= ACPI_MAX_CPUS) {
		acpi_list_full(p, t, &m->cpus_dropped);
		return;
	}
	cpu = &m->cpus[m->cpu_count++];
	cpu->apic_id = apic_id;
	cpu->acpi_uid = uid;
	cpu->enabled = (flags & ACPI_MADT_ENABLED) != 0;
	cpu->online_capable = !cpu->enabled && (flags & ACPI_MADT_ONLINE_CAPABLE);
	cpu->x2apic = x2apic;
}

static void madt_lapic(struct acpi_parser *p, const struct acpi_table *t, const void *e)
{
	const struct acpi_madt_lapic *l = e;

	madt_add_cpu(p, t, l->apic_id, l->acpi_uid, l->flags, false);
}

static void madt_x2apic(struct acpi_parser *p, const struct acpi_table *t, const void *e)
{
	const struct acpi_madt_x2apic *x = e;

	madt_add_cpu(p, t, x->x2apic_id, x->acpi_uid, x->flags, true);
}

static void madt_ioapic(struct acpi_parser *p, const struct acpi_table *t, const void *e)
{
	const struct acpi_madt_ioapic *io = e;
	struct acpi_madt_info *m = &p->info->madt;

	if (m->ioapic_count >= ACPI_MAX_IOAPICS) {
		acpi_list_full(p, t, &m->ioapics_dropped);
		return;
	}
	m->ioapics[m->ioapic_count].id = io->id;
	m->ioapics[m->ioapic_count].address = io->address;
	m->ioapics[m->ioapic_count].gsi_base = io->gsi_base;
	m->ioapic_count++;
}

static void madt_override(struct acpi_parser *p, const struct acpi_table *t, const void *e)
{
	const struct acpi_madt_irq_override *o = e;
	struct acpi_madt_info *m = &p->info->madt;
	struct acpi_irq_override *dst;

	if (m->override_count >= ACPI_MAX_IRQ_OVERRIDES) {
		acpi_list_full(p, t, &m->overrides_dropped);
		return;
	}
	dst = &m->overrides[m->override_count++];
	dst->bus = o->bus;
	dst->source_irq = o->source;
	dst->gsi = o->gsi;
	dst->flags = o->flags;
}

static struct acpi_nmi *madt_new_nmi(struct acpi_parser *p, const struct acpi_table *t)
{
	struct acpi_madt_info *m = &p->info->madt;

	if (m->nmi_count >= ACPI_MAX_NMIS) {
		acpi_list_full(p, t, &m->nmis_dropped);
		return NULL;
	}
	return &m->nmis[m->nmi_count++];
}

static void madt_nmi_source(struct acpi_parser *p, const struct acpi_table *t, const void *e)
{
	const struct acpi_madt_nmi_source *s = e;
	struct acpi_nmi *n = madt_new_nmi(p, t);

	if (!n)
		return;
	n->is_gsi = true;
	n->gsi = s->gsi;
	n->flags = s->flags;
}

static void madt_lapic_nmi(struct acpi_parser *p, const struct acpi_table *t, const void *e)
{
	const struct acpi_madt_lapic_nmi *l = e;
	struct acpi_nmi *n = madt_new_nmi(p, t);

	if (!n)
		return;
	n->acpi_uid = l->acpi_uid == 0xFF ? ACPI_UID_ALL : l->acpi_uid;
	n->lint = l->lint;
	n->flags = l->flags;
}

static void madt_x2apic_nmi(struct acpi_parser *p, const struct acpi_table *t, const void *e)
{
	const struct acpi_madt_x2apic_nmi *x = e;
	struct acpi_nmi *n = madt_new_nmi(p, t);

	if (!n)
		return;
	n->acpi_uid = x->acpi_uid;
	n->lint = x->lint;
	n->flags = x->flags;
}

static void madt_lapic_override(struct acpi_parser *p, const struct acpi_table *t, const void *e)
{
	const struct acpi_madt_lapic_override *o = e;

	(void)t;
	if (o->address)
		p->info->madt.lapic_address = o->address;
}

typedef void (*madt_entry_fn)(struct acpi_parser *p, const struct acpi_table *t, const void *e);

static const struct {
	uint8_t type;
	uint8_t min_len;
	madt_entry_fn parse;
} madt_entry_parsers[] = {
    {ACPI_MADT_LAPIC, sizeof(struct acpi_madt_lapic), madt_lapic},
    {ACPI_MADT_IOAPIC, sizeof(struct acpi_madt_ioapic), madt_ioapic},
    {ACPI_MADT_IRQ_OVERRIDE, sizeof(struct acpi_madt_irq_override), madt_override},
    {ACPI_MADT_NMI_SOURCE, sizeof(struct acpi_madt_nmi_source), madt_nmi_source},
    {ACPI_MADT_LAPIC_NMI, sizeof(struct acpi_madt_lapic_nmi), madt_lapic_nmi},
    {ACPI_MADT_LAPIC_OVERRIDE, sizeof(struct acpi_madt_lapic_override), madt_lapic_override},
    {ACPI_MADT_X2APIC, sizeof(struct acpi_madt_x2apic), madt_x2apic},
    {ACPI_MADT_X2APIC_NMI, sizeof(struct acpi_madt_x2apic_nmi), madt_x2apic_nmi},
};

static void madt_entry(struct acpi_parser *p, const struct acpi_table *t, uint32_t off)
{
	const struct acpi_madt_entry *e = (const void *)(t->data + off);

	for (size_t i = 0; i < ARRAY_SIZE(madt_entry_parsers); i++) {
		if (madt_entry_parsers[i].type != e->type)
			continue;
		if (e->length < madt_entry_parsers[i].min_len)
			acpi_warn(p, ACPI_WARN_ENTRY_TOO_SHORT, t->data, t->address + off);
		else
			madt_entry_parsers[i].parse(p, t, e);
		return;
	}
}

void acpi_parse_madt(struct acpi_parser *p, const struct acpi_table *t)
{
	const struct acpi_madt *madt = (const void *)t->data;
	struct acpi_madt_info *m = &p->info->madt;
	uint32_t off = sizeof(*madt);

	if (m->present || !acpi_table_min_len(p, t, sizeof(*madt)))
		return;
	m->present = true;
	m->lapic_address = madt->lapic_address;
	m->pcat_compat = (madt->flags & ACPI_MADT_PCAT_COMPAT) != 0;
	while (off + sizeof(struct acpi_madt_entry) <= t->length) {
		const struct acpi_madt_entry *e = (const void *)(t->data + off);
		if (!acpi_subtable_fits(p, t, off, e->length, sizeof(*e)))
			break;
		madt_entry(p, t, off);
		off += e->length;
	}
}
