/* The ACPI RSDP, from the EFI configuration table. */
#include <mica/string.h>

#include "loader.h"

/* Prefers the ACPI 2.0+ RSDP (XSDT) to the ACPI 1.0 one; 0 if neither is there. */
UINT64 efi_find_rsdp(EFI_SYSTEM_TABLE *st)
{
	static const EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	static const EFI_GUID acpi10 = ACPI_TABLE_GUID;
	UINT64 rsdp1 = 0;

	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		const EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];

		if (!memcmp(&t->VendorGuid, &acpi20, sizeof(acpi20)))
			return (UINT64)(UINTN)t->VendorTable;
		if (!memcmp(&t->VendorGuid, &acpi10, sizeof(acpi10)))
			rsdp1 = (UINT64)(UINTN)t->VendorTable;
	}
	return rsdp1;
}
