/*
 * A fake xenstore (the pv/xenbus.h calls blkfront makes) and an in-process block backend: it
 * follows the frontend's state like blkback does, maps the ring and the data pages through
 * the fake grant table, and serves requests from a RAM disk.
 */
#include <pv/xenbus.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkfront_fake.h"

struct fake_backend fb;

/* ---- the store ---- */

#define STORE_MAX 128

struct store_node {
	char *path, *value;
};
static struct store_node store[STORE_MAX];
static xenbus_transaction_t txn_open;

static struct store_node *store_find(const char *path)
{
	for (unsigned int i = 0; i < STORE_MAX; i++)
		if (store[i].path && !strcmp(store[i].path, path))
			return &store[i];
	return NULL;
}

const char *fake_store_get(const char *path)
{
	struct store_node *n = store_find(path);

	return n ? n->value : NULL;
}

void fake_store_set(const char *path, const char *value)
{
	struct store_node *n = store_find(path);

	for (unsigned int i = 0; !n && i < STORE_MAX; i++)
		if (!store[i].path)
			n = &store[i];
	if (!n)
		abort();
	if (!n->path)
		n->path = strdup(path);
	free(n->value);
	n->value = strdup(value);
}

void fake_store_clear(void)
{
	for (unsigned int i = 0; i < STORE_MAX; i++) {
		free(store[i].path);
		free(store[i].value);
		store[i].path = store[i].value = NULL;
	}
}

