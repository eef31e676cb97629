/*
 * Binary buddy allocator over a frame table. Blocks of 2^order frames are
 * aligned to 2^order in absolute pfn terms, so a block's buddy is pfn ^ 2^order.
 */
#include <mica/buddy.h>
#include <mica/printk.h>

_Static_assert(sizeof(struct page_info) <= 16, "page_info must stay small");

#define ORDER_FRAMES(o) (1ULL << (o))

static inline uint32_t pfn_to_idx(const struct buddy *b, uint64_t pfn)
{
	return (uint32_t)(pfn - b->base_pfn);
}

static inline uint64_t idx_to_pfn(const struct buddy *b, uint32_t idx)
{
	return b->base_pfn + idx;
}

/* Is [pfn, pfn + 2^order) entirely inside the managed window? */
static bool block_in_window(const struct buddy *b, uint64_t pfn, unsigned int order)
{
	if (pfn < b->base_pfn)
		return false;
	uint64_t off = pfn - b->base_pfn;
	return off < b->nr_frames && ORDER_FRAMES(order) <= b->nr_frames - off;
}

static void list_push(struct buddy *b, uint32_t idx, unsigned int order)
{
	struct page_info *pi = &b->frames[idx];
	uint32_t head = b->free_head[order];

	pi->flags = PGI_FREE;
	pi->order = (uint8_t)order;
	pi->prev = BUDDY_NIL;
	pi->next = head;
	if (head != BUDDY_NIL)
		b->frames[head].prev = idx;
	b->free_head[order] = idx;
	b->nr_free_blocks[order]++;
}

static void list_remove(struct buddy *b, uint32_t idx, unsigned int order)
{
	struct page_info *pi = &b->frames[idx];

	if (pi->prev != BUDDY_NIL)
		b->frames[pi->prev].next = pi->next;
	else
		b->free_head[order] = pi->next;
	if (pi->next != BUDDY_NIL)
		b->frames[pi->next].prev = pi->prev;
	pi->next = pi->prev = BUDDY_NIL;
	pi->flags = 0;
	b->nr_free_blocks[order]--;
}

/* Insert an aligned block whose frames all have flags 0, merging with free buddies. */
static void free_block(struct buddy *b, uint64_t pfn, unsigned int order)
{
	b->nr_free += ORDER_FRAMES(order);
	while (order < BUDDY_MAX_ORDER) {
		uint64_t buddy_pfn = pfn ^ ORDER_FRAMES(order);

		if (!block_in_window(b, buddy_pfn, order))
			break;
		uint32_t bi = pfn_to_idx(b, buddy_pfn);
		const struct page_info *bp = &b->frames[bi];
		if (bp->flags != PGI_FREE || bp->order != order)
			break;
		list_remove(b, bi, order);
		pfn = MIN(pfn, buddy_pfn);
		order++;
	}
	list_push(b, pfn_to_idx(b, pfn), order);
}

/* Largest order such that pfn is aligned to it and the block fits in count frames. */
static unsigned int max_fit_order(uint64_t pfn, uint64_t count)
{
	unsigned int order = BUDDY_MAX_ORDER;

	if (pfn != 0)
		order = MIN((unsigned int)__builtin_ctzll(pfn), BUDDY_MAX_ORDER);
	while (ORDER_FRAMES(order) > count)
		order--;
	return order;
}

/* Free a run of frames (flags already 0) by cutting it into aligned blocks. */
static void free_run(struct buddy *b, uint64_t pfn, uint64_t count)
{
	while (count) {
		unsigned int order = max_fit_order(pfn, count);

		free_block(b, pfn, order);
		pfn += ORDER_FRAMES(order);
		count -= ORDER_FRAMES(order);
	}
}

void buddy_init(struct buddy *b, struct page_info *frames, uint64_t base_pfn, uint64_t nr_frames)
{
	b->frames = frames;
	b->base_pfn = base_pfn;
	b->nr_frames = MIN(nr_frames, BUDDY_MAX_FRAMES);
	for (unsigned int o = 0; o < BUDDY_NR_ORDERS; o++) {
		b->free_head[o] = BUDDY_NIL;
		b->nr_free_blocks[o] = 0;
	}
	b->nr_free = 0;
	b->stats = (struct buddy_stats){0};
	for (uint64_t i = 0; i < b->nr_frames; i++)
		frames[i] = (struct page_info){.next = BUDDY_NIL, .prev = BUDDY_NIL, .flags = PGI_RESERVED};
}

