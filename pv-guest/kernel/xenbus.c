/*
 * The xenbus client (pv/xenbus.h): one writer at a time puts requests into the store ring; a
 * reader thread assembles what comes back and hands each reply to the thread waiting for its
 * req_id, each watch event to the watch owning its token. Nothing the store sends panics.
 */
#include <pv/events.h>
#include <pv/hypercall.h>
#include <pv/sched.h>
#include <pv/xenbus.h>
#include <pv/xs_proto.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A request waiting for its reply; lives on the requesting thread's stack. */
struct xs_request {
	uint32_t req_id;
	bool done;
	int err;       /* set instead of a reply when none can come */
	uint32_t type; /* the reply's */
	uint32_t len;
	char *body; /* malloc'd, NUL after it */
	struct xs_request *next;
};

static struct {
	struct xenstore_domain_interface *intf;
	evtchn_port_t port;
	bool up;
	bool broken;                 /* the ring failed: every request ends in -EIO from now on */
	struct wait_queue ring_wq;   /* the store notified us: ring space, replies, connection */
	struct wait_queue reply_wq;  /* a request got its reply */
	struct wait_queue writer_wq; /* the ring's writer left */
	bool writing;
	struct xs_request *pending;
	struct xenbus_watch *watches;
	uint32_t req_counter;
	unsigned long watch_counter;
	bool domid_known;
	domid_t domid;
	struct xs_reader *reader;
	void (*local_kick)(void); /* dom0: the store is in this kernel */
} xs;

static void xs_evtchn_handler(evtchn_port_t port, void *data)
{
	wake_up(&xs.ring_wq);
}

/* Tells the store there is something on the ring: its event channel, or (dom0) a local call. */
static void xs_kick(void)
{
	if (xs.local_kick)
		xs.local_kick();
	else
		notify_remote_via_evtchn(xs.port);
}

/* Ends every pending request with -EIO and wakes everyone: the ring cannot be trusted now. */
static void xs_fail(const char *why)
{
	if (!xs.broken)
		printk("xenbus: %s; the store is unreachable from now on\n", why);
	xs.broken = true;
	for (struct xs_request *r = xs.pending; r; r = r->next) {
		r->err = -EIO;
		r->done = true;
	}
	xs.pending = NULL;
	wake_up(&xs.reply_wq);
	wake_up(&xs.ring_wq);
	wake_up(&xs.writer_wq);
	for (struct xenbus_watch *w = xs.watches; w; w = w->next)
		wake_up(&w->wq);
}

/* ---- watch events */

static struct xenbus_watch *xs_find_watch(const char *token)
{
	for (struct xenbus_watch *w = xs.watches; w; w = w->next)
		if (!strcmp(w->token, token))
			return w;
	return NULL;
}

static void xs_queue_watch_event(const char *body, uint32_t len)
{
	const char *path, *token;
	struct xenbus_watch *w;
	struct xenbus_event *e;
	size_t plen, tlen;

	if (xs_parse_watch_event(body, len, &path, &token)) {
		printk("xenbus: malformed watch event dropped\n");
		return;
	}
	w = xs_find_watch(token);
	if (!w)
		return; /* unwatched meanwhile */
	plen = strlen(path) + 1;
	tlen = strlen(token) + 1;
	e = malloc(sizeof(*e) + plen + tlen);
	if (!e) {
		printk("xenbus: no memory, watch event for %s dropped\n", path);
		return;
	}
	e->next = NULL;
	e->path = (char *)(e + 1);
	memcpy(e->path, path, plen);
	e->token = e->path + plen;
	memcpy(e->token, token, tlen);
	*w->tail = e;
	w->tail = &e->next;
	wake_up(&w->wq);
}

/* ---- the reader */

