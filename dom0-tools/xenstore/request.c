/* Requests: checks of the wire message, one handler per XS_* type (a table), replies and error replies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/wire.h"

#include "xenstore/internal.h"

struct req {
	struct xs_conn *conn;
	struct xsd_sockmsg hdr;
	char *data; /* hdr.len bytes, plus a NUL of our own */
	struct xs_who who;
	struct xs_view view;
};

static const char *error_name(int err)
{
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return "EIO";
}

static void reply(struct req *r, const void *data, size_t len)
{
	xs_conn_queue(r->conn, r->hdr.type, r->hdr.req_id, r->hdr.tx_id, data, len, NULL, 0, false);
}

static void reply_error(struct xs_conn *conn, const struct xsd_sockmsg *hdr, int err)
{
	const char *s = error_name(err);

	xs_conn_queue(conn, XS_ERROR, hdr->req_id, hdr->tx_id, s, strlen(s) + 1, NULL, 0, false);
}

static int reply_ok(struct req *r)
{
	reply(r, "OK", 3);
	return 0;
}

/* Splits the payload into exactly n NUL-terminated strings. */
static int args(struct req *r, const char **v, unsigned n)
{
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		char *nul;

		if (off >= r->hdr.len)
			return EINVAL;
		nul = memchr(r->data + off, '\0', r->hdr.len - off);
		if (!nul)
			return EINVAL;
		v[i] = r->data + off;
		off = (size_t)(nul - r->data) + 1;
	}
	return off == r->hdr.len ? 0 : EINVAL;
}

/* One node path argument, made absolute; special "@" paths only where allowed. */
static int path_arg(struct req *r, const char *in, bool special_ok, char **out)
{
	int err;

	*out = xs_path_canonical(r->who.domid, in, &err);
	if (!*out)
		return err;
	if (xs_path_is_special(*out) && !special_ok) {
		free(*out);
		return EINVAL;
	}
	return 0;
}

static int one_path(struct req *r, bool special_ok, char **out)
{
	const char *v[1];
	int err = args(r, v, 1);

	return err ? err : path_arg(r, v[0], special_ok, out);
}

static int do_read(struct req *r)
{
	const struct xs_node *n;
	char *path;
	int err = one_path(r, false, &path);

	if (err)
		return err;
	err = xs_op_read(&r->view, &r->who, path, &n);
	free(path);
	if (!err)
		reply(r, n->value, n->len);
	return err;
}

static size_t children_len(const struct xs_node *n)
{
	size_t len = 0;

	for (const struct xs_node *c = n->children; c; c = c->next)
		len += strlen(c->name) + 1;
	return len;
}

static char *children(const struct xs_node *n, size_t len)
{
	char *buf = malloc(len + 1), *p = buf;

	if (!buf)
		return NULL;
	for (const struct xs_node *c = n->children; c; c = c->next) {
		size_t l = strlen(c->name) + 1;

		memcpy(p, c->name, l);
		p += l;
	}
	return buf;
}

static int do_directory(struct req *r)
{
	const struct xs_node *n;
	char *path, *buf;
	size_t len;
	int err = one_path(r, false, &path);

	if (err)
		return err;
	err = xs_op_read(&r->view, &r->who, path, &n);
	free(path);
	if (err)
		return err;
	len = children_len(n);
	if (len > XENSTORE_PAYLOAD_MAX)
		return E2BIG; /* the client goes on with XS_DIRECTORY_PART */
	buf = children(n, len);
	if (!buf)
		return ENOMEM;
	reply(r, buf, len);
	free(buf);
	return 0;
}

