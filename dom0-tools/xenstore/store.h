/* The store daemon's core (the xenstored role): the node tree, connections and requests, independent of transport. */
#ifndef MICA_XENSTORE_STORE_H
#define MICA_XENSTORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_store;
struct xs_conn;

/* Per-domain limits; dom0 (and any privileged connection) is exempt. */
struct xs_quota {
	uint32_t nodes;        /* nodes a domain may own */
	uint32_t watches;      /* watches per connection */
	uint32_t transactions; /* open transactions per connection */
	uint32_t value_size;   /* bytes in one node's value */
	uint32_t acl_entries;  /* per-domain ACL entries after the owner entry */
	uint32_t outq;         /* queued replies and events before watch events are dropped */
	uint32_t tx_nodes;     /* distinct nodes one transaction may touch */
};

#define XS_QUOTA_NODES 1000
#define XS_QUOTA_WATCHES 128
#define XS_QUOTA_TRANSACTIONS 10
#define XS_QUOTA_VALUE_SIZE 2048
#define XS_QUOTA_ACL_ENTRIES 5
#define XS_QUOTA_OUTQ 256
#define XS_QUOTA_TX_NODES 1024

/* What the transport glue does for the store; every hook may be NULL. */
struct xs_store_ops {
	/*
	 * XS_INTRODUCE from a privileged connection: map domid's ring page (gfn) and bind its event channel,
	 * then return xs_conn_create(store, domid), or NULL to fail the request with EINVAL.
	 */
	struct xs_conn *(*introduce)(struct xs_store *store, uint32_t domid, uint64_t gfn, uint32_t port, void *opaque);
	/* XS_RELEASE or xs_store_destroy: unmap and unbind; the store destroys conn right after. */
	void (*release)(struct xs_store *store, struct xs_conn *conn, void *opaque);
	/* Output was queued on conn (a reply or a watch event). */
	void (*notify)(struct xs_conn *conn, void *opaque);
};

struct xs_store *xs_store_create(const struct xs_store_ops *ops, void *opaque);
void xs_store_destroy(struct xs_store *store);
void xs_store_get_quota(const struct xs_store *store, struct xs_quota *quota);
void xs_store_set_quota(struct xs_store *store, const struct xs_quota *quota);
/* Nodes domid owns (what the node quota counts). */
uint32_t xs_store_nodes_owned(const struct xs_store *store, uint32_t domid);
/* Total nodes in the tree, "/" included. */
uint32_t xs_store_node_count(const struct xs_store *store);

/* A connection speaks for domid; domid 0 is privileged. */
struct xs_conn *xs_conn_create(struct xs_store *store, uint32_t domid);
void xs_conn_destroy(struct xs_conn *conn);
uint32_t xs_conn_domid(const struct xs_conn *conn);
void xs_conn_set_priv(struct xs_conn *conn, void *priv);
void *xs_conn_priv(const struct xs_conn *conn);
/* The connection introduced for domid (XS_INTRODUCE), or NULL. */
struct xs_conn *xs_store_find_domain(const struct xs_store *store, uint32_t domid);

/*
 * One complete request: struct xsd_sockmsg then hdr.len bytes. Replies and watch events go to the
 * connection's output queue. Malformed requests get an XS_ERROR reply. Returns 0, or -1 if conn was
 * destroyed while handling the request (never: a connection cannot release itself).
 */
int xs_conn_input(struct xs_conn *conn, const void *msg, size_t len);

/* The unsent bytes of the oldest queued message (0: nothing queued). */
size_t xs_conn_output(struct xs_conn *conn, const void **data);
/* n bytes of that message were sent. */
void xs_conn_output_done(struct xs_conn *conn, size_t n);
/* Messages queued. */
uint32_t xs_conn_output_count(const struct xs_conn *conn);
/* The queue is at its quota: the transport should stop reading requests until it drains. */
bool xs_conn_output_full(const struct xs_conn *conn);

#endif
