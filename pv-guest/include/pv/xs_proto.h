/*
 * The xenstore wire protocol (xen/io/xs_wire.h) without the kernel: ring I/O over the shared
 * struct xenstore_domain_interface, request encoding and reply parsing. Only libc and Xen's
 * headers: the host unit tests reach all of it. Errors are negative errno values; anything
 * malformed the store sends is -EIO.
 */
#ifndef PV_XS_PROTO_H
#define PV_XS_PROTO_H

#include <errno.h> /* before xs_wire.h: it defines xsd_errors[] only when EINVAL is known */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

/* ---- the rings: both functions move what fits now, never wait */

/*
 * The ring page's state: 0 usable, -EAGAIN while the store finishes a reconnection
 * (connection == XENSTORE_RECONNECT), -EIO if the store reported an error on it or an
 * index pair is impossible (producer more than a ring ahead of the consumer).
 */
int xs_ring_state(const struct xenstore_domain_interface *intf);
/* Bytes free in the request ring / waiting in the reply ring (0 if the indexes are bad). */
uint32_t xs_req_space(const struct xenstore_domain_interface *intf);
uint32_t xs_rsp_avail(const struct xenstore_domain_interface *intf);
/* Copies up to len bytes into the request ring; returns the count written or -EIO. */
int xs_ring_write(struct xenstore_domain_interface *intf, const void *data, size_t len);
/* Copies up to len bytes out of the reply ring; returns the count read or -EIO. */
int xs_ring_read(struct xenstore_domain_interface *intf, void *buf, size_t len);

/* ---- requests: a header and its payload, contiguous as they go into the ring */

struct xs_msg {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX];
};

void xs_msg_init(struct xs_msg *m, uint32_t type, uint32_t tx_id);
/* Appends bytes (no terminator); -E2BIG past XENSTORE_PAYLOAD_MAX, and m is unchanged. */
int xs_msg_add(struct xs_msg *m, const void *data, size_t len);
/* Appends s and its NUL. */
int xs_msg_add_str(struct xs_msg *m, const char *s);
/* Appends each space-separated word of perms ("n0 r5") as a NUL-terminated string. */
int xs_msg_add_perms(struct xs_msg *m, const char *perms);
static inline size_t xs_msg_size(const struct xs_msg *m)
{
	return sizeof(m->hdr) + m->hdr.len;
}
/* The next request id from *counter (never 0, which the store uses for watch events). */
uint32_t xs_next_req_id(uint32_t *counter);

/* ---- the reply ring's reader: assembles one message across as many calls as it takes */

struct xs_reader {
	struct xsd_sockmsg hdr;
	uint64_t have;                       /* bytes of this message (header included) taken so far */
	bool complete;                       /* hdr and body hold a whole message */
	bool oversize;                       /* hdr.len > XENSTORE_PAYLOAD_MAX: the payload was skipped, not kept */
	char body[XENSTORE_PAYLOAD_MAX + 1]; /* the payload and a NUL after it */
};

void xs_reader_init(struct xs_reader *r);
/*
 * Takes what the reply ring holds towards the current message: 1 when the message is complete
 * (valid until the next call), 0 when more is needed, -EIO if the ring's indexes are bad.
 * An oversized message is consumed and discarded (r->oversize) so the stream stays in step.
 */
int xs_reader_poll(struct xs_reader *r, struct xenstore_domain_interface *intf);

/* ---- replies (body is hdr->len bytes; the reader's NUL after it is not relied upon) */

/* An XS_ERROR payload ("ENOENT\0") as -ENOENT...; -EINVAL for names not in xsd_errors. */
int xs_parse_error(const char *body, uint32_t len);
/* 0 if hdr is a reply of type want, the store's error if XS_ERROR, -EIO otherwise. */
int xs_reply_check(const struct xsd_sockmsg *hdr, const char *body, uint32_t want);
/* An XS_READ value, malloc'd with a NUL after it. */
int xs_parse_read(const char *body, uint32_t len, char **value);
/* XS_DIRECTORY: "a\0b\0" as a malloc'd array of *n malloc'd names (NULL when empty). */
int xs_parse_directory(const char *body, uint32_t len, char ***names, unsigned int *n);
void xs_free_names(char **names, unsigned int n);
/* XS_WATCH_EVENT: "path\0token\0[...]"; *path and *token point into body. */
int xs_parse_watch_event(const char *body, uint32_t len, const char **path, const char **token);
/* XS_TRANSACTION_START: a decimal id, "17\0"; 0 is not an id. */
int xs_parse_transaction_id(const char *body, uint32_t len, uint32_t *tx_id);
/* XS_GET_PERMS: "n0\0r5\0" as malloc'd "n0 r5". */
int xs_parse_perms(const char *body, uint32_t len, char **perms);

#endif
