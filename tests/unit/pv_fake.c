/* Host fakes for the pv-guest kernel API; see pv_fake.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pv/mm.h>

#include "pv_fake.h"

/* ---------------------------------------------------------------- console */

int printk(const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (getenv("FAKE_VERBOSE")) {
		va_start(ap, fmt);
		n = vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
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

/* ---------------------------------------------------------------- store */

#define FAKE_XS_MAX 128

struct xs_entry {
	char *path, *value; /* value NULL: removed (in a transaction's log) */
};
static struct xs_entry xs[FAKE_XS_MAX], xs_log[FAKE_XS_MAX];
static unsigned int xs_n, xs_log_n;
static bool xs_in_transaction;
int fake_xs_eagain, fake_xs_commits, fake_xs_aborts, fake_xs_conflicts;
void (*fake_xs_on_write)(const char *path, const char *value);

static struct xs_entry *xs_find(struct xs_entry *tab, unsigned int n, const char *path)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(tab[i].path, path) == 0)
			return &tab[i];
	return NULL;
}

static void xs_put(struct xs_entry *tab, unsigned int *n, const char *path, const char *value)
{
	struct xs_entry *e = xs_find(tab, *n, path);

	if (!e) {
		if (*n == FAKE_XS_MAX)
			abort();
		e = &tab[(*n)++];
		e->path = strdup(path);
		e->value = NULL;
	}
	free(e->value);
	e->value = value ? strdup(value) : NULL;
}

/* A committed write; removal drops the node and everything under it. */
static void xs_commit_one(const char *path, const char *value)
{
	if (value) {
		xs_put(xs, &xs_n, path, value);
	} else {
		size_t len = strlen(path);

		for (unsigned int i = 0; i < xs_n;) {
			if (strncmp(xs[i].path, path, len) == 0 &&
			    (xs[i].path[len] == '\0' || xs[i].path[len] == '/')) {
				free(xs[i].path);
				free(xs[i].value);
				xs[i] = xs[--xs_n];
			} else {
				i++;
			}
		}
	}
	if (fake_xs_on_write)
		fake_xs_on_write(path, value);
}

void fake_xs_set(const char *path, const char *value)
{
	xs_commit_one(path, value);
}

const char *fake_xs_get(const char *path)
{
	struct xs_entry *e = xs_find(xs, xs_n, path);

	return e ? e->value : NULL;
}

static int xs_write(xenbus_transaction_t t, const char *path, const char *value)
{
	if (t == XBT_NIL)
		xs_commit_one(path, value);
	else if (!xs_in_transaction || t != 1)
		return -EINVAL;
	else
		xs_put(xs_log, &xs_log_n, path, value);
	return 0;
}

int xenbus_read(xenbus_transaction_t t, const char *path, char **value)
{
	struct xs_entry *e = t != XBT_NIL ? xs_find(xs_log, xs_log_n, path) : NULL;

	if (!e)
		e = xs_find(xs, xs_n, path);
	if (!e || !e->value)
		return -ENOENT;
	*value = strdup(e->value);
	return 0;
}

int xenbus_write(xenbus_transaction_t t, const char *path, const char *value)
{
	return xs_write(t, path, value);
}

int xenbus_printf(xenbus_transaction_t t, const char *dir, const char *node, const char *fmt, ...)
{
	char path[256], value[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return xs_write(t, path, value);
}

int xenbus_rm(xenbus_transaction_t t, const char *path)
{
	if (!xs_find(xs, xs_n, path))
		return -ENOENT;
	return xs_write(t, path, NULL);
}

unsigned long xenbus_read_unsigned(xenbus_transaction_t t, const char *dir, const char *node, unsigned long def)
{
	char path[256], *value, *end;
	unsigned long v;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	if (xenbus_read(t, path, &value))
		return def;
	v = strtoul(value, &end, 10);
	if (end == value || *end)
		v = def;
	free(value);
	return v;
}

int xenbus_transaction_start(xenbus_transaction_t *t)
{
	if (xs_in_transaction)
		return -EBUSY; /* the code under test never nests them */
	xs_in_transaction = true;
	xs_log_n = 0;
	*t = 1;
	return 0;
}

int xenbus_transaction_end(xenbus_transaction_t t, bool abort)
{
	bool conflict = !abort && fake_xs_eagain > 0;

	if (!xs_in_transaction || t != 1)
		return -EINVAL;
	xs_in_transaction = false;
	if (abort)
		fake_xs_aborts++;
	if (conflict) {
		fake_xs_eagain--;
		fake_xs_conflicts++;
	}
	for (unsigned int i = 0; i < xs_log_n; i++) {
		if (!abort && !conflict)
			xs_commit_one(xs_log[i].path, xs_log[i].value);
		free(xs_log[i].path);
		free(xs_log[i].value);
	}
	xs_log_n = 0;
	if (conflict)
		return -EAGAIN;
	if (!abort)
		fake_xs_commits++;
	return 0;
}

int xenbus_switch_state(xenbus_transaction_t t, const char *dir, XenbusState state)
{
	return xenbus_printf(t, dir, "state", "%d", (int)state);
}

XenbusState xenbus_read_state(const char *dir)
{
	return (XenbusState)xenbus_read_unsigned(XBT_NIL, dir, "state", XenbusStateUnknown);
}

/* Time passes (10 ms a step, the schedule hook may act) until the state changes or deadline. */
int xenbus_wait_state_change(const char *dir, XenbusState *state, s_time_t deadline)
{
	for (;;) {
		XenbusState now = xenbus_read_state(dir);

		if (now != *state) {
			*state = now;
			return 0;
		}
		if (deadline && fake_now >= deadline)
			return -ETIMEDOUT;
		fake_now += MILLISECS(10);
		if (fake_schedule_hook)
			fake_schedule_hook();
	}
}

/* ---------------------------------------------------------------- grants */

struct fake_grant fake_grants[FAKE_NR_GRANTS];

grant_ref_t gnttab_grant_access(domid_t domid, unsigned long gfn, bool readonly)
{
	for (grant_ref_t ref = FAKE_FIRST_GRANT; ref < FAKE_NR_GRANTS; ref++) {
		if (!fake_grants[ref].in_use) {
			fake_grants[ref] =
			    (struct fake_grant){.in_use = true, .readonly = readonly, .domid = domid, .gfn = gfn};
			return ref;
		}
	}
	return GRANT_INVALID_REF;
}

bool gnttab_end_access(grant_ref_t ref)
{
	if (ref >= FAKE_NR_GRANTS || !fake_grants[ref].in_use)
		panic("gnttab_end_access(%u): not in use\n", ref);
	if (fake_grants[ref].mapped)
		return false;
	fake_grants[ref].in_use = false;
	return true;
}

unsigned int fake_grants_in_use(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < FAKE_NR_GRANTS; i++)
		n += fake_grants[i].in_use;
	return n;
}

