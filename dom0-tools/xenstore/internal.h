/* Shared internals of the store daemon: nodes, trees, permissions, transactions, watches, connections. */
#ifndef MICA_XENSTORE_INTERNAL_H
#define MICA_XENSTORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstore/store.h"

/* Access bits, as the 'n', 'r', 'w', 'b' letters of XS_GET_PERMS/XS_SET_PERMS. */
#define XS_PERM_NONE 0u
#define XS_PERM_READ 1u
#define XS_PERM_WRITE 2u
#define XS_PERM_BOTH 3u

/* Owner entry plus at most this many ACL entries; the quota may allow fewer. */
#define XS_PERMS_MAX 16

#define XS_NO_TARGET UINT32_MAX

struct xs_perm {
	uint32_t domid;
	uint32_t access;
};

/* p[0]: the owner and the access of domains not listed; p[1..num-1]: per-domain entries. */
struct xs_perms {
	uint32_t num;
	struct xs_perm p[XS_PERMS_MAX];
};

struct xs_node {
	struct xs_node *parent, *children, *next;
	char *name;
	uint8_t *value;
	uint32_t len;
	struct xs_perms perms;
	uint64_t gen; /* changes with the value, the permissions and the set of children */
};

/* A tree: the store's own, or a transaction's private copy. */
struct xs_tree {
	struct xs_node *root;
	uint64_t *gen; /* the store's generation counter */
	void (*account)(void *opaque, uint32_t domid, int delta);
	void *opaque;
};

/* Who is asking: the domain, its privilege and the domain it may act for (XS_SET_TARGET). */
struct xs_who {
	uint32_t domid;
	uint32_t target;
	bool privileged;
};

/* path.c */
#define XS_SPECIAL_INTRODUCE "@introduceDomain"
#define XS_SPECIAL_RELEASE "@releaseDomain"
/* Absolute path for a request's path argument, or NULL with *err; relative paths are under domid's home. */
char *xs_path_canonical(uint32_t domid, const char *in, int *err);
bool xs_path_is_special(const char *path);
/* Is path equal to or below ancestor? */
bool xs_path_is_under(const char *path, const char *ancestor);
/* "/local/domain/<domid>" into buf (at least 32 bytes). */
void xs_domain_path(uint32_t domid, char *buf, size_t size);
bool xs_parse_domid(const char *s, uint32_t *domid);

/* perms.c */
int xs_perms_parse(const char *strings, size_t len, struct xs_perms *perms);
/* Writes "b0\0r1\0..." into buf; returns the length (at most 12 bytes per entry). */
size_t xs_perms_format(const struct xs_perms *perms, char *buf, size_t size);
uint32_t xs_perms_access(const struct xs_perms *perms, const struct xs_who *who);
bool xs_perms_equal(const struct xs_perms *a, const struct xs_perms *b);

/* store.c: the tree itself, no permission checks */
int xs_tree_init(struct xs_tree *tree, uint64_t *gen);
void xs_tree_free(struct xs_tree *tree);
int xs_tree_clone(const struct xs_tree *from, struct xs_tree *to);
struct xs_node *xs_tree_find(const struct xs_tree *tree, const char *path);
/* The deepest existing node on path ("/" at worst). */
struct xs_node *xs_tree_nearest(const struct xs_tree *tree, const char *path);
/* A new child of parent called name, with perms; NULL without memory. */
struct xs_node *xs_tree_add(struct xs_tree *tree, struct xs_node *parent, const char *name, size_t name_len,
			    const struct xs_perms *perms);
void xs_tree_remove(struct xs_tree *tree, struct xs_node *node);
int xs_node_set_value(struct xs_tree *tree, struct xs_node *node, const void *value, uint32_t len);
void xs_node_set_perms(struct xs_tree *tree, struct xs_node *node, const struct xs_perms *perms);
void xs_node_touch(struct xs_tree *tree, struct xs_node *node);
/* The node's absolute path, malloc'ed. */
char *xs_node_path(const struct xs_node *node);
uint32_t xs_tree_count(const struct xs_node *node);

