/*
 * Grant tables, version 1 (xen/include/public/grant_table.h): the bookkeeping behind
 * GNTTABOP_{setup_table,query_size,set_version,get_version,map_grant_ref,unmap_grant_ref,copy}.
 *
 * The hypervisor glue owns translations and gives each domain a struct gnttab_domain with room
 * for its directories (struct gnttab_mem); this file owns the protocol and fills the directories
 * lazily, through the glue's page hooks, as Xen does:
 *  - shared frames (the guest-visible v1 entries, GNTTAB_ENTRIES_PER_FRAME per page): the table
 *    starts with GNTTAB_INITIAL_FRAMES and grows a frame at a time when the guest asks
 *    (setup_table, or the glue's XENMAPSPACE_grant_table), up to max_frames;
 *  - active entries (pin counts, never trusted to the guest): a frame's 512 are allocated
 *    together when one of them is first pinned;
 *  - maptrack (the mappings a domain holds as a MAPPER): a page of handles at a time, when the
 *    free list is empty, up to maptrack_max.
 * Nothing is freed before gnttab_domain_free. Hooks reach domains, the p2m and page references.
 *
 * Frame references: a granted entry with any pin (map or copy, read or write) holds exactly one
 * reference on the granted machine frame, taken by gfn_to_frame at the first pin and dropped by
 * put_frame at the last unpin. A page granted and mapped by another domain therefore survives
 * its owner's destruction until the last unmap, and the granter's struct gnttab_domain (with its
 * shared and active entries) must stay allocated while gnttab_domain_pinned() is true.
 *
 * Locking: each table has one lock. It covers pins, the maptrack and growth; allocations happen
 * under it (the page hooks must not call back). No operation holds two table locks at once (map
 * pins the granter and then records the mapping in the mapper, one after the other), so there
 * is no lock order to get wrong; a future path that must nest takes the lower domain id first.
 * Readers without the lock (query_size, the glue mapping a shared frame, a guest's view) see a
 * frame only once it is complete: a grown frame's page is zeroed and its directory slot written
 * before nr_frames is raised with a release store, and gnttab_shared_entry reads nr_frames with
 * an acquire load. Frames and active entries never move or go away while the table lives.
 */
#ifndef MICA_GRANT_TABLE_H
#define MICA_GRANT_TABLE_H

#include <mica/mm_types.h>
#include <mica/spinlock.h>
#include <mica/types.h>

#include <xen/xen.h>

#include <xen/grant_table.h>

#define GNTTAB_ENTRIES_PER_FRAME ((uint32_t)(PAGE_SIZE / sizeof(grant_entry_v1_t))) /* 512 */
/* Xen's default max_grant_frames */
#define GNTTAB_MAX_FRAMES 64u
#define GNTTAB_INITIAL_FRAMES 1u
#define GNTTAB_SET_STATUS_TRIES 5 /* cmpxchg attempts on a shared entry before giving up */
#define GNTTAB_ACTIVE_ORDER 1     /* a frame's active entries: 512 * 16 bytes, two pages */
#define GNTTAB_PIN_MAX UINT16_MAX /* pins of one kind on one entry; more is refused */
#define GNTTAB_MAPTRACK_NONE UINT32_MAX

struct gnttab_domain;

/*
 * The glue's side. Frame hooks return a GNTST_* code. gfn_to_frame, put_frame, race_window and
 * the page hooks run under a table lock (lock order: grant table, then p2m or page allocator)
 * and must not call back into grant tables; the others run with no grant table lock held.
 */
