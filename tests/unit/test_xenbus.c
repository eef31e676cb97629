/*
 * Unit tests for the xenbus client (pv-guest/kernel/xenbus.c), compiled into this file with the
 * kernel faked: the scheduler's schedule() runs an in-process store over a real ring page and
 * then the client's reader, as the reader thread would run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The hypercalls come from the fake below, not the hypercall page. */
#define PV_HYPERCALL_H
#include <pv/xen.h>
static long HYPERVISOR_hvm_op(int cmd, void *arg);

#include "../../pv-guest/kernel/xenbus.c"

/* ---- the fake kernel */

static struct xenstore_domain_interface page __attribute__((aligned(4096)));
static uint64_t fake_store_pfn, fake_store_evtchn;
static long fake_hvm_rc;
static evtchn_handler_t bound_handler;
static evtchn_port_t bound_port, unbound_port;
static unsigned long notifies, sched_calls;
static thread_fn thread_started;
static bool fail_create_thread;
static s_time_t fake_now = 1;
static int dummy_thread;

static long HYPERVISOR_hvm_op(int cmd, void *arg)
{
	struct xen_hvm_param *p = arg;

	assert_int_equal(cmd, HVMOP_get_param);
	assert_int_equal(p->domid, DOMID_SELF);
	if (fake_hvm_rc)
		return fake_hvm_rc;
	p->value = p->index == HVM_PARAM_STORE_PFN ? fake_store_pfn : fake_store_evtchn;
	return 0;
}

int printk(const char *fmt, ...)
{
	return 0;
}

int evtchn_bind(evtchn_port_t port, evtchn_handler_t handler, void *data)
{
	bound_port = port;
	bound_handler = handler;
	return 0;
}

void evtchn_unbind(evtchn_port_t port)
{
	unbound_port = port;
}

int notify_remote_via_evtchn(evtchn_port_t port)
{
	assert_int_equal(port, bound_port);
	notifies++;
	return 0;
}

struct thread *create_thread(const char *name, thread_fn fn, void *arg)
{
	if (fail_create_thread)
		return NULL;
	thread_started = fn;
	return (struct thread *)&dummy_thread;
}

struct thread *current_thread(void)
{
	return (struct thread *)&dummy_thread;
}
void block(struct thread *t)
{
}
void wq_add(struct wait_queue *wq, struct waiter *w)
{
}
void wq_remove(struct wait_queue *wq, struct waiter *w)
{
}
void wake_up(struct wait_queue *wq)
{
}
void thread_set_deadline(struct thread *t, s_time_t deadline)
{
}
s_time_t NOW(void)
{
	return fake_now;
}

static void store_step(void);

/* Every wait ends here: the store gets a turn, then the client's reader, then time moves on. */
void schedule(void)
{
	if (++sched_calls > 100000)
		fail_msg("the client waits for ever");
	store_step();
	if (bound_handler)
		bound_handler(bound_port, NULL);
	if (xs.up)
		xs_process_responses();
	fake_now += MILLISECS(1);
}

/* ---- the fake store: a flat table of nodes, watches, transactions */

#define MAX_NODES 64
#define MAX_WATCHES 8
#define PATH_LEN 128

struct node {
	bool used;
	char path[PATH_LEN];
	char *value;
	uint32_t vlen;
	char perms[64];
	uint32_t plen;
};

struct store_watch {
	bool used;
	char path[PATH_LEN];
	char token[64];
};

static struct {
	struct node nodes[MAX_NODES];
	struct store_watch watches[MAX_WATCHES];
	char in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	size_t in_have;
	char out[1 << 16];
	size_t out_len;
	size_t chunk; /* most bytes put into the reply ring per turn; 0: all that fit */
	bool hold;    /* requests stay in the ring */
	bool conflict;
	uint32_t next_tx;
	struct xsd_sockmsg last; /* the last request */
	char last_body[XENSTORE_PAYLOAD_MAX];
	bool override; /* answer the next request with this instead */
	struct xsd_sockmsg override_hdr;
	char override_body[64];
	unsigned long steps;
	unsigned long later_at;
	char later_path[PATH_LEN], later_value[32];
	unsigned long connect_at;
} st;

static void out_put(const void *data, size_t len)
{
	assert_true(st.out_len + len <= sizeof(st.out));
	memcpy(st.out + st.out_len, data, len);
	st.out_len += len;
}