static void store_setf(const char *dir, const char *node, const char *fmt, ...)
{
	char path[256], value[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	fake_store_set(path, value);
}

static unsigned long store_unsigned(const char *dir, const char *node, unsigned long def)
{
	char path[256];
	const char *v;
	char *end;
	unsigned long x;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	v = fake_store_get(path);
	if (!v || !*v)
		return def;
	x = strtoul(v, &end, 10);
	return *end ? def : x;
}

static int check_txn(xenbus_transaction_t t)
{
	if (t != XBT_NIL && t != txn_open) {
		fb.violations++;
		return -EINVAL;
	}
	return 0;
}

int xenbus_read(xenbus_transaction_t t, const char *path, char **value)
{
	const char *v = fake_store_get(path);

	if (check_txn(t))
		return -EINVAL;
	if (!v)
		return -ENOENT;
	*value = strdup(v);
	return 0;
}

int xenbus_write(xenbus_transaction_t t, const char *path, const char *value)
{
	if (check_txn(t))
		return -EINVAL;
	fake_store_set(path, value);
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

int xenbus_ls(xenbus_transaction_t t, const char *path, char ***names, unsigned int *n)
{
	size_t len = strlen(path);
	char **out = calloc(STORE_MAX, sizeof(*out));
	unsigned int count = 0;

	for (unsigned int i = 0; i < STORE_MAX; i++) {
		const char *p = store[i].path;
		size_t nl;
		bool dup = false;

		if (!p || strncmp(p, path, len) || p[len] != '/')
			continue;
		p += len + 1;
		nl = strcspn(p, "/");
		for (unsigned int j = 0; j < count; j++)
			dup |= strlen(out[j]) == nl && !strncmp(out[j], p, nl);
		if (!dup)
			out[count++] = strndup(p, nl);
	}
	if (!count) {
		free(out);
		return -ENOENT;
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
	return store_unsigned(dir, node, def);
}

int xenbus_transaction_start(xenbus_transaction_t *t)
{
	if (txn_open)
		fb.violations++; /* blkfront never nests them */
	txn_open = 100 + fb.transactions++;
	*t = txn_open;
	return 0;
}

int xenbus_transaction_end(xenbus_transaction_t t, bool abort)
{
	if (t != txn_open || !t) {
		fb.violations++;
		return -EINVAL;
	}
	txn_open = 0;
	if (!abort && fb.txn_conflicts) {
		fb.txn_conflicts--;
		return -EAGAIN;
	}
	return 0;
}

int xenbus_switch_state(xenbus_transaction_t t, const char *dir, XenbusState state)
{
	return xenbus_printf(t, dir, "state", "%d", (int)state);
}

XenbusState xenbus_read_state(const char *dir)
{
	return store_unsigned(dir, "state", XenbusStateUnknown);
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

/* ---- the backend ---- */

void fake_backend_reset(uint64_t sectors, uint32_t sector_size)
{
	fake_backend_free();
	fake_store_clear();
	fake_xen_reset();
	memset(&fb, 0, sizeof(fb));
	fb.sectors = sectors;
	fb.sector_size = sector_size;
	fb.fail_sector = -1;
	fb.ring_ref = GRANT_INVALID_REF;
	fb.disk = calloc(sectors ? sectors : 1, sector_size);
	txn_open = 0;

	store_setf(FAKE_FE, "backend", "%s", FAKE_BE);
	store_setf(FAKE_FE, "backend-id", "%d", FAKE_BACKEND_DOMID);
	store_setf(FAKE_FE, "virtual-device", "%s", FAKE_VBD);
	store_setf(FAKE_FE, "state", "%d", XenbusStateInitialising);
	store_setf(FAKE_BE, "frontend", "/local/domain/1/" FAKE_FE);
	store_setf(FAKE_BE, "frontend-id", "1");
	store_setf(FAKE_BE, "state", "%d", XenbusStateInitialising);
}

void fake_backend_free(void)
{
	free(fb.disk);
	fb.disk = NULL;
}

static void be_state(XenbusState s)
{
	store_setf(FAKE_BE, "state", "%d", (int)s);
}

/* InitWait: the features; Connected: the device properties, once the ring is mapped. */
static void be_connect(void)
{
	blkif_sring_t *sring;

	fb.ring_ref = store_unsigned(FAKE_FE, "ring-ref", GRANT_INVALID_REF);
	fb.port = store_unsigned(FAKE_FE, "event-channel", 0);
	snprintf(fb.protocol, sizeof(fb.protocol), "%s", fake_store_get(FAKE_FE "/protocol") ?: "");
	sring = fake_gnttab_map(fb.ring_ref, FAKE_BACKEND_DOMID, true);
	if (!sring || !fake_evtchn_open(fb.port)) {
		fb.violations++;
		be_state(XenbusStateClosing);
		return;
	}
	fb.mapped = true;
	BACK_RING_ATTACH(&fb.ring, sring, sring->req_prod, PAGE_SIZE);
	store_setf(FAKE_BE, "sectors", "%llu", (unsigned long long)fb.sectors);
	store_setf(FAKE_BE, "sector-size", "%u", fb.sector_size);
	store_setf(FAKE_BE, "info", "%u", fb.info);
	be_state(XenbusStateConnected);
}

static void be_step(void)
{
	XenbusState fe = xenbus_read_state(FAKE_FE), be = xenbus_read_state(FAKE_BE);

	fb.steps++;
	if (be == XenbusStateInitialising && !fb.never_ready) {
		if (fb.initwait_delay) {
			fb.initwait_delay--;
			return;
		}
		store_setf(FAKE_BE, "feature-flush-cache", "%d", fb.flush_cache);
		store_setf(FAKE_BE, "feature-barrier", "%d", fb.barrier);
		be_state(XenbusStateInitWait);
	} else if (be == XenbusStateInitWait && (fe == XenbusStateInitialised || fe == XenbusStateConnected)) {
		be_connect();
	} else if (fe == XenbusStateClosing && be == XenbusStateConnected) {
		be_state(XenbusStateClosing);
	} else if (fe == XenbusStateClosed && be != XenbusStateClosed && be != XenbusStateUnknown) {
		if (fb.mapped)
			fake_gnttab_unmap(fb.ring_ref);
		fb.mapped = false;
		if (fb.detach) { /* removed as soon as the frontend closed, as a detach does */
			struct store_node *n = store_find(FAKE_BE "/state");

			free(n->path);
			free(n->value);
			n->path = n->value = NULL;
		} else {
			be_state(XenbusStateClosed);
		}
	} else if (fe == XenbusStateInitialising && be == XenbusStateClosed) {
		be_state(XenbusStateInitWait);
	}
}

/* Checks a read/write request whole, then moves its data; a BLKIF_RSP_* status. */
static int16_t be_rw(const blkif_request_t *req)
{
	bool write = req->operation == BLKIF_OP_WRITE;
	uint32_t ss = fb.sector_size, spp = PAGE_SIZE / ss;
	uint8_t *pages[BLKIF_MAX_SEGMENTS_PER_REQUEST] = {0};
	uint64_t sector = req->sector_number, total = 0;
	int16_t status = BLKIF_RSP_OKAY;
	unsigned int i;

	if (!req->nr_segments || req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		fb.violations++;
		return BLKIF_RSP_ERROR;
	}
	if (req->nr_segments > fb.max_segs)
		fb.max_segs = req->nr_segments;
	for (i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *seg = &req->seg[i];

		if (seg->first_sect > seg->last_sect || seg->last_sect >= spp) {
			fb.violations++;
			status = BLKIF_RSP_ERROR;
			break;
		}
		/* Disk to memory needs a writable grant. */
		pages[i] = fake_gnttab_map(seg->gref, FAKE_BACKEND_DOMID, !write);
		if (!pages[i]) {
			fb.violations++;
			status = BLKIF_RSP_ERROR;
			break;
		}
		total += seg->last_sect - seg->first_sect + 1;
	}
	if (status == BLKIF_RSP_OKAY && (sector + total > fb.sectors || (write && (fb.info & VDISK_READONLY))))
		status = BLKIF_RSP_ERROR;
	if (status == BLKIF_RSP_OKAY && fb.fail_sector >= 0 && (uint64_t)fb.fail_sector >= sector &&
	    (uint64_t)fb.fail_sector < sector + total)
		status = BLKIF_RSP_ERROR;
	for (i = 0; i < req->nr_segments && pages[i]; i++) {
		const struct blkif_request_segment *seg = &req->seg[i];
		size_t n = (size_t)(seg->last_sect - seg->first_sect + 1) * ss;
		uint8_t *mem = pages[i] + seg->first_sect * ss, *disk = fb.disk + sector * ss;

		if (status == BLKIF_RSP_OKAY) {
			if (write)
				memcpy(disk, mem, n);
			else
				memcpy(mem, disk, n);
		}
		sector += n / ss;
		fake_gnttab_unmap(seg->gref);
	}
	return status;
}

static int16_t be_request(const blkif_request_t *req)
{
	fb.requests++;
	if (req->operation < ARRAY_SIZE(fb.ops))
		fb.ops[req->operation]++;
	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		return be_rw(req);
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (!fb.flush_cache)
			fb.violations++;
		return fb.flush_unsupported ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_OKAY;
	case BLKIF_OP_WRITE_BARRIER:
		if (!fb.barrier)
			fb.violations++;
		return fb.barrier_unsupported ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_OKAY;
	default:
		fb.violations++;
		return BLKIF_RSP_ERROR;
	}
}

/* Serves the ring like a backend woken by the event channel: until it is empty (or the quota). */
static void be_serve(void)
{
	unsigned int served = 0;
	int more = 0, notify;

	if (!fb.mapped || fb.hung || !fb.work)
		return;
	do {
		RING_IDX prod = fb.ring.sring->req_prod;

		rmb();
		if (prod - fb.ring.rsp_prod_pvt > fb.max_inflight)
			fb.max_inflight = prod - fb.ring.rsp_prod_pvt;
		if (prod - fb.ring.req_cons > RING_SIZE(&fb.ring)) {
			fb.violations++;
			return;
		}
		while (fb.ring.req_cons != prod) {
			blkif_request_t req;
			blkif_response_t *rsp;

			if (fb.max_per_step && served == fb.max_per_step)
				goto push;
			RING_COPY_REQUEST(&fb.ring, fb.ring.req_cons, &req);
			fb.ring.req_cons++;
			rsp = RING_GET_RESPONSE(&fb.ring, fb.ring.rsp_prod_pvt);
			rsp->id = req.id;
			rsp->operation = req.operation;
			rsp->status = be_request(&req);
			fb.ring.rsp_prod_pvt++;
			served++;
		}
		RING_FINAL_CHECK_FOR_REQUESTS(&fb.ring, more);
	} while (more);
	fb.work = false;
push:
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&fb.ring, notify);
	if (notify)
		fake_evtchn_raise(fb.port);
}

void fake_backend_run(void)
{
	be_step();
	be_serve();
}

/* The store is always there in these tests; a missing node is not waited for. */
bool xenbus_available(void)
{
	return true;
}

int xenbus_wait_exists(const char *path, s_time_t deadline)
{
	char *value = NULL;
	int err = xenbus_read(XBT_NIL, path, &value);

	(void)deadline;
	free(value);
	return err;
}