/* Clip [pfn, pfn + count) to the window as frame indices [*lo, *hi). */
static bool clip_range(const struct buddy *b, uint64_t pfn, uint64_t count, uint64_t *lo, uint64_t *hi)
{
	uint64_t end = pfn + count;

	if (end < pfn) /* wrapped: clip at the top of the address space */
		end = UINT64_MAX;
	uint64_t wend = b->base_pfn + b->nr_frames;
	uint64_t start = MAX(pfn, b->base_pfn);
	end = MIN(end, wend);
	if (start >= end)
		return false;
	*lo = start - b->base_pfn;
	*hi = end - b->base_pfn;
	return true;
}

uint64_t buddy_add_free_range(struct buddy *b, uint64_t pfn, uint64_t count)
{
	uint64_t lo, hi, added = 0;

	if (!clip_range(b, pfn, count, &lo, &hi))
		return 0;
	while (lo < hi) {
		if (b->frames[lo].flags != PGI_RESERVED) {
			lo++;
			continue;
		}
		uint64_t run = lo;
		while (run < hi && b->frames[run].flags == PGI_RESERVED)
			b->frames[run++].flags = 0;
		free_run(b, b->base_pfn + lo, run - lo);
		added += run - lo;
		lo = run;
	}
	return added;
}

/* Find the free block containing frame idx; returns its head index or BUDDY_NIL. */
static uint32_t find_free_head(const struct buddy *b, uint64_t idx, unsigned int *order)
{
	uint64_t pfn = idx_to_pfn(b, (uint32_t)idx);

	for (unsigned int o = 0; o < BUDDY_NR_ORDERS; o++) {
		uint64_t head = pfn & ~(ORDER_FRAMES(o) - 1);

		if (head < b->base_pfn)
			break;
		const struct page_info *pi = &b->frames[pfn_to_idx(b, head)];
		if (pi->flags == PGI_FREE && pi->order >= o) {
			*order = pi->order;
			return pfn_to_idx(b, head);
		}
	}
	return BUDDY_NIL;
}

/* Reserve frames [lo, hi) of the free block at head; give the rest back. */
static uint64_t carve_block(struct buddy *b, uint32_t head, unsigned int order, uint64_t lo, uint64_t hi)
{
	uint64_t bend = (uint64_t)head + ORDER_FRAMES(order);
	uint64_t rlo = MAX(lo, (uint64_t)head), rhi = MIN(hi, bend);

	list_remove(b, head, order);
	b->nr_free -= ORDER_FRAMES(order);
	for (uint64_t i = rlo; i < rhi; i++)
		b->frames[i].flags = PGI_RESERVED;
	free_run(b, idx_to_pfn(b, head), rlo - head);
	free_run(b, idx_to_pfn(b, (uint32_t)rhi), bend - rhi);
	return rhi - rlo;
}

uint64_t buddy_reserve_range(struct buddy *b, uint64_t pfn, uint64_t count)
{
	uint64_t lo, hi, i, reserved = 0;

	if (!clip_range(b, pfn, count, &lo, &hi))
		return 0;
	i = lo;
	while (i < hi) {
		unsigned int order;
		uint32_t head = find_free_head(b, i, &order);

		if (head == BUDDY_NIL) {
			i++;
			continue;
		}
		reserved += carve_block(b, head, order, lo, hi);
		i = MIN(hi, (uint64_t)head + ORDER_FRAMES(order));
	}
	return reserved;
}

