/*
 * Grant tables, version 1 (xen/include/public/grant_table.h): the bookkeeping behind
 * GNTTABOP_{setup_table,query_size,set_version,get_version,map_grant_ref,unmap_grant_ref,copy}.
 *
 * The hypervisor glue owns memory and translations; this file owns the protocol. The glue gives
 * each domain a struct gnttab_domain over memory it allocated: the shared v1 entries (the guest
 * frames, GNTTAB_ENTRIES_PER_FRAME entries each), a private active array of the same length
 * (pin counts: never trusted to the guest) and the maptrack array of mappings the domain holds
 * as a MAPPER. Hooks reach domains, the p2m and page references.
 *
 * Frame references: a granted entry with any pin (map or copy, read or write) holds exactly one
 * reference on the granted machine frame, taken by gfn_to_frame at the first pin and dropped by
 * put_frame at the last unpin. A page granted and mapped by another domain therefore survives
 * its owner's destruction until the last unmap, and the granter's struct gnttab_domain (with its
 * shared and active arrays) must stay allocated while gnttab_domain_pinned() is true.
 *
 * Locking: each table has one lock. No operation holds two table locks at once (map pins the
 * granter and then records the mapping in the mapper, one after the other), so there is no lock
 * order to get wrong; a future path that must nest takes the lower domain id first.
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

struct gnttab_domain;

/*
 * The glue's side. Frame hooks return a GNTST_* code. gfn_to_frame, put_frame and race_window
 * run under the granter's table lock (lock order: grant table, then p2m) and must not call back
 * into grant tables; the others run with no grant table lock held.
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
	/* Test instrumentation, NULL in the hypervisor: called between reading a shared entry's
	 * flags and the compare-exchange that sets GTF_reading/GTF_writing. */
	void (*race_window)(struct gnttab_domain *granter, grant_ref_t ref);
};

/* Per shared entry, hypervisor-private (Xen's "active grant entry"). */
struct gnttab_active {
	uint32_t pin_read;  /* pins for read-only access (host or device mapping, copy source) */
	uint32_t pin_write; /* pins for writable access */
	domid_t domid;      /* the domain the pins belong to */
	gfn_t gfn;          /* the granter's frame as read from the entry at the first pin */
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
	uint32_t next_free;
	uint8_t state; /* enum gnttab_maptrack_state */
};

/* Memory the glue provides: shared and active hold max_frames * 512 entries. */
struct gnttab_mem {
	grant_entry_v1_t *shared;
	struct gnttab_active *active;
	uint32_t max_frames;
	struct gnttab_maptrack *maptrack;
	uint32_t maptrack_size;
};

struct gnttab_domain {
	domid_t domid;
	bool privileged; /* may name another domain in setup_table / query_size */
	bool dying;      /* no new maps or copies into or out of it */
	spinlock_t lock;
	const struct gnttab_hooks *hooks;
	void *owner; /* the glue's struct domain */
	grant_entry_v1_t *shared;
	struct gnttab_active *active;
	uint32_t nr_frames;
	uint32_t max_frames;
	uint32_t nr_pinned; /* entries with any pin */
	struct gnttab_maptrack *maptrack;
	uint32_t maptrack_size;
	uint32_t maptrack_free; /* head of the free list, maptrack_size when empty */
	uint32_t maptrack_used;
};

/* Set up d over mem (cleared here); the table starts at GNTTAB_INITIAL_FRAMES. -EINVAL if mem
 * is unusable. */
int gnttab_domain_init(struct gnttab_domain *d, domid_t domid, const struct gnttab_hooks *hooks,
		       const struct gnttab_mem *mem);
/* Grow the active part of the table to nr_frames (never shrinks); also for XENMAPSPACE_grant_table. */
int gnttab_grow(struct gnttab_domain *d, uint32_t nr_frames);
static inline uint32_t gnttab_nr_entries(const struct gnttab_domain *d)
{
	return d->nr_frames * GNTTAB_ENTRIES_PER_FRAME;
}

/*
 * GNTTABOP_* on behalf of caller cd, over copies of the guest's argument structs. Each sets and
 * returns op->status. setup_table only sizes the table: on GNTST_okay the glue writes
 * op->frame_list with the gfns of the first op->nr_frames shared frames.
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
