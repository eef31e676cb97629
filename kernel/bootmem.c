/* Boot-time memory bookkeeping over the firmware map: reservations and early carving. */
#include <mica/bootmem.h>
#include <mica/string.h>

void bootmem_init(struct bootmem *bm, const struct boot_info *bi, uint64_t alloc_limit)
{
	memset(bm, 0, sizeof(*bm));
	bm->bi = bi;
	bm->alloc_limit = alloc_limit;
}

bool bootmem_reserve(struct bootmem *bm, uint64_t base, uint64_t size, const char *what)
{
	uint64_t end = base + size;

	if (!size)
		return true;
	if (end < base) /* wraps: reserve to the top */
		end = UINT64_MAX;
	if (bm->nr_reserved >= BOOTMEM_MAX_RESERVED)
		return false;
	bm->reserved[bm->nr_reserved++] = (struct bootmem_range){
	    ALIGN_DOWN(base, PAGE_SIZE), end > UINT64_MAX - PAGE_SIZE ? UINT64_MAX : ALIGN_UP(end, PAGE_SIZE), what};
	return true;
}

/*
 * Obstacle i: the reservations first, then every firmware range that is not
 * RAM (firmware maps may overlap; whatever is not RAM wins). False past the end.
 */
static bool obstacle(const struct bootmem *bm, unsigned int i, uint64_t *base, uint64_t *end)
{
	if (i < bm->nr_reserved) {
		*base = bm->reserved[i].base;
		*end = bm->reserved[i].end;
		return true;
	}
	for (i -= bm->nr_reserved; i < bm->bi->nr_mem; i++) {
		const struct boot_mem_range *m = &bm->bi->mem[i];

		if (m->type != BOOT_MEM_RAM) {
			*base = ALIGN_DOWN(m->base, PAGE_SIZE);
			*end = m->base + m->length < m->base ? UINT64_MAX : ALIGN_UP(m->base + m->length, PAGE_SIZE);
			return true;
		}
		*base = *end = 0; /* RAM entries are no obstacle */
		return true;
	}
	return false;
}

/* Lowest-indexed obstacle overlapping [base, end): its range in *ob, or false. */
static bool overlap(const struct bootmem *bm, unsigned int from, uint64_t base, uint64_t end, unsigned int *idx,
		    uint64_t *ob_base, uint64_t *ob_end)
{
	for (unsigned int i = from; obstacle(bm, i, ob_base, ob_end); i++)
		if (*ob_end > *ob_base && *ob_base < end && base < *ob_end) {
			*idx = i;
			return true;
		}
	return false;
}

/* Highest aligned block of size bytes inside [lo, hi) free of reservations; 0 if none. */
static uint64_t carve_top(const struct bootmem *bm, uint64_t lo, uint64_t hi, uint64_t size, uint64_t align)
{
	while (hi > lo && hi - lo >= size) {
		uint64_t base = ALIGN_DOWN(hi - size, align), ob_base, ob_end;
		unsigned int idx;

		if (base < lo || !base)
			return 0;
		if (!overlap(bm, 0, base, base + size, &idx, &ob_base, &ob_end))
			return base;
		hi = ob_base; /* retry below the obstacle */
	}
	return 0;
}

uint64_t bootmem_alloc(struct bootmem *bm, uint64_t size, uint64_t align)
{
	uint64_t best = 0;

	if (!size || (align & (align - 1)))
		return 0;
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	size = ALIGN_UP(size, PAGE_SIZE);
	for (uint32_t i = 0; i < bm->bi->nr_mem; i++) {
		const struct boot_mem_range *m = &bm->bi->mem[i];
		uint64_t lo = ALIGN_UP(m->base, PAGE_SIZE);
		uint64_t hi = ALIGN_DOWN(MIN(m->base + m->length, bm->alloc_limit), PAGE_SIZE);
		uint64_t got;

		if (m->type != BOOT_MEM_RAM || m->base >= bm->alloc_limit || hi <= lo)
			continue;
		got = carve_top(bm, lo, hi, size, align);
		if (got > best)
			best = got;
	}
	if (best && !bootmem_reserve(bm, best, size, "boot allocation"))
		return 0;
	return best;
}

/* Emits the parts of [base, end) not covered by obstacles at index >= from. */
static uint64_t emit_free(const struct bootmem *bm, unsigned int from, uint64_t base, uint64_t end,
			  void (*fn)(uint64_t, uint64_t, void *), void *ctx)
{
	uint64_t ob_base, ob_end, pages = 0;
	unsigned int i;

	if (overlap(bm, from, base, end, &i, &ob_base, &ob_end)) {
		if (ob_base > base)
			pages += emit_free(bm, i + 1, base, ob_base, fn, ctx);
		if (ob_end < end)
			pages += emit_free(bm, i + 1, ob_end, end, fn, ctx);
		return pages;
	}
	if (end > base) {
		fn(base, end, ctx);
		return (end - base) >> PAGE_SHIFT;
	}
	return 0;
}

uint64_t bootmem_for_each_free(const struct bootmem *bm, void (*fn)(uint64_t, uint64_t, void *), void *ctx)
{
	uint64_t pages = 0;

	for (uint32_t i = 0; i < bm->bi->nr_mem; i++) {
		const struct boot_mem_range *m = &bm->bi->mem[i];
		uint64_t lo = ALIGN_UP(m->base, PAGE_SIZE);
		uint64_t hi = ALIGN_DOWN(m->base + m->length, PAGE_SIZE);

		if (m->type == BOOT_MEM_RAM && hi > lo)
			pages += emit_free(bm, 0, lo, hi, fn, ctx);
	}
	return pages;
}

uint64_t bootmem_ram_total(const struct boot_info *bi)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < bi->nr_mem; i++)
		if (bi->mem[i].type == BOOT_MEM_RAM)
			total += bi->mem[i].length;
	return total;
}

uint64_t bootmem_ram_end(const struct boot_info *bi)
{
	uint64_t end = 0;

	for (uint32_t i = 0; i < bi->nr_mem; i++)
		if (bi->mem[i].type == BOOT_MEM_RAM && bi->mem[i].base + bi->mem[i].length > end)
			end = bi->mem[i].base + bi->mem[i].length;
	return end;
}
