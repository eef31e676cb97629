/* Node operations over a view (the store or a transaction) with Xen's permission rules and the node quota. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/internal.h"

static uint32_t access_of(const struct xs_node *n, const struct xs_who *who)
{
	return xs_perms_access(&n->perms, who);
}

/*
 * A missing node: EACCES when the deepest existing ancestor does not grant perm (so a domain learns
 * nothing about what it may not see), else ENOENT.
 */
static int missing(struct xs_view *v, const struct xs_who *who, const char *path, uint32_t perm)
{
	const struct xs_node *n = xs_tree_nearest(v->tree, path);

	return (access_of(n, who) & perm) ? ENOENT : EACCES;
}

static void fire(struct xs_view *v, const char *path, const struct xs_perms *perms, bool recursive)
{
	if (!v->tx)
		xs_watch_fire(v->store, path, perms, recursive);
}

int xs_op_read(struct xs_view *v, const struct xs_who *who, const char *path, const struct xs_node **out)
{
	const struct xs_node *n = xs_tree_find(v->tree, path);
	int err = xs_view_note(v, path, n);

	if (err)
		return err;
	if (!n)
		return missing(v, who, path, XS_PERM_READ);
	if (!(access_of(n, who) & XS_PERM_READ))
		return EACCES;
	*out = n;
	return 0;
}

static uint32_t owned(struct xs_view *v, uint32_t domid)
{
	int n = (int)xs_store_nodes_owned(v->store, domid) + (v->tx ? v->tx->node_delta : 0);

	return n > 0 ? (uint32_t)n : 0;
}

static uint32_t missing_components(const char *rest)
{
	uint32_t n = 0;

	for (const char *p = rest; *p; p++)
		if (p == rest || p[-1] == '/')
			n++;
	return n;
}

/*
 * Creates path and its missing ancestors. Each new node inherits its parent's permissions; a node an
 * unprivileged domain creates is owned by that domain (Xen's rule), so it counts against its quota.
 */
static int create_path(struct xs_view *v, const struct xs_who *who, const char *path, struct xs_node **out)
{
	struct xs_node *n = xs_tree_nearest(v->tree, path);
	char *npath = xs_node_path(n);
	size_t done;
	int err;

	if (!npath)
		return ENOMEM;
	err = xs_view_note(v, npath, n);
	done = strlen(npath);
	free(npath);
	if (err)
		return err;
	if (!(access_of(n, who) & XS_PERM_WRITE))
		return EACCES;
	if (done == 1)
		done = 0; /* from "/" */
	if (!who->privileged && owned(v, who->domid) + missing_components(path + done + 1) > v->store->quota.nodes)
		return ENOSPC;
	while (path[done] == '/') {
		const char *name = path + done + 1;
		size_t len = strcspn(name, "/");
		struct xs_perms perms = n->perms;
		char *prefix = strndup(path, done + 1 + len);

		if (!prefix)
			return ENOMEM;
		err = xs_view_note(v, prefix, NULL);
		if (!err)
			err = xs_view_dirty(v, prefix);
		free(prefix);
		if (err)
			return err;
		if (!who->privileged)
			perms.p[0].domid = who->domid;
		n = xs_tree_add(v->tree, n, name, len, &perms);
		if (!n)
			return ENOMEM;
		done += 1 + len;
	}
	*out = n;
	return 0;
}

int xs_op_write(struct xs_view *v, const struct xs_who *who, const char *path, const void *value, uint32_t len)
{
	struct xs_node *n = xs_tree_find(v->tree, path);
	int err;

	if (!who->privileged && len > v->store->quota.value_size)
		return E2BIG;
	err = xs_view_note(v, path, n);
	if (err)
		return err;
	if (n && !(access_of(n, who) & XS_PERM_WRITE))
		return EACCES;
	if (!n) {
		err = create_path(v, who, path, &n);
		if (err)
			return err;
	}
	err = xs_node_set_value(v->tree, n, value, len);
	if (!err)
		err = xs_view_dirty(v, path);
	if (!err)
		fire(v, path, &n->perms, false);
	return err;
}

