/* A test client for the store daemon: requests in, replies and watch events out. */
#include "test_xenstore_util.h"

struct event events[MAX_EVENTS];
unsigned nevents;

static void record_event(struct xs_conn *c, const struct msg *m)
{
	size_t plen = strnlen(m->body, m->hdr.len);

	assert_true(plen < m->hdr.len);
	assert_int_equal(m->body[m->hdr.len - 1], '\0');
	assert_true(nevents < MAX_EVENTS);
	events[nevents].conn = c;
	snprintf(events[nevents].path, sizeof(events[nevents].path), "%s", m->body);
	snprintf(events[nevents].token, sizeof(events[nevents].token), "%s", m->body + plen + 1);
	nevents++;
}

/* Pops one whole message, taking it in two pieces to exercise partial output. */
static bool pop(struct xs_conn *c, struct msg *m)
{
	const void *data;
	size_t len = xs_conn_output(c, &data), first;

	if (!len)
		return false;
	assert_true(len >= sizeof(m->hdr) && len <= sizeof(*m) - 1);
	first = len / 2;
	memcpy(m, data, first);
	xs_conn_output_done(c, first);
	assert_int_equal(xs_conn_output(c, &data), len - first);
	memcpy((char *)m + first, data, len - first);
	xs_conn_output_done(c, len - first);
	assert_int_equal(m->hdr.len, len - sizeof(m->hdr));
	m->body[m->hdr.len] = '\0';
	return true;
}

void drain(struct xs_conn *c)
{
	struct msg m;

	while (pop(c, &m)) {
		assert_int_equal(m.hdr.type, XS_WATCH_EVENT);
		record_event(c, &m);
	}
}

void clear_events(void)
{
	nevents = 0;
}

unsigned count_events(struct xs_conn *c, const char *path, const char *token)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nevents; i++)
		if (events[i].conn == c && strcmp(events[i].path, path) == 0 &&
		    (!token || strcmp(events[i].token, token) == 0))
			n++;
	return n;
}

struct msg rpc(struct xs_conn *c, uint32_t type, uint32_t tx, const void *payload, size_t len)
{
	static uint32_t req_id = 100;
	uint8_t *buf = malloc(sizeof(struct xsd_sockmsg) + len + 1);
	struct xsd_sockmsg hdr = {.type = type, .req_id = ++req_id, .tx_id = tx, .len = (uint32_t)len};
	struct msg m, reply;
	bool got = false;

	assert_non_null(buf);
	memcpy(buf, &hdr, sizeof(hdr));
	if (len)
		memcpy(buf + sizeof(hdr), payload, len);
	assert_int_equal(xs_conn_input(c, buf, sizeof(hdr) + len), 0);
	free(buf);
	memset(&reply, 0, sizeof(reply));
	while (pop(c, &m)) {
		if (m.hdr.type == XS_WATCH_EVENT) {
			record_event(c, &m);
			continue;
		}
		assert_false(got); /* one reply per request */
		got = true;
		reply = m;
		assert_int_equal(m.hdr.req_id, req_id);
		assert_int_equal(m.hdr.tx_id, tx);
		assert_true(m.hdr.type == type || m.hdr.type == XS_ERROR);
	}
	assert_true(got);
	return reply;
}

struct msg rpcs(struct xs_conn *c, uint32_t type, uint32_t tx, ...)
{
	char buf[XENSTORE_PAYLOAD_MAX * 2];
	size_t len = 0;
	const char *s;
	va_list ap;

	va_start(ap, tx);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t l = strlen(s) + 1;

		assert_true(len + l <= sizeof(buf));
		memcpy(buf + len, s, l);
		len += l;
	}
	va_end(ap);
	return rpc(c, type, tx, buf, len);
}

void expect_ok(struct msg m)
{
	if (m.hdr.type == XS_ERROR)
		fail_msg("expected OK, got %s", m.body);
	assert_int_equal(m.hdr.len, 3);
	assert_string_equal(m.body, "OK");
}

void expect_err(struct msg m, const char *err)
{
	if (m.hdr.type != XS_ERROR)
		fail_msg("expected %s, got a reply of type %u", err, (unsigned)m.hdr.type);
	assert_int_equal(m.hdr.len, strlen(err) + 1);
	assert_string_equal(m.body, err);
}

int x_write(struct xs_conn *c, uint32_t tx, const char *path, const char *value)
{
	char buf[XENSTORE_PAYLOAD_MAX * 2];
	size_t pl = strlen(path) + 1, vl = strlen(value);
	struct msg m;

	memcpy(buf, path, pl);
	memcpy(buf + pl, value, vl);
	m = rpc(c, XS_WRITE, tx, buf, pl + vl);
	if (m.hdr.type == XS_ERROR)
		return -1;
	expect_ok(m);
	return 0;
}

const char *x_read(struct xs_conn *c, uint32_t tx, const char *path, const char **err)
{
	static struct msg m;

	m = rpcs(c, XS_READ, tx, path, NULL);
	if (m.hdr.type == XS_ERROR) {
		if (err)
			*err = m.body;
		return NULL;
	}
	return m.body;
}

uint32_t x_tx_start(struct xs_conn *c)
{
	struct msg m = rpcs(c, XS_TRANSACTION_START, 0, "", NULL);

	assert_int_equal(m.hdr.type, XS_TRANSACTION_START);
	assert_int_equal(m.body[m.hdr.len - 1], '\0');
	return (uint32_t)strtoul(m.body, NULL, 10);
}

struct msg x_tx_end(struct xs_conn *c, uint32_t tx, bool commit)
{
	return rpcs(c, XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL);
}

struct xs_conn *x_introduce(struct xs_conn *dom0, struct xs_store *s, uint32_t domid)
{
	char id[16];

	snprintf(id, sizeof(id), "%u", (unsigned)domid);
	expect_ok(rpcs(dom0, XS_INTRODUCE, 0, id, "1234", "7", NULL));
	assert_non_null(xs_store_find_domain(s, domid));
	return xs_store_find_domain(s, domid);
}
