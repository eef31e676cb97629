/* The store and its connections: lifecycle, per-domain node accounting and the output queue. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/wire.h"

#include "xenstore/internal.h"

static const struct xs_quota default_quota = {
    .nodes = XS_QUOTA_NODES,
    .watches = XS_QUOTA_WATCHES,
    .transactions = XS_QUOTA_TRANSACTIONS,
    .value_size = XS_QUOTA_VALUE_SIZE,
    .acl_entries = XS_QUOTA_ACL_ENTRIES,
    .outq = XS_QUOTA_OUTQ,
    .tx_nodes = XS_QUOTA_TX_NODES,
};

struct xs_domain *xs_store_domain(struct xs_store *store, uint32_t domid, bool create)
{
	struct xs_domain *d;

	for (d = store->domains; d; d = d->next)
		if (d->domid == domid)
			return d;
	if (!create)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (d) {
		d->domid = domid;
		d->next = store->domains;
		store->domains = d;
	}
	return d;
}

void xs_store_account(void *opaque, uint32_t domid, int delta)
{
	struct xs_domain *d = xs_store_domain(opaque, domid, true);

	if (d)
		d->nodes = (uint32_t)((int)d->nodes + delta);
}

uint32_t xs_store_nodes_owned(const struct xs_store *store, uint32_t domid)
{
	struct xs_domain *d = xs_store_domain((struct xs_store *)store, domid, false);

	return d ? d->nodes : 0;
}

uint32_t xs_store_node_count(const struct xs_store *store)
{
	return xs_tree_count(store->tree.root);
}

struct xs_store *xs_store_create(const struct xs_store_ops *ops, void *opaque)
{
	static const struct xs_store_ops no_ops;
	struct xs_store *store = calloc(1, sizeof(*store));

	if (!store)
		return NULL;
	if (xs_tree_init(&store->tree, &store->gen)) {
		free(store);
		return NULL;
	}
	store->tree.account = xs_store_account;
	store->tree.opaque = store;
	xs_store_account(store, 0, 1); /* "/" */
	for (int i = 0; i < 2; i++)
		store->special[i] = store->tree.root->perms;
	store->next_txid = 1;
	store->quota = default_quota;
	store->ops = ops ? ops : &no_ops;
	store->opaque = opaque;
	return store;
}

void xs_store_destroy(struct xs_store *store)
{
	while (store->conns) {
		struct xs_conn *c = store->conns;

		if (c->introduced && store->ops->release)
			store->ops->release(store, c, store->opaque);
		xs_conn_destroy(c);
	}
	while (store->domains) {
		struct xs_domain *d = store->domains;

		store->domains = d->next;
		free(d);
	}
	xs_tree_free(&store->tree);
	free(store);
}

void xs_store_get_quota(const struct xs_store *store, struct xs_quota *quota)
{
	*quota = store->quota;
}

void xs_store_set_quota(struct xs_store *store, const struct xs_quota *quota)
{
	store->quota = *quota;
}

struct xs_perms *xs_special_perms(struct xs_store *store, const char *path)
{
	if (strcmp(path, XS_SPECIAL_INTRODUCE) == 0)
		return &store->special[0];
	if (strcmp(path, XS_SPECIAL_RELEASE) == 0)
		return &store->special[1];
	return NULL;
}

struct xs_conn *xs_conn_create(struct xs_store *store, uint32_t domid)
{
	struct xs_conn *c = calloc(1, sizeof(*c)), **link;

	if (!c)
		return NULL;
	c->store = store;
	c->domid = domid;
	c->target = XS_NO_TARGET;
	/* Oldest first, so that events reach connections in a stable order. */
	for (link = &store->conns; *link; link = &(*link)->next)
		;
	*link = c;
	return c;
}

void xs_conn_destroy(struct xs_conn *conn)
{
	struct xs_conn **link;

	for (link = &conn->store->conns; *link && *link != conn; link = &(*link)->next)
		;
	if (*link)
		*link = conn->next;
	while (conn->txs)
		xs_tx_end(conn->txs, false);
	xs_watch_free_all(conn);
	while (conn->out_head) {
		struct xs_outmsg *m = conn->out_head;

		conn->out_head = m->next;
		free(m);
	}
	free(conn);
}

uint32_t xs_conn_domid(const struct xs_conn *conn)
{
	return conn->domid;
}

void xs_conn_set_priv(struct xs_conn *conn, void *priv)
{
	conn->priv = priv;
}

void *xs_conn_priv(const struct xs_conn *conn)
{
	return conn->priv;
}

struct xs_conn *xs_store_find_domain(const struct xs_store *store, uint32_t domid)
{
	for (struct xs_conn *c = store->conns; c; c = c->next)
		if (c->introduced && c->domid == domid)
			return c;
	return NULL;
}

struct xs_who xs_conn_who(const struct xs_conn *conn)
{
	struct xs_who who = {.domid = conn->domid, .target = conn->target, .privileged = conn->domid == 0};

	return who;
}

bool xs_conn_queue(struct xs_conn *conn, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *a, size_t alen,
		   const void *b, size_t blen, bool is_event)
{
	struct xsd_sockmsg hdr = {.type = type, .req_id = req_id, .tx_id = tx_id, .len = (uint32_t)(alen + blen)};
	struct xs_outmsg *m;

	if (alen + blen > XENSTORE_PAYLOAD_MAX)
		return false; /* only an event can be this big (a long token): dropped, as Xen does */
	if (is_event && !xs_conn_who(conn).privileged && conn->nout >= conn->store->quota.outq)
		return false;
	m = malloc(sizeof(*m) + sizeof(hdr) + alen + blen);
	if (!m)
		return false;
	m->next = NULL;
	m->len = (uint32_t)(sizeof(hdr) + alen + blen);
	m->off = 0;
	memcpy(m->data, &hdr, sizeof(hdr));
	if (alen)
		memcpy(m->data + sizeof(hdr), a, alen);
	if (blen)
		memcpy(m->data + sizeof(hdr) + alen, b, blen);
	if (conn->out_tail)
		conn->out_tail->next = m;
	else
		conn->out_head = m;
	conn->out_tail = m;
	conn->nout++;
	if (conn->store->ops->notify)
		conn->store->ops->notify(conn, conn->store->opaque);
	return true;
}

size_t xs_conn_output(struct xs_conn *conn, const void **data)
{
	struct xs_outmsg *m = conn->out_head;

	if (!m)
		return 0;
	*data = m->data + m->off;
	return m->len - m->off;
}

void xs_conn_output_done(struct xs_conn *conn, size_t n)
{
	struct xs_outmsg *m = conn->out_head;

	if (!m)
		return;
	if (n > m->len - m->off)
		n = m->len - m->off;
	m->off += (uint32_t)n;
	if (m->off < m->len)
		return;
	conn->out_head = m->next;
	if (!conn->out_head)
		conn->out_tail = NULL;
	conn->nout--;
	free(m);
}

uint32_t xs_conn_output_count(const struct xs_conn *conn)
{
	return conn->nout;
}

bool xs_conn_output_full(const struct xs_conn *conn)
{
	return !xs_conn_who(conn).privileged && conn->nout >= conn->store->quota.outq;
}
