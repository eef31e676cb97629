/*
 * A fake xenstore for blkback and blkfront in one process (permissions checked for the calling
 * domain, transactions that roll back, watches), gntmap over the fake grant table with
 * GNTTABOP_copy's checks, and threads that never run: the backend's turn is blkback_poll().
 */
#include <pv/dom0.h>
#include <pv/gntmap.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkback_fake.h"

#define STORE_MAX 256
#define MAX_WATCHES 16

struct fake_backend fb; /* blkfront_fake_xen.c looks at it; unused here */
struct blkback_fake_stats bbf;
domid_t fake_caller = 1;

struct node {
	char *path, *value, *perms;
};
static struct node store[STORE_MAX], snapshot[STORE_MAX];
static xenbus_transaction_t txn_open;
static struct xenbus_watch *watches[MAX_WATCHES];
static unsigned long watch_counter;

/* ---- nodes ---- */

static void nodes_free(struct node *n)
{
	for (unsigned int i = 0; i < STORE_MAX; i++) {
		free(n[i].path);
		free(n[i].value);
		free(n[i].perms);
		n[i] = (struct node){0};
	}
}

static void nodes_copy(struct node *to, const struct node *from)
{
	nodes_free(to);
	for (unsigned int i = 0; i < STORE_MAX; i++)
		if (from[i].path)
			to[i] = (struct node){strdup(from[i].path), strdup(from[i].value), strdup(from[i].perms)};
}

static struct node *node_find(const char *path)
{
	for (unsigned int i = 0; i < STORE_MAX; i++)
		if (store[i].path && !strcmp(store[i].path, path))
			return &store[i];
	return NULL;
}

/* Relative paths are under the calling domain's home, as in xenstored. */
static void resolve(const char *path, char *out, size_t size)
{
	if (path[0] == '/')
		snprintf(out, size, "%s", path);
	else
		snprintf(out, size, "/local/domain/%u/%s", (unsigned int)fake_caller, path);
}

/* Whether dom may read ('r') or write ('w') a node with these permissions. */
static bool perms_allow(const char *perms, domid_t dom, char want)
{
	char other = perms[0];
	const char *p;

	if (dom == 0 || strtoul(perms + 1, NULL, 10) == dom)
		return true;
	for (p = strchr(perms, ' '); p; p = strchr(p + 1, ' '))
		if (strtoul(p + 2, NULL, 10) == dom)
			return p[1] == 'b' || p[1] == want;
	return other == 'b' || other == want;
}

static bool node_allows(const char *path, char want)
{
	char parent[256];
	struct node *n = node_find(path);
	char *slash;

	if (n)
		return perms_allow(n->perms, fake_caller, want);
	/* A new node: the closest existing ancestor decides. */
	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return fake_caller == 0;
	*slash = '\0';
	return node_allows(parent, want);
}

static void fire(const char *path)
{
	for (unsigned int i = 0; i < MAX_WATCHES; i++) {
		struct xenbus_watch *w = watches[i];
		size_t pl = strlen(path), wl;
		struct xenbus_event *e;

		if (!w)
			continue;
		wl = strlen(w->path);
		/* The watched node or below it changed, or one of its ancestors was removed. */
		if (strncmp(path, w->path, MIN(pl, wl)) || (pl > wl && path[wl] != '/') ||
		    (pl < wl && w->path[pl] != '/'))
			continue;
		e = calloc(1, sizeof(*e));
		e->path = strdup(path);
		e->token = strdup(w->token);
		*w->tail = e;
		w->tail = &e->next;
		wake_up(&w->wq);
	}
}

/* The node, created (with its ancestors) if absent: permissions inherited, a domain owns what it makes. */
static struct node *node_create(const char *path)
{
	struct node *n = node_find(path), *parent = NULL;
	char up[256], *slash;

