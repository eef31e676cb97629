/* IO-APICs: Mica takes no device interrupts yet, so every redirection entry is masked. */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/page.h>
#include <mica/acpi.h>
#include <mica/printk.h>

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define REDIR_MASKED (1u << 16)

extern struct acpi_info acpi;

static uint32_t ioapic_read(volatile uint32_t *base, uint32_t reg)
{
	base[IOAPIC_REGSEL / 4] = reg;
	return base[IOAPIC_WIN / 4];
}

static void ioapic_write(volatile uint32_t *base, uint32_t reg, uint32_t v)
{
	base[IOAPIC_REGSEL / 4] = reg;
	base[IOAPIC_WIN / 4] = v;
}

/* The legacy 8259 PICs: remap away from the exception vectors, then mask everything. */
static void pic_mask_all(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void ioapic_mask_all(void)
{
	if (!acpi.madt.present || acpi.madt.pcat_compat)
		pic_mask_all();
	for (uint32_t i = 0; i < acpi.madt.ioapic_count; i++) {
		const struct acpi_ioapic *io = &acpi.madt.ioapics[i];
		volatile uint32_t *base = pa_to_va(io->address);
		uint32_t entries = ((ioapic_read(base, IOAPIC_VER) >> 16) & 0xff) + 1;

		for (uint32_t pin = 0; pin < entries; pin++) {
			ioapic_write(base, IOAPIC_REDTBL(pin), REDIR_MASKED);
			ioapic_write(base, IOAPIC_REDTBL(pin) + 1, 0);
		}
		printk("IO-APIC %u at 0x%lx: GSI %u-%u masked\n", io->id, io->address, io->gsi_base,
		       io->gsi_base + entries - 1);
	}
}
