/* Guest page ownership and references in the frame table (include/mica/page_ref.h). */
#include <mica/page_ref.h>
#include <mica/printk.h>

static struct page_info *frame_info(const struct buddy *b, uint64_t pfn)
{
	if (pfn < b->base_pfn || pfn - b->base_pfn >= b->nr_frames)
		return NULL;
	return &b->frames[pfn - b->base_pfn];
}

void page_ref_assign(struct buddy *b, uint64_t pfn, unsigned int order, uint32_t owner)
{
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		struct page_info *pi = frame_info(b, pfn + i);

		if (pi) {
			pi->owner = owner;
			pi->refs = 0;
		}
	}
}

uint32_t page_ref_owner(const struct buddy *b, uint64_t pfn)
{
	const struct page_info *pi = frame_info(b, pfn);

	return pi ? pi->owner : PAGE_OWNER_NONE;
}

bool page_ref_get(struct buddy *b, uint64_t pfn, uint32_t owner)
{
	struct page_info *pi = frame_info(b, pfn);

	if (!pi || owner == PAGE_OWNER_NONE || owner == PAGE_OWNER_DYING || pi->owner != owner ||
	    pi->refs == PAGE_REFS_MAX)
		return false;
	pi->refs++;
	return true;
}

bool page_ref_put(struct buddy *b, uint64_t pfn)
{
	struct page_info *pi = frame_info(b, pfn);

	if (!pi || !pi->refs) {
		printk("page_ref: put of unreferenced frame 0x%llx ignored\n", (unsigned long long)pfn);
		return false;
	}
	if (--pi->refs || pi->owner != PAGE_OWNER_DYING)
		return false;
	pi->owner = PAGE_OWNER_NONE;
	buddy_free(b, pfn, 0); /* a released frame was made a block of its own */
	return true;
}

static bool range_referenced(const struct buddy *b, uint64_t pfn, unsigned int order)
{
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		const struct page_info *pi = frame_info(b, pfn + i);

		if (pi && pi->refs)
			return true;
	}
	return false;
}

uint64_t page_ref_release(struct buddy *b, uint64_t pfn, unsigned int order)
{
	uint64_t half;

	if (!range_referenced(b, pfn, order)) {
		page_ref_assign(b, pfn, order, PAGE_OWNER_NONE);
		return buddy_free(b, pfn, order) ? 1ULL << order : 0;
	}
	if (order == 0) {
		frame_info(b, pfn)->owner = PAGE_OWNER_DYING;
		return 0;
	}
	if (!buddy_split(b, pfn, order))
		return 0; /* not an allocated block: buddy_split's refusal leaves it alone */
	half = 1ULL << (order - 1);
	return page_ref_release(b, pfn, order - 1) + page_ref_release(b, pfn + half, order - 1);
}

bool page_ref_release_frame(struct buddy *b, uint64_t block, unsigned int order, uint64_t frame)
{
	unsigned int cur;

	if (frame < block || frame - block >= (1ULL << order) || !buddy_is_allocated(b, block, &cur) || cur != order)
		return false;
	for (; order > 0; order--) {
		uint64_t half = 1ULL << (order - 1);

		buddy_split(b, block, order);
		if (frame >= block + half)
			block += half;
	}
	page_ref_release(b, frame, 0);
	return true;
}
