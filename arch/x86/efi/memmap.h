/*
 * Turning the UEFI memory map into boot_info's ranges: portable C, run by
 * mica.efi after ExitBootServices (no firmware calls) and by host unit tests.
 */
#ifndef MICA_EFI_MEMMAP_H
#define MICA_EFI_MEMMAP_H

#include <mica/boot_info.h>
#include <mica/types.h>

/*
 * Same layout as EFI_MEMORY_DESCRIPTOR (UEFI spec, GetMemoryMap()). Firmware
 * reports its own descriptor size, which may exceed sizeof(this): always step
 * through a map by that size, never by sizeof.
 */
struct efi_mem_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t nr_pages; /* 4 KiB pages */
	uint64_t attribute;
};

/* EFI_MEMORY_TYPE values (UEFI spec). */
enum efi_mem_type {
	MICA_EFI_RESERVED = 0,
	MICA_EFI_LOADER_CODE = 1,
	MICA_EFI_LOADER_DATA = 2,
	MICA_EFI_BS_CODE = 3,
	MICA_EFI_BS_DATA = 4,
	MICA_EFI_RT_CODE = 5,
	MICA_EFI_RT_DATA = 6,
	MICA_EFI_CONVENTIONAL = 7,
	MICA_EFI_UNUSABLE = 8,
	MICA_EFI_ACPI_RECLAIM = 9,
	MICA_EFI_ACPI_NVS = 10,
	MICA_EFI_MMIO = 11,
	MICA_EFI_MMIO_PORT = 12,
	MICA_EFI_PAL_CODE = 13,
	MICA_EFI_PERSISTENT = 14,
	MICA_EFI_UNACCEPTED = 15,
};

struct efi_memmap_stats {
	uint32_t nr_desc;    /* descriptors read */
	uint32_t nr_skipped; /* empty or address-wrapping descriptors, ignored */
	uint32_t nr_dropped; /* ranges dropped because the output was full */
	uint64_t lost_bytes; /* of those, bytes of RAM/ACPI/firmware ranges (should be 0) */
};

/* The boot_mem_type for an EFI memory type. */
uint32_t efi_mem_type_to_boot(uint32_t efi_type);

/*
 * Converts map[0..map_size) (descriptors desc_size bytes apart) into at most
 * max ranges, sorted by base, adjacent ranges of one type merged. When the
 * output is full, reserved ranges are dropped first, then MMIO, then unusable;
 * RAM, ACPI and firmware ranges are dropped only as a last resort and counted
 * in stats->lost_bytes. Returns the number of ranges written; 0 if desc_size
 * is smaller than struct efi_mem_desc.
 */
unsigned int efi_memmap_convert(const void *map, size_t map_size, size_t desc_size, struct boot_mem_range *out,
				unsigned int max, struct efi_memmap_stats *stats);

#endif
