/*
 * UEFI memory map -> boot_info ranges. Runs after ExitBootServices, so it only
 * computes: sorted insertion with merging into the caller's fixed array.
 */
#include <mica/string.h>

#include "memmap.h"

/* Boot services and loader memory is free once the hypervisor owns the machine. */
static const uint8_t efi_to_boot_type[] = {
    [MICA_EFI_RESERVED] = BOOT_MEM_RESERVED,   [MICA_EFI_LOADER_CODE] = BOOT_MEM_RAM,
    [MICA_EFI_LOADER_DATA] = BOOT_MEM_RAM,     [MICA_EFI_BS_CODE] = BOOT_MEM_RAM,
    [MICA_EFI_BS_DATA] = BOOT_MEM_RAM,         [MICA_EFI_RT_CODE] = BOOT_MEM_FIRMWARE,
    [MICA_EFI_RT_DATA] = BOOT_MEM_FIRMWARE,    [MICA_EFI_CONVENTIONAL] = BOOT_MEM_RAM,
    [MICA_EFI_UNUSABLE] = BOOT_MEM_UNUSABLE,   [MICA_EFI_ACPI_RECLAIM] = BOOT_MEM_ACPI_RECLAIM,
    [MICA_EFI_ACPI_NVS] = BOOT_MEM_ACPI_NVS,   [MICA_EFI_MMIO] = BOOT_MEM_MMIO,
    [MICA_EFI_MMIO_PORT] = BOOT_MEM_MMIO,      [MICA_EFI_PAL_CODE] = BOOT_MEM_RESERVED,
    [MICA_EFI_PERSISTENT] = BOOT_MEM_RESERVED, [MICA_EFI_UNACCEPTED] = BOOT_MEM_RESERVED,
};

uint32_t efi_mem_type_to_boot(uint32_t efi_type)
{
	if (efi_type < ARRAY_SIZE(efi_to_boot_type))
		return efi_to_boot_type[efi_type];
	return BOOT_MEM_RESERVED; /* OEM and OS-loader defined types */
}

/* Which range to give up when the output is full: lowest rank first. */
#define RANK_KEEP 3
static unsigned int drop_rank(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_RESERVED:
		return 0;
	case BOOT_MEM_MMIO:
		return 1;
	case BOOT_MEM_UNUSABLE:
		return 2;
	default:
		return RANK_KEEP; /* RAM, ACPI tables/NVS, runtime firmware */
	}
}

struct range_set {
	struct boot_mem_range *r;
	unsigned int n;
	unsigned int max;
	struct efi_memmap_stats *stats;
};

/* Index of the first range whose base is above `base`. */
static unsigned int find_slot(const struct range_set *s, uint64_t base)
{
	unsigned int lo = 0, hi = s->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (s->r[mid].base <= base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void remove_at(struct range_set *s, unsigned int i)
{
	memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof(s->r[0]));
	s->n--;
}

static bool ends_at(const struct boot_mem_range *a, uint64_t addr)
{
	return a->base + a->length == addr;
}

/* Extends a neighbour of slot i of the same type that touches r. */
static bool try_merge(struct range_set *s, unsigned int i, const struct boot_mem_range *r)
{
	struct boot_mem_range *prev = i ? &s->r[i - 1] : NULL;
	struct boot_mem_range *next = i < s->n ? &s->r[i] : NULL;

	if (prev && prev->type == r->type && ends_at(prev, r->base)) {
		prev->length += r->length;
		if (next && next->type == r->type && ends_at(prev, next->base)) {
			prev->length += next->length;
			remove_at(s, i);
		}
		return true;
	}
	if (next && next->type == r->type && ends_at(r, next->base)) {
		next->base = r->base;
		next->length += r->length;
		return true;
	}
	return false;
}

static void count_drop(struct range_set *s, const struct boot_mem_range *r)
{
	s->stats->nr_dropped++;
	if (drop_rank(r->type) == RANK_KEEP)
		s->stats->lost_bytes += r->length;
}

/* Makes room for r in a full set; false if r itself is the one to drop. */
static bool evict_for(struct range_set *s, const struct boot_mem_range *r)
{
	unsigned int victim = 0;

	for (unsigned int i = 1; i < s->n; i++)
		if (drop_rank(s->r[i].type) < drop_rank(s->r[victim].type))
			victim = i;
	if (!s->n || drop_rank(s->r[victim].type) >= drop_rank(r->type)) {
		count_drop(s, r);
		return false;
	}
	count_drop(s, &s->r[victim]);
	remove_at(s, victim);
	return true;
}

static void add_range(struct range_set *s, const struct boot_mem_range *r)
{
	unsigned int i = find_slot(s, r->base);

	if (try_merge(s, i, r))
		return;
	if (s->n == s->max) {
		if (!evict_for(s, r))
			return;
		i = find_slot(s, r->base);
	}
	memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
	s->r[i] = *r;
	s->n++;
}

unsigned int efi_memmap_convert(const void *map, size_t map_size, size_t desc_size, struct boot_mem_range *out,
				unsigned int max, struct efi_memmap_stats *stats)
{
	struct range_set set = {out, 0, max, stats};
	struct efi_mem_desc d;

	memset(stats, 0, sizeof(*stats));
	if (desc_size < sizeof(d))
		return 0;
	for (size_t off = 0; map_size - off >= desc_size; off += desc_size) {
		struct boot_mem_range r = {0};

		memcpy(&d, (const uint8_t *)map + off, sizeof(d));
		stats->nr_desc++;
		if (!d.nr_pages || d.nr_pages > (UINT64_MAX - d.phys_start) >> PAGE_SHIFT) {
			stats->nr_skipped++;
			continue;
		}
		r.base = d.phys_start;
		r.length = d.nr_pages << PAGE_SHIFT;
		r.type = efi_mem_type_to_boot(d.type);
		add_range(&set, &r);
	}
	return set.n;
}
