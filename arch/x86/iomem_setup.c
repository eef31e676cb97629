/* The frames dom0 may not map as device memory (include/mica/iomem.h), from the boot information and ACPI. */
#include <asm/cpu.h>
#include <asm/setup.h>
#include <mica/acpi.h>
#include <mica/boot_info.h>
#include <mica/iomem.h>
#include <mica/printk.h>

extern struct acpi_info acpi;

#define XAPIC_DEFAULT_BASE 0xfee00000ULL
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ULL
#define AMD_IOMMU_MMIO_SIZE 0x4000ULL /* AMD IOMMU spec: the MMIO register set's first 16 KiB */

static bool deny_bytes(uint64_t base, uint64_t len, const char *what)
{
	if (!len || base + len < base)
		return true;
	return iomem_deny_add(base >> PAGE_SHIFT, (base + len - 1) >> PAGE_SHIFT, what);
}

static bool deny_acpi_devices(void)
{
	bool ok = true;

	for (uint32_t i = 0; i < acpi.madt.ioapic_count && i < ACPI_MAX_IOAPICS; i++)
		ok &= deny_bytes(acpi.madt.ioapics[i].address, PAGE_SIZE, "an IO-APIC");
	if (acpi.madt.present && acpi.madt.lapic_address)
		ok &= deny_bytes(acpi.madt.lapic_address, PAGE_SIZE, "the local APIC");
	if (acpi.hpet.present)
		ok &= deny_bytes(acpi.hpet.address, PAGE_SIZE, "the HPET");
	for (uint32_t i = 0; i < acpi.dmar.drhd_count && i < ACPI_MAX_DRHD; i++)
		ok &= deny_bytes(acpi.dmar.drhds[i].register_base, PAGE_SIZE, "an IOMMU (DMAR)");
	for (uint32_t i = 0; i < acpi.ivrs.ivhd_count && i < ACPI_MAX_IVHD; i++)
		ok &= deny_bytes(acpi.ivrs.ivhds[i].iommu_base, AMD_IOMMU_MMIO_SIZE, "an IOMMU (IVRS)");
	/* dom0 reaches configuration space through ports 0xCF8/0xCFC only. */
	for (uint32_t i = 0; i < acpi.mcfg.count && i < ACPI_MAX_MCFG; i++) {
		const struct acpi_mcfg_segment *s = &acpi.mcfg.segments[i];

		if (s->end_bus >= s->start_bus)
			ok &= deny_bytes(s->base + ((uint64_t)s->start_bus << 20),
					 (uint64_t)(s->end_bus - s->start_bus + 1) << 20, "the PCI ECAM area");
	}
	return ok;
}

void iomem_setup(void)
{
	bool ok = true;

	/* Every range of the firmware's map: RAM, reserved, ACPI, runtime services, its MMIO. */
	for (uint32_t i = 0; i < boot_info.nr_mem && i < BOOT_MAX_MEM_RANGES; i++)
		ok &= deny_bytes(boot_info.mem[i].base, boot_info.mem[i].length,
				 boot_info.mem[i].type == BOOT_MEM_RAM ? "RAM" : "in the firmware's memory map");
	ok &= deny_bytes(XAPIC_DEFAULT_BASE, PAGE_SIZE, "the local APIC");
	ok &= deny_bytes(rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK, PAGE_SIZE, "the local APIC");
	ok &= deny_acpi_devices();
	if (boot_info.fb.base)
		ok &= deny_bytes(boot_info.fb.base, (uint64_t)boot_info.fb.pitch * boot_info.fb.height,
				 "the hypervisor's framebuffer");
	if (!ok)
		printk("IOMEM: WARNING: the table of frames dom0 may not map is full: no device memory for dom0\n");
}
