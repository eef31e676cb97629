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

/* First reserved range overlapping [base, end), or NULL. */
static const struct bootmem_range *overlap(const struct bootmem *bm, uint64_t base, uint64_t end)
{
	for (unsigned int i = 0; i < bm->nr_reserved; i++)
		if (bm->reserved[i].base < end && base < bm->reserved[i].end)
			return &bm->reserved[i];
	return NULL;
}

/* Highest aligned block of size bytes inside [lo, hi) free of reservations; 0 if none. */
static uint64_t carve_top(const struct bootmem *bm, uint64_t lo, uint64_t hi, uint64_t size, uint64_t align)
{
	while (hi > lo && hi - lo >= size) {
		uint64_t base = ALIGN_DOWN(hi - size, align);
		const struct bootmem_range *r;

		if (base < lo || !base)
			return 0;
		r = overlap(bm, base, base + size);
		if (!r)
			return base;
		hi = r->base; /* retry below the obstacle */
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

/* Emits the parts of [base, end) not covered by reservations at index >= from. */
static uint64_t emit_free(const struct bootmem *bm, unsigned int from, uint64_t base, uint64_t end,
			  void (*fn)(uint64_t, uint64_t, void *), void *ctx)
{
	for (unsigned int i = from; i < bm->nr_reserved; i++) {
		const struct bootmem_range *r = &bm->reserved[i];
		uint64_t pages = 0;

		if (r->end <= base || end <= r->base)
			continue;
		if (r->base > base)
			pages += emit_free(bm, i + 1, base, r->base, fn, ctx);
		if (r->end < end)
			pages += emit_free(bm, i + 1, r->end, end, fn, ctx);
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
