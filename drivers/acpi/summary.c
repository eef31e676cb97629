/* Human-readable ACPI results: error and warning texts and the boot-log summary. */
#include <mica/printk.h>

#include "acpi_internal.h"

#define ACPI_LINE_LEN (ACPI_MAX_TABLES * ACPI_SIG_BUF + 1)

static const char *const acpi_warning_text[ACPI_WARN_COUNT] = {
    [ACPI_WARN_MAP] = "not mappable, skipped",
    [ACPI_WARN_SIGNATURE] = "unexpected signature, skipped",
    [ACPI_WARN_LENGTH] = "implausible length, skipped",
    [ACPI_WARN_CHECKSUM] = "checksum mismatch, skipped",
    [ACPI_WARN_RSDP_EXTENDED] = "RSDP 2.0 part invalid, XSDT ignored",
    [ACPI_WARN_XSDT_FALLBACK] = "XSDT unusable, using RSDT",
    [ACPI_WARN_ROOT_PARTIAL] = "root table ends inside an entry",
    [ACPI_WARN_TOO_MANY_TABLES] = "too many tables, rest not listed",
    [ACPI_WARN_TABLE_TOO_SHORT] = "table too short, ignored",
    [ACPI_WARN_BAD_ENTRY] = "malformed subtable, rest of table ignored",
    [ACPI_WARN_ENTRY_TOO_SHORT] = "subtable too short, skipped",
    [ACPI_WARN_LIST_FULL] = "too many entries, some dropped",
    [ACPI_WARN_NO_S5] = "no _S5_ sleep package found",
};

const char *acpi_warning_str(unsigned int code)
{
	if (code >= ACPI_WARN_COUNT || !acpi_warning_text[code])
		return "unknown warning";
	return acpi_warning_text[code];
}

const char *acpi_error_str(int err)
{
	switch (err) {
	case ACPI_OK:
		return "ok";
	case ACPI_ERR_RSDP_MAP:
		return "RSDP not mappable";
	case ACPI_ERR_RSDP_SIGNATURE:
		return "RSDP signature missing";
	case ACPI_ERR_RSDP_CHECKSUM:
		return "RSDP checksum mismatch";
	case ACPI_ERR_NO_ROOT:
		return "no valid RSDT or XSDT";
	default:
		return "unknown error";
	}
}

/* " FACP APIC ..." for every listed table except the root table itself. */
static void acpi_table_line(const struct acpi_info *info, char *buf)
{
	size_t pos = 0;

	for (uint32_t i = 0; i < info->table_count; i++) {
		const struct acpi_table_desc *d = &info->tables[i];
		size_t n = strlen(d->signature);

		if (d->address == info->root_address)
			continue;
		buf[pos++] = ' ';
		memcpy(buf + pos, d->signature, n);
		pos += n;
	}
	buf[pos] = '\0';
}

void acpi_print_summary(const struct acpi_info *info)
{
	char line[ACPI_LINE_LEN];
	uint32_t i;

	acpi_table_line(info, line);
	printk("ACPI: RSDP rev %u (%s), %s:%s\n", info->rsdp_revision, info->oem_id, info->xsdt_used ? "XSDT" : "RSDT",
	       line);
	printk("ACPI: %u CPUs, %u IO-APICs, LAPIC 0x%llx, PM timer 0x%llx (%u-bit), SCI %u, S5 %s %u/%u\n",
	       info->madt.cpu_count, info->madt.ioapic_count, (unsigned long long)info->madt.lapic_address,
	       (unsigned long long)info->fadt.pm_timer.address, info->fadt.pm_timer_32bit ? 32 : 24, info->fadt.sci_irq,
	       info->s5.found ? "found" : "missing", info->s5.slp_typ_a, info->s5.slp_typ_b);
	for (i = 0; i < info->warning_count && i < ACPI_MAX_WARNINGS; i++) {
		const struct acpi_warning *w = &info->warnings[i];
		printk("ACPI: warning: %s at 0x%llx: %s\n", w->signature[0] ? w->signature : "-",
		       (unsigned long long)w->address, acpi_warning_str(w->code));
	}
	if (info->warning_count > ACPI_MAX_WARNINGS)
		printk("ACPI: %u more warnings\n", info->warning_count - ACPI_MAX_WARNINGS);
}
