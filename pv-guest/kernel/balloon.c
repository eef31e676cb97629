/*
 * The balloon driver (docs/pv-guest.md, Memory): follows the toolstack's memory/target (KiB,
 * the pages the domain should own, as Xen's toolstack writes it). Going down it takes free
 * pages from the page allocator and gives them back with XENMEM_decrease_reservation; going up
 * it gets the same frames back with XENMEM_populate_physmap and frees them to the allocator.
 * The target counts RAM only, not the special pages (store, console) the domain also owns: a
 * domain built with memory = 16 has 16384 KiB. Only pages the allocator hands out can go, so
 * nothing in use ever does; and it keeps
 * BALLOON_RESERVE pages free for the kernel, publishing the lowest target it can reach in
 * memory/min-target (KiB) for the toolstack to check against. Progress: memory/current (KiB of
 * RAM) and a console line per change.
 *
 * The frames ballooned out are remembered in list pages (themselves allocator pages): each
 * holds a link to the next and BALLOON_PER_PAGE frame numbers.
 */
#include <pv/hypercall.h>
#include <pv/mm.h>
#include <pv/sched.h>
#include <pv/time.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <string.h>

#define BALLOON_RESERVE 256 /* pages (1 MiB) the allocator keeps: lwIP, threads, list pages */
#define BALLOON_BATCH 64    /* frames per hypercall */
#define BALLOON_REFRESH_S 5 /* seconds between checks of memory/min-target */
#define BALLOON_PER_PAGE ((PAGE_SIZE - sizeof(void *)) / sizeof(uint32_t) - 1)

struct balloon_page {
	struct balloon_page *next;
	uint32_t n;
	uint32_t gfn[BALLOON_PER_PAGE];
};
_Static_assert(sizeof(struct balloon_page) <= PAGE_SIZE, "a list page is one page");

static struct balloon_page *list; /* the newest first */
static unsigned long ballooned;   /* frames given back */
static struct xenbus_watch watch;

static long reservation_op(unsigned int cmd, xen_pfn_t *gfns, unsigned long n)
{
	struct xen_memory_reservation r = {.nr_extents = n, .extent_order = 0, .domid = DOMID_SELF};

	set_xen_guest_handle(r.extent_start, gfns);
	return HYPERVISOR_memory_op(cmd, &r);
}

/* The RAM the domain has now: what the memory map gave it, less what went back (special pages do not count). */
static unsigned long owned_pages(void)
{
	struct mm_stats m;

	mm_stats(&m);
	return m.map_pages - ballooned;
}

/* The fewest pages the domain can own: all it owns but the allocator's free pages beyond the reserve. */
static unsigned long floor_pages(void)
{
	struct mm_stats m;

	mm_stats(&m);
	return owned_pages() - (m.free_pages > BALLOON_RESERVE ? m.free_pages - BALLOON_RESERVE : 0);
}

static bool remember(uint32_t gfn)
{
	if (!list || list->n == BALLOON_PER_PAGE) {
		struct balloon_page *p = alloc_page();

		if (!p)
			return false;
		p->next = list;
		p->n = 0;
		list = p;
	}
	list->gfn[list->n++] = gfn;
	return true;
}

/* Drops the newest entry; a list page left empty goes back to the allocator. */
static void forget_last(void)
{
	if (--list->n == 0) {
		struct balloon_page *p = list;

		list = p->next;
		free_page(p);
	}
}

/* Gives up to n free pages back; returns how many went. */
static unsigned long deflate(unsigned long n)
{
	xen_pfn_t gfns[BALLOON_BATCH];
	unsigned long done = 0;

	while (done < n) {
		unsigned long k = 0;
		long rc;

		while (k < BALLOON_BATCH && done + k < n) {
			struct mm_stats m;
			void *p;

			mm_stats(&m);
			if (m.free_pages <= BALLOON_RESERVE + 1) /* + 1: a list page may be needed */
				break;
			p = alloc_page();
			if (!p)
				break;
			if (!remember((uint32_t)virt_to_gfn(p))) {
				free_page(p);
				break;
			}
			gfns[k++] = virt_to_gfn(p);
		}
		if (!k)
			break;
		rc = reservation_op(XENMEM_decrease_reservation, gfns, k);
		if (rc < 0)
			rc = 0;
		/* Frames the hypervisor kept (rc < k) stay ours: back to the allocator (the newest last). */
		for (unsigned long i = k; i > (unsigned long)rc; i--) {
			forget_last();
			free_page(gfn_to_virt(gfns[i - 1]));
		}
		done += (unsigned long)rc;
		ballooned += (unsigned long)rc;
		if ((unsigned long)rc < k) {
			printk("balloon: the hypervisor took %ld of %lu pages\n", rc, k);
			break;
		}
	}
	return done;
}

