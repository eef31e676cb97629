/*
 * Memory. RAM comes from the start info's memory map (or XENMEM_memory_map), clipped to
 * [1 MiB, 4 GiB): below is firmware territory, above is not mapped by the boot page tables.
 * One bitmap says which frames are in use. The sbrk heap (newlib's malloc) grows up from the
 * image's end (past what the loader put there); alloc_pages hands out naturally aligned blocks
 * from the top down, and below the heap too; heap and pages meet.
 */
#include <pv/hypercall.h>
#include <pv/mm.h>
#include <pv/setup.h>

#include <errno.h>
#include <string.h>

#include <xen/arch-x86/hvm/start_info.h>

#define LOW_LIMIT 0x100000UL
#define HIGH_LIMIT 0x100000000UL
#define MAX_FRAMES (HIGH_LIMIT >> PAGE_SHIFT)
#define BITS_PER_LONG 64
#define MAX_MODULES 16

extern char __image_start[], __image_end[];

static unsigned long *used_map; /* bit set: frame not free (or not RAM) */
static unsigned long nr_frames; /* frames covered by the bitmap: [0, nr_frames) */
static unsigned long ram_pages, map_pages, free_count, alloc_count;
static uintptr_t heap_start, heap_brk;

static bool frame_used(unsigned long f)
{
	return f >= nr_frames || (used_map[f / BITS_PER_LONG] >> (f % BITS_PER_LONG)) & 1;
}

static void set_frames(unsigned long first, unsigned long count, bool used)
{
	for (unsigned long f = first; f < first + count && f < nr_frames; f++) {
		unsigned long bit = 1UL << (f % BITS_PER_LONG);

		if (used)
			used_map[f / BITS_PER_LONG] |= bit;
		else
			used_map[f / BITS_PER_LONG] &= ~bit;
	}
}

static unsigned int memory_map(struct hvm_memmap_table_entry *map, unsigned int max)
{
	const struct hvm_start_info *si = start_info;

	if (si->version >= 1 && si->memmap_entries) {
		unsigned int n = MIN(si->memmap_entries, max);

		memcpy(map, (void *)(uintptr_t)si->memmap_paddr, n * sizeof(*map));
		return n;
	}
	/* No map in the start info: ask the hypervisor (e820 layout, as Xen returns it). */
	static struct {
		uint64_t addr, size;
		uint32_t type;
	} __attribute__((packed)) e820[32];
	struct xen_memory_map mm = {.nr_entries = ARRAY_SIZE(e820)};

	set_xen_guest_handle(mm.buffer, (void *)e820);
	if (HYPERVISOR_memory_op(XENMEM_memory_map, &mm))
		panic("mm: no memory map in the start info and XENMEM_memory_map failed");
	unsigned int n = MIN(mm.nr_entries, max);

	for (unsigned int i = 0; i < n; i++)
		map[i] =
		    (struct hvm_memmap_table_entry){.addr = e820[i].addr, .size = e820[i].size, .type = e820[i].type};
	return n;
}

static void reserve_range(uint64_t addr, uint64_t size)
{
	if (!size)
		return;
	uint64_t first = addr >> PAGE_SHIFT, last = (addr + size - 1) >> PAGE_SHIFT;

	if (first < nr_frames)
		set_frames(first, MIN(last, nr_frames - 1) - first + 1, true);
}

struct range {
	uint64_t addr, size;
};

/* What the start info points to: the start info itself, command lines, the memory map, modules. */
static unsigned int boot_ranges(struct range *r, unsigned int max)
{
	const struct hvm_start_info *si = start_info;
	unsigned int n = 0;

#define ADD(a, s)                                                              \
	do {                                                                   \
		if ((s) != 0 && n < max)                                       \
			r[n++] = (struct range){(uint64_t)(a), (uint64_t)(s)}; \
	} while (0)
	ADD((uintptr_t)si, sizeof(*si));
	if (si->cmdline_paddr)
		ADD(si->cmdline_paddr, strlen((char *)(uintptr_t)si->cmdline_paddr) + 1);
	if (si->version >= 1)
		ADD(si->memmap_paddr, si->memmap_entries * sizeof(struct hvm_memmap_table_entry));
	if (si->nr_modules) {
		const struct hvm_modlist_entry *mods = (void *)(uintptr_t)si->modlist_paddr;

		ADD(si->modlist_paddr, si->nr_modules * sizeof(*mods));
		for (unsigned int i = 0; i < si->nr_modules && i < MAX_MODULES; i++) {
			ADD(mods[i].paddr, mods[i].size);
			if (mods[i].cmdline_paddr)
				ADD(mods[i].cmdline_paddr, strlen((char *)(uintptr_t)mods[i].cmdline_paddr) + 1);
		}
	}
#undef ADD
	return n;
}