static void xs_dispatch(const struct xs_reader *r)
{
	struct xs_request **pp, *req;

	if (r->hdr.type == XS_WATCH_EVENT) {
		if (!r->oversize)
			xs_queue_watch_event(r->body, r->hdr.len);
		return;
	}
	for (pp = &xs.pending; *pp && (*pp)->req_id != r->hdr.req_id; pp = &(*pp)->next)
		;
	req = *pp;
	if (!req) {
		printk("xenbus: reply type %u for unknown request %u dropped\n", r->hdr.type, r->hdr.req_id);
		return;
	}
	*pp = req->next;
	req->type = r->hdr.type;
	req->len = r->hdr.len;
	if (r->oversize)
		req->err = -EIO;
	else
		req->err = xs_parse_read(r->body, r->hdr.len, &req->body);
	req->done = true;
	wake_up(&xs.reply_wq);
}

/* Handles every complete message the reply ring holds; returns when it needs more. */
static void xs_process_responses(void)
{
	while (!xs.broken) {
		XENSTORE_RING_IDX cons = xs.intf->rsp_cons;
		int rc = xs_ring_state(xs.intf);

		if (rc == -EIO) {
			xs_fail("ring error");
			return;
		}
		if (rc)
			return; /* reconnecting: the store notifies us when done */
		rc = xs_reader_poll(xs.reader, xs.intf);
		if (xs.intf->rsp_cons != cons)
			xs_kick(); /* the store may wait for room */
		if (rc < 0) {
			xs_fail("bad reply ring indexes");
			return;
		}
		if (rc == 0)
			return;
		xs_dispatch(xs.reader);
	}
}

static bool xs_rsp_ready(void)
{
	int st;

	if (xs.broken)
		return true;
	st = xs_ring_state(xs.intf);
	return st == -EIO || (st == 0 && xs_rsp_avail(xs.intf) > 0);
}

static void xs_reader_thread(void *arg)
{
	while (!xs.broken) {
		wait_event(xs.ring_wq, xs_rsp_ready());
		xs_process_responses();
	}
}

/* ---- requests */

static bool xs_req_ready(void)
{
	int st;

	if (xs.broken)
		return true;
	st = xs_ring_state(xs.intf);
	return st == -EIO || (st == 0 && xs_req_space(xs.intf) > 0);
}

/* Puts all of m into the request ring, waiting for room as often as it takes. */
static int xs_send(const struct xs_msg *m)
{
	const char *p = (const char *)m;
	size_t len = xs_msg_size(m), off = 0;

	while (off < len) {
		int n;

		wait_event(xs.ring_wq, xs_req_ready());
		if (xs.broken)
			return -EIO;
		n = xs_ring_state(xs.intf) ? -EIO : xs_ring_write(xs.intf, p + off, len - off);
		if (n < 0) {
			xs_fail("bad request ring");
			return -EIO;
		}
		off += (size_t)n;
		xs_kick();
	}
	return 0;
}

static void xs_unlink_request(struct xs_request *req)
{
	for (struct xs_request **pp = &xs.pending; *pp; pp = &(*pp)->next) {
		if (*pp == req) {
			*pp = req->next;
			return;
		}
	}
}

/*
 * Sends m, waits for its reply and checks it is of type want: 0 and, if reply is given, the
 * payload (malloc'd, NUL after its *len bytes), or the store's error, or -EIO.
 */
static int xs_talk(struct xs_msg *m, uint32_t want, char **reply, uint32_t *len)
{
	struct xs_request req = {0};
	int rc;

	if (!xs.up || xs.broken)
		return -EIO;
	wait_event(xs.writer_wq, !xs.writing || xs.broken);
	if (xs.broken)
		return -EIO;
	xs.writing = true;
	req.req_id = m->hdr.req_id = xs_next_req_id(&xs.req_counter);
	req.next = xs.pending;
	xs.pending = &req;
	rc = xs_send(m);
	xs.writing = false;
	wake_up(&xs.writer_wq);
	if (rc) {
		xs_unlink_request(&req);
		return rc;
	}
	wait_event(xs.reply_wq, req.done);
	rc = req.err ? req.err : xs_reply_check(&(struct xsd_sockmsg){req.type, 0, 0, req.len}, req.body, want);
	if (rc || !reply) {
		free(req.body);
		return rc;
	}
	*reply = req.body;
	if (len)
		*len = req.len;
	return 0;
}

