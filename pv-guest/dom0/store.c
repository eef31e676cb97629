/*
 * The store service in dom0: dom0-tools/xenstore/ (the xenstored role) on every domain's
 * store ring, in one "store" thread.
 *  - dom0's own xenbus client uses an in-memory ring served like the others (xenbus_init_local);
 *  - every STORE_SCAN_NS the thread lists the domains (MICA_CTL_DOMAIN_LIST); a new one with a
 *    store ring (HVM_PARAM_STORE_PFN/EVTCHN, set by the hypervisor for boot domains) is
 *    introduced as Xen's toolstack does, with XS_INTRODUCE on a privileged connection: the
 *    introduce hook maps its page (MICA_CTL_MAP_FOREIGN) and binds its event channel; its name
 *    and id are written, and the backends' domain_up runs in a thread of its own (it talks to
 *    the store, which this thread serves);
 *  - a domain that is gone is released (XS_RELEASE) and the backends' domain_down runs.
 * Mica has no VIRQ_DOM_EXC yet: hence the scan.
 */
#include <pv/dom0.h>
#include <pv/events.h>
#include <pv/hypercall.h>
#include <pv/mm.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/ring.h"
#include "xenstore/store.h"

#define STORE_SCAN_NS MILLISECS(100)
#define STORE_MAP_PAGES (DOMID_FIRST_RESERVED) /* + domid: where each domain's store page appears in dom0 */
static uint64_t store_map_gfn;
#define MAX_DOMS 64

struct ring {
	domid_t dom;
	uint64_t generation; /* of the domain it serves: a restarted domain is a new one */
	bool local;          /* dom0's own client */
	bool broken;         /* the guest broke the protocol: not read again */
	struct xenstore_domain_interface *intf;
	evtchn_port_t port; /* ours, bound to the domain's */
	struct xs_conn *conn;
	struct xs_ring_reader rd;
	struct ring *next;
};

static struct xs_store *store;
static struct xs_conn *tool; /* privileged connection of the glue itself (introduce, release) */
static struct ring *rings;
static struct wait_queue store_wq = WAIT_QUEUE_INIT;
static volatile bool kicked;

static void kick(void)
{
	kicked = true;
	wake_up(&store_wq);
}

static void on_event(evtchn_port_t port, void *data)
{
	(void)port;
	(void)data;
	kick();
}

static void on_output(struct xs_conn *conn, void *opaque)
{
	(void)conn;
	(void)opaque;
	kick();
}

static struct ring *find_ring(domid_t dom)
{
	for (struct ring *r = rings; r; r = r->next)
		if (!r->local && r->dom == dom)
			return r;
	return NULL;
}

/* XS_INTRODUCE's hook: the domain's page and channel. */
static struct xs_conn *introduce(struct xs_store *s, uint32_t domid, uint64_t gfn, uint32_t port, void *opaque)
{
	struct mica_ctl c = {.cmd = MICA_CTL_MAP_FOREIGN, .domain = (uint16_t)domid};
	struct ring *r;
	int rc;

	(void)opaque;
	if (domid == 0 || domid >= DOMID_FIRST_RESERVED || find_ring((domid_t)domid))
		return NULL;
	if (!store_map_gfn)
		store_map_gfn = dom0_window(STORE_MAP_PAGES, "store rings");
	if (!store_map_gfn)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	c.u.map_foreign.gfn = gfn;
	c.u.map_foreign.caller_gfn = store_map_gfn + domid;
	c.u.map_foreign.nr_pages = 1;
	rc = dom0_ctl(&c);
	if (rc) {
		printk("store: d%u: cannot map its store page %#lx (%d)\n", domid, (unsigned long)gfn, rc);
		free(r);
		return NULL;
	}
	r->intf = gfn_to_virt(store_map_gfn + domid);
	rc = evtchn_bind_interdomain((domid_t)domid, port, on_event, NULL, &r->port);
	if (rc) {
		struct mica_ctl u = {.cmd = MICA_CTL_UNMAP_FOREIGN, .domain = (uint16_t)domid};

		printk("store: d%u: cannot bind its store channel %u (%d)\n", domid, port, rc);
		u.u.unmap_foreign.caller_gfn = store_map_gfn + domid;
		dom0_ctl(&u);
		free(r);
		return NULL;
	}
	r->dom = (domid_t)domid;
	r->conn = xs_conn_create(s, domid);
	if (!r->conn) {
		evtchn_close(r->port);
		free(r);
		return NULL;
	}
	xs_conn_set_priv(r->conn, r);
	r->next = rings;
	rings = r;
	return r->conn;
}