struct gnttab_hooks {
	/* Find a domain's table by id (never DOMID_SELF); NULL if none. May take a reference. */
	struct gnttab_domain *(*lookup_domain)(domid_t domid);
	void (*put_domain)(struct gnttab_domain *d); /* optional: drops lookup_domain's reference */
	/* Translate d's gfn to a machine frame, checking the p2m type allows the access, and take a
	 * page reference. GNTST_okay, GNTST_bad_page or GNTST_eagain. */
	int16_t (*gfn_to_frame)(struct gnttab_domain *d, gfn_t gfn, bool write, mfn_t *frame);
	void (*put_frame)(mfn_t frame);
	/* GNTMAP_host_map: enter/remove frame at gfn in the mapper's p2m. */
	int16_t (*map_into)(struct gnttab_domain *mapper, gfn_t gfn, mfn_t frame, bool readonly);
	void (*unmap_from)(struct gnttab_domain *mapper, gfn_t gfn, mfn_t frame);
	void (*copy)(mfn_t src, uint16_t src_off, mfn_t dst, uint16_t dst_off, uint16_t len);
	/* The table's memory: 2^order pages, page aligned (a shared frame is mapped into its guest,
	 * so it must be a whole machine page), contents undefined; NULL when there is none. */
	void *(*alloc_pages)(unsigned int order);
	void (*free_pages)(void *p, unsigned int order);
	/* Test instrumentation, NULL in the hypervisor: called between reading a shared entry's
	 * flags and the compare-exchange that sets GTF_reading/GTF_writing. */
	void (*race_window)(struct gnttab_domain *granter, grant_ref_t ref);
};

/*
 * Per shared entry, hypervisor-private (Xen's "active grant entry"), 16 bytes. The granter's
 * gfn is not kept: a first writer on a read-pinned entry reads it again from the shared entry,
 * and if the granter changed it meanwhile the frame no longer matches and the pin is refused.
 */
struct gnttab_active {
	uint16_t pin_read;  /* pins for read-only access (host or device mapping, copy source) */
	uint16_t pin_write; /* pins for writable access */
	domid_t domid;      /* the domain the pins belong to */
	mfn_t frame;        /* valid while pinned; holds one page reference */
};

enum gnttab_maptrack_state { GNTTAB_MT_FREE, GNTTAB_MT_BUSY, GNTTAB_MT_LIVE };

/* One mapping held by a mapper; the handle is its index. */
struct gnttab_maptrack {
	struct gnttab_domain *granter; /* kept allocated by the pins this entry holds */
	grant_ref_t ref;
	uint32_t flags; /* GNTMAP_host_map / GNTMAP_device_map parts still held, GNTMAP_readonly */
	gfn_t host_gfn; /* where a host mapping lives in the mapper's p2m */
	mfn_t frame;
	uint32_t next_free; /* the next free handle, GNTTAB_MAPTRACK_NONE at the end */
	uint8_t state;      /* enum gnttab_maptrack_state */
};

#define GNTTAB_MAPTRACK_PER_PAGE ((uint32_t)(PAGE_SIZE / sizeof(struct gnttab_maptrack))) /* 102 */

/* One frame of a table: its shared entries (NULL beyond nr_frames) and their active entries
 * (NULL until one is first pinned). */
struct gnttab_frame {
	grant_entry_v1_t *shared;
	struct gnttab_active *active;
};

/* The directories the glue provides, sized for its maxima; gnttab_domain_init clears them. */
struct gnttab_mem {
	struct gnttab_frame *frames; /* max_frames slots */
	uint32_t max_frames;
	struct gnttab_maptrack **maptrack; /* GNTTAB_MAPTRACK_PAGES(maptrack_max) slots */
	uint32_t maptrack_max;
};

#define GNTTAB_MAPTRACK_PAGES(n) (((n) + GNTTAB_MAPTRACK_PER_PAGE - 1) / GNTTAB_MAPTRACK_PER_PAGE)

struct gnttab_domain {
	domid_t domid;
	bool privileged; /* may name another domain in setup_table / query_size */
	bool dying;      /* no new maps or copies into or out of it */
	spinlock_t lock;
	const struct gnttab_hooks *hooks;
	void *owner; /* the glue's struct domain */
	struct gnttab_frame *frames;
	uint32_t nr_frames; /* frames with a shared page: raised under the lock, read with acquire */
	uint32_t max_frames;
	uint32_t nr_pinned; /* entries with any pin */
	struct gnttab_maptrack **maptrack;
	uint32_t maptrack_size; /* handles in the maptrack pages allocated so far */
	uint32_t maptrack_max;
	uint32_t maptrack_free; /* head of the free list, GNTTAB_MAPTRACK_NONE when empty */
	uint32_t maptrack_used;
};