/* Gets up to n ballooned frames back; returns how many came. */
static unsigned long inflate(unsigned long n)
{
	xen_pfn_t gfns[BALLOON_BATCH];
	unsigned long done = 0;

	while (done < n && list) {
		unsigned long k = 0;
		long rc;

		while (k < BALLOON_BATCH && done + k < n && list->n > k)
			k++;
		for (unsigned long i = 0; i < k; i++)
			gfns[i] = list->gfn[list->n - 1 - i];
		rc = reservation_op(XENMEM_populate_physmap, gfns, k);
		if (rc <= 0)
			break;
		for (long i = 0; i < rc; i++)
			free_page(gfn_to_virt(gfns[i]));
		list->n -= (uint32_t)rc;
		done += (unsigned long)rc;
		ballooned -= (unsigned long)rc;
		if (!list->n) {
			struct balloon_page *p = list;

			list = p->next;
			free_page(p);
		}
		if ((unsigned long)rc < k)
			break; /* above max_pages, or the host is out of memory */
	}
	return done;
}

/* memory/min-target and memory/current, when they changed (in steps of 64 KiB for the floor). */
static void publish(void)
{
	static unsigned long last_floor = ~0UL, last_owned = ~0UL;
	unsigned long low = floor_pages() & ~15UL, have = owned_pages();

	if (low != last_floor && !xenbus_printf(XBT_NIL, "memory", "min-target", "%lu", low * 4))
		last_floor = low;
	if (have != last_owned && !xenbus_printf(XBT_NIL, "memory", "current", "%lu", have * 4))
		last_owned = have;
}

static void balloon_adjust(void)
{
	unsigned long target_kib = xenbus_read_unsigned(XBT_NIL, "memory", "target", 0);
	unsigned long want = target_kib / 4, have = owned_pages(), low = floor_pages(), moved;

	if (!target_kib)
		return; /* no target (yet) */
	if (want < have) {
		if (want < low) {
			printk("balloon: target %lu KiB is below the safe minimum %lu KiB: going to %lu KiB\n",
			       target_kib, low * 4, low * 4);
			want = low;
		}
		moved = deflate(have - want);
		printk("balloon: %lu KiB -> %lu KiB (target %lu KiB, %lu pages out)\n", have * 4, owned_pages() * 4,
		       target_kib, moved);
	} else if (want > have) {
		moved = inflate(want - have);
		printk("balloon: %lu KiB -> %lu KiB (target %lu KiB, %lu pages back)%s\n", have * 4, owned_pages() * 4,
		       target_kib, moved, owned_pages() < want ? ": no more to get back" : "");
	}
	publish();
}

static void balloon_thread(void *arg)
{
	(void)arg;
	publish();
	for (;;) {
		struct xenbus_event *e = xenbus_wait_event(&watch, NOW() + SECONDS(BALLOON_REFRESH_S));

		if (!e) {
			publish(); /* the kernel's use changes: keep the floor current */
			continue;
		}
		xenbus_free_event(e);
		while (watch.events) { /* several writes: one adjustment */
			e = xenbus_wait_event(&watch, 0);
			xenbus_free_event(e);
		}
		balloon_adjust();
	}
}

int balloon_start(void)
{
	int rc;

	if (!xenbus_available())
		return -ENODEV;
	memset(&watch, 0, sizeof(watch));
	rc = xenbus_watch(&watch, "memory/target");
	if (rc)
		return rc;
	if (!create_thread("balloon", balloon_thread, NULL)) {
		xenbus_unwatch(&watch);
		return -ENOMEM;
	}
	return 0;
}

unsigned long balloon_pages(void)
{
	return ballooned;
}