/* XS_RELEASE's hook. */
static void release(struct xs_store *s, struct xs_conn *conn, void *opaque)
{
	struct ring *r = xs_conn_priv(conn);
	struct mica_ctl u = {.cmd = MICA_CTL_UNMAP_FOREIGN};

	(void)s;
	(void)opaque;
	if (!r || r->local)
		return;
	for (struct ring **p = &rings; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	evtchn_close(r->port);
	u.domain = r->dom;
	u.u.unmap_foreign.caller_gfn = store_map_gfn + r->dom;
	dom0_ctl(&u);
	free(r);
}

static const struct xs_store_ops ops = {.introduce = introduce, .release = release, .notify = on_output};

/* One request on the glue's own connection; the reply is dropped (errors printed). */
static void tool_request(uint32_t type, const char *payload, size_t len)
{
	struct {
		struct xsd_sockmsg h;
		char body[256];
	} m = {.h = {.type = type, .req_id = 1, .tx_id = 0, .len = (uint32_t)len}};
	const void *out;

	if (len > sizeof(m.body))
		return;
	memcpy(m.body, payload, len);
	xs_conn_input(tool, &m, sizeof(m.h) + len);
	while (xs_conn_output(tool, &out)) {
		const struct xsd_sockmsg *h = out;

		if (h->type == XS_ERROR)
			printk("store: request %u failed: %s\n", type, (const char *)(h + 1));
		xs_conn_output_done(tool, sizeof(*h) + h->len);
	}
}

static void tool_write(const char *path, const char *value)
{
	char buf[200];
	size_t pl = strlen(path) + 1, vl = strlen(value);

	if (pl + vl > sizeof(buf))
		return;
	memcpy(buf, path, pl);
	memcpy(buf + pl, value, vl);
	tool_request(XS_WRITE, buf, pl + vl);
}

/*
 * The backends hear of domains in the order they came and went (a restarted domain goes down
 * before it comes up again), from one "devices" thread: they talk to the store, which this
 * thread serves, so they cannot run here.
 */
#define DEV_QUEUE 64

static struct {
	domid_t dom;
	bool up;
} dev_queue[DEV_QUEUE];
static unsigned int dev_head, dev_tail, dev_done; /* dev_done: events the backends have heard */
static struct wait_queue dev_wq = WAIT_QUEUE_INIT;

static void devices_event(domid_t dom, bool up)
{
	if (dev_tail - dev_head == DEV_QUEUE) {
		printk("store: device queue full: d%u's devices not %s\n", dom, up ? "added" : "removed");
		return;
	}
	dev_queue[dev_tail % DEV_QUEUE].dom = dom;
	dev_queue[dev_tail % DEV_QUEUE].up = up;
	dev_tail++;
	wake_up(&dev_wq);
}

static void devices_thread(void *arg)
{
	(void)arg;
	for (;;) {
		wait_event(dev_wq, dev_head != dev_tail);
		domid_t dom = dev_queue[dev_head % DEV_QUEUE].dom;
		bool up = dev_queue[dev_head % DEV_QUEUE].up;

		dev_head++;
		if (up)
			dom0_domain_up(dom);
		else
			dom0_domain_down(dom);
		dev_done++;
	}
}

void dom0_store_settle(void)
{
	unsigned int target = dev_tail;
	s_time_t deadline = NOW() + SECONDS(2);

	while ((int)(dev_done - target) < 0 && NOW() < deadline)
		msleep(5);
}

static long get_param(domid_t dom, uint32_t index)
{
	struct xen_hvm_param p = {.domid = dom, .index = index};

	return HYPERVISOR_hvm_op(HVMOP_get_param, &p) ? 0 : (long)p.value;
}

/* Introduces domains that appeared, releases those that went. */
static void scan(void)
{
	static struct mica_ctl_dominfo info[MAX_DOMS];
	struct mica_ctl c = {.cmd = MICA_CTL_DOMAIN_LIST, .domain = 1};
	char buf[64], path[64];

	c.u.list.buffer = (uint64_t)(uintptr_t)info;
	c.u.list.max_entries = MAX_DOMS;
	if (dom0_ctl(&c))
		return;
	unsigned int n = c.u.list.nr_entries;

	for (unsigned int i = 0; i < n; i++) {
		domid_t dom = info[i].domain;
		long pfn, port;

		if (find_ring(dom) || (info[i].flags & MICA_CTL_DOMF_DYING))
			continue;
		pfn = get_param(dom, HVM_PARAM_STORE_PFN);
		port = get_param(dom, HVM_PARAM_STORE_EVTCHN);
		if (!pfn || !port)
			continue; /* no store ring (yet): a toolstack's domain sets one up itself */
		int len = snprintf(buf, sizeof(buf), "%u%c%ld%c%ld", dom, 0, pfn, 0, port);

		tool_request(XS_INTRODUCE, buf, (size_t)len + 1);
		struct ring *r = find_ring(dom);

		if (!r)
			continue;
		r->generation = info[i].generation;
		snprintf(path, sizeof(path), "/local/domain/%u/name", dom);
		tool_write(path, info[i].name);
		snprintf(path, sizeof(path), "/local/domain/%u/domid", dom);
		snprintf(buf, sizeof(buf), "%u", dom);
		tool_write(path, buf);
		printk("store: d%u (%s) introduced\n", dom, info[i].name);
		devices_event(dom, true);
	}
	for (struct ring *r = rings, *next; r; r = next) {
		bool alive = false;

		next = r->next;
		if (r->local)
			continue;
		for (unsigned int i = 0; i < n; i++)
			alive |= info[i].domain == r->dom && info[i].generation == r->generation &&
				 !(info[i].flags & MICA_CTL_DOMF_DYING);
		if (alive)
			continue;
		domid_t dom = r->dom;
		int len = snprintf(buf, sizeof(buf), "%u", dom);

		tool_request(XS_RELEASE, buf, (size_t)len + 1); /* frees r */
		snprintf(path, sizeof(path), "/local/domain/%u", dom);
		tool_request(XS_RM, path, strlen(path) + 1); /* as a toolstack does after a destroy */
		printk("store: d%u released\n", dom);
		devices_event(dom, false);
	}
}

/*
 * The toolstack's XS_INTRODUCE (as xl introduces a domain it built before unpausing it): a scan
 * now, from the caller's thread; it never blocks, so it cannot interleave with the store thread.
 */
void dom0_store_scan(void)
{
	if (store && tool)
		scan();
}

static void store_thread(void *arg)
{
	s_time_t next_scan = NOW(); /* never 0: that would mean no deadline */

	(void)arg;
	for (;;) {
		wait_event_deadline(store_wq, kicked, next_scan);
		kicked = false;
		for (struct ring *r = rings; r; r = r->next) {
			bool notify = false;

			if (r->broken)
				continue;
			if (xs_ring_pump(r->intf, &r->rd, r->conn, &notify) < 0) {
				printk("store: d%u broke the ring protocol; its ring is no longer read\n", r->dom);
				r->broken = true;
			}
			if (notify) {
				if (r->local)
					xenbus_local_notify();
				else
					notify_remote_via_evtchn(r->port);
			}
		}
		if (NOW() >= next_scan) {
			scan();
			next_scan = NOW() + STORE_SCAN_NS;
		}
	}
}

int dom0_store_start(void)
{
	struct ring *self;

	store = xs_store_create(&ops, NULL);
	if (!store)
		return -ENOMEM;
	tool = xs_conn_create(store, 0);
	self = calloc(1, sizeof(*self));
	if (!tool || !self)
		return -ENOMEM;
	self->local = true;
	self->intf = alloc_page();
	if (!self->intf)
		return -ENOMEM;
	xs_ring_init_server(self->intf);
	self->conn = xs_conn_create(store, 0);
	if (!self->conn)
		return -ENOMEM;
	xs_conn_set_priv(self->conn, self);
	rings = self;
	if (!create_thread("store", store_thread, NULL) || !create_thread("devices", devices_thread, NULL))
		return -ENOMEM;
	return xenbus_init_local(self->intf, kick);
}