/* "<path>\0<offset>\0": "<generation>\0" then whole names from byte offset on, and "\0" after the last. */
static int do_directory_part(struct req *r)
{
	const struct xs_node *n;
	const char *v[2];
	char *path, *list, *out;
	char gen[24];
	size_t len, off = 0, glen, room, take = 0;
	int err = args(r, v, 2);

	if (err)
		return err;
	for (const char *p = v[1]; *p; p++) {
		if (*p < '0' || *p > '9' || off > XENSTORE_PAYLOAD_MAX * 64)
			return EINVAL;
		off = off * 10 + (size_t)(*p - '0');
	}
	if (!*v[1])
		return EINVAL;
	err = path_arg(r, v[0], false, &path);
	if (err)
		return err;
	err = xs_op_read(&r->view, &r->who, path, &n);
	free(path);
	if (err)
		return err;
	len = children_len(n);
	if (off > len)
		return EINVAL;
	list = children(n, len);
	if (!list)
		return ENOMEM;
	glen = (size_t)snprintf(gen, sizeof(gen), "%llu", (unsigned long long)n->gen) + 1;
	room = XENSTORE_PAYLOAD_MAX - glen - 1;
	while (off + take < len) {
		size_t l = strlen(list + off + take) + 1;

		if (take + l > room)
			break;
		take += l;
	}
	out = malloc(glen + take + 1);
	if (!out) {
		free(list);
		return ENOMEM;
	}
	memcpy(out, gen, glen);
	memcpy(out + glen, list + off, take);
	out[glen + take] = '\0';
	reply(r, out, glen + take + (off + take == len ? 1 : 0));
	free(out);
	free(list);
	return 0;
}

static int do_get_perms(struct req *r)
{
	char *path, buf[XS_PERMS_MAX * 12];
	const struct xs_perms *perms;
	const struct xs_node *n;
	int err = one_path(r, true, &path);

	if (err)
		return err;
	if (xs_path_is_special(path)) {
		perms = xs_special_perms(r->view.store, path);
		err = !perms ? ENOENT : (xs_perms_access(perms, &r->who) & XS_PERM_READ) ? 0 : EACCES;
	} else {
		err = xs_op_read(&r->view, &r->who, path, &n);
		perms = err ? NULL : &n->perms;
	}
	free(path);
	if (!err)
		reply(r, buf, xs_perms_format(perms, buf, sizeof(buf)));
	return err;
}

static int do_write(struct req *r)
{
	char *nul = memchr(r->data, '\0', r->hdr.len), *path;
	size_t plen;
	int err;

	if (!nul)
		return EINVAL;
	plen = (size_t)(nul - r->data) + 1;
	err = path_arg(r, r->data, false, &path);
	if (err)
		return err;
	err = xs_op_write(&r->view, &r->who, path, r->data + plen, (uint32_t)(r->hdr.len - plen));
	free(path);
	return err ? err : reply_ok(r);
}

static int do_mkdir(struct req *r)
{
	char *path;
	int err = one_path(r, false, &path);

	if (err)
		return err;
	err = xs_op_mkdir(&r->view, &r->who, path);
	free(path);
	return err ? err : reply_ok(r);
}

static int do_rm(struct req *r)
{
	char *path;
	int err = one_path(r, false, &path);

	if (err)
		return err;
	err = xs_op_rm(&r->view, &r->who, path);
	free(path);
	return err ? err : reply_ok(r);
}

static int do_set_perms(struct req *r)
{
	char *nul = memchr(r->data, '\0', r->hdr.len), *path;
	struct xs_perms perms, *special;
	size_t plen;
	int err;

	if (!nul)
		return EINVAL;
	plen = (size_t)(nul - r->data) + 1;
	err = xs_perms_parse(r->data + plen, r->hdr.len - plen, &perms);
	if (err)
		return err;
	err = path_arg(r, r->data, true, &path);
	if (err)
		return err;
	if (xs_path_is_special(path)) {
		special = xs_special_perms(r->view.store, path);
		err = !special ? ENOENT : !r->who.privileged ? EACCES : 0;
		if (!err)
			*special = perms;
	} else {
		err = xs_op_set_perms(&r->view, &r->who, path, &perms);
	}
	free(path);
	return err ? err : reply_ok(r);
}

static int do_watch(struct req *r)
{
	const char *v[2];
	char *path;
	size_t strip;
	int err = args(r, v, 2);

	if (err)
		return err;
	err = path_arg(r, v[0], true, &path);
	if (err)
		return err;
	strip = (v[0][0] == '/' || v[0][0] == '@') ? 0 : strlen(path) - strlen(v[0]);
	err = xs_watch_add(r->conn, path, v[1], strip);
	free(path);
	if (err)
		return err;
	reply_ok(r);
	/* A new watch fires once, naming the path as the client gave it. */
	xs_conn_queue(r->conn, XS_WATCH_EVENT, 0, 0, v[0], strlen(v[0]) + 1, v[1], strlen(v[1]) + 1, true);
	return 0;
}