bool buddy_alloc(struct buddy *b, unsigned int order, uint64_t *pfn_out)
{
	unsigned int o = order;

	while (o < BUDDY_NR_ORDERS && b->free_head[o] == BUDDY_NIL)
		o++;
	if (order > BUDDY_MAX_ORDER || o >= BUDDY_NR_ORDERS) {
		b->stats.nr_alloc_fail++;
		return false;
	}
	uint32_t head = b->free_head[o];
	list_remove(b, head, o);
	while (o > order) {
		o--;
		list_push(b, head + (uint32_t)ORDER_FRAMES(o), o);
	}
	b->frames[head].flags = PGI_ALLOC;
	b->frames[head].order = (uint8_t)order;
	b->nr_free -= ORDER_FRAMES(order);
	b->stats.nr_alloc++;
	*pfn_out = idx_to_pfn(b, head);
	return true;
}

/*
 * The first aligned 2^order block inside both the free block [head, head + 2^o) and
 * [lo, hi) (pfns); false if there is none.
 */
static bool fit_in_range(uint64_t head, unsigned int o, unsigned int order, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t start = MAX(head, (lo + ORDER_FRAMES(order) - 1) & ~(ORDER_FRAMES(order) - 1));
	uint64_t end = MIN(head + ORDER_FRAMES(o), hi);

	if (start < lo || start >= end || end - start < ORDER_FRAMES(order))
		return false;
	*out = start;
	return true;
}

bool buddy_alloc_range(struct buddy *b, unsigned int order, uint64_t lo_pfn, uint64_t hi_pfn, uint64_t *pfn_out)
{
	if (order > BUDDY_MAX_ORDER || lo_pfn >= hi_pfn) {
		b->stats.nr_alloc_fail++;
		return false;
	}
	/* The smallest free block that holds a fitting piece: big blocks stay whole where possible. */
	for (unsigned int o = order; o < BUDDY_NR_ORDERS; o++) {
		for (uint32_t i = b->free_head[o]; i != BUDDY_NIL; i = b->frames[i].next) {
			uint64_t head = idx_to_pfn(b, i), want;

			if (!fit_in_range(head, o, order, lo_pfn, hi_pfn, &want))
				continue;
			list_remove(b, i, o);
			/* Halve down to the wanted piece, giving back the half without it each time. */
			while (o > order) {
				o--;
				if (want >= head + ORDER_FRAMES(o)) {
					list_push(b, pfn_to_idx(b, head), o);
					head += ORDER_FRAMES(o);
				} else {
					list_push(b, pfn_to_idx(b, head + ORDER_FRAMES(o)), o);
				}
			}
			b->frames[pfn_to_idx(b, head)].flags = PGI_ALLOC;
			b->frames[pfn_to_idx(b, head)].order = (uint8_t)order;
			b->nr_free -= ORDER_FRAMES(order);
			b->stats.nr_alloc++;
			*pfn_out = head;
			return true;
		}
	}
	b->stats.nr_alloc_fail++;
	return false;
}

static const char *free_check(const struct buddy *b, uint64_t pfn, unsigned int order)
{
	if (order > BUDDY_MAX_ORDER)
		return "order too large";
	if (pfn & (ORDER_FRAMES(order) - 1))
		return "misaligned pfn";
	if (!block_in_window(b, pfn, order))
		return "pfn not managed";
	const struct page_info *pi = &b->frames[pfn_to_idx(b, pfn)];
	if (pi->flags != PGI_ALLOC)
		return pi->flags == PGI_FREE ? "double free" : "pfn not allocated";
	if (pi->order != order)
		return "order differs from allocation";
	return NULL;
}

bool buddy_free(struct buddy *b, uint64_t pfn, unsigned int order)
{
	const char *err = free_check(b, pfn, order);

	if (err) {
		printk("buddy: refusing free of pfn 0x%llx order %u: %s\n", (unsigned long long)pfn, order, err);
		b->stats.nr_bad_free++;
		return false;
	}
	b->frames[pfn_to_idx(b, pfn)].flags = 0;
	free_block(b, pfn, order);
	b->stats.nr_free++;
	return true;
}

uint64_t buddy_nr_free(const struct buddy *b)
{
	return b->nr_free;
}

bool buddy_split(struct buddy *b, uint64_t pfn, unsigned int order)
{
	uint32_t half;

	if (order == 0 || free_check(b, pfn, order))
		return false;
	half = pfn_to_idx(b, pfn) + (uint32_t)ORDER_FRAMES(order - 1);
	b->frames[pfn_to_idx(b, pfn)].order = (uint8_t)(order - 1);
	b->frames[half].flags = PGI_ALLOC;
	b->frames[half].order = (uint8_t)(order - 1);
	return true;
}

