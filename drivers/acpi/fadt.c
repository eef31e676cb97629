/*
 * FADT ("FACP", ACPI 6.5 section 5.2.9): power-management registers, reset register, SCI, DSDT
 * and FACS pointers. The table is copied into a zeroed full-size FADT first, so fields beyond an
 * older (shorter) revision read as zero, which the spec defines as "not present".
 */
#include "acpi_internal.h"

static void acpi_reg_from_gas(struct acpi_reg *r, const struct acpi_gas *g)
{
	r->space_id = g->space_id;
	r->bit_width = g->bit_width;
	r->bit_offset = g->bit_offset;
	r->access_size = g->access_size;
	r->address = g->address;
}

static bool acpi_gas_usable(const struct acpi_gas *g)
{
	return g->address && (g->space_id == ACPI_SPACE_MEMORY || g->space_id == ACPI_SPACE_IO);
}

/* The 64-bit X_ register when present, else the legacy I/O port block of `port_len` bytes. */
static void fadt_reg(struct acpi_reg *r, const struct acpi_gas *x, uint32_t port, uint8_t port_len)
{
	if (acpi_gas_usable(x)) {
		acpi_reg_from_gas(r, x);
		return;
	}
	if (!port)
		return;
	r->space_id = ACPI_SPACE_IO;
	r->bit_width = (uint8_t)(port_len * 8);
	r->address = port;
}

static void fadt_pm_timer(struct acpi_fadt_info *fi, const struct acpi_fadt *f)
{
	fadt_reg(&fi->pm_timer, &f->x_pm_tmr_blk, f->pm_tmr_blk, f->pm_tmr_len ? f->pm_tmr_len : 4);
	if (fi->pm_timer.space_id == ACPI_SPACE_IO && fi->pm_timer.address <= 0xFFFF)
		fi->pm_timer_port = (uint16_t)fi->pm_timer.address;
	fi->pm_timer_32bit = (f->flags & ACPI_FADT_TMR_VAL_EXT) != 0;
}

/* RESET_REG is valid only with RESET_REG_SUP (FADT revision >= 2, ACPI 6.5 section 4.8.3.6). */
static void fadt_reset(struct acpi_fadt_info *fi, const struct acpi_fadt *f)
{
	const struct acpi_gas *g = &f->reset_reg;

	if (!(f->flags & ACPI_FADT_RESET_REG_SUP) || !g->address)
		return;
	if (g->space_id != ACPI_SPACE_MEMORY && g->space_id != ACPI_SPACE_IO && g->space_id != ACPI_SPACE_PCI_CONFIG)
		return;
	fi->reset_supported = true;
	acpi_reg_from_gas(&fi->reset_reg, g);
	fi->reset_value = f->reset_value;
}

static void fadt_boot_arch(struct acpi_fadt_info *fi, const struct acpi_fadt *f)
{
	if (f->header.revision < 2)
		return; /* reserved in ACPI 1.0 */
	fi->boot_arch = f->iapc_boot_arch;
	fi->legacy_devices = (f->iapc_boot_arch & ACPI_BOOT_LEGACY_DEVICES) != 0;
	fi->has_8042 = (f->iapc_boot_arch & ACPI_BOOT_8042) != 0;
	fi->no_vga = (f->iapc_boot_arch & ACPI_BOOT_NO_VGA) != 0;
	fi->no_msi = (f->iapc_boot_arch & ACPI_BOOT_NO_MSI) != 0;
	fi->no_cmos_rtc = (f->iapc_boot_arch & ACPI_BOOT_NO_CMOS_RTC) != 0;
}

static void fadt_pointers(struct acpi_parser *p, const struct acpi_fadt *f)
{
	struct acpi_fadt_info *fi = &p->info->fadt;

	fi->facs = f->x_firmware_ctrl ? f->x_firmware_ctrl : f->firmware_ctrl;
	fi->dsdt = f->x_dsdt ? f->x_dsdt : f->dsdt;
	p->dsdt_fallback = f->x_dsdt ? f->dsdt : 0;
}

void acpi_parse_fadt(struct acpi_parser *p, const struct acpi_table *t)
{
	struct acpi_fadt_info *fi = &p->info->fadt;
	struct acpi_fadt f;

	if (fi->present || !acpi_table_min_len(p, t, offsetof(struct acpi_fadt, reserved0)))
		return;
	memset(&f, 0, sizeof(f));
	memcpy(&f, t->data, MIN(t->length, (uint32_t)sizeof(f)));
	fi->present = true;
	fi->revision = f.header.revision;
	fi->length = t->length;
	fi->flags = f.flags;
	fi->hw_reduced = (f.flags & ACPI_FADT_HW_REDUCED) != 0;
	fi->sci_irq = f.sci_int;
	fi->smi_cmd = f.smi_cmd;
	fi->acpi_enable = f.acpi_enable;
	fi->acpi_disable = f.acpi_disable;
	fadt_pointers(p, &f);
	fadt_pm_timer(fi, &f);
	fadt_reg(&fi->pm1a_evt, &f.x_pm1a_evt_blk, f.pm1a_evt_blk, f.pm1_evt_len);
	fadt_reg(&fi->pm1b_evt, &f.x_pm1b_evt_blk, f.pm1b_evt_blk, f.pm1_evt_len);
	fadt_reg(&fi->pm1a_cnt, &f.x_pm1a_cnt_blk, f.pm1a_cnt_blk, f.pm1_cnt_len);
	fadt_reg(&fi->pm1b_cnt, &f.x_pm1b_cnt_blk, f.pm1b_cnt_blk, f.pm1_cnt_len);
	fadt_reset(fi, &f);
	fadt_boot_arch(fi, &f);
}
