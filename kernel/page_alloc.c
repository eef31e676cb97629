/* Glue between the firmware map, the boot carve-out and the buddy allocator, under one lock. */
#include <asm/page.h>
#include <mica/buddy.h>
#include <mica/heap.h>
#include <mica/mm.h>
#include <mica/page_ref.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/spinlock.h>
#include <mica/string.h>

struct bootmem boot_mem;
static struct buddy buddy;
static spinlock_t buddy_lock = SPINLOCK_INIT;
static bool buddy_ready;
static uint64_t total_bytes;

paddr_t mm_alloc_pagetable(void)
{
	return buddy_ready ? alloc_pages(0) : bootmem_alloc(&boot_mem, PAGE_SIZE, PAGE_SIZE);
}

paddr_t alloc_pages(unsigned int order)
{
	unsigned long f = spin_lock_irqsave(&buddy_lock);
	uint64_t pfn;
	bool ok = buddy_alloc(&buddy, order, &pfn);

	spin_unlock_irqrestore(&buddy_lock, f);
	return ok ? pfn << PAGE_SHIFT : 0;
}

paddr_t alloc_pages_range(unsigned int order, paddr_t lo, paddr_t hi)
{
	unsigned long f = spin_lock_irqsave(&buddy_lock);
	uint64_t pfn;
	bool ok = buddy_alloc_range(&buddy, order, lo >> PAGE_SHIFT, hi >> PAGE_SHIFT, &pfn);

	spin_unlock_irqrestore(&buddy_lock, f);
	return ok ? pfn << PAGE_SHIFT : 0;
}

void free_pages(paddr_t pa, unsigned int order)
{
	unsigned long f = spin_lock_irqsave(&buddy_lock);

	buddy_free(&buddy, pa >> PAGE_SHIFT, order);
	spin_unlock_irqrestore(&buddy_lock, f);
}

void clear_pages(paddr_t pa, unsigned int order)
{
	memset(pa_to_va(pa), 0, PAGE_SIZE << order);
}

void *alloc_pages_va(unsigned int order)
{
	paddr_t pa = alloc_pages(order);

	return pa ? pa_to_va(pa) : NULL;
}

void free_pages_va(void *va, unsigned int order)
{
	free_pages(va_to_pa(va), order);
}

void page_assign(mfn_t mfn, unsigned int order, uint16_t domid)
{
	unsigned long f = spin_lock_irqsave(&buddy_lock);

	page_ref_assign(&buddy, mfn_x(mfn), order, page_owner_of_domid(domid));
	spin_unlock_irqrestore(&buddy_lock, f);
}

bool page_get(mfn_t mfn, uint16_t domid)
{
	unsigned long f = spin_lock_irqsave(&buddy_lock);
	bool ok = page_ref_get(&buddy, mfn_x(mfn), page_owner_of_domid(domid));

	spin_unlock_irqrestore(&buddy_lock, f);
	return ok;
}

bool page_get_any(mfn_t mfn)
{
	unsigned long f = spin_lock_irqsave(&buddy_lock);
	uint32_t owner = page_ref_owner(&buddy, mfn_x(mfn));
	bool ok = owner != PAGE_OWNER_NONE && owner != PAGE_OWNER_DYING && page_ref_get(&buddy, mfn_x(mfn), owner);

	spin_unlock_irqrestore(&buddy_lock, f);
	return ok;
}

void page_put(mfn_t mfn)
{
	unsigned long f = spin_lock_irqsave(&buddy_lock);

	page_ref_put(&buddy, mfn_x(mfn));
	spin_unlock_irqrestore(&buddy_lock, f);
}

void page_release(mfn_t mfn, unsigned int order)
{
	unsigned long f = spin_lock_irqsave(&buddy_lock);

	page_ref_release(&buddy, mfn_x(mfn), order);
	spin_unlock_irqrestore(&buddy_lock, f);
}

bool page_release_frame(mfn_t block, unsigned int order, mfn_t frame)
{
	unsigned long f = spin_lock_irqsave(&buddy_lock);
	bool ok = page_ref_release_frame(&buddy, mfn_x(block), order, mfn_x(frame));

	spin_unlock_irqrestore(&buddy_lock, f);
	return ok;
}

uint64_t mm_max_frame(void)
{
	return buddy.base_pfn + buddy.nr_frames;
}

uint64_t mm_free_bytes(void)
{
	return buddy_nr_free(&buddy) << PAGE_SHIFT;
}

uint64_t mm_total_bytes(void)
{
	return total_bytes;
}

static void give_to_buddy(uint64_t base, uint64_t end, void *ctx)
{
	buddy_add_free_range(&buddy, base >> PAGE_SHIFT, (end - base) >> PAGE_SHIFT);
}

static spinlock_t heap_lock = SPINLOCK_INIT;
static unsigned long heap_lock_flags; /* written only while holding heap_lock */

static void heap_lock_take(void)
{
	heap_lock_flags = spin_lock_irqsave(&heap_lock);
}

static void heap_lock_release(void)
{
	spin_unlock_irqrestore(&heap_lock, heap_lock_flags);
}

static const struct heap_page_ops heap_ops = {
    .alloc_pages = alloc_pages_va,
    .free_pages = free_pages_va,
    .lock = heap_lock_take,
    .unlock = heap_lock_release,
};

void mm_init(void)
{
	uint64_t end = bootmem_ram_end(boot_mem.bi);
	uint64_t nr_frames = end >> PAGE_SHIFT;
	uint64_t ft_bytes = nr_frames * sizeof(struct page_info);
	paddr_t ft = bootmem_alloc(&boot_mem, ft_bytes, PAGE_SIZE);

	if (!ft)
		panic("no memory below 4 GiB for the frame table (%lu bytes)", ft_bytes);
	total_bytes = bootmem_ram_total(boot_mem.bi);
	buddy_init(&buddy, pa_to_va(ft), 0, nr_frames);
	bootmem_for_each_free(&boot_mem, give_to_buddy, NULL);
	buddy_ready = true;
	heap_init(&heap_ops);
}
