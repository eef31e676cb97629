/*
 * Small-object heap. Objects up to 2032 bytes come from single pages that hold
 * one size class each, with a header at the start of the page; bigger requests
 * get a page block with a header in front. Both headers sit at the page-aligned
 * address below the pointer, so xfree finds them with ptr & PAGE_MASK.
 */
#include <mica/heap.h>
#include <mica/printk.h>
#include <mica/string.h>

#define SLAB_MAGIC 0x534c4142u  /* "SLAB" */
#define LARGE_MAGIC 0x4c524745u /* "EGRL" */
#define LARGE_FREED 0x44454546u /* "FEED": a large block after xfree */
#define OBJ_FREE_MAGIC 0xf4eef4eef4eef4eeULL

/* Header of a size-class page; objects follow it. */
struct slab {
	uint32_t magic;
	uint16_t cls;
	uint16_t nr_free;
	struct free_obj *free;
	struct slab *next, *prev; /* partial list of the class */
};

/* A free object: every class is at least 16 bytes. */
struct free_obj {
	struct free_obj *next;
	uint64_t magic; /* OBJ_FREE_MAGIC while on a free list */
};

struct large_hdr {
	uint32_t magic;
	uint32_t order;
	uint64_t size; /* bytes asked for */
};

#define SLAB_HDR_SIZE 32
#define LARGE_HDR_SIZE 16
_Static_assert(sizeof(struct slab) <= SLAB_HDR_SIZE, "slab header too big");
_Static_assert(sizeof(struct large_hdr) == LARGE_HDR_SIZE, "large header size");

/* Multiples of 16 chosen so that little of a page is wasted. */
static const uint16_t class_size[HEAP_NR_CLASSES] = {
    16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 672, 1008, 1344, 2032,
};
#define SMALL_MAX 2032

struct size_class {
	struct slab *partial; /* slabs with at least one free object */
	uint32_t nr_empty;    /* slabs on the partial list with every object free */
};

static struct heap_page_ops heap_ops;
static bool heap_ready;
static struct size_class classes[HEAP_NR_CLASSES];
static struct heap_stats stats;

static void heap_lock(void)
{
	if (heap_ops.lock)
		heap_ops.lock();
}

static void heap_unlock(void)
{
	if (heap_ops.unlock)
		heap_ops.unlock();
}

void heap_init(const struct heap_page_ops *ops)
{
	heap_ops = *ops;
	memset(classes, 0, sizeof(classes));
	memset(&stats, 0, sizeof(stats));
	heap_ready = true;
}

static inline uint16_t objs_per_slab(unsigned int cls)
{
	return (uint16_t)((PAGE_SIZE - SLAB_HDR_SIZE) / class_size[cls]);
}

static inline char *slab_first_obj(struct slab *s)
{
	return (char *)s + SLAB_HDR_SIZE;
}

static unsigned int size_to_class(size_t size)
{
	unsigned int cls = 0;

	while (class_size[cls] < size)
		cls++;
	return cls;
}

static void partial_link(struct size_class *c, struct slab *s)
{
	s->prev = NULL;
	s->next = c->partial;
	if (c->partial)
		c->partial->prev = s;
	c->partial = s;
}

