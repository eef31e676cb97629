/* Watches: registration per connection and XS_WATCH_EVENT delivery to those that may read the node. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/wire.h"

#include "xenstore/internal.h"

int xs_watch_add(struct xs_conn *conn, const char *path, const char *token, size_t strip)
{
	struct xs_watch *w, **link;

	if (!xs_conn_who(conn).privileged && conn->nwatches >= conn->store->quota.watches)
		return E2BIG;
	for (link = &conn->watches; *link; link = &(*link)->next)
		if (strcmp((*link)->path, path) == 0 && strcmp((*link)->token, token) == 0)
			return EEXIST;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return ENOMEM;
	}
	w->strip = strip;
	*link = w;
	conn->nwatches++;
	return 0;
}

static void watch_free(struct xs_watch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

int xs_watch_remove(struct xs_conn *conn, const char *path, const char *token)
{
	for (struct xs_watch **link = &conn->watches; *link; link = &(*link)->next) {
		struct xs_watch *w = *link;

		if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0) {
			*link = w->next;
			watch_free(w);
			conn->nwatches--;
			return 0;
		}
	}
	return ENOENT;
}

void xs_watch_free_all(struct xs_conn *conn)
{
	while (conn->watches) {
		struct xs_watch *w = conn->watches;

		conn->watches = w->next;
		watch_free(w);
	}
	conn->nwatches = 0;
}

static void send_event(struct xs_conn *conn, const struct xs_watch *w, const char *path)
{
	if (w->strip && strlen(path) > w->strip)
		path += w->strip;
	xs_conn_queue(conn, XS_WATCH_EVENT, 0, 0, path, strlen(path) + 1, w->token, strlen(w->token) + 1, true);
}

/*
 * A watch on W fires for a change at path when W is path or one of its ancestors (the event names path);
 * when a subtree goes away (recursive) a watch below it fires too, naming the watched path.
 */
void xs_watch_fire(struct xs_store *store, const char *path, const struct xs_perms *perms, bool recursive)
{
	for (struct xs_conn *c = store->conns; c; c = c->next) {
		struct xs_who who = xs_conn_who(c);

		if (!(xs_perms_access(perms, &who) & XS_PERM_READ))
			continue;
		for (struct xs_watch *w = c->watches; w; w = w->next) {
			if (xs_path_is_under(path, w->path))
				send_event(c, w, path);
			else if (recursive && xs_path_is_under(w->path, path))
				send_event(c, w, w->path);
		}
	}
}
