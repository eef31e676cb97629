/*
 * Fakes of the pv-guest kernel services blkfront uses: grant table, event channels, pages,
 * threads and wait queues, time, printk. Blocking runs the fake backend instead of a scheduler.
 */
#include <pv/events.h>
#include <pv/gnttab.h>
#include <pv/mm.h>
#include <pv/sched.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkfront_fake.h"

#define FAKE_GRANTS 1024
#define FAKE_PORTS 16

struct fake_grant {
	bool used, readonly;
	domid_t owner; /* the granting domain: fake_grant_owner when granted */
	domid_t domid;
	unsigned long gfn;
	unsigned int maps;
};
static struct fake_grant grants[FAKE_GRANTS];
static unsigned int grant_next; /* rotates, so that a reference is not handed out again at once */

struct fake_port {
	bool open;
	evtchn_port_t peer; /* the other end of an interdomain channel; 0: unbound */
	evtchn_handler_t handler;
	void *data;
};
static struct fake_port ports[FAKE_PORTS];

unsigned long fake_pages_in_use, fake_notifies;
domid_t fake_grant_owner = 1;
int64_t fake_now;
static struct thread *fake_thread = (struct thread *)&fake_now;
static bool fake_blocked;

void fake_xen_reset(void)
{
	memset(grants, 0, sizeof(grants));
	memset(ports, 0, sizeof(ports));
	grant_next = 0;
	fake_pages_in_use = fake_notifies = 0;
	fake_now = SECONDS(100);
	fake_blocked = false;
	fake_grant_owner = 1;
}

/* ---- grant table ---- */

grant_ref_t gnttab_grant_access(domid_t domid, unsigned long gfn, bool readonly)
{
	for (unsigned int i = 0; i < FAKE_GRANTS; i++) {
		unsigned int ref = (grant_next + i) % FAKE_GRANTS;

		if (ref < 8 || grants[ref].used) /* 0-7 are reserved, as in Xen */
			continue;
		grants[ref] = (struct fake_grant){
		    .used = true, .readonly = readonly, .owner = fake_grant_owner, .domid = domid, .gfn = gfn};
		grant_next = ref + 1;
		return ref;
	}
	return GRANT_INVALID_REF;
}

bool gnttab_end_access(grant_ref_t ref)
{
	if (ref >= FAKE_GRANTS || !grants[ref].used) {
		fprintf(stderr, "fake gnttab: end of unused grant %u\n", (unsigned int)ref);
		abort();
	}
	if (grants[ref].maps)
		return false;
	grants[ref].used = false;
	return true;
}

unsigned int gnttab_free_count(void)
{
	return FAKE_GRANTS - 8 - fake_gnttab_in_use();
}

unsigned int fake_gnttab_in_use(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < FAKE_GRANTS; i++)
		n += grants[i].used;
	return n;
}

void *fake_gnttab_peek(domid_t owner, grant_ref_t ref, domid_t dom, bool write)
{
	if (ref >= FAKE_GRANTS || !grants[ref].used || grants[ref].domid != dom)
		return NULL;
	if (owner != DOMID_SELF && grants[ref].owner != owner)
		return NULL;
	if (write && grants[ref].readonly)
		return NULL;
	return gfn_to_virt(grants[ref].gfn);
}

void *fake_gnttab_map_owner(domid_t owner, grant_ref_t ref, domid_t dom, bool write)
{
	void *p = fake_gnttab_peek(owner, ref, dom, write);

	if (p)
		grants[ref].maps++;
	return p;
}

void *fake_gnttab_map(grant_ref_t ref, domid_t dom, bool write)
{
	return fake_gnttab_map_owner(DOMID_SELF, ref, dom, write);
}

void fake_gnttab_unmap(grant_ref_t ref)
{
	if (ref < FAKE_GRANTS && grants[ref].maps)
		grants[ref].maps--;
}

/* ---- event channels ---- */

int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *data, evtchn_port_t *port)
{
	for (evtchn_port_t p = 1; p < FAKE_PORTS; p++) {
		if (!ports[p].open) {
			ports[p] = (struct fake_port){.open = true, .handler = handler, .data = data};
			*port = p;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Both ends live in this one table: the remote port must be open and not yet bound. */
int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_handler_t handler, void *data,
			    evtchn_port_t *local_port)
{
	int err;

	if (remote_port >= FAKE_PORTS || !ports[remote_port].open || ports[remote_port].peer)
		return -EINVAL;
	err = evtchn_alloc_unbound(remote, handler, data, local_port);
	if (err)
		return err;
	ports[*local_port].peer = remote_port;
	ports[remote_port].peer = *local_port;
	return 0;
}

int evtchn_close(evtchn_port_t port)
{
	if (port >= FAKE_PORTS || !ports[port].open)
		return -EINVAL;
	if (ports[port].peer)
		ports[ports[port].peer].peer = 0;
	ports[port] = (struct fake_port){0};
	return 0;
}

int notify_remote_via_evtchn(evtchn_port_t port)
{
	if (port >= FAKE_PORTS || !ports[port].open)
		return -EINVAL;
	fake_notifies++;
	if (ports[port].peer) {
		fake_evtchn_raise(ports[port].peer);
		return 0;
	}
	if (port == fb.port)
		fb.work = true;
	return 0;
}

void fake_evtchn_raise(evtchn_port_t port)
{
	if (port < FAKE_PORTS && ports[port].open && ports[port].handler)
		ports[port].handler(port, ports[port].data);
}

bool fake_evtchn_open(evtchn_port_t port)
{
	return port < FAKE_PORTS && ports[port].open;
}

/* ---- pages ---- */

void *alloc_pages(unsigned int order)
{
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);

	if (p) {
		memset(p, 0, PAGE_SIZE << order);
		fake_pages_in_use += 1UL << order;
	}
	return p;
}

void free_pages(void *p, unsigned int order)
{
	if (p) {
		fake_pages_in_use -= 1UL << order;
		free(p);
	}
}

/* ---- threads, wait queues, time ---- */

struct thread *current_thread(void)
{
	return fake_thread;
}
void block(struct thread *t)
{
	fake_blocked = true;
}
void wake(struct thread *t)
{
	fake_blocked = false;
}
void thread_set_deadline(struct thread *t, s_time_t deadline)
{
}
s_time_t NOW(void)
{
	return fake_now;
}

/* The only thread sleeps: time passes and the backend domain runs. */
void schedule(void)
{
	fake_now += MILLISECS(10);
	fake_backend_run();
}

void wq_add(struct wait_queue *wq, struct waiter *w)
{
	w->next = wq->head;
	wq->head = w;
}

void wq_remove(struct wait_queue *wq, struct waiter *w)
{
	for (struct waiter **p = &wq->head; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			return;
		}
	}
}

void wake_up(struct wait_queue *wq)
{
	for (struct waiter *w = wq->head; w; w = w->next)
		wake(w->thread);
}

/* ---- messages ---- */

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!getenv("BLK_VERBOSE"))
		return 0;
	va_start(ap, fmt);
	n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}