/* transaction.c */
struct xs_access {
	char *path;
	uint64_t gen; /* the node's generation when first touched; 0: it did not exist */
	bool dirty;   /* the transaction changed or removed it */
};

struct xs_tx {
	struct xs_tx *next;
	struct xs_conn *conn;
	uint32_t id;
	struct xs_tree tree;
	struct xs_access *access;
	uint32_t naccess, cap;
	int node_delta; /* nodes the connection's domain gained in this transaction */
};

/* A view is what one request works on: the store's tree, or a transaction's. */
struct xs_view {
	struct xs_store *store;
	struct xs_tree *tree;
	struct xs_tx *tx;
};

struct xs_tx *xs_tx_start(struct xs_conn *conn, int *err);
struct xs_tx *xs_tx_find(struct xs_conn *conn, uint32_t id);
/* Commits (commit) or aborts, then frees tx; returns 0 or EAGAIN/ENOSPC/ENOMEM. */
int xs_tx_end(struct xs_tx *tx, bool commit);
/* Records that the request touched path (before changing it); ENOSPC past the quota. */
int xs_view_note(struct xs_view *view, const char *path, const struct xs_node *node);
int xs_view_dirty(struct xs_view *view, const char *path);

/* watch.c */
struct xs_watch {
	struct xs_watch *next;
	char *path; /* absolute or special */
	char *token;
	size_t strip; /* bytes to remove from event paths: a relative watch gets relative events */
};

int xs_watch_add(struct xs_conn *conn, const char *path, const char *token, size_t strip);
int xs_watch_remove(struct xs_conn *conn, const char *path, const char *token);
void xs_watch_free_all(struct xs_conn *conn);
/* A node changed (or, recursive, a subtree went away): tell every watcher that may read it. */
void xs_watch_fire(struct xs_store *store, const char *path, const struct xs_perms *perms, bool recursive);

/* conn.c */
struct xs_outmsg {
	struct xs_outmsg *next;
	uint32_t len, off;
	uint8_t data[];
};

struct xs_domain {
	struct xs_domain *next;
	uint32_t domid;
	uint32_t nodes;
};

struct xs_conn {
	struct xs_conn *next;
	struct xs_store *store;
	uint32_t domid;
	uint32_t target;
	bool introduced;
	void *priv;
	struct xs_watch *watches;
	uint32_t nwatches;
	struct xs_tx *txs;
	uint32_t ntx;
	struct xs_outmsg *out_head, *out_tail;
	uint32_t nout;
};

struct xs_store {
	struct xs_tree tree;
	uint64_t gen;
	struct xs_conn *conns;
	struct xs_domain *domains;
	struct xs_perms special[2]; /* @introduceDomain, @releaseDomain */
	uint32_t next_txid;
	struct xs_quota quota;
	const struct xs_store_ops *ops;
	void *opaque;
};

struct xs_who xs_conn_who(const struct xs_conn *conn);
struct xs_domain *xs_store_domain(struct xs_store *store, uint32_t domid, bool create);
void xs_store_account(void *opaque, uint32_t domid, int delta);
struct xs_perms *xs_special_perms(struct xs_store *store, const char *path);
/* Queues a message; events are dropped (false) when the queue is full. */
bool xs_conn_queue(struct xs_conn *conn, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *a, size_t alen,
		   const void *b, size_t blen, bool is_event);

/* ops.c: the node operations over a view, with permission checks; errno-style results. */
int xs_op_read(struct xs_view *v, const struct xs_who *who, const char *path, const struct xs_node **out);
int xs_op_write(struct xs_view *v, const struct xs_who *who, const char *path, const void *value, uint32_t len);
int xs_op_mkdir(struct xs_view *v, const struct xs_who *who, const char *path);
int xs_op_rm(struct xs_view *v, const struct xs_who *who, const char *path);
int xs_op_set_perms(struct xs_view *v, const struct xs_who *who, const char *path, const struct xs_perms *perms);
/* Creates path with perms as given if it is missing (XS_INTRODUCE's home directory). */
int xs_op_ensure(struct xs_view *v, const char *path, const struct xs_perms *perms);

#endif