void *fake_grant_page(grant_ref_t ref, domid_t domid, bool write)
{
	if (ref >= FAKE_NR_GRANTS || !fake_grants[ref].in_use || fake_grants[ref].domid != domid ||
	    (write && fake_grants[ref].readonly))
		return NULL;
	return gfn_to_virt(fake_grants[ref].gfn);
}

unsigned int gnttab_free_count(void)
{
	return FAKE_NR_GRANTS - FAKE_FIRST_GRANT - fake_grants_in_use();
}

/* ---------------------------------------------------------------- event channel */

bool fake_port_bound;
unsigned int fake_notifies;
domid_t fake_port_remote;
static evtchn_handler_t fake_handler;
static void *fake_handler_data;

int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *data, evtchn_port_t *port)
{
	if (fake_port_bound)
		return -EBUSY;
	fake_port_bound = true;
	fake_port_remote = remote;
	fake_handler = handler;
	fake_handler_data = data;
	*port = FAKE_PORT;
	return 0;
}

int evtchn_close(evtchn_port_t port)
{
	if (!fake_port_bound || port != FAKE_PORT)
		return -EINVAL;
	fake_port_bound = false;
	fake_handler = NULL;
	return 0;
}

int notify_remote_via_evtchn(evtchn_port_t port)
{
	if (!fake_port_bound || port != FAKE_PORT)
		panic("notify on unbound port %u\n", port);
	fake_notifies++;
	return 0;
}

void fake_event_fire(void)
{
	if (fake_handler)
		fake_handler(FAKE_PORT, fake_handler_data);
}

/* ---------------------------------------------------------------- pages, time, threads */

long fake_pages_allocated;
s_time_t fake_now;

void *alloc_pages(unsigned int order)
{
	size_t size = PAGE_SIZE << order;
	void *p = aligned_alloc(size, size);

	if (p) {
		memset(p, 0, size);
		fake_pages_allocated += 1L << order;
	}
	return p;
}

void free_pages(void *p, unsigned int order)
{
	free(p);
	fake_pages_allocated -= 1L << order;
}

s_time_t NOW(void)
{
	return fake_now;
}

struct thread {
	const char *name;
};
static struct thread fake_thread = {"test"};
unsigned int fake_threads_created;
bool fake_create_thread_fails;
void (*fake_schedule_hook)(void);

struct thread *create_thread(const char *name, thread_fn fn, void *arg)
{
	if (fake_create_thread_fails)
		return NULL;
	fake_threads_created++; /* never run: tests call what the thread would */
	return &fake_thread;
}

struct thread *current_thread(void)
{
	return &fake_thread;
}
void block(struct thread *t)
{
}
void wake(struct thread *t)
{
}
void thread_set_deadline(struct thread *t, s_time_t deadline)
{
}

void schedule(void)
{
	fake_now += MILLISECS(1);
	if (fake_schedule_hook)
		fake_schedule_hook();
}

void yield(void)
{
	schedule();
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
}

void fake_reset(void)
{
	fake_xs_on_write = NULL;
	for (unsigned int i = 0; i < xs_n; i++) {
		free(xs[i].path);
		free(xs[i].value);
	}
	xs_n = 0;
	xs_in_transaction = false;
	fake_xs_eagain = fake_xs_commits = fake_xs_aborts = fake_xs_conflicts = 0;
	memset(fake_grants, 0, sizeof(fake_grants));
	fake_port_bound = false;
	fake_handler = NULL;
	fake_notifies = 0;
	fake_threads_created = 0;
	fake_create_thread_fails = false;
	fake_schedule_hook = NULL;
	fake_now = SECONDS(1);
}