bool buddy_is_allocated(const struct buddy *b, uint64_t pfn, unsigned int *order)
{
	if (!block_in_window(b, pfn, 0))
		return false;
	const struct page_info *pi = &b->frames[pfn_to_idx(b, pfn)];
	if (pi->flags != PGI_ALLOC)
		return false;
	if (order)
		*order = pi->order;
	return true;
}

/* ---- consistency checker ---- */

static bool check_fail(const char *what, uint64_t pfn)
{
	printk("buddy: inconsistent: %s (pfn 0x%llx)\n", what, (unsigned long long)pfn);
	return false;
}

/* Walk one free list; adds its blocks and frames to the totals. */
static bool check_list(const struct buddy *b, unsigned int order, uint64_t *blocks, uint64_t *frames)
{
	uint32_t prev = BUDDY_NIL;
	uint64_t n = 0;

	for (uint32_t i = b->free_head[order]; i != BUDDY_NIL; i = b->frames[i].next) {
		uint64_t pfn = idx_to_pfn(b, i);
		if (i >= b->nr_frames || ++n > b->nr_frames)
			return check_fail("free list runs wild", pfn);
		const struct page_info *pi = &b->frames[i];
		if (pi->prev != prev)
			return check_fail("broken prev link", pfn);
		if (pi->flags != PGI_FREE || pi->order != order)
			return check_fail("listed block is not a free head of this order", pfn);
		if (!block_in_window(b, pfn, order) || (pfn & (ORDER_FRAMES(order) - 1)))
			return check_fail("free block misaligned or outside window", pfn);
		uint64_t bpfn = pfn ^ ORDER_FRAMES(order);
		if (order < BUDDY_MAX_ORDER && block_in_window(b, bpfn, order) &&
		    b->frames[pfn_to_idx(b, bpfn)].flags == PGI_FREE && b->frames[pfn_to_idx(b, bpfn)].order == order)
			return check_fail("two free buddies left unmerged", pfn);
		prev = i;
	}
	if (n != b->nr_free_blocks[order])
		return check_fail("free block count mismatch", order);
	*blocks += n;
	*frames += n << order;
	return true;
}

/* Every frame must be reserved or belong to exactly one free/allocated block. */
static bool check_partition(const struct buddy *b, uint64_t *free_blocks, uint64_t *free_frames)
{
	uint64_t i = 0;

	while (i < b->nr_frames) {
		const struct page_info *pi = &b->frames[i];
		uint64_t pfn = idx_to_pfn(b, (uint32_t)i);
		if (pi->flags == PGI_RESERVED) {
			i++;
			continue;
		}
		if (pi->flags != PGI_FREE && pi->flags != PGI_ALLOC)
			return check_fail("frame belongs to no block", pfn);
		if (pi->order > BUDDY_MAX_ORDER || !block_in_window(b, pfn, pi->order) ||
		    (pfn & (ORDER_FRAMES(pi->order) - 1)))
			return check_fail("block misaligned or outside window", pfn);
		for (uint64_t t = 1; t < ORDER_FRAMES(pi->order); t++)
			if (b->frames[i + t].flags != 0)
				return check_fail("overlapping blocks", pfn + t);
		if (pi->flags == PGI_FREE) {
			(*free_blocks)++;
			*free_frames += ORDER_FRAMES(pi->order);
		}
		i += ORDER_FRAMES(pi->order);
	}
	return true;
}

bool buddy_check(const struct buddy *b)
{
	uint64_t lblocks = 0, lframes = 0, pblocks = 0, pframes = 0;

	for (unsigned int o = 0; o < BUDDY_NR_ORDERS; o++)
		if (!check_list(b, o, &lblocks, &lframes))
			return false;
	if (!check_partition(b, &pblocks, &pframes))
		return false;
	if (lblocks != pblocks || lframes != pframes)
		return check_fail("free heads in frame table differ from free lists", pblocks);
	if (lframes != b->nr_free)
		return check_fail("nr_free differs from free lists", lframes);
	return true;
}
