/* The server side of a xenstore ring page (struct xenstore_domain_interface): requests in, replies out. */
#ifndef MICA_XENSTORE_RING_H
#define MICA_XENSTORE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstore/wire.h"

#include "xenstore/store.h"

/* A request being assembled from the ring; one per connection, zero-initialised. */
struct xs_ring_reader {
	uint8_t buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	uint32_t have;
	bool complete; /* buf holds a whole message, handed out by the last xs_ring_read_msg */
	bool broken;   /* the guest broke the protocol: nothing more is read */
};

/* Advertise what the server side supports (the "error" field). */
void xs_ring_init_server(struct xenstore_domain_interface *intf);

/*
 * Takes bytes from the request ring. Returns 1 with *msg and *len set when a whole request is assembled
 * (valid until the next call), 0 when the ring holds no complete request yet, -1 when the guest broke
 * the protocol (bad indexes, a length over XENSTORE_PAYLOAD_MAX): intf->error says which.
 */
int xs_ring_read_msg(struct xenstore_domain_interface *intf, struct xs_ring_reader *rd, const void **msg, size_t *len);

/* Puts up to len bytes on the response ring; returns how many fit (or 0 with intf->error on bad indexes). */
size_t xsd_ring_write(struct xenstore_domain_interface *intf, const void *data, size_t len);

/*
 * Moves conn's queued output to the response ring, then feeds requests to conn while its output queue
 * has room, and output again. *kick: indexes moved, notify the guest. Returns -1 on a protocol error.
 */
int xs_ring_pump(struct xenstore_domain_interface *intf, struct xs_ring_reader *rd, struct xs_conn *conn, bool *kick);

#endif
