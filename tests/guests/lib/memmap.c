/* What the start info's memory map says about guest-physical memory. */
#include "xtf.h"

#define HOLE_LIMIT 0xe0000000ull /* stay clear of the MMIO/special-page region below 4 GiB */
#define SZ_2M 0x200000ull

static const struct hvm_memmap_table_entry *memmap(uint32_t *n)
{
	*n = start_info && start_info->version >= 1 ? start_info->memmap_entries : 0;
	return *n ? (const void *)(uintptr_t)start_info->memmap_paddr : NULL;
}

/* A 2 MiB-aligned guest-physical address below HOLE_LIMIT that no memory map entry covers, or 0. */
uint64_t unpopulated_gpa(void)
{
	uint32_t n;
	const struct hvm_memmap_table_entry *map = memmap(&n);
	uint64_t top = 0;

	for (uint32_t i = 0; i < n; i++)
		if (map[i].addr < HOLE_LIMIT && map[i].addr + map[i].size > top)
			top = map[i].addr + map[i].size;
	top = (top + 2 * SZ_2M - 1) & ~(SZ_2M - 1); /* round up, plus 2 MiB of slack */
	if (!n || top + SZ_2M > HOLE_LIMIT)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (map[i].addr < top + SZ_2M && map[i].addr + map[i].size > top)
			return 0;
	return top;
}
