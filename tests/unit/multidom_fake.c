/* Host fakes for several pv-guest domains in one process; see multidom_fake.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pv/mm.h>

#include "multidom_fake.h"

domid_t md_cur;
void (*md_schedule_hook)(void);
s_time_t md_now;
long md_pages;

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

#define MD_XS_MAX 256

struct xs_entry {
	char *path, *value, *perms; /* value NULL in the log: removed */
	bool set_perms;
};
static struct xs_entry xs[MD_XS_MAX], xs_log[MD_XS_MAX];
static unsigned int xs_n, xs_log_n;
static bool xs_in_transaction;
static struct xenbus_watch *watches;
static unsigned long watch_counter;

/* The absolute form of path: relative ones are under the current domain's home. */
static void xs_abs(const char *path, char *out, size_t size)
{
	if (path[0] == '/')
		snprintf(out, size, "%s", path);
	else
		snprintf(out, size, "/local/domain/%u/%s", md_cur, path);
}

static struct xs_entry *xs_find(struct xs_entry *tab, unsigned int n, const char *path)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(tab[i].path, path) == 0)
			return &tab[i];
	return NULL;
}

static struct xs_entry *xs_slot(struct xs_entry *tab, unsigned int *n, const char *path)
{
	struct xs_entry *e = xs_find(tab, *n, path);

	if (!e) {
		if (*n == MD_XS_MAX)
			abort();
		e = &tab[(*n)++];
		memset(e, 0, sizeof(*e));
		e->path = strdup(path);
	}
	return e;
}