int xs_op_mkdir(struct xs_view *v, const struct xs_who *who, const char *path)
{
	struct xs_node *n = xs_tree_find(v->tree, path);
	int err = xs_view_note(v, path, n);

	if (err)
		return err;
	if (n)
		return (access_of(n, who) & XS_PERM_WRITE) ? 0 : EACCES;
	err = create_path(v, who, path, &n);
	if (!err)
		fire(v, path, &n->perms, false);
	return err;
}

/* A removed subtree's nodes are all part of what a transaction read. */
static int note_subtree(struct xs_view *v, const struct xs_node *n)
{
	char *p;
	int err;

	if (!v->tx)
		return 0;
	p = xs_node_path(n);
	if (!p)
		return ENOMEM;
	err = xs_view_note(v, p, n);
	free(p);
	for (const struct xs_node *c = n->children; c && !err; c = c->next)
		err = note_subtree(v, c);
	return err;
}

int xs_op_rm(struct xs_view *v, const struct xs_who *who, const char *path)
{
	struct xs_node *n = xs_tree_find(v->tree, path);
	struct xs_perms perms;
	char *ppath;
	int err;

	if (strcmp(path, "/") == 0)
		return EINVAL;
	err = xs_view_note(v, path, n);
	if (err)
		return err;
	if (!n) {
		const struct xs_node *near = xs_tree_nearest(v->tree, path);
		const char *slash = strrchr(path, '/');
		size_t plen = (size_t)(slash - path);
		char *npath;
		bool parent_exists;

		if (!(access_of(near, who) & XS_PERM_WRITE))
			return EACCES;
		npath = xs_node_path(near);
		if (!npath)
			return ENOMEM;
		/* Removing what is not there is fine as long as its parent is. */
		parent_exists = strlen(npath) == plen || (plen == 0 && strcmp(npath, "/") == 0);
		free(npath);
		return parent_exists ? 0 : ENOENT;
	}
	if (!(access_of(n, who) & XS_PERM_WRITE))
		return EACCES;
	ppath = xs_node_path(n->parent);
	if (!ppath)
		return ENOMEM;
	err = xs_view_note(v, ppath, n->parent);
	free(ppath);
	if (!err)
		err = note_subtree(v, n);
	if (!err)
		err = xs_view_dirty(v, path);
	if (err)
		return err;
	perms = n->perms;
	xs_tree_remove(v->tree, n);
	fire(v, path, &perms, true);
	return 0;
}

int xs_op_set_perms(struct xs_view *v, const struct xs_who *who, const char *path, const struct xs_perms *perms)
{
	struct xs_node *n = xs_tree_find(v->tree, path);
	int err;

	if (perms->num == 0)
		return EINVAL;
	if (!who->privileged && perms->num - 1 > v->store->quota.acl_entries)
		return E2BIG;
	err = xs_view_note(v, path, n);
	if (err)
		return err;
	if (!n)
		return missing(v, who, path, XS_PERM_WRITE);
	/* Only the owner (or a privileged domain) may change permissions: the ACL does not count. */
	if (!who->privileged && n->perms.p[0].domid != who->domid &&
	    (who->target == XS_NO_TARGET || n->perms.p[0].domid != who->target))
		return EACCES;
	/* Unprivileged domains may not give their nodes away (or dodge the quota doing so). */
	if (!who->privileged && perms->p[0].domid != n->perms.p[0].domid)
		return EPERM;
	xs_node_set_perms(v->tree, n, perms);
	err = xs_view_dirty(v, path);
	if (!err)
		fire(v, path, perms, false);
	return err;
}

int xs_op_ensure(struct xs_view *v, const char *path, const struct xs_perms *perms)
{
	struct xs_who dom0 = {.domid = 0, .target = XS_NO_TARGET, .privileged = true};
	struct xs_node *n = xs_tree_find(v->tree, path);
	int err;

	if (n)
		return 0;
	err = create_path(v, &dom0, path, &n);
	if (err)
		return err;
	xs_node_set_perms(v->tree, n, perms);
	fire(v, path, perms, false);
	return 0;
}
