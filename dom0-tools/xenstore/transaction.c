/*
 * Transactions: each works on a private copy of the tree taken at its start and records every node it
 * touched with that node's generation then. Commit fails with EAGAIN if any of those nodes changed in
 * the store since (created, removed, written, re-permissioned, or its children changed); otherwise the
 * nodes the transaction changed are copied into the store and their watches fire.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/internal.h"

static void tx_account(void *opaque, uint32_t domid, int delta)
{
	struct xs_tx *tx = opaque;

	if (domid == tx->conn->domid)
		tx->node_delta += delta;
}

static bool id_in_use(struct xs_store *store, uint32_t id)
{
	for (struct xs_conn *c = store->conns; c; c = c->next)
		for (struct xs_tx *t = c->txs; t; t = t->next)
			if (t->id == id)
				return true;
	return false;
}

struct xs_tx *xs_tx_start(struct xs_conn *conn, int *err)
{
	struct xs_store *store = conn->store;
	struct xs_who who = xs_conn_who(conn);
	struct xs_tx *tx;

	if (!who.privileged && conn->ntx >= store->quota.transactions) {
		*err = ENOSPC;
		return NULL;
	}
	tx = calloc(1, sizeof(*tx));
	if (!tx || xs_tree_clone(&store->tree, &tx->tree)) {
		free(tx);
		*err = ENOMEM;
		return NULL;
	}
	tx->tree.account = tx_account;
	tx->tree.opaque = tx;
	tx->conn = conn;
	do {
		tx->id = store->next_txid++;
	} while (tx->id == 0 || id_in_use(store, tx->id));
	tx->next = conn->txs;
	conn->txs = tx;
	conn->ntx++;
	return tx;
}

struct xs_tx *xs_tx_find(struct xs_conn *conn, uint32_t id)
{
	for (struct xs_tx *t = conn->txs; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static struct xs_access *find_access(struct xs_tx *tx, const char *path)
{
	for (uint32_t i = 0; i < tx->naccess; i++)
		if (strcmp(tx->access[i].path, path) == 0)
			return &tx->access[i];
	return NULL;
}

int xs_view_note(struct xs_view *view, const char *path, const struct xs_node *node)
{
	struct xs_tx *tx = view->tx;
	struct xs_access *a;

	if (!tx || find_access(tx, path))
		return 0;
	if (!xs_conn_who(tx->conn).privileged && tx->naccess >= view->store->quota.tx_nodes)
		return ENOSPC;
	if (tx->naccess == tx->cap) {
		uint32_t cap = tx->cap ? tx->cap * 2 : 16;
		struct xs_access *n = realloc(tx->access, cap * sizeof(*n));

		if (!n)
			return ENOMEM;
		tx->access = n;
		tx->cap = cap;
	}
	a = &tx->access[tx->naccess];
	a->path = strdup(path);
	if (!a->path)
		return ENOMEM;
	a->gen = node ? node->gen : 0;
	a->dirty = false;
	tx->naccess++;
	return 0;
}

int xs_view_dirty(struct xs_view *view, const char *path)
{
	struct xs_access *a;

	if (!view->tx)
		return 0;
	a = find_access(view->tx, path);
	if (!a)
		return EIO; /* a change without a note first: a bug in ops.c */
	a->dirty = true;
	return 0;
}

static bool conflicts(struct xs_tx *tx)
{
	for (uint32_t i = 0; i < tx->naccess; i++) {
		const struct xs_node *n = xs_tree_find(&tx->conn->store->tree, tx->access[i].path);

		if ((n ? n->gen : 0) != tx->access[i].gen)
			return true;
	}
	return false;
}

static int by_path(const void *a, const void *b)
{
	return strcmp((*(const struct xs_access *const *)a)->path, (*(const struct xs_access *const *)b)->path);
}

static bool has_child(const struct xs_node *n, const char *name)
{
	for (const struct xs_node *c = n->children; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return true;
	return false;
}

/* Brings the store's node at path in line with the transaction's; parents come first (sorted paths). */
static int apply_one(struct xs_store *store, struct xs_tx *tx, const char *path)
{
	struct xs_node *t = xs_tree_find(&tx->tree, path);
	struct xs_node *b = xs_tree_find(&store->tree, path);

	if (!t) {
		if (b) {
			struct xs_perms perms = b->perms;

			xs_tree_remove(&store->tree, b);
			xs_watch_fire(store, path, &perms, true);
		}
		return 0;
	}
	if (!b) {
		const char *slash = strrchr(path, '/');
		char *ppath = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		struct xs_node *parent;

		if (!ppath)
			return ENOMEM;
		parent = xs_tree_find(&store->tree, ppath);
		free(ppath);
		if (!parent)
			return EIO;
		b = xs_tree_add(&store->tree, parent, slash + 1, strlen(slash + 1), &t->perms);
		if (!b)
			return ENOMEM;
	}
	/* Children the transaction removed (and perhaps re-created) go first. */
	for (struct xs_node *c = b->children, *next; c; c = next) {
		next = c->next;
		if (!has_child(t, c->name)) {
			char *cpath = xs_node_path(c);
			struct xs_perms perms = c->perms;

			xs_tree_remove(&store->tree, c);
			if (cpath)
				xs_watch_fire(store, cpath, &perms, true);
			free(cpath);
		}
	}
	if (!xs_perms_equal(&b->perms, &t->perms))
		xs_node_set_perms(&store->tree, b, &t->perms);
	if (xs_node_set_value(&store->tree, b, t->value, t->len))
		return ENOMEM;
	xs_watch_fire(store, path, &b->perms, false);
	return 0;
}

static int commit(struct xs_tx *tx)
{
	struct xs_store *store = tx->conn->store;
	struct xs_who who = xs_conn_who(tx->conn);
	struct xs_access **dirty;
	uint32_t ndirty = 0;
	int err = 0;

	if (conflicts(tx))
		return EAGAIN;
	if (!who.privileged && tx->node_delta > 0 &&
	    xs_store_nodes_owned(store, who.domid) + (uint32_t)tx->node_delta > store->quota.nodes)
		return ENOSPC;
	dirty = malloc((tx->naccess + 1) * sizeof(*dirty));
	if (!dirty)
		return ENOMEM;
	for (uint32_t i = 0; i < tx->naccess; i++)
		if (tx->access[i].dirty)
			dirty[ndirty++] = &tx->access[i];
	qsort(dirty, ndirty, sizeof(*dirty), by_path);
	for (uint32_t i = 0; i < ndirty && !err; i++)
		err = apply_one(store, tx, dirty[i]->path);
	free(dirty);
	return err;
}

int xs_tx_end(struct xs_tx *tx, bool commit_it)
{
	struct xs_conn *conn = tx->conn;
	struct xs_tx **link;
	int err = commit_it ? commit(tx) : 0;

	for (link = &conn->txs; *link != tx; link = &(*link)->next)
		;
	*link = tx->next;
	conn->ntx--;
	for (uint32_t i = 0; i < tx->naccess; i++)
		free(tx->access[i].path);
	free(tx->access);
	xs_tree_free(&tx->tree);
	free(tx);
	return err;
}
