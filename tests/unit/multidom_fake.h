/*
 * Host fakes for several pv-guest domains in one process (dom0's backends and real frontends
 * side by side): a store with transactions, permissions and watches, where relative paths are
 * the current domain's; a grant table per domain, mapped (gntmap_map) and copied through
 * (gntmap_copy) by others; interdomain event channels whose notifications run the other end's
 * handler at once; pages; a clock that moves when a thread would sleep. md_cur is the domain
 * whose code is running: tests set it before calling a frontend, the schedule hook for dom0.
 */
#ifndef MULTIDOM_FAKE_H
#define MULTIDOM_FAKE_H

#include <pv/events.h>
#include <pv/gntmap.h>
#include <pv/gnttab.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

#define MD_DOMS 8
#define MD_GRANTS 512
#define MD_FIRST_GRANT 8
#define MD_PORTS 64

extern domid_t md_cur;
void md_reset(void); /* everything empty; the clock at 1 s */

/* Store. */
void md_xs_set(const char *path, const char *value); /* absolute path; NULL removes */
const char *md_xs_get(const char *path);             /* NULL if absent */
const char *md_xs_perms(const char *path);           /* set_perms text, NULL if never set */
extern void (*md_schedule_hook)(void);               /* runs when a thread would sleep */

/* Grants of domain dom. */
struct md_grant {
	bool in_use, readonly;
	domid_t grantee;
	unsigned long gfn;
	unsigned int maps; /* gntmap_map()s outstanding */
};
extern struct md_grant md_grants[MD_DOMS][MD_GRANTS];
extern unsigned int md_maps, md_copy_calls, md_copy_ops;

/* Event channels: ports are numbered across all domains. */
extern unsigned int md_ports_open(domid_t dom);
extern unsigned int md_notifies[MD_PORTS]; /* notify_remote_via_evtchn() from each port */

extern long md_pages; /* outstanding alloc_pages() */
extern s_time_t md_now;

#endif