	if (n)
		return n;
	snprintf(up, sizeof(up), "%s", path);
	slash = strrchr(up, '/');
	if (slash && slash != up) {
		*slash = '\0';
		parent = node_create(up);
	}
	for (unsigned int i = 0; i < STORE_MAX && !n; i++)
		if (!store[i].path)
			n = &store[i];
	if (!n)
		abort();
	n->path = strdup(path);
	n->value = strdup("");
	if (parent && fake_caller) {
		char perms[64];

		snprintf(perms, sizeof(perms), "%c%u%s", parent->perms[0], (unsigned int)fake_caller,
			 strchr(parent->perms, ' ') ?: "");
		n->perms = strdup(perms);
	} else {
		n->perms = strdup(parent ? parent->perms : "n0");
	}
	return n;
}

const char *fake_store_get(const char *path)
{
	struct node *n = node_find(path);

	return n ? n->value : NULL;
}

const char *fake_store_perms(const char *path)
{
	struct node *n = node_find(path);

	return n ? n->perms : NULL;
}

void fake_store_set(const char *path, const char *value)
{
	struct node *n = node_create(path);

	free(n->value);
	n->value = strdup(value);
	fire(path);
}

void fake_store_clear(void)
{
	nodes_free(store);
	nodes_free(snapshot);
	txn_open = 0;
}

void fake_store_reset(void)
{
	domid_t caller = fake_caller;

	fake_store_clear();
	fake_caller = 0;
	for (unsigned int dom = 0; dom <= 2; dom++) {
		char path[32], perms[16];

		snprintf(path, sizeof(path), "/local/domain/%u", dom);
		snprintf(perms, sizeof(perms), "n0 r%u", dom);
		free(node_create(path)->perms);
		node_find(path)->perms = strdup(perms);
	}
	fake_caller = caller;
	bbf.conflicts = bbf.transactions = bbf.denied = bbf.violations = 0;
	bbf.copy_calls = bbf.copy_ops = bbf.copy_failed = 0;
}

/* ---- the xenbus API ---- */

static int check_txn(xenbus_transaction_t t)
{
	if (t != XBT_NIL && t != txn_open) {
		bbf.violations++;
		return -EINVAL;
	}
	return 0;
}

int xenbus_read(xenbus_transaction_t t, const char *path, char **value)
{
	char full[256];
	struct node *n;

	if (check_txn(t))
		return -EINVAL;
	resolve(path, full, sizeof(full));
	n = node_find(full);
	if (!n)
		return -ENOENT;
	if (!perms_allow(n->perms, fake_caller, 'r')) {
		bbf.denied++;
		return -EACCES;
	}
	*value = strdup(n->value);
	return 0;
}

int xenbus_write(xenbus_transaction_t t, const char *path, const char *value)
{
	char full[256];

	if (check_txn(t))
		return -EINVAL;
	resolve(path, full, sizeof(full));
	if (!node_allows(full, 'w')) {
		bbf.denied++;
		return -EACCES;
	}
	fake_store_set(full, value);
	return 0;
}