static int do_unwatch(struct req *r)
{
	const char *v[2];
	char *path;
	int err = args(r, v, 2);

	if (err)
		return err;
	err = path_arg(r, v[0], true, &path);
	if (err)
		return err;
	err = xs_watch_remove(r->conn, path, v[1]);
	free(path);
	return err ? err : reply_ok(r);
}

static int do_transaction_start(struct req *r)
{
	struct xs_tx *tx;
	char buf[16];
	int err;

	if (r->hdr.tx_id)
		return EBUSY; /* no nesting */
	tx = xs_tx_start(r->conn, &err);
	if (!tx)
		return err;
	reply(r, buf, (size_t)snprintf(buf, sizeof(buf), "%u", (unsigned)tx->id) + 1);
	return 0;
}

static int do_transaction_end(struct req *r)
{
	const char *v[1];
	struct xs_tx *tx;
	int err = args(r, v, 1);

	if (err)
		return err;
	if (strcmp(v[0], "T") != 0 && strcmp(v[0], "F") != 0)
		return EINVAL;
	tx = xs_tx_find(r->conn, r->hdr.tx_id);
	if (!tx)
		return ENOENT;
	err = xs_tx_end(tx, v[0][0] == 'T');
	return err ? err : reply_ok(r);
}

static int domid_args(struct req *r, const char **v, unsigned n, uint32_t *domid)
{
	int err = args(r, v, n);

	if (err)
		return err;
	return xs_parse_domid(v[0], domid) ? 0 : EINVAL;
}