static bool under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return strncmp(path, dir, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

static void watch_fire(struct xenbus_watch *w, const char *path)
{
	size_t plen = strlen(path) + 1, tlen = strlen(w->token) + 1;
	struct xenbus_event *e = malloc(sizeof(*e) + plen + tlen);

	e->next = NULL;
	e->path = (char *)(e + 1);
	memcpy(e->path, path, plen);
	e->token = e->path + plen;
	memcpy(e->token, w->token, tlen);
	*w->tail = e;
	w->tail = &e->next;
}

static void xs_fire(const char *path)
{
	for (struct xenbus_watch *w = watches; w; w = w->next)
		if (under(path, w->path) || under(w->path, path))
			watch_fire(w, path);
}

static void xs_commit_one(const char *path, const char *value, const char *perms)
{
	if (value) {
		struct xs_entry *e = xs_slot(xs, &xs_n, path);

		free(e->value);
		e->value = strdup(value);
		if (perms) {
			free(e->perms);
			e->perms = strdup(perms);
		}
	} else {
		for (unsigned int i = 0; i < xs_n;) {
			if (under(xs[i].path, path)) {
				free(xs[i].path);
				free(xs[i].value);
				free(xs[i].perms);
				xs[i] = xs[--xs_n];
			} else {
				i++;
			}
		}
	}
	xs_fire(path);
}

void md_xs_set(const char *path, const char *value)
{
	xs_commit_one(path, value, NULL);
}

const char *md_xs_get(const char *path)
{
	struct xs_entry *e = xs_find(xs, xs_n, path);

	return e ? e->value : NULL;
}

const char *md_xs_perms(const char *path)
{
	struct xs_entry *e = xs_find(xs, xs_n, path);

	return e ? e->perms : NULL;
}

static int xs_write(xenbus_transaction_t t, const char *rel, const char *value, const char *perms)
{
	char path[256];
	struct xs_entry *e;

	xs_abs(rel, path, sizeof(path));
	if (t == XBT_NIL) {
		xs_commit_one(path, value, perms);
		return 0;
	}
	if (!xs_in_transaction || t != 1)
		return -EINVAL;
	e = xs_slot(xs_log, &xs_log_n, path);
	if (perms) {
		free(e->perms);
		e->perms = strdup(perms);
		if (!e->value) {
			struct xs_entry *cur = xs_find(xs, xs_n, path);

			e->value = strdup(cur && cur->value ? cur->value : "");
		}
	} else {
		free(e->value);
		e->value = value ? strdup(value) : NULL;
	}
	return 0;
}

int xenbus_read(xenbus_transaction_t t, const char *rel, char **value)
{
	char path[256];
	struct xs_entry *e = NULL;

	xs_abs(rel, path, sizeof(path));
	if (t != XBT_NIL)
		e = xs_find(xs_log, xs_log_n, path);
	if (!e)
		e = xs_find(xs, xs_n, path);
	if (!e || !e->value)
		return -ENOENT;
	*value = strdup(e->value);
	return 0;
}

int xenbus_write(xenbus_transaction_t t, const char *path, const char *value)
{
	return xs_write(t, path, value, NULL);
}

int xenbus_mkdir(xenbus_transaction_t t, const char *path)
{
	char *v;

	if (!xenbus_read(t, path, &v)) {
		free(v);
		return 0;
	}
	return xs_write(t, path, "", NULL);
}

int xenbus_printf(xenbus_transaction_t t, const char *dir, const char *node, const char *fmt, ...)
{
	char path[256], value[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return xs_write(t, path, value, NULL);
}

int xenbus_rm(xenbus_transaction_t t, const char *rel)
{
	char path[256];

	xs_abs(rel, path, sizeof(path));
	for (unsigned int i = 0; i < xs_n; i++)
		if (under(xs[i].path, path)) /* the node, or one below it: parents exist implicitly */
			return xs_write(t, path, NULL, NULL);
	return -ENOENT;
}

int xenbus_set_perms(xenbus_transaction_t t, const char *path, const char *perms)
{
	char *v;

	if (!perms || !*perms)
		return -EINVAL;
	if (xenbus_read(t, path, &v))
		return -ENOENT;
	free(v);
	return xs_write(t, path, NULL, perms);
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
		return -EBUSY;
	xs_in_transaction = true;
	xs_log_n = 0;
	*t = 1;
	return 0;
}

int xenbus_transaction_end(xenbus_transaction_t t, bool abort)
{
	if (!xs_in_transaction || t != 1)
		return -EINVAL;
	xs_in_transaction = false;
	for (unsigned int i = 0; i < xs_log_n; i++) {
		if (!abort)
			xs_commit_one(xs_log[i].path, xs_log[i].value, xs_log[i].perms);
		free(xs_log[i].path);
		free(xs_log[i].value);
		free(xs_log[i].perms);
	}
	xs_log_n = 0;
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

/* Time passes (10 ms a step, the schedule hook runs the others) until a change or deadline. */
int xenbus_wait_state_change(const char *dir, XenbusState *state, s_time_t deadline)
{
	for (;;) {
		XenbusState now = xenbus_read_state(dir);

		if (now != *state) {
			*state = now;
			return 0;
		}
		if (deadline && md_now >= deadline)
			return -ETIMEDOUT;
		schedule();
	}
}

int xenbus_watch(struct xenbus_watch *w, const char *rel)
{
	char path[256], token[24];

	xs_abs(rel, path, sizeof(path));
	snprintf(token, sizeof(token), "md-%lu", ++watch_counter);
	w->path = strdup(path);
	w->token = strdup(token);
	w->events = NULL;
	w->tail = &w->events;
	w->wq = (struct wait_queue)WAIT_QUEUE_INIT;
	w->next = watches;
	watches = w;
	watch_fire(w, path); /* as the store does at registration */
	return 0;
}

int xenbus_unwatch(struct xenbus_watch *w)
{
	if (!w->token)
		return -EINVAL;
	for (struct xenbus_watch **p = &watches; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	while (w->events) {
		struct xenbus_event *e = w->events;

		w->events = e->next;
		free(e);
	}
	free(w->path);
	free(w->token);
	w->path = w->token = NULL;
	w->tail = &w->events;
	return 0;
}

struct xenbus_event *xenbus_wait_event(struct xenbus_watch *w, s_time_t deadline)
{
	struct xenbus_event *e;

	while (!w->events) {
		if (deadline && md_now >= deadline)
			return NULL;
		schedule();
	}
	e = w->events;
	w->events = e->next;
	if (!w->events)
		w->tail = &w->events;
	e->next = NULL;
	return e;
}

void xenbus_free_event(struct xenbus_event *e)
{
	free(e);
}

/* ---------------------------------------------------------------- grants */

struct md_grant md_grants[MD_DOMS][MD_GRANTS];
unsigned int md_maps, md_copy_calls, md_copy_ops;

grant_ref_t gnttab_grant_access(domid_t domid, unsigned long gfn, bool readonly)
{
	for (grant_ref_t ref = MD_FIRST_GRANT; ref < MD_GRANTS; ref++) {
		struct md_grant *g = &md_grants[md_cur][ref];

		if (!g->in_use) {
			*g = (struct md_grant){.in_use = true, .readonly = readonly, .grantee = domid, .gfn = gfn};
			return ref;
		}
	}
	return GRANT_INVALID_REF;
}

bool gnttab_end_access(grant_ref_t ref)
{
	struct md_grant *g = &md_grants[md_cur][ref];

	if (ref >= MD_GRANTS || !g->in_use)
		panic("gnttab_end_access(%u): not in use\n", ref);
	if (g->maps)
		return false;
	g->in_use = false;
	return true;
}

unsigned int gnttab_free_count(void)
{
	unsigned int n = 0;

	for (unsigned int i = MD_FIRST_GRANT; i < MD_GRANTS; i++)
		n += !md_grants[md_cur][i].in_use;
	return n;
}

/* The page behind dom's grant ref for the current domain; NULL if it may not have it. */
static struct md_grant *grant_lookup(domid_t dom, grant_ref_t ref, bool write)
{
	struct md_grant *g;

	if (dom >= MD_DOMS || ref >= MD_GRANTS)
		return NULL;
	g = &md_grants[dom][ref];
	if (!g->in_use || g->grantee != md_cur || (write && g->readonly))
		return NULL;
	return g;
}

int gntmap_map(domid_t dom, grant_ref_t ref, bool readonly, void **addr, grant_handle_t *handle)
{
	struct md_grant *g = grant_lookup(dom, ref, !readonly);

	if (!g)
		return -EIO;
	g->maps++;
	md_maps++;
	*addr = gfn_to_virt(g->gfn);
	*handle = (grant_handle_t)(dom << 16 | ref);
	return 0;
}

int gntmap_unmap(void *addr, grant_handle_t handle)
{
	struct md_grant *g = &md_grants[handle >> 16][handle & 0xffff];

	if (!g->maps || gfn_to_virt(g->gfn) != addr)
		panic("gntmap_unmap: handle %#x not mapped at %p\n", handle, addr);
	g->maps--;
	md_maps--;
	return 0;
}

static uint8_t *copy_ptr(const struct gnttab_copy_ptr *p, bool gref, bool write, int16_t *status)
{
	struct md_grant *g;

	if (!gref) {
		if (p->domid != DOMID_SELF)
			*status = GNTST_permission_denied;
		return (uint8_t *)gfn_to_virt(p->u.gmfn) + p->offset;
	}
	g = grant_lookup(p->domid, p->u.ref, write);
	if (!g) {
		*status = GNTST_bad_gntref;
		return NULL;
	}
	return (uint8_t *)gfn_to_virt(g->gfn) + p->offset;
}

int gntmap_copy(struct gnttab_copy *ops, unsigned int n)
{
	md_copy_calls++;
	md_copy_ops += n;
	for (unsigned int i = 0; i < n; i++) {
		struct gnttab_copy *op = &ops[i];
		uint8_t *src, *dst;

		op->status = GNTST_okay;
		if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE) {
			op->status = GNTST_bad_copy_arg;
			continue;
		}
		src = copy_ptr(&op->source, op->flags & GNTCOPY_source_gref, false, &op->status);
		dst = copy_ptr(&op->dest, op->flags & GNTCOPY_dest_gref, true, &op->status);
		if (op->status == GNTST_okay)
			memmove(dst, src, op->len);
	}
	return 0;
}

/* ---------------------------------------------------------------- event channels */

static struct md_port {
	bool used;
	domid_t dom, remote;
	evtchn_port_t peer; /* 0: unbound */
	evtchn_handler_t handler;
	void *data;
} ports[MD_PORTS];
unsigned int md_notifies[MD_PORTS];

static int port_new(domid_t remote, evtchn_handler_t handler, void *data, evtchn_port_t *port)
{
	for (evtchn_port_t p = 1; p < MD_PORTS; p++) {
		if (!ports[p].used) {
			ports[p] = (struct md_port){true, md_cur, remote, 0, handler, data};
			*port = p;
			return 0;
		}
	}
	return -ENOSPC;
}

int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *data, evtchn_port_t *port)
{
	return port_new(remote, handler, data, port);
}

int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_handler_t handler, void *data,
			    evtchn_port_t *local_port)
{
	struct md_port *r;
	int err;

	if (remote_port == 0 || remote_port >= MD_PORTS)
		return -EINVAL;
	r = &ports[remote_port];
	if (!r->used || r->dom != remote || r->remote != md_cur || r->peer)
		return -EINVAL;
	err = port_new(remote, handler, data, local_port);
	if (!err) {
		ports[*local_port].peer = remote_port;
		r->peer = *local_port;
	}
	return err;
}

int evtchn_close(evtchn_port_t port)
{
	if (port == 0 || port >= MD_PORTS || !ports[port].used || ports[port].dom != md_cur)
		return -EINVAL;
	if (ports[port].peer)
		ports[ports[port].peer].peer = 0;
	ports[port] = (struct md_port){0};
	return 0;
}

void evtchn_unbind(evtchn_port_t port)
{
	if (port < MD_PORTS)
		ports[port].handler = NULL;
}

int notify_remote_via_evtchn(evtchn_port_t port)
{
	struct md_port *p;

	if (port == 0 || port >= MD_PORTS || !ports[port].used || ports[port].dom != md_cur)
		panic("notify on port %u, not dom%u's\n", port, md_cur);
	md_notifies[port]++;
	p = &ports[ports[port].peer];
	if (ports[port].peer && p->handler)
		p->handler(ports[port].peer, p->data); /* the upcall, at once */
	return 0;
}

unsigned int md_ports_open(domid_t dom)
{
	unsigned int n = 0;

	for (unsigned int p = 1; p < MD_PORTS; p++)
		n += ports[p].used && ports[p].dom == dom;
	return n;
}

void mask_evtchn(evtchn_port_t port)
{
}
void unmask_evtchn(evtchn_port_t port)
{
}
void clear_evtchn(evtchn_port_t port)
{
}

/* ---------------------------------------------------------------- pages, time, threads */

void *alloc_pages(unsigned int order)
{
	size_t size = PAGE_SIZE << order;
	void *p = aligned_alloc(size, size);

	if (p) {
		memset(p, 0, size);
		md_pages += 1L << order;
	}
	return p;
}

void free_pages(void *p, unsigned int order)
{
	free(p);
	md_pages -= 1L << order;
}

s_time_t NOW(void)
{
	return md_now;
}

struct thread {
	const char *name;
};
static struct thread md_thread = {"test"};

struct thread *create_thread(const char *name, thread_fn fn, void *arg)
{
	return &md_thread; /* never run: tests call what the thread would do */
}

struct thread *current_thread(void)
{
	return &md_thread;
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

/* The running domain sleeps: time passes and the hook runs the others. */
void schedule(void)
{
	domid_t self = md_cur;

	md_now += MILLISECS(1);
	if (md_schedule_hook)
		md_schedule_hook();
	md_cur = self;
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

void md_reset(void)
{
	for (unsigned int i = 0; i < xs_n; i++) {
		free(xs[i].path);
		free(xs[i].value);
		free(xs[i].perms);
	}
	xs_n = 0;
	xs_in_transaction = false;
	watches = NULL;
	memset(md_grants, 0, sizeof(md_grants));
	md_maps = md_copy_calls = md_copy_ops = 0;
	memset(ports, 0, sizeof(ports));
	memset(md_notifies, 0, sizeof(md_notifies));
	md_schedule_hook = NULL;
	md_cur = 0;
	md_now = SECONDS(1);
}