/* Set up d over mem with GNTTAB_INITIAL_FRAMES shared frames (zeroed): -EINVAL if mem or hooks
 * are unusable, -ENOMEM (with nothing kept) if the first frames cannot be had. */
int gnttab_domain_init(struct gnttab_domain *d, domid_t domid, const struct gnttab_hooks *hooks,
		       const struct gnttab_mem *mem);
/* Frees every page of the table; nothing may be pinned or mapped. Safe on a zeroed d. */
void gnttab_domain_free(struct gnttab_domain *d);
/* Grow the table to nr_frames (never shrinks); also for XENMAPSPACE_grant_table. -EINVAL beyond
 * max_frames; -ENOMEM if a page is missing, and then the table is as it was. */
int gnttab_grow(struct gnttab_domain *d, uint32_t nr_frames);
static inline uint32_t gnttab_nr_frames(const struct gnttab_domain *d)
{
	return __atomic_load_n(&d->nr_frames, __ATOMIC_ACQUIRE);
}
static inline uint32_t gnttab_nr_entries(const struct gnttab_domain *d)
{
	return gnttab_nr_frames(d) * GNTTAB_ENTRIES_PER_FRAME;
}
/* Shared frame i (a page), or NULL beyond the table's current size. */
static inline grant_entry_v1_t *gnttab_shared_frame(const struct gnttab_domain *d, uint32_t i)
{
	return i < gnttab_nr_frames(d) ? d->frames[i].shared : NULL;
}
/* Shared entry ref, or NULL beyond the table's current size. */
static inline grant_entry_v1_t *gnttab_shared_entry(const struct gnttab_domain *d, grant_ref_t ref)
{
	grant_entry_v1_t *f = gnttab_shared_frame(d, ref / GNTTAB_ENTRIES_PER_FRAME);

	return f ? &f[ref % GNTTAB_ENTRIES_PER_FRAME] : NULL;
}
/* For dumps and tests: entry ref's pins, or NULL if none of its frame was ever pinned. Read
 * under d->lock to see a consistent entry. */
static inline struct gnttab_active *gnttab_active_peek(const struct gnttab_domain *d, grant_ref_t ref)
{
	struct gnttab_active *a;

	if (ref >= gnttab_nr_entries(d))
		return NULL;
	a = __atomic_load_n(&d->frames[ref / GNTTAB_ENTRIES_PER_FRAME].active, __ATOMIC_ACQUIRE);
	return a ? &a[ref % GNTTAB_ENTRIES_PER_FRAME] : NULL;
}

/*
 * GNTTABOP_* on behalf of caller cd, over copies of the guest's argument structs. Each sets and
 * returns op->status. setup_table only sizes the table (GNTST_general_error beyond the maximum or
 * without memory, as Xen): on GNTST_okay the glue writes op->frame_list with the gfns of the first
 * op->nr_frames shared frames. map and copy answer GNTST_no_space when no memory can be had for
 * the mapper's maptrack or the granter's active entries; nothing changed then.
 */
int16_t gnttab_setup_table(struct gnttab_domain *cd, struct gnttab_setup_table *op);
int16_t gnttab_query_size(struct gnttab_domain *cd, struct gnttab_query_size *op);
/* Only version 1 exists here: 1 -> 0, 2 -> -ENOSYS, else -EINVAL; op->version is set to 1. */
int gnttab_set_version(struct gnttab_domain *cd, struct gnttab_set_version *op);
int gnttab_get_version(struct gnttab_domain *cd, struct gnttab_get_version *op);
int16_t gnttab_map_grant_ref(struct gnttab_domain *cd, struct gnttab_map_grant_ref *op);
int16_t gnttab_unmap_grant_ref(struct gnttab_domain *cd, struct gnttab_unmap_grant_ref *op);
int16_t gnttab_copy(struct gnttab_domain *cd, struct gnttab_copy *op);

/* Teardown: a dying mapper drops every mapping it holds; a dying granter's table (and its
 * granted pages) must outlive its pins. */
void gnttab_release_mappings(struct gnttab_domain *mapper);
bool gnttab_domain_pinned(struct gnttab_domain *granter);

#endif