void init_mm(void)
{
	static struct hvm_memmap_table_entry map[64];
	unsigned int n = memory_map(map, ARRAY_SIZE(map));
	uint64_t top = 0;
	uintptr_t image_end = PAGE_ALIGN((uintptr_t)__image_end);

	for (unsigned int i = 0; i < n; i++)
		if (map[i].type == XEN_HVM_MEMMAP_TYPE_RAM && map[i].addr + map[i].size > top)
			top = map[i].addr + map[i].size;
	top = MIN(top, HIGH_LIMIT);
	nr_frames = top >> PAGE_SHIFT;
	if (nr_frames <= (image_end >> PAGE_SHIFT) + 8)
		panic("mm: only %lu KiB of RAM", (unsigned long)(top >> 10));

	/*
	 * The bitmap goes after the image, past anything the start info points to (the loader may
	 * have put the start info, command lines or modules right after the image).
	 */
	size_t map_bytes = PAGE_ALIGN((nr_frames + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(long));
	struct range boot[8 + 2 * MAX_MODULES];
	unsigned int nb = boot_ranges(boot, ARRAY_SIZE(boot));
	uintptr_t at = 0;
	uint64_t best = 0;

	/*
	 * The bitmap and then the heap go at the start of the largest gap above the image between
	 * the things the start info points to (a loader may put a ramdisk right after the start
	 * info: the heap must not be boxed in below it).
	 */
	for (unsigned int c = 0; c <= nb; c++) {
		uint64_t start = c == nb ? image_end : PAGE_ALIGN(boot[c].addr + boot[c].size), end = top;

		if (start < image_end || start >= top)
			continue;
		for (unsigned int i = 0; i < nb; i++) {
			if (boot[i].addr + boot[i].size > start && boot[i].addr < end) {
				if (boot[i].addr <= start) { /* the candidate is inside a range: not a gap */
					end = start;
					break;
				}
				end = boot[i].addr & PAGE_MASK;
			}
		}
		if (end > start && end - start > best) {
			best = end - start;
			at = (uintptr_t)start;
		}
	}
	if (!at || best < map_bytes + PAGE_SIZE)
		panic("mm: no room for the page bitmap");
	used_map = (unsigned long *)at;
	memset(used_map, 0xff, map_bytes);
	for (unsigned int i = 0; i < n; i++) {
		if (map[i].type != XEN_HVM_MEMMAP_TYPE_RAM)
			continue;
		map_pages += map[i].size >> PAGE_SHIFT;
		uint64_t start = MAX(PAGE_ALIGN(map[i].addr), LOW_LIMIT),
			 end = MIN((map[i].addr + map[i].size) & PAGE_MASK, top);

		if (end > start) {
			set_frames(start >> PAGE_SHIFT, (end - start) >> PAGE_SHIFT, false);
			ram_pages += (end - start) >> PAGE_SHIFT;
		}
	}
	/* Not ours to hand out: the image, the bitmap, the start info and what it points to. */
	reserve_range((uintptr_t)__image_start, image_end - (uintptr_t)__image_start);
	reserve_range(at, map_bytes);
	for (unsigned int i = 0; i < nb; i++)
		reserve_range(boot[i].addr, boot[i].size);
	free_count = 0;
	for (unsigned long f = 0; f < nr_frames; f++)
		free_count += !frame_used(f);
	heap_start = heap_brk = at + map_bytes;
}

void *alloc_pages(unsigned int order)
{
	unsigned long count = 1UL << order;
	unsigned long flags = local_irq_save();

	/* Top down, naturally aligned, first fit. */
	for (unsigned long f = (nr_frames & ~(count - 1)); f >= count;) {
		f -= count;
		unsigned long i; /* (the heap's pages are marked used like any other) */

		for (i = 0; i < count && !frame_used(f + i); i++)
			;
		if (i < count)
			continue;
		set_frames(f, count, true);
		free_count -= count;
		alloc_count += count;
		local_irq_restore(flags);
		void *p = gfn_to_virt(f);

		memset(p, 0, count * PAGE_SIZE);
		return p;
	}
	local_irq_restore(flags);
	return NULL;
}

void free_pages(void *p, unsigned int order)
{
	unsigned long f = virt_to_gfn(p), count = 1UL << order;
	unsigned long flags = local_irq_save();

	BUG_ON(f + count > nr_frames || (uintptr_t)p & (PAGE_SIZE - 1));
	for (unsigned long i = 0; i < count; i++)
		BUG_ON(!frame_used(f + i));
	set_frames(f, count, false);
	free_count += count;
	alloc_count -= count;
	local_irq_restore(flags);
}

/* newlib's malloc grows its arena here. */
void *sbrk(ptrdiff_t incr)
{
	uintptr_t old = heap_brk, new_brk = heap_brk + (uintptr_t)incr;
	unsigned long flags = local_irq_save();

	if (incr > 0) {
		/* All or nothing: stop at an allocated page or the end of RAM. */
		for (uintptr_t a = PAGE_ALIGN(old); a < new_brk; a += PAGE_SIZE) {
			if (frame_used(a >> PAGE_SHIFT)) {
				local_irq_restore(flags);
				errno = ENOMEM;
				return (void *)-1;
			}
		}
		for (uintptr_t a = PAGE_ALIGN(old); a < new_brk; a += PAGE_SIZE) {
			set_frames(a >> PAGE_SHIFT, 1, true);
			free_count--;
		}
	} else if (incr < 0) {
		if (new_brk < heap_start) {
			local_irq_restore(flags);
			errno = EINVAL;
			return (void *)-1;
		}
		for (uintptr_t a = PAGE_ALIGN(new_brk); a < PAGE_ALIGN(old); a += PAGE_SIZE) {
			set_frames(a >> PAGE_SHIFT, 1, false);
			free_count++;
		}
	}
	heap_brk = new_brk;
	local_irq_restore(flags);
	return (void *)old;
}

void mm_stats(struct mm_stats *s)
{
	s->ram_pages = ram_pages;
	s->map_pages = map_pages;
	s->image_pages = (PAGE_ALIGN((uintptr_t)__image_end) - (uintptr_t)__image_start) >> PAGE_SHIFT;
	s->heap_bytes = heap_brk - heap_start;
	s->free_pages = free_count;
	s->used_pages = alloc_count;
}
