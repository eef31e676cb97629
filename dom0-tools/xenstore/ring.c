/* The server side of the xenstore ring: requests from req[], replies and watch events to rsp[]. */
#include <string.h>

#include "xenstore/ring.h"

#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

void xs_ring_init_server(struct xenstore_domain_interface *intf)
{
	STORE(intf->server_features, LOAD(intf->server_features) | XENSTORE_SERVER_FEATURE_ERROR);
	STORE(intf->error, XENSTORE_ERROR_NONE);
}

static int fail(struct xenstore_domain_interface *intf, struct xs_ring_reader *rd, uint32_t error)
{
	STORE(intf->error, error);
	if (rd)
		rd->broken = true;
	return -1;
}

int xs_ring_read_msg(struct xenstore_domain_interface *intf, struct xs_ring_reader *rd, const void **msg, size_t *len)
{
	const size_t hdr_size = sizeof(struct xsd_sockmsg);

	if (rd->broken)
		return -1;
	if (rd->complete) {
		rd->complete = false;
		rd->have = 0;
	}
	for (;;) {
		XENSTORE_RING_IDX cons = LOAD(intf->req_cons), prod = LOAD(intf->req_prod);
		uint32_t want, avail, chunk;
		struct xsd_sockmsg hdr;

		xen_rmb(); /* the indexes before the bytes they cover */
		if (prod - cons > XENSTORE_RING_SIZE)
			return fail(intf, rd, XENSTORE_ERROR_RINGIDX);
		if (rd->have >= hdr_size) {
			memcpy(&hdr, rd->buf, hdr_size);
			if (hdr.len > XENSTORE_PAYLOAD_MAX)
				return fail(intf, rd, XENSTORE_ERROR_PROTO);
			want = (uint32_t)hdr_size + hdr.len - rd->have;
			if (want == 0) {
				rd->complete = true;
				*msg = rd->buf;
				*len = rd->have;
				return 1;
			}
		} else {
			want = (uint32_t)hdr_size - rd->have;
		}
		avail = prod - cons;
		if (avail == 0)
			return 0;
		chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons); /* up to the end of the ring */
		if (chunk > avail)
			chunk = avail;
		if (chunk > want)
			chunk = want;
		memcpy(rd->buf + rd->have, intf->req + MASK_XENSTORE_IDX(cons), chunk);
		rd->have += chunk;
		xen_mb(); /* the bytes are copied before the guest may overwrite them */
		STORE(intf->req_cons, cons + chunk);
	}
}

size_t xsd_ring_write(struct xenstore_domain_interface *intf, const void *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		XENSTORE_RING_IDX cons = LOAD(intf->rsp_cons), prod = LOAD(intf->rsp_prod);
		uint32_t space, chunk;

		xen_mb(); /* the consumer index before we overwrite what it freed */
		if (prod - cons > XENSTORE_RING_SIZE) {
			fail(intf, NULL, XENSTORE_ERROR_RINGIDX);
			return 0;
		}
		space = XENSTORE_RING_SIZE - (prod - cons);
		if (space == 0)
			break;
		chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
		if (chunk > space)
			chunk = space;
		if (chunk > len - done)
			chunk = (uint32_t)(len - done);
		memcpy(intf->rsp + MASK_XENSTORE_IDX(prod), (const uint8_t *)data + done, chunk);
		xen_wmb(); /* the bytes before the index that publishes them */
		STORE(intf->rsp_prod, prod + chunk);
		done += chunk;
	}
	return done;
}

static void flush(struct xenstore_domain_interface *intf, struct xs_conn *conn, bool *kick)
{
	const void *data;
	size_t len;

	while ((len = xs_conn_output(conn, &data)) != 0) {
		size_t n = xsd_ring_write(intf, data, len);

		if (n)
			*kick = true;
		xs_conn_output_done(conn, n);
		if (n < len)
			break;
	}
}

int xs_ring_pump(struct xenstore_domain_interface *intf, struct xs_ring_reader *rd, struct xs_conn *conn, bool *kick)
{
	XENSTORE_RING_IDX cons = LOAD(intf->req_cons);
	int ret = 0;

	*kick = false;
	flush(intf, conn, kick);
	while (!xs_conn_output_full(conn)) {
		const void *msg;
		size_t len;

		ret = xs_ring_read_msg(intf, rd, &msg, &len);
		if (ret <= 0)
			break;
		xs_conn_input(conn, msg, len);
		flush(intf, conn, kick);
		ret = 0;
	}
	if (LOAD(intf->req_cons) != cons)
		*kick = true;
	return ret < 0 ? -1 : 0;
}
