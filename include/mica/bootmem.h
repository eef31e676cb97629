/*
 * Boot-time memory: the firmware map plus the ranges boot must not reuse
 * (hypervisor image, boot modules, loader data still needed, early page tables).
 * bootmem_alloc() carves early allocations out of free RAM below 4 GiB before
 * the buddy allocator exists; bootmem_for_each_free() then hands the rest over.
 */
#ifndef MICA_BOOTMEM_H
#define MICA_BOOTMEM_H

#include <mica/boot_info.h>
#include <mica/types.h>

#define BOOTMEM_MAX_RESERVED 64

struct bootmem_range {
	uint64_t base, end; /* [base, end) */
	const char *what;
};

struct bootmem {
	const struct boot_info *bi;
	unsigned int nr_reserved;
	struct bootmem_range reserved[BOOTMEM_MAX_RESERVED];
	uint64_t alloc_limit; /* bootmem_alloc stays below this address */
};

void bootmem_init(struct bootmem *bm, const struct boot_info *bi, uint64_t alloc_limit);
/* Returns false if the table of reserved ranges is full. */
bool bootmem_reserve(struct bootmem *bm, uint64_t base, uint64_t size, const char *what);
/* Physical address of size bytes aligned to align (power of two), or 0 if none. */
uint64_t bootmem_alloc(struct bootmem *bm, uint64_t size, uint64_t align);
/* Calls fn for every page-aligned free RAM range (RAM minus reserved). Returns pages visited. */
uint64_t bootmem_for_each_free(const struct bootmem *bm, void (*fn)(uint64_t base, uint64_t end, void *ctx), void *ctx);
/* Sum of RAM in the firmware map, and the highest end address of RAM. */
uint64_t bootmem_ram_total(const struct boot_info *bi);
uint64_t bootmem_ram_end(const struct boot_info *bi);

#endif
