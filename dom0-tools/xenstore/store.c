/* The node tree: lookup, creation, removal, values, permissions and generations; no permission checks here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/internal.h"

static struct xs_node *node_alloc(const char *name, size_t name_len, const struct xs_perms *perms)
{
	struct xs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = malloc(name_len + 1);
	if (!n->name) {
		free(n);
		return NULL;
	}
	memcpy(n->name, name, name_len);
	n->name[name_len] = '\0';
	n->perms = *perms;
	return n;
}

static void node_free(struct xs_node *n)
{
	while (n->children) {
		struct xs_node *c = n->children;

		n->children = c->next;
		node_free(c);
	}
	free(n->value);
	free(n->name);
	free(n);
}

int xs_tree_init(struct xs_tree *tree, uint64_t *gen)
{
	/* "/" belongs to dom0; nobody else may read or write it unless dom0 says so. */
	struct xs_perms perms = {.num = 1, .p = {{.domid = 0, .access = XS_PERM_NONE}}};

	memset(tree, 0, sizeof(*tree));
	tree->gen = gen;
	tree->root = node_alloc("", 0, &perms);
	if (!tree->root)
		return ENOMEM;
	tree->root->gen = ++*gen;
	return 0;
}

void xs_tree_free(struct xs_tree *tree)
{
	if (tree->root)
		node_free(tree->root);
	tree->root = NULL;
}

static struct xs_node *node_clone(const struct xs_node *from, struct xs_node *parent)
{
	struct xs_node *n = node_alloc(from->name, strlen(from->name), &from->perms);
	struct xs_node **link;

	if (!n)
		return NULL;
	n->parent = parent;
	n->gen = from->gen;
	if (from->len) {
		n->value = malloc(from->len);
		if (!n->value)
			goto fail;
		memcpy(n->value, from->value, from->len);
		n->len = from->len;
	}
	link = &n->children;
	for (const struct xs_node *c = from->children; c; c = c->next) {
		*link = node_clone(c, n);
		if (!*link)
			goto fail;
		link = &(*link)->next;
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

int xs_tree_clone(const struct xs_tree *from, struct xs_tree *to)
{
	*to = *from;
	to->account = NULL;
	to->opaque = NULL;
	to->root = node_clone(from->root, NULL);
	return to->root ? 0 : ENOMEM;
}

static struct xs_node *child_named(const struct xs_node *parent, const char *name, size_t len)
{
	for (struct xs_node *c = parent->children; c; c = c->next)
		if (strncmp(c->name, name, len) == 0 && c->name[len] == '\0')
			return c;
	return NULL;
}

/* Walks path from the root; *rest is where the walk stopped (at "" when the whole path exists). */
static struct xs_node *walk(const struct xs_tree *tree, const char *path, const char **rest)
{
	struct xs_node *n = tree->root;
	const char *p = path;

	while (*p == '/')
		p++;
	while (*p) {
		size_t len = strcspn(p, "/");
		struct xs_node *c = child_named(n, p, len);

		if (!c)
			break;
		n = c;
		p += len;
		while (*p == '/')
			p++;
	}
	*rest = p;
	return n;
}

struct xs_node *xs_tree_find(const struct xs_tree *tree, const char *path)
{
	const char *rest;
	struct xs_node *n;

	if (path[0] != '/')
		return NULL;
	n = walk(tree, path, &rest);
	return *rest ? NULL : n;
}

struct xs_node *xs_tree_nearest(const struct xs_tree *tree, const char *path)
{
	const char *rest;

	return walk(tree, path, &rest);
}

static void account(struct xs_tree *tree, uint32_t domid, int delta)
{
	if (tree->account)
		tree->account(tree->opaque, domid, delta);
}

void xs_node_touch(struct xs_tree *tree, struct xs_node *node)
{
	node->gen = ++*tree->gen;
}

struct xs_node *xs_tree_add(struct xs_tree *tree, struct xs_node *parent, const char *name, size_t name_len,
			    const struct xs_perms *perms)
{
	struct xs_node *n = node_alloc(name, name_len, perms);
	struct xs_node **link = &parent->children;

	if (!n)
		return NULL;
	while (*link)
		link = &(*link)->next;
	*link = n;
	n->parent = parent;
	xs_node_touch(tree, n);
	xs_node_touch(tree, parent);
	account(tree, perms->p[0].domid, 1);
	return n;
}

static void unaccount_subtree(struct xs_tree *tree, const struct xs_node *n)
{
	account(tree, n->perms.p[0].domid, -1);
	for (const struct xs_node *c = n->children; c; c = c->next)
		unaccount_subtree(tree, c);
}

void xs_tree_remove(struct xs_tree *tree, struct xs_node *node)
{
	struct xs_node **link;

	if (!node->parent)
		return; /* "/" stays */
	for (link = &node->parent->children; *link != node; link = &(*link)->next)
		;
	*link = node->next;
	xs_node_touch(tree, node->parent);
	unaccount_subtree(tree, node);
	node_free(node);
}

int xs_node_set_value(struct xs_tree *tree, struct xs_node *node, const void *value, uint32_t len)
{
	uint8_t *copy = NULL;

	if (len) {
		copy = malloc(len);
		if (!copy)
			return ENOMEM;
		memcpy(copy, value, len);
	}
	free(node->value);
	node->value = copy;
	node->len = len;
	xs_node_touch(tree, node);
	return 0;
}

void xs_node_set_perms(struct xs_tree *tree, struct xs_node *node, const struct xs_perms *perms)
{
	account(tree, node->perms.p[0].domid, -1);
	account(tree, perms->p[0].domid, 1);
	node->perms = *perms;
	xs_node_touch(tree, node);
}

static size_t path_len(const struct xs_node *n)
{
	size_t len = 0;

	for (; n->parent; n = n->parent)
		len += 1 + strlen(n->name);
	return len ? len : 1;
}

char *xs_node_path(const struct xs_node *node)
{
	size_t len = path_len(node);
	char *p = malloc(len + 1);

	if (!p)
		return NULL;
	p[len] = '\0';
	if (!node->parent) {
		p[0] = '/';
		return p;
	}
	for (const struct xs_node *n = node; n->parent; n = n->parent) {
		size_t l = strlen(n->name);

		len -= l;
		memcpy(p + len, n->name, l);
		p[--len] = '/';
	}
	return p;
}

uint32_t xs_tree_count(const struct xs_node *node)
{
	uint32_t n = 1;

	for (const struct xs_node *c = node->children; c; c = c->next)
		n += xs_tree_count(c);
	return n;
}