static int do_get_domain_path(struct req *r)
{
	const char *v[1];
	uint32_t domid;
	char buf[32];
	int err = domid_args(r, v, 1, &domid);

	if (err)
		return err;
	xs_domain_path(domid, buf, sizeof(buf));
	reply(r, buf, strlen(buf) + 1);
	return 0;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* "<domid>\0<gfn>\0<evtchn>\0": the glue maps the ring; we give the domain its home and tell the watchers. */
static int do_introduce(struct req *r)
{
	struct xs_store *store = r->view.store;
	const char *v[3];
	uint64_t gfn, port;
	uint32_t domid;
	struct xs_conn *c;
	char home[32];
	int err = domid_args(r, v, 3, &domid);

	if (err)
		return err;
	if (!parse_u64(v[1], &gfn) || !parse_u64(v[2], &port) || port > UINT32_MAX || domid == r->who.domid)
		return EINVAL;
	if (!xs_store_find_domain(store, domid)) {
		struct xs_perms perms = {.num = 1, .p = {{.domid = domid, .access = XS_PERM_NONE}}};

		c = store->ops->introduce ? store->ops->introduce(store, domid, gfn, (uint32_t)port, store->opaque)
					  : xs_conn_create(store, domid);
		if (!c)
			return EINVAL;
		c->introduced = true;
		xs_domain_path(domid, home, sizeof(home));
		err = xs_op_ensure(&r->view, home, &perms);
		if (err)
			return err;
		xs_watch_fire(store, XS_SPECIAL_INTRODUCE, &store->special[0], false);
	}
	return reply_ok(r);
}

static int do_release(struct req *r)
{
	struct xs_store *store = r->view.store;
	const char *v[1];
	uint32_t domid;
	struct xs_conn *c;
	int err = domid_args(r, v, 1, &domid);

	if (err)
		return err;
	c = xs_store_find_domain(store, domid);
	if (!c)
		return ENOENT;
	if (c == r->conn)
		return EINVAL;
	if (store->ops->release)
		store->ops->release(store, c, store->opaque);
	xs_conn_destroy(c);
	xs_watch_fire(store, XS_SPECIAL_RELEASE, &store->special[1], false);
	return reply_ok(r);
}

static int do_is_domain_introduced(struct req *r)
{
	const char *v[1];
	uint32_t domid;
	int err = domid_args(r, v, 1, &domid);

	if (err)
		return err;
	reply(r, (domid == 0 || xs_store_find_domain(r->view.store, domid)) ? "T" : "F", 2);
	return 0;
}

static int do_resume(struct req *r)
{
	const char *v[1];
	uint32_t domid;
	int err = domid_args(r, v, 1, &domid);

	if (err)
		return err;
	return xs_store_find_domain(r->view.store, domid) ? reply_ok(r) : ENOENT;
}

/* "<domid>\0<target>\0": domid (a device model's domain, say) may act for target. */
static int do_set_target(struct req *r)
{
	const char *v[2];
	uint32_t domid, target;
	struct xs_conn *c;
	int err = domid_args(r, v, 2, &domid);

	if (err)
		return err;
	if (!xs_parse_domid(v[1], &target))
		return EINVAL;
	c = xs_store_find_domain(r->view.store, domid);
	if (!c)
		return ENOENT;
	c->target = target;
	return reply_ok(r);
}

static int do_reset_watches(struct req *r)
{
	xs_watch_free_all(r->conn);
	while (r->conn->txs)
		xs_tx_end(r->conn->txs, false);
	return reply_ok(r);
}

static int do_unsupported(struct req *r)
{
	return ENOSYS;
}

#define PRIV 1u /* privileged connections only */
#define TX 2u   /* works inside a transaction (hdr.tx_id) */

static const struct {
	int (*fn)(struct req *r);
	unsigned flags;
} handlers[XS_TYPE_COUNT] = {
    [XS_CONTROL] = {do_unsupported, 0},
    [XS_DIRECTORY] = {do_directory, TX},
    [XS_READ] = {do_read, TX},
    [XS_GET_PERMS] = {do_get_perms, TX},
    [XS_WATCH] = {do_watch, 0},
    [XS_UNWATCH] = {do_unwatch, 0},
    [XS_TRANSACTION_START] = {do_transaction_start, 0},
    [XS_TRANSACTION_END] = {do_transaction_end, 0},
    [XS_INTRODUCE] = {do_introduce, PRIV},
    [XS_RELEASE] = {do_release, PRIV},
    [XS_GET_DOMAIN_PATH] = {do_get_domain_path, 0},
    [XS_WRITE] = {do_write, TX},
    [XS_MKDIR] = {do_mkdir, TX},
    [XS_RM] = {do_rm, TX},
    [XS_SET_PERMS] = {do_set_perms, TX},
    [XS_IS_DOMAIN_INTRODUCED] = {do_is_domain_introduced, PRIV},
    [XS_RESUME] = {do_resume, PRIV},
    [XS_SET_TARGET] = {do_set_target, PRIV},
    [XS_RESET_WATCHES] = {do_reset_watches, 0},
    [XS_DIRECTORY_PART] = {do_directory_part, TX},
};

static int dispatch(struct req *r)
{
	uint32_t type = r->hdr.type;

	if (type >= XS_TYPE_COUNT || !handlers[type].fn)
		return EINVAL;
	if ((handlers[type].flags & PRIV) && !r->who.privileged)
		return EACCES;
	if ((handlers[type].flags & TX) && r->hdr.tx_id) {
		r->view.tx = xs_tx_find(r->conn, r->hdr.tx_id);
		if (!r->view.tx)
			return ENOENT;
		r->view.tree = &r->view.tx->tree;
	}
	return handlers[type].fn(r);
}

int xs_conn_input(struct xs_conn *conn, const void *msg, size_t len)
{
	struct req r = {.conn = conn, .who = xs_conn_who(conn)};
	int err;

	r.view.store = conn->store;
	r.view.tree = &conn->store->tree;
	if (len < sizeof(r.hdr)) {
		reply_error(conn, &r.hdr, EINVAL);
		return 0;
	}
	memcpy(&r.hdr, msg, sizeof(r.hdr));
	if (r.hdr.len > XENSTORE_PAYLOAD_MAX || r.hdr.len != len - sizeof(r.hdr)) {
		reply_error(conn, &r.hdr, EINVAL);
		return 0;
	}
	r.data = malloc(r.hdr.len + 1);
	if (!r.data) {
		reply_error(conn, &r.hdr, ENOMEM);
		return 0;
	}
	memcpy(r.data, (const uint8_t *)msg + sizeof(r.hdr), r.hdr.len);
	r.data[r.hdr.len] = '\0';
	err = dispatch(&r);
	if (err)
		reply_error(conn, &r.hdr, err);
	free(r.data);
	return 0;
}
