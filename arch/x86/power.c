/*
 * Power-off: ACPI S5 (SLP_TYP from the DSDT's \_S5 package, SLP_EN) written to
 * PM1a/PM1b_CNT, after switching the platform to ACPI mode if needed (ACPI
 * spec §4.8.3.2, §16.1). Reboot: the FADT reset register, then the keyboard
 * controller's pulse-reset command, then a triple fault.
 */
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/power.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <mica/acpi.h>
#include <mica/acpi_tables.h>
#include <mica/console.h>
#include <mica/printk.h>

#define PM1_SCI_EN (1u << 0)
#define PM1_SLP_EN (1u << 13)
#define PM1_SLP_TYP_SHIFT 10

extern struct acpi_info acpi;

static void reg_write(const struct acpi_reg *r, uint64_t v)
{
	if (r->space_id == ACPI_SPACE_IO) {
		if (r->bit_width == 8 || r->access_size == 1)
			outb((uint16_t)r->address, (uint8_t)v);
		else if (r->bit_width == 16 || r->access_size == 2)
			outw((uint16_t)r->address, (uint16_t)v);
		else
			outl((uint16_t)r->address, (uint32_t)v);
	} else if (r->space_id == ACPI_SPACE_MEMORY) {
		volatile uint8_t *p = pa_to_va(r->address);
		if (r->bit_width == 8 || r->access_size == 1)
			*p = (uint8_t)v;
		else if (r->bit_width == 16 || r->access_size == 2)
			*(volatile uint16_t *)p = (uint16_t)v;
		else
			*(volatile uint32_t *)p = (uint32_t)v;
	}
}

static uint32_t reg_read16(const struct acpi_reg *r)
{
	if (r->space_id == ACPI_SPACE_IO)
		return inw((uint16_t)r->address);
	if (r->space_id == ACPI_SPACE_MEMORY)
		return *(volatile uint16_t *)pa_to_va(r->address);
	return 0;
}

static void acpi_enable_mode(void)
{
	const struct acpi_fadt_info *f = &acpi.fadt;

	if (reg_read16(&f->pm1a_cnt) & PM1_SCI_EN || !f->smi_cmd || !f->acpi_enable)
		return;
	outb((uint16_t)f->smi_cmd, f->acpi_enable);
	for (int ms = 0; ms < 300 && !(reg_read16(&f->pm1a_cnt) & PM1_SCI_EN); ms++)
		mdelay(1);
}

static void prepare(const char *what)
{
	printk("Mica: %s\n", what);
	irq_disable();
	if (nr_cpus > 1)
		smp_send_stop();
}

__noreturn void machine_poweroff(void)
{
	const struct acpi_fadt_info *f = &acpi.fadt;

	prepare("powering off");
	if (f->present && acpi.s5.found && f->pm1a_cnt.address) {
		acpi_enable_mode();
		reg_write(&f->pm1a_cnt, (acpi.s5.slp_typ_a << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
		if (f->pm1b_cnt.address)
			reg_write(&f->pm1b_cnt, (acpi.s5.slp_typ_b << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
		mdelay(100);
		printk("Mica: ACPI S5 did not power off\n");
	} else {
		printk("Mica: no ACPI S5 information; cannot power off through ACPI\n");
	}
	/* Bochs's and QEMU's legacy shutdown port, harmless elsewhere. */
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	printk("Mica: it is now safe to turn off the machine\n");
	cpu_halt_forever();
}

__noreturn void machine_reboot(void)
{
	const struct acpi_fadt_info *f = &acpi.fadt;
	struct desc_ptr empty = {0, 0};

	prepare("rebooting");
	if (f->present && f->reset_supported) {
		reg_write(&f->reset_reg, f->reset_value);
		mdelay(50);
	}
	for (int i = 0; i < 10; i++) {
		for (int spins = 0; spins < 100000 && (inb(0x64) & 0x02); spins++)
			;
		outb(0x64, 0xfe); /* 8042: pulse the reset line */
		mdelay(50);
	}
	__asm__ volatile("lidt %0; int3" ::"m"(empty)); /* triple fault */
	cpu_halt_forever();
}