int xenbus_printf(xenbus_transaction_t t, const char *dir, const char *node, const char *fmt, ...)
{
	char path[256], value[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return xenbus_write(t, path, value);
}

int xenbus_mkdir(xenbus_transaction_t t, const char *path)
{
	char full[256];

	if (check_txn(t))
		return -EINVAL;
	resolve(path, full, sizeof(full));
	if (node_find(full))
		return 0;
	if (!node_allows(full, 'w')) {
		bbf.denied++;
		return -EACCES;
	}
	node_create(full);
	fire(full);
	return 0;
}

int xenbus_rm(xenbus_transaction_t t, const char *path)
{
	char full[256];
	size_t len;

	if (check_txn(t))
		return -EINVAL;
	resolve(path, full, sizeof(full));
	if (!node_find(full))
		return -ENOENT;
	if (!node_allows(full, 'w')) {
		bbf.denied++;
		return -EACCES;
	}
	len = strlen(full);
	for (unsigned int i = 0; i < STORE_MAX; i++) {
		struct node *n = &store[i];

		if (n->path && !strncmp(n->path, full, len) && (!n->path[len] || n->path[len] == '/')) {
			free(n->path);
			free(n->value);
			free(n->perms);
			*n = (struct node){0};
		}
	}
	fire(full);
	return 0;
}

int xenbus_ls(xenbus_transaction_t t, const char *path, char ***names, unsigned int *n)
{
	char full[256];
	struct node *dir;
	char **out;
	size_t len;
	unsigned int count = 0;

	if (check_txn(t))
		return -EINVAL;
	resolve(path, full, sizeof(full));
	dir = node_find(full);
	if (!dir)
		return -ENOENT;
	if (!perms_allow(dir->perms, fake_caller, 'r')) {
		bbf.denied++;
		return -EACCES;
	}
	len = strlen(full);
	out = calloc(STORE_MAX, sizeof(*out));
	for (unsigned int i = 0; i < STORE_MAX; i++) {
		const char *p = store[i].path;

		if (p && !strncmp(p, full, len) && p[len] == '/' && !strchr(p + len + 1, '/'))
			out[count++] = strdup(p + len + 1);
	}
	*names = out;
	*n = count;
	return 0;
}

void xenbus_free_names(char **names, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

unsigned long xenbus_read_unsigned(xenbus_transaction_t t, const char *dir, const char *node, unsigned long def)
{
	char path[256], *v, *end;
	unsigned long x;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	if (xenbus_read(t, path, &v))
		return def;
	x = strtoul(v, &end, 10);
	if (!*v || *end)
		x = def;
	free(v);
	return x;
}

int xenbus_get_perms(xenbus_transaction_t t, const char *path, char **perms)
{
	char full[256];
	struct node *n;

	resolve(path, full, sizeof(full));
	n = node_find(full);
	if (!n)
		return -ENOENT;
	*perms = strdup(n->perms);
	return 0;
}

int xenbus_set_perms(xenbus_transaction_t t, const char *path, const char *perms)
{
	char full[256];
	struct node *n;

	if (check_txn(t))
		return -EINVAL;
	if (!perms || !strchr("nrwb", perms[0]) || perms[1] < '0' || perms[1] > '9')
		return -EINVAL;
	resolve(path, full, sizeof(full));
	n = node_find(full);
	if (!n)
		return -ENOENT;
	if (fake_caller && strtoul(n->perms + 1, NULL, 10) != fake_caller) {
		bbf.denied++;
		return -EACCES;
	}
	free(n->perms);
	n->perms = strdup(perms);
	fire(full);
	return 0;
}

int xenbus_transaction_start(xenbus_transaction_t *t)
{
	static xenbus_transaction_t next = 100;

	if (txn_open)
		bbf.violations++;
	nodes_copy(snapshot, store);
	txn_open = next++;
	*t = txn_open;
	return 0;
}

/* Abort, or a conflict the test asked for: the store goes back to the snapshot. */
int xenbus_transaction_end(xenbus_transaction_t t, bool abort)
{
	if (!t || t != txn_open) {
		bbf.violations++;
		return -EINVAL;
	}
	txn_open = 0;
	if (abort || bbf.conflicts) {
		nodes_copy(store, snapshot);
		if (abort)
			return 0;
		bbf.conflicts--;
		return -EAGAIN;
	}
	bbf.transactions++;
	return 0;
}

int xenbus_switch_state(xenbus_transaction_t t, const char *dir, XenbusState state)
{
	return xenbus_printf(t, dir, "state", "%d", (int)state);
}

XenbusState xenbus_read_state(const char *dir)
{
	return xenbus_read_unsigned(XBT_NIL, dir, "state", XenbusStateUnknown);
}

int xenbus_wait_state_change(const char *dir, XenbusState *state, s_time_t deadline)
{
	for (;;) {
		XenbusState now;

		fake_backend_run();
		now = xenbus_read_state(dir);
		if (now != *state) {
			*state = now;
			return 0;
		}
		if (deadline && fake_now >= deadline)
			return -ETIMEDOUT;
		fake_now += MILLISECS(10);
	}
}

int xenbus_watch(struct xenbus_watch *w, const char *path)
{
	char full[256], token[24];

	for (unsigned int i = 0; i < MAX_WATCHES; i++) {
		if (watches[i])
			continue;
		resolve(path, full, sizeof(full));
		snprintf(token, sizeof(token), "fake-%lu", ++watch_counter);
		w->path = strdup(full);
		w->token = strdup(token);
		w->events = NULL;
		w->tail = &w->events;
		w->wq = (struct wait_queue)WAIT_QUEUE_INIT;
		watches[i] = w;
		fire(full); /* the first event, at registration */
		return 0;
	}
	return -ENOSPC;
}

int xenbus_unwatch(struct xenbus_watch *w)
{
	for (unsigned int i = 0; i < MAX_WATCHES; i++) {
		if (watches[i] != w)
			continue;
		watches[i] = NULL;
		while (w->events) {
			struct xenbus_event *e = w->events;

			w->events = e->next;
			xenbus_free_event(e);
		}
		free(w->path);
		free(w->token);
		w->path = w->token = NULL;
		return 0;
	}
	return -EINVAL;
}

/* Never blocks: the only thread is the test's. */
struct xenbus_event *xenbus_wait_event(struct xenbus_watch *w, s_time_t deadline)
{
	struct xenbus_event *e = w->events;

	if (!e)
		return NULL;
	w->events = e->next;
	if (!w->events)
		w->tail = &w->events;
	e->next = NULL;
	return e;
}

void xenbus_free_event(struct xenbus_event *e)
{
	free(e->path);
	free(e->token);
	free(e);
}

/* ---- grants, as the backend domain (0) sees them ---- */

int gntmap_map(domid_t dom, grant_ref_t ref, bool readonly, void **addr, grant_handle_t *handle)
{
	void *p = fake_gnttab_map_owner(dom, ref, 0, !readonly);

	if (!p)
		return -EIO;
	*addr = p;
	*handle = ref;
	bbf.maps++;
	return 0;
}

int gntmap_unmap(void *addr, grant_handle_t handle)
{
	fake_gnttab_unmap(handle);
	bbf.maps--;
	return 0;
}

/* One side of a copy: a granted page of ptr->domid, or one of our own frames. */
static int16_t copy_side(const struct gnttab_copy_ptr *ptr, bool gref, bool write, uint8_t **page)
{
	if (!gref) {
		if (ptr->domid != DOMID_SELF)
			return GNTST_permission_denied;
		*page = gfn_to_virt(ptr->u.gmfn);
		return GNTST_okay;
	}
	*page = fake_gnttab_peek(ptr->domid, ptr->u.ref, 0, write);
	if (*page)
		return GNTST_okay;
	return fake_gnttab_peek(ptr->domid, ptr->u.ref, 0, false) ? GNTST_permission_denied : GNTST_bad_gntref;
}

int gntmap_copy(struct gnttab_copy *ops, unsigned int n)
{
	bbf.copy_calls++;
	for (unsigned int i = 0; i < n; i++) {
		struct gnttab_copy *op = &ops[i];
		uint8_t *src, *dst;

		bbf.copy_ops++;
		if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
			op->status = GNTST_bad_copy_arg;
		else if ((op->status = copy_side(&op->source, op->flags & GNTCOPY_source_gref, false, &src)) ==
			 GNTST_okay)
			op->status = copy_side(&op->dest, op->flags & GNTCOPY_dest_gref, true, &dst);
		if (op->status == GNTST_okay)
			memmove(dst + op->dest.offset, src + op->source.offset, op->len);
		else
			bbf.copy_failed++;
	}
	return 0;
}

/* ---- threads: blkback's never run; the backend gets its turn in fake_backend_run ---- */

static int thread_token;

struct thread *create_thread(const char *name, thread_fn fn, void *arg)
{
	return (struct thread *)&thread_token;
}

void yield(void)
{
}

void fake_backend_run(void)
{
	domid_t caller = fake_caller;

	fake_caller = 0;
	blkback_poll();
	fake_caller = caller;
}