/* A request whose payload is path\0 and then extra verbatim. */
static int xs_request(xenbus_transaction_t t, uint32_t type, const char *path, const void *extra, size_t extra_len,
		      char **reply, uint32_t *len)
{
	struct xs_msg *m = malloc(sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	xs_msg_init(m, type, t);
	rc = xs_msg_add_str(m, path);
	if (!rc && extra_len)
		rc = xs_msg_add(m, extra, extra_len);
	if (!rc)
		rc = xs_talk(m, type, reply, len);
	free(m);
	return rc;
}

/* dir/node, or either alone if the other is empty; malloc'd. */
static char *xs_join(const char *dir, const char *node)
{
	size_t dl = strlen(dir), nl = strlen(node);
	char *p = malloc(dl + nl + 2);

	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (dl && nl)
		p[dl++] = '/';
	memcpy(p + dl, node, nl + 1);
	return p;
}

/* ---- the API */

int init_xenbus(void)
{
	struct xen_hvm_param param = {.domid = DOMID_SELF, .index = HVM_PARAM_STORE_PFN};
	uint64_t pfn;
	long rc;
	int err;

	if (xs.up)
		return 0;
	rc = HYPERVISOR_hvm_op(HVMOP_get_param, &param);
	pfn = rc ? 0 : param.value;
	param.index = HVM_PARAM_STORE_EVTCHN;
	param.value = 0;
	rc = HYPERVISOR_hvm_op(HVMOP_get_param, &param);
	if (rc || !pfn || !param.value || param.value >= NR_EVS)
		return -ENODEV;
	xs.intf = gfn_to_virt(pfn);
	xs.port = (evtchn_port_t)param.value;
	if (xs_ring_state(xs.intf) == -EIO) {
		printk("xenbus: the store ring at pfn %#lx reports an error\n", (unsigned long)pfn);
		return -EIO;
	}
	xs.reader = malloc(sizeof(*xs.reader));
	if (!xs.reader)
		return -ENOMEM;
	xs_reader_init(xs.reader);
	err = evtchn_bind(xs.port, xs_evtchn_handler, NULL);
	if (err)
		goto fail;
	if (!create_thread("xenbus", xs_reader_thread, NULL)) {
		evtchn_unbind(xs.port);
		err = -ENOMEM;
		goto fail;
	}
	xs.broken = false;
	xs.up = true;
	return 0;
fail:
	free(xs.reader);
	xs.reader = NULL;
	return err;
}

int xenbus_init_local(struct xenstore_domain_interface *intf, void (*kick)(void))
{
	if (xs.up)
		return -EBUSY;
	xs.intf = intf;
	xs.local_kick = kick;
	xs.reader = malloc(sizeof(*xs.reader));
	if (!xs.reader)
		return -ENOMEM;
	xs_reader_init(xs.reader);
	if (!create_thread("xenbus", xs_reader_thread, NULL)) {
		free(xs.reader);
		xs.reader = NULL;
		return -ENOMEM;
	}
	xs.domid = 0;
	xs.domid_known = true;
	xs.broken = false;
	xs.up = true;
	return 0;
}

void xenbus_local_notify(void)
{
	wake_up(&xs.ring_wq);
}

bool xenbus_available(void)
{
	return xs.up && !xs.broken;
}

domid_t xenbus_self_domid(void)
{
	if (!xs.domid_known && xenbus_available()) {
		unsigned long id = xenbus_read_unsigned(XBT_NIL, "", "domid", DOMID_SELF);

		if (id < DOMID_FIRST_RESERVED) {
			xs.domid = (domid_t)id;
			xs.domid_known = true;
		}
	}
	return xs.domid_known ? xs.domid : DOMID_SELF;
}

int xenbus_read(xenbus_transaction_t t, const char *path, char **value)
{
	return xs_request(t, XS_READ, path, NULL, 0, value, NULL);
}

int xenbus_write(xenbus_transaction_t t, const char *path, const char *value)
{
	return xs_request(t, XS_WRITE, path, value, strlen(value), NULL, NULL);
}

int xenbus_printf(xenbus_transaction_t t, const char *dir, const char *node, const char *fmt, ...)
{
	char *path, *value;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	value = malloc((size_t)n + 1);
	path = xs_join(dir, node);
	if (!value || !path) {
		free(value);
		free(path);
		return -ENOMEM;
	}
	va_start(ap, fmt);
	vsnprintf(value, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = xenbus_write(t, path, value);
	free(value);
	free(path);
	return rc;
}

int xenbus_mkdir(xenbus_transaction_t t, const char *path)
{
	return xs_request(t, XS_MKDIR, path, NULL, 0, NULL, NULL);
}

int xenbus_rm(xenbus_transaction_t t, const char *path)
{
	return xs_request(t, XS_RM, path, NULL, 0, NULL, NULL);
}

int xenbus_ls(xenbus_transaction_t t, const char *path, char ***names, unsigned int *n)
{
	uint32_t len;
	char *body;
	int rc;

	*names = NULL;
	*n = 0;
	rc = xs_request(t, XS_DIRECTORY, path, NULL, 0, &body, &len);
	if (rc)
		return rc;
	rc = xs_parse_directory(body, len, names, n);
	free(body);
	return rc;
}

void xenbus_free_names(char **names, unsigned int n)
{
	xs_free_names(names, n);
}

unsigned long xenbus_read_unsigned(xenbus_transaction_t t, const char *dir, const char *node, unsigned long def)
{
	char *path = xs_join(dir, node), *value = NULL, *end;
	unsigned long v = def;

	if (path && !xenbus_read(t, path, &value) && value[0] >= '0' && value[0] <= '9') {
		errno = 0;
		v = strtoul(value, &end, 10);
		if (*end || errno)
			v = def;
	}
	free(value);
	free(path);
	return v;
}

int xenbus_get_perms(xenbus_transaction_t t, const char *path, char **perms)
{
	uint32_t len;
	char *body;
	int rc;

	rc = xs_request(t, XS_GET_PERMS, path, NULL, 0, &body, &len);
	if (rc)
		return rc;
	rc = xs_parse_perms(body, len, perms);
	free(body);
	return rc;
}

int xenbus_set_perms(xenbus_transaction_t t, const char *path, const char *perms)
{
	struct xs_msg *m = malloc(sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	xs_msg_init(m, XS_SET_PERMS, t);
	rc = xs_msg_add_str(m, path);
	if (!rc)
		rc = xs_msg_add_perms(m, perms);
	if (!rc)
		rc = xs_talk(m, XS_SET_PERMS, NULL, NULL);
	free(m);
	return rc;
}

int xenbus_transaction_start(xenbus_transaction_t *t)
{
	uint32_t len, id;
	char *body;
	int rc;

	rc = xs_request(XBT_NIL, XS_TRANSACTION_START, "", NULL, 0, &body, &len);
	if (rc)
		return rc;
	rc = xs_parse_transaction_id(body, len, &id);
	free(body);
	if (!rc)
		*t = id;
	return rc;
}

int xenbus_transaction_end(xenbus_transaction_t t, bool abort)
{
	return xs_request(t, XS_TRANSACTION_END, abort ? "F" : "T", NULL, 0, NULL, NULL);
}

/* ---- watches */

static void xs_drop_events(struct xenbus_watch *w)
{
	while (w->events) {
		struct xenbus_event *e = w->events;

		w->events = e->next;
		xenbus_free_event(e);
	}
	w->tail = &w->events;
}

static void xs_unlink_watch(struct xenbus_watch *w)
{
	for (struct xenbus_watch **pp = &xs.watches; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	xs_drop_events(w);
	free(w->path);
	free(w->token);
	w->path = w->token = NULL;
	w->next = NULL;
}

int xenbus_watch(struct xenbus_watch *w, const char *path)
{
	char token[24];
	int rc;

	snprintf(token, sizeof(token), "mica-%lx", ++xs.watch_counter);
	w->path = strdup(path);
	w->token = strdup(token);
	w->events = NULL;
	w->tail = &w->events;
	w->wq = (struct wait_queue)WAIT_QUEUE_INIT;
	w->next = NULL;
	if (!w->path || !w->token) {
		xs_unlink_watch(w);
		return -ENOMEM;
	}
	/* Linked first: the store may send the first event before the reply. */
	w->next = xs.watches;
	xs.watches = w;
	rc = xs_request(XBT_NIL, XS_WATCH, w->path, w->token, strlen(w->token) + 1, NULL, NULL);
	if (rc)
		xs_unlink_watch(w);
	return rc;
}

int xenbus_unwatch(struct xenbus_watch *w)
{
	int rc;

	if (!w->token)
		return -EINVAL;
	rc = xs_request(XBT_NIL, XS_UNWATCH, w->path, w->token, strlen(w->token) + 1, NULL, NULL);
	xs_unlink_watch(w);
	return rc;
}

struct xenbus_event *xenbus_wait_event(struct xenbus_watch *w, s_time_t deadline)
{
	struct xenbus_event *e;

	if (!w->tail)
		return NULL; /* never watched */
	if (!wait_event_deadline(w->wq, w->events || xs.broken, deadline))
		return NULL;
	e = w->events;
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
	free(e);
} /* path and token share its block */

/* ---- the state machine */

int xenbus_switch_state(xenbus_transaction_t t, const char *dir, XenbusState state)
{
	return xenbus_printf(t, dir, "state", "%d", (int)state);
}

XenbusState xenbus_read_state(const char *dir)
{
	unsigned long v = xenbus_read_unsigned(XBT_NIL, dir, "state", XenbusStateUnknown);

	return v > XenbusStateReconfigured ? XenbusStateUnknown : (XenbusState)v;
}

int xenbus_wait_state_change(const char *dir, XenbusState *state, s_time_t deadline)
{
	struct xenbus_watch w = {0};
	char *path = xs_join(dir, "state");
	int rc;

	if (!path)
		return -ENOMEM;
	rc = xenbus_watch(&w, path);
	free(path);
	if (rc)
		return rc;
	for (;;) {
		XenbusState now = xenbus_read_state(dir);
		struct xenbus_event *e;

		if (now != *state) {
			*state = now;
			break;
		}
		e = xenbus_wait_event(&w, deadline);
		if (!e) {
			rc = xs.broken ? -EIO : -ETIMEDOUT;
			break;
		}
		xenbus_free_event(e);
	}
	xenbus_unwatch(&w);
	return rc;
}

int xenbus_wait_state(const char *dir, XenbusState want, s_time_t deadline)
{
	XenbusState s = xenbus_read_state(dir);

	for (;;) {
		int rc;

		if (s == want)
			return 0;
		if (want < XenbusStateClosing && (s == XenbusStateClosing || s == XenbusStateClosed))
			return -ECONNRESET;
		rc = xenbus_wait_state_change(dir, &s, deadline);
		if (rc)
			return rc;
	}
}

int xenbus_wait_exists(const char *path, s_time_t deadline)
{
	struct xenbus_watch w = {0};
	char *value = NULL;
	int err = xenbus_read(XBT_NIL, path, &value);

	free(value);
	if (err != -ENOENT)
		return err;
	err = xenbus_watch(&w, path);
	if (err)
		return err;
	for (;;) {
		struct xenbus_event *e = xenbus_wait_event(&w, deadline);

		if (!e) {
			err = -ETIMEDOUT;
			break;
		}
		xenbus_free_event(e);
		value = NULL;
		err = xenbus_read(XBT_NIL, path, &value);
		free(value);
		if (err != -ENOENT)
			break;
	}
	xenbus_unwatch(&w);
	return err;
}