static void reply(uint32_t type, uint32_t req_id, const void *body, uint32_t len)
{
	struct xsd_sockmsg h = {type, req_id, 0, len};

	out_put(&h, sizeof(h));
	out_put(body, len);
}

static void reply_error(uint32_t req_id, const char *err)
{
	reply(XS_ERROR, req_id, err, strlen(err) + 1);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool under(const char *wpath, const char *p)
{
	size_t l = strlen(wpath);

	return !strncmp(p, wpath, l) && (p[l] == '\0' || p[l] == '/');
}

static void fire(const char *path)
{
	for (int i = 0; i < MAX_WATCHES; i++) {
		struct store_watch *w = &st.watches[i];
		char body[PATH_LEN + 64 + 2];
		size_t pl = strlen(path) + 1, tl = strlen(w->token) + 1;

		if (!w->used || !under(w->path, path))
			continue;
		memcpy(body, path, pl);
		memcpy(body + pl, w->token, tl);
		reply(XS_WATCH_EVENT, 0, body, (uint32_t)(pl + tl));
	}
}

static struct node *node_find(const char *path)
{
	for (int i = 0; i < MAX_NODES; i++)
		if (st.nodes[i].used && !strcmp(st.nodes[i].path, path))
			return &st.nodes[i];
	return NULL;
}

static struct node *node_set(const char *path, const void *value, uint32_t vlen)
{
	struct node *n = node_find(path);

	for (int i = 0; !n && i < MAX_NODES; i++) {
		if (!st.nodes[i].used) {
			n = &st.nodes[i];
			n->used = true;
			copy_str(n->path, sizeof(n->path), path);
			memcpy(n->perms, "n0", 3);
			n->plen = 3;
		}
	}
	assert_non_null(n);
	free(n->value);
	n->value = malloc(vlen + 1);
	memcpy(n->value, value, vlen);
	n->vlen = vlen;
	fire(path);
	return n;
}

static void store_write(const char *path, const char *value)
{
	node_set(path, value, (uint32_t)strlen(value));
}

static int node_rm(const char *path)
{
	int found = 0;

	for (int i = 0; i < MAX_NODES; i++) {
		if (st.nodes[i].used && under(path, st.nodes[i].path)) {
			free(st.nodes[i].value);
			memset(&st.nodes[i], 0, sizeof(st.nodes[i]));
			found = 1;
		}
	}
	if (found)
		fire(path);
	return found;
}

static void do_directory(uint32_t id, const char *path)
{
	char body[1024];
	size_t len = 0, pl = strlen(path);

	if (!node_find(path)) {
		reply_error(id, "ENOENT");
		return;
	}
	for (int i = 0; i < MAX_NODES; i++) {
		const char *p = st.nodes[i].path;

		if (st.nodes[i].used && !strncmp(p, path, pl) && p[pl] == '/' && !strchr(p + pl + 1, '/')) {
			memcpy(body + len, p + pl + 1, strlen(p + pl + 1) + 1);
			len += strlen(p + pl + 1) + 1;
		}
	}
	reply(XS_DIRECTORY, id, body, (uint32_t)len);
}

static void do_watch(uint32_t id, const char *path, const char *token, bool add)
{
	for (int i = 0; i < MAX_WATCHES; i++) {
		struct store_watch *w = &st.watches[i];

		if (!add && w->used && !strcmp(w->path, path) && !strcmp(w->token, token)) {
			w->used = false;
			reply(XS_UNWATCH, id, "OK", 3);
			return;
		}
		if (add && !w->used) {
			w->used = true;
			copy_str(w->path, sizeof(w->path), path);
			copy_str(w->token, sizeof(w->token), token);
			reply(XS_WATCH, id, "OK", 3);
			/* The first event fires at once. */
			char body[PATH_LEN + 64 + 2];
			size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
			memcpy(body, path, pl);
			memcpy(body + pl, token, tl);
			reply(XS_WATCH_EVENT, 0, body, (uint32_t)(pl + tl));
			return;
		}
	}
	reply_error(id, add ? "ENOSPC" : "ENOENT");
}

static void store_handle(const struct xsd_sockmsg *h, const char *body)
{
	const char *path = body, *rest = body + strlen(body) + 1;
	uint32_t rest_len = h->len - (uint32_t)(strlen(body) + 1);
	struct node *n;
	char buf[16];

	st.last = *h;
	memcpy(st.last_body, body, h->len);
	if (st.override) {
		st.override = false;
		st.override_hdr.req_id = h->req_id;
		out_put(&st.override_hdr, sizeof(st.override_hdr));
		out_put(st.override_body, MIN(st.override_hdr.len, sizeof(st.override_body)));
		for (uint32_t i = sizeof(st.override_body); i < st.override_hdr.len; i++)
			out_put("", 1);
		return;
	}
	switch (h->type) {
	case XS_READ:
		n = node_find(path);
		if (n)
			reply(XS_READ, h->req_id, n->value, n->vlen);
		else
			reply_error(h->req_id, "ENOENT");
		break;
	case XS_WRITE:
		node_set(path, rest, rest_len);
		reply(XS_WRITE, h->req_id, "OK", 3);
		break;
	case XS_MKDIR:
		if (!node_find(path))
			node_set(path, "", 0);
		reply(XS_MKDIR, h->req_id, "OK", 3);
		break;
	case XS_RM:
		if (node_rm(path))
			reply(XS_RM, h->req_id, "OK", 3);
		else
			reply_error(h->req_id, "ENOENT");
		break;
	case XS_DIRECTORY:
		do_directory(h->req_id, path);
		break;
	case XS_GET_PERMS:
	case XS_SET_PERMS:
		n = node_find(path);
		if (!n) {
			reply_error(h->req_id, "ENOENT");
		} else if (h->type == XS_GET_PERMS) {
			reply(XS_GET_PERMS, h->req_id, n->perms, n->plen);
		} else {
			memcpy(n->perms, rest, rest_len);
			n->plen = rest_len;
			reply(XS_SET_PERMS, h->req_id, "OK", 3);
		}
		break;
	case XS_WATCH:
	case XS_UNWATCH:
		do_watch(h->req_id, path, rest, h->type == XS_WATCH);
		break;
	case XS_TRANSACTION_START:
		snprintf(buf, sizeof(buf), "%u", ++st.next_tx);
		reply(XS_TRANSACTION_START, h->req_id, buf, (uint32_t)strlen(buf) + 1);
		break;
	case XS_TRANSACTION_END:
		if (st.conflict && !strcmp(path, "T"))
			reply_error(h->req_id, "EAGAIN");
		else
			reply(XS_TRANSACTION_END, h->req_id, "OK", 3);
		break;
	default:
		reply_error(h->req_id, "EINVAL");
	}
}

/* One turn: scripted changes, then requests in, then replies out. */
static void store_step(void)
{
	const size_t hs = sizeof(struct xsd_sockmsg);

	st.steps++;
	if (st.connect_at && st.steps >= st.connect_at) {
		page.connection = XENSTORE_CONNECTED;
		st.connect_at = 0;
	}
	if (st.later_at && st.steps >= st.later_at) {
		store_write(st.later_path, st.later_value);
		st.later_at = 0;
	}
	while (!st.hold && page.req_cons != page.req_prod) {
		struct xsd_sockmsg h;

		st.in[st.in_have++] = page.req[MASK_XENSTORE_IDX(page.req_cons++)];
		if (st.in_have < hs)
			continue;
		memcpy(&h, st.in, hs);
		assert_true(h.len <= XENSTORE_PAYLOAD_MAX);
		if (st.in_have == hs + h.len) {
			store_handle(&h, st.in + hs);
			st.in_have = 0;
		}
	}
	while (st.out_len && page.rsp_prod - page.rsp_cons < XENSTORE_RING_SIZE) {
		size_t room = XENSTORE_RING_SIZE - (page.rsp_prod - page.rsp_cons);
		size_t n = MIN(st.out_len, room);

		if (st.chunk)
			n = MIN(n, st.chunk);
		for (size_t i = 0; i < n; i++)
			page.rsp[MASK_XENSTORE_IDX(page.rsp_prod + i)] = st.out[i];
		page.rsp_prod += (XENSTORE_RING_IDX)n;
		memmove(st.out, st.out + n, st.out_len - n);
		st.out_len -= n;
		if (st.chunk)
			break;
	}
}

static void store_later(unsigned long steps, const char *path, const char *value)
{
	st.later_at = st.steps + steps;
	snprintf(st.later_path, sizeof(st.later_path), "%s", path);
	snprintf(st.later_value, sizeof(st.later_value), "%s", value);
}

static void store_override(uint32_t type, uint32_t len, const void *body)
{
	st.override = true;
	st.override_hdr = (struct xsd_sockmsg){type, 0, 0, len};
	memset(st.override_body, 0, sizeof(st.override_body));
	memcpy(st.override_body, body, MIN(MIN(len, sizeof(st.override_body)), strlen(body) + 1));
}

/* ---- fixtures */

static int setup(void **state)
{
	memset(&page, 0, sizeof(page));
	memset(&st, 0, sizeof(st));
	memset(&xs, 0, sizeof(xs));
	fake_store_pfn = virt_to_gfn(&page);
	fake_store_evtchn = 9;
	fake_hvm_rc = 0;
	bound_handler = NULL;
	bound_port = unbound_port = 0;
	thread_started = NULL;
	fail_create_thread = false;
	sched_calls = 0;
	notifies = 0;
	return 0;
}

static int teardown(void **state)
{
	assert_null(xs.watches);
	assert_null(xs.pending);
	free(xs.reader);
	for (int i = 0; i < MAX_NODES; i++)
		free(st.nodes[i].value);
	return 0;
}

static int setup_up(void **state)
{
	setup(state);
	assert_int_equal(init_xenbus(), 0);
	return 0;
}

/* ---- init */

static void test_init_no_store(void **state)
{
	fake_store_pfn = 0;
	assert_int_equal(init_xenbus(), -ENODEV);
	fake_store_pfn = virt_to_gfn(&page);
	fake_store_evtchn = 0;
	assert_int_equal(init_xenbus(), -ENODEV);
	fake_store_evtchn = NR_EVS;
	assert_int_equal(init_xenbus(), -ENODEV);
	fake_store_evtchn = 9;
	fake_hvm_rc = -EINVAL;
	assert_int_equal(init_xenbus(), -ENODEV);
	assert_false(xenbus_available());
	assert_int_equal(xenbus_write(XBT_NIL, "a", "b"), -EIO);
	assert_null(bound_handler);
}

static void test_init_ring_error(void **state)
{
	page.server_features = XENSTORE_SERVER_FEATURE_ERROR;
	page.error = XENSTORE_ERROR_PROTO;
	assert_int_equal(init_xenbus(), -EIO);
	fail_create_thread = true;
	page.error = XENSTORE_ERROR_NONE;
	assert_int_equal(init_xenbus(), -ENOMEM);
	assert_int_equal(unbound_port, 9);
	assert_false(xenbus_available());
}

static void test_init(void **state)
{
	assert_int_equal(init_xenbus(), 0);
	assert_true(xenbus_available());
	assert_int_equal(bound_port, 9);
	assert_true(thread_started == xs_reader_thread);
	assert_ptr_equal(xs.intf, &page);
	assert_int_equal(init_xenbus(), 0); /* twice is harmless */
}

/* ---- requests */

static void test_write_read(void **state)
{
	char *v;

	assert_int_equal(xenbus_write(XBT_NIL, "device/vif/0/mac", "00:16:3e:00:00:01"), 0);
	assert_int_equal(st.last.type, XS_WRITE);
	assert_int_equal(st.last.tx_id, 0);
	assert_int_equal(st.last.len, 17 + 17);
	assert_memory_equal(st.last_body,
			    "device/vif/0/mac\0"
			    "00:16:3e:00:00:01",
			    34);
	assert_int_equal(xenbus_read(XBT_NIL, "device/vif/0/mac", &v), 0);
	assert_string_equal(v, "00:16:3e:00:00:01");
	free(v);
	v = NULL;
	assert_int_equal(xenbus_read(XBT_NIL, "device/vif/1/mac", &v), -ENOENT);
	assert_null(v);
	assert_true(notifies > 0);
}

static void test_printf_and_unsigned(void **state)
{
	assert_int_equal(xenbus_printf(XBT_NIL, "device/vbd/768", "ring-ref", "%u", 4711u), 0);
	assert_int_equal(xenbus_read_unsigned(XBT_NIL, "device/vbd/768", "ring-ref", 1), 4711);
	assert_int_equal(xenbus_read_unsigned(XBT_NIL, "device/vbd/768", "missing", 33), 33);
	store_write("x/bad", "12x");
	assert_int_equal(xenbus_read_unsigned(XBT_NIL, "x", "bad", 7), 7);
	store_write("x/neg", "-1");
	assert_int_equal(xenbus_read_unsigned(XBT_NIL, "x", "neg", 7), 7);
	store_write("x/empty", "");
	assert_int_equal(xenbus_read_unsigned(XBT_NIL, "x", "empty", 7), 7);
	store_write("top", "12");
	assert_int_equal(xenbus_read_unsigned(XBT_NIL, "", "top", 7), 12);
}

static void test_mkdir_ls_rm(void **state)
{
	char **names;
	unsigned int n;

	assert_int_equal(xenbus_mkdir(XBT_NIL, "data"), 0);
	assert_int_equal(xenbus_ls(XBT_NIL, "data", &names, &n), 0);
	assert_int_equal(n, 0);
	xenbus_free_names(names, n);
	assert_int_equal(xenbus_write(XBT_NIL, "data/a", "1"), 0);
	assert_int_equal(xenbus_write(XBT_NIL, "data/bb", "2"), 0);
	assert_int_equal(xenbus_write(XBT_NIL, "data/bb/deeper", "3"), 0);
	assert_int_equal(xenbus_ls(XBT_NIL, "data", &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "bb");
	xenbus_free_names(names, n);
	assert_int_equal(xenbus_rm(XBT_NIL, "data"), 0);
	assert_int_equal(xenbus_ls(XBT_NIL, "data", &names, &n), -ENOENT);
	assert_null(names);
	assert_int_equal(xenbus_rm(XBT_NIL, "data"), -ENOENT);
}

static void test_perms(void **state)
{
	char *p;

	store_write("data", "");
	assert_int_equal(xenbus_get_perms(XBT_NIL, "data", &p), 0);
	assert_string_equal(p, "n0");
	free(p);
	assert_int_equal(xenbus_set_perms(XBT_NIL, "data", "n5 r0"), 0);
	assert_memory_equal(st.last_body, "data\0n5\0r0\0", 11);
	assert_int_equal(xenbus_get_perms(XBT_NIL, "data", &p), 0);
	assert_string_equal(p, "n5 r0");
	free(p);
	assert_int_equal(xenbus_set_perms(XBT_NIL, "data", ""), -EINVAL);
	assert_int_equal(xenbus_get_perms(XBT_NIL, "nothing", &p), -ENOENT);
}

/* A value several times the ring: the writer waits for room, the reader assembles in pieces. */
static void test_large_value(void **state)
{
	static char big[3000];
	char *v;

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(xenbus_write(XBT_NIL, "big", big), 0);
	assert_int_equal(xenbus_read(XBT_NIL, "big", &v), 0);
	assert_string_equal(v, big);
	free(v);
	assert_true(notifies >= 6);
}

static void test_too_large(void **state)
{
	static char big[XENSTORE_PAYLOAD_MAX];

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(xenbus_write(XBT_NIL, "big", big), -E2BIG);
	assert_int_equal(sched_calls, 0);
}

/* Replies come a few bytes per turn. */
static void test_chunked_replies(void **state)
{
	char **names;
	unsigned int n;
	char *v;

	st.chunk = 3;
	assert_int_equal(xenbus_write(XBT_NIL, "d/x", "hello"), 0);
	assert_int_equal(xenbus_write(XBT_NIL, "d/y", "world"), 0);
	assert_int_equal(xenbus_read(XBT_NIL, "d/y", &v), 0);
	assert_string_equal(v, "world");
	free(v);
	store_write("d", "");
	assert_int_equal(xenbus_ls(XBT_NIL, "d", &names, &n), 0);
	assert_int_equal(n, 2);
	xenbus_free_names(names, n);
}

static void test_transactions(void **state)
{
	xenbus_transaction_t t, t2;

	assert_int_equal(xenbus_transaction_start(&t), 0);
	assert_int_equal(t, 1);
	assert_memory_equal(st.last_body, "", 1);
	assert_int_equal(st.last.len, 1);
	assert_int_equal(xenbus_write(t, "a", "1"), 0);
	assert_int_equal(st.last.tx_id, t);
	assert_int_equal(xenbus_transaction_end(t, false), 0);
	assert_int_equal(st.last.tx_id, t);
	assert_memory_equal(st.last_body, "T", 2);

	assert_int_equal(xenbus_transaction_start(&t2), 0);
	assert_int_equal(t2, 2);
	st.conflict = true;
	assert_int_equal(xenbus_transaction_end(t2, false), -EAGAIN);
	assert_int_equal(xenbus_transaction_end(t2, true), 0);
	assert_memory_equal(st.last_body, "F", 2);

	store_override(XS_TRANSACTION_START, 3, "x1");
	assert_int_equal(xenbus_transaction_start(&t), -EIO);
	assert_int_equal(t, 1);
}

/* ---- replies the client must survive */

static void test_error_replies(void **state)
{
	char *v = NULL;

	store_write("a", "1");
	store_override(XS_ERROR, 6, "EWHAT");
	assert_int_equal(xenbus_write(XBT_NIL, "a", "1"), -EINVAL);
	store_override(XS_ERROR, 7, "EACCES");
	assert_int_equal(xenbus_write(XBT_NIL, "a", "1"), -EACCES);
	store_override(XS_ERROR, 3, "EIO"); /* no NUL */
	assert_int_equal(xenbus_write(XBT_NIL, "a", "1"), -EIO);
	store_override(XS_DIRECTORY, 3, "OK"); /* the wrong type */
	assert_int_equal(xenbus_write(XBT_NIL, "a", "1"), -EIO);
	/* An oversized reply: the header says 4097 bytes, and they follow. */
	store_override(XS_READ, XENSTORE_PAYLOAD_MAX + 1, "");
	assert_int_equal(xenbus_read(XBT_NIL, "a", &v), -EIO);
	assert_null(v);
	/* Still in step afterwards. */
	assert_int_equal(xenbus_read(XBT_NIL, "a", &v), 0);
	assert_string_equal(v, "1");
	free(v);
	assert_true(xenbus_available());
}

static void test_stray_messages(void **state)
{
	char *v;

	reply(XS_READ, 12345, "stray", 5);             /* nobody asked */
	reply(XS_WATCH_EVENT, 0, "p\0nobody\0", 9);    /* no such watch */
	reply(XS_WATCH_EVENT, 0, "p-without-nul", 13); /* malformed */
	assert_int_equal(xenbus_write(XBT_NIL, "a", "1"), 0);
	assert_int_equal(xenbus_read(XBT_NIL, "a", &v), 0);
	assert_string_equal(v, "1");
	free(v);
	assert_true(xenbus_available());
}

static void test_broken_ring(void **state)
{
	char *v = NULL;

	st.hold = true;
	page.rsp_prod = page.rsp_cons + XENSTORE_RING_SIZE + 1;
	assert_int_equal(xenbus_read(XBT_NIL, "a", &v), -EIO);
	assert_null(v);
	assert_false(xenbus_available());
	assert_int_equal(xenbus_write(XBT_NIL, "a", "1"), -EIO);
	assert_int_equal(xenbus_self_domid(), DOMID_SELF);
}

static void test_store_reports_error(void **state)
{
	page.server_features = XENSTORE_SERVER_FEATURE_ERROR;
	st.hold = true;
	page.error = XENSTORE_ERROR_COMM;
	assert_int_equal(xenbus_write(XBT_NIL, "a", "1"), -EIO);
	assert_false(xenbus_available());
}

/* A reconnection in progress at start: requests wait until the store is connected. */
static void test_reconnecting(void **state)
{
	char *v;

	page.server_features = XENSTORE_SERVER_FEATURE_RECONNECTION;
	page.connection = XENSTORE_RECONNECT;
	st.connect_at = 20;
	assert_int_equal(xenbus_write(XBT_NIL, "a", "1"), 0);
	assert_true(st.steps >= 20);
	assert_int_equal(xenbus_read(XBT_NIL, "a", &v), 0);
	free(v);
}

static void test_self_domid(void **state)
{
	assert_int_equal(xenbus_self_domid(), DOMID_SELF);
	store_write("domid", "5");
	assert_int_equal(xenbus_self_domid(), 5);
	unsigned long before = st.steps;
	assert_int_equal(xenbus_self_domid(), 5); /* cached */
	assert_int_equal(st.steps, before);
}

/* ---- watches */

static void test_watch_events(void **state)
{
	struct xenbus_watch w = {0}, w2 = {0};
	struct xenbus_event *e;

	assert_int_equal(xenbus_watch(&w, "backend/vif"), 0);
	assert_int_equal(xenbus_watch(&w2, "elsewhere"), 0);
	assert_string_not_equal(w.token, w2.token);
	e = xenbus_wait_event(&w, 0); /* the first event, at registration */
	assert_non_null(e);
	assert_string_equal(e->path, "backend/vif");
	assert_string_equal(e->token, w.token);
	xenbus_free_event(e);

	assert_int_equal(xenbus_write(XBT_NIL, "backend/vif/1/0/state", "2"), 0);
	assert_int_equal(xenbus_write(XBT_NIL, "backend/vifx", "no"), 0);
	assert_int_equal(xenbus_write(XBT_NIL, "backend/vif/1/0/mac", "m"), 0);
	e = xenbus_wait_event(&w, 0);
	assert_string_equal(e->path, "backend/vif/1/0/state");
	xenbus_free_event(e);
	e = xenbus_wait_event(&w, 0);
	assert_string_equal(e->path, "backend/vif/1/0/mac");
	xenbus_free_event(e);
	assert_null(xenbus_wait_event(&w, NOW() + MILLISECS(20)));

	/* w2 only had its first event; unwatching frees what is queued. */
	assert_int_equal(xenbus_write(XBT_NIL, "backend/vif/1/0/x", "y"), 0);
	assert_int_equal(xenbus_unwatch(&w), 0);
	assert_memory_equal(st.last_body, "backend/vif\0", 12);
	assert_int_equal(xenbus_unwatch(&w2), 0);
	assert_int_equal(xenbus_unwatch(&w2), -EINVAL);
	assert_null(w.token);
}

static void test_watch_refused(void **state)
{
	struct xenbus_watch w = {0};

	store_override(XS_ERROR, 7, "ENOSPC");
	assert_int_equal(xenbus_watch(&w, "x"), -ENOSPC);
	assert_null(w.path);
	assert_null(xs.watches);
}

/* ---- the state machine */

static void test_switch_and_read_state(void **state)
{
	assert_int_equal(xenbus_read_state("device/vif/0"), XenbusStateUnknown);
	assert_int_equal(xenbus_switch_state(XBT_NIL, "device/vif/0", XenbusStateInitialised), 0);
	assert_memory_equal(st.last_body,
			    "device/vif/0/state\0"
			    "3",
			    20);
	assert_int_equal(xenbus_read_state("device/vif/0"), XenbusStateInitialised);
	store_write("device/vif/0/state", "9");
	assert_int_equal(xenbus_read_state("device/vif/0"), XenbusStateUnknown);
	store_write("device/vif/0/state", "junk");
	assert_int_equal(xenbus_read_state("device/vif/0"), XenbusStateUnknown);
}

static void test_wait_state_change(void **state)
{
	XenbusState s = XenbusStateInitialising;

	store_write("be/state", "1");
	store_later(10, "be/state", "2");
	assert_int_equal(xenbus_wait_state_change("be", &s, 0), 0);
	assert_int_equal(s, XenbusStateInitWait);
	assert_null(xs.watches);
	assert_int_equal(xenbus_wait_state_change("be", &s, NOW() + MILLISECS(30)), -ETIMEDOUT);
	assert_int_equal(s, XenbusStateInitWait);
	/* A change made before the wait started is seen at once. */
	store_write("be/state", "4");
	assert_int_equal(xenbus_wait_state_change("be", &s, NOW() + MILLISECS(30)), 0);
	assert_int_equal(s, XenbusStateConnected);
}

static void test_wait_state(void **state)
{
	store_write("be/state", "2");
	assert_int_equal(xenbus_wait_state("be", XenbusStateInitWait, 0), 0);
	store_later(5, "be/state", "4");
	assert_int_equal(xenbus_wait_state("be", XenbusStateConnected, NOW() + SECONDS(1)), 0);
	store_later(5, "be/state", "5");
	assert_int_equal(xenbus_wait_state("be", XenbusStateInitialised, 0), -ECONNRESET);
	assert_int_equal(xenbus_wait_state("be", XenbusStateClosing, 0), 0);
	assert_int_equal(xenbus_wait_state("be", XenbusStateClosed, NOW() + MILLISECS(20)), -ETIMEDOUT);
	assert_null(xs.watches);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_init_no_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_init_ring_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_init, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_read, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_printf_and_unsigned, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_mkdir_ls_rm, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_perms, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_large_value, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_too_large, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_chunked_replies, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_transactions, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_error_replies, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_stray_messages, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_broken_ring, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_store_reports_error, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_reconnecting, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_self_domid, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_watch_events, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_watch_refused, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_switch_and_read_state, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_wait_state_change, setup_up, teardown),
	    cmocka_unit_test_setup_teardown(test_wait_state, setup_up, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
