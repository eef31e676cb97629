/*
 * Host fakes for the pv-guest kernel API (pv/xenbus.h, gnttab.h, events.h, mm.h, sched.h,
 * time.h, printk): an in-memory store with transactions, a grant table whose references
 * resolve to host pointers (identity mapping holds on the host too), one event channel,
 * malloc'd pages, and a clock that moves when a thread would sleep.
 */
#ifndef PV_FAKE_H
#define PV_FAKE_H

#include <pv/events.h>
#include <pv/gnttab.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

void fake_reset(void); /* everything back to empty; pages still allocated are reported */

/* Store. */
void fake_xs_set(const char *path, const char *value);
const char *fake_xs_get(const char *path); /* NULL if absent */
extern int fake_xs_eagain;                 /* transaction ends that fail with -EAGAIN first */
extern int fake_xs_commits, fake_xs_aborts, fake_xs_conflicts;
/* Called after every committed write (path, new value) or removal (value NULL). */
extern void (*fake_xs_on_write)(const char *path, const char *value);

/* Grants. */
#define FAKE_NR_GRANTS 512
#define FAKE_FIRST_GRANT 8
struct fake_grant {
	bool in_use, readonly, mapped; /* mapped: the backend holds it (end_access fails) */
	domid_t domid;
	unsigned long gfn;
};
extern struct fake_grant fake_grants[FAKE_NR_GRANTS];
void *fake_grant_page(grant_ref_t ref, domid_t domid, bool write); /* NULL (test fails) if invalid */
unsigned int fake_grants_in_use(void);

/* Event channel: one port. */
#define FAKE_PORT 7
extern bool fake_port_bound;
extern unsigned int fake_notifies; /* notify_remote_via_evtchn() calls */
extern domid_t fake_port_remote;
void fake_event_fire(void); /* the remote end signals: runs the handler */

/* Pages and threads. */
extern long fake_pages_allocated; /* outstanding alloc_pages() */
extern s_time_t fake_now;
extern unsigned int fake_threads_created;
extern bool fake_create_thread_fails;
extern void (*fake_schedule_hook)(void); /* runs when a thread would sleep */

#endif