static void partial_unlink(struct size_class *c, struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->partial = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static struct slab *slab_new(unsigned int cls)
{
	struct slab *s = heap_ops.alloc_pages(0);

	if (!s)
		return NULL;
	if ((uintptr_t)s & (PAGE_SIZE - 1)) {
		printk("heap: backend returned unaligned page %p\n", (void *)s);
		heap_ops.free_pages(s, 0);
		return NULL;
	}
	uint16_t n = objs_per_slab(cls);
	s->magic = SLAB_MAGIC;
	s->cls = (uint16_t)cls;
	s->nr_free = n;
	s->free = NULL;
	/* Push from the top so the list hands out ascending addresses. */
	for (uint16_t i = n; i-- > 0;) {
		struct free_obj *o = (struct free_obj *)(slab_first_obj(s) + (size_t)i * class_size[cls]);
		o->next = s->free;
		o->magic = OBJ_FREE_MAGIC;
		s->free = o;
	}
	partial_link(&classes[cls], s);
	classes[cls].nr_empty++;
	stats.class_pages[cls]++;
	return s;
}

static void slab_release(struct slab *s)
{
	partial_unlink(&classes[s->cls], s);
	stats.class_pages[s->cls]--;
	s->magic = 0;
	heap_ops.free_pages(s, 0);
}

/* Is p the start of an object slot of slab s? */
static bool slab_valid_obj(struct slab *s, const void *p)
{
	uintptr_t first = (uintptr_t)slab_first_obj(s);
	uintptr_t addr = (uintptr_t)p;
	uint16_t size = class_size[s->cls];

	return addr >= first && (addr - first) % size == 0 && (addr - first) / size < objs_per_slab(s->cls);
}

static void *small_alloc(unsigned int cls)
{
	struct size_class *c = &classes[cls];
	struct slab *s = c->partial;

	if (!s && !(s = slab_new(cls)))
		return NULL;
	struct free_obj *o = s->free;
	if (s->nr_free == objs_per_slab(cls))
		c->nr_empty--;
	s->free = o->next;
	s->nr_free--;
	if (o->magic != OBJ_FREE_MAGIC || (s->free && !slab_valid_obj(s, s->free))) {
		/* Someone wrote to a free object: leak the rest of the list, don't follow it. */
		printk("heap: free list of %u-byte slab %p corrupted (use after free?)\n", class_size[cls], (void *)s);
		s->free = NULL;
		s->nr_free = 0;
	}
	if (s->nr_free == 0)
		partial_unlink(c, s);
	o->magic = 0;
	stats.class_objs[cls]++;
	return o;
}

static bool slab_holds_free(struct slab *s, const void *p)
{
	unsigned int n = 0;

	for (struct free_obj *o = s->free; o && n <= s->nr_free; o = o->next, n++)
		if (o == p)
			return true;
	return false;
}

static void small_free(struct slab *s, void *p)
{
	struct size_class *c = &classes[s->cls];
	struct free_obj *o = p;

	if (!slab_valid_obj(s, p)) {
		printk("heap: xfree(%p): not the start of a %u-byte object\n", p, class_size[s->cls]);
		stats.bad_frees++;
		return;
	}
	if (o->magic == OBJ_FREE_MAGIC && slab_holds_free(s, p)) {
		printk("heap: xfree(%p): double free of a %u-byte object\n", p, class_size[s->cls]);
		stats.bad_frees++;
		return;
	}
	o->next = s->free;
	o->magic = OBJ_FREE_MAGIC;
	s->free = o;
	if (s->nr_free++ == 0)
		partial_link(c, s);
	stats.class_objs[s->cls]--;
	if (s->nr_free < objs_per_slab(s->cls))
		return;
	/* Keep one empty page per class cached; give the others back. */
	if (c->nr_empty)
		slab_release(s);
	else
		c->nr_empty++;
}

static void *large_alloc(size_t size)
{
	unsigned int order = 0;

	if (size > (PAGE_SIZE << HEAP_MAX_ORDER) - LARGE_HDR_SIZE)
		return NULL;
	while ((PAGE_SIZE << order) < size + LARGE_HDR_SIZE)
		order++;
	struct large_hdr *h = heap_ops.alloc_pages(order);
	if (!h)
		return NULL;
	h->magic = LARGE_MAGIC;
	h->order = order;
	h->size = size;
	stats.large_blocks++;
	stats.large_pages += 1ULL << order;
	return (char *)h + LARGE_HDR_SIZE;
}

static void large_free(struct large_hdr *h, void *p)
{
	if (p != (char *)h + LARGE_HDR_SIZE || h->order > HEAP_MAX_ORDER) {
		printk("heap: xfree(%p): not the start of a large block\n", p);
		stats.bad_frees++;
		return;
	}
	h->magic = LARGE_FREED;
	stats.large_blocks--;
	stats.large_pages -= 1ULL << h->order;
	heap_ops.free_pages(h, h->order);
}

void *xmalloc(size_t size)
{
	void *p;

	if (!heap_ready) {
		printk("heap: xmalloc before heap_init\n");
		return NULL;
	}
	heap_lock();
	if (size <= SMALL_MAX)
		p = small_alloc(size_to_class(size ? size : 1));
	else
		p = large_alloc(size);
	if (!p)
		stats.failed_allocs++;
	heap_unlock();
	return p;
}

void *xzalloc(size_t size)
{
	void *p = xmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *xzalloc_array(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return xzalloc(n * size);
}

static inline void *page_of(const void *p)
{
	return (void *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1));
}

void xfree(void *p)
{
	if (!p)
		return;
	heap_lock();
	uint32_t magic = *(uint32_t *)page_of(p);
	if (p == page_of(p))
		magic = 0; /* no object starts at a page boundary */
	if (magic == SLAB_MAGIC && ((struct slab *)page_of(p))->cls < HEAP_NR_CLASSES) {
		small_free(page_of(p), p);
	} else if (magic == LARGE_MAGIC) {
		large_free(page_of(p), p);
	} else {
		printk("heap: xfree(%p): %s\n", p,
		       magic == LARGE_FREED ? "double free of a large block" : "not a heap pointer (or already freed)");
		stats.bad_frees++;
	}
	heap_unlock();
}

size_t xmalloc_usable_size(const void *p)
{
	if (!p)
		return 0;
	const struct slab *s = page_of(p);
	if (s->magic == SLAB_MAGIC && s->cls < HEAP_NR_CLASSES)
		return class_size[s->cls];
	const struct large_hdr *h = page_of(p);
	if (h->magic == LARGE_MAGIC)
		return (PAGE_SIZE << h->order) - LARGE_HDR_SIZE;
	return 0;
}

void heap_trim(void)
{
	heap_lock();
	for (unsigned int cls = 0; cls < HEAP_NR_CLASSES; cls++) {
		struct slab *s = classes[cls].partial;
		while (s) {
			struct slab *next = s->next;
			if (s->nr_free == objs_per_slab(cls))
				slab_release(s);
			s = next;
		}
		classes[cls].nr_empty = 0;
	}
	heap_unlock();
}

void heap_get_stats(struct heap_stats *st)
{
	heap_lock();
	*st = stats;
	heap_unlock();
}
