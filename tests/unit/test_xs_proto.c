/* Unit tests for the xenstore wire protocol (pv-guest/kernel/xs_proto.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pv/os.h>
#include <pv/xs_proto.h>

static struct xenstore_domain_interface ring;

static int setup(void **state)
{
	memset(&ring, 0, sizeof(ring));
	return 0;
}

/* The store's side: puts bytes into the reply ring. */
static void rsp_push(const void *data, size_t len)
{
	const char *p = data;

	for (size_t i = 0; i < len; i++)
		ring.rsp[MASK_XENSTORE_IDX(ring.rsp_prod + i)] = p[i];
	ring.rsp_prod += (XENSTORE_RING_IDX)len;
}

/* The store's side: a whole message into the reply ring (it must fit). */
static void rsp_push_msg(uint32_t type, uint32_t req_id, const void *body, uint32_t len)
{
	struct xsd_sockmsg h = {type, req_id, 0, len};

	rsp_push(&h, sizeof(h));
	rsp_push(body, len);
}

/* The store's side: takes bytes out of the request ring. */
static size_t req_pull(void *buf, size_t len)
{
	char *p = buf;
	size_t n = 0;

	while (n < len && ring.req_cons != ring.req_prod)
		p[n++] = ring.req[MASK_XENSTORE_IDX(ring.req_cons++)];
	return n;
}

/* ---- rings */

static void test_write_simple(void **state)
{
	assert_int_equal(xs_req_space(&ring), XENSTORE_RING_SIZE);
	assert_int_equal(xs_ring_write(&ring, "hello", 5), 5);
	assert_int_equal(ring.req_prod, 5);
	assert_int_equal(ring.req_cons, 0);
	assert_memory_equal(ring.req, "hello", 5);
	assert_int_equal(xs_req_space(&ring), XENSTORE_RING_SIZE - 5);
}

static void test_write_wraps(void **state)
{
	char data[100], out[100];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)i;
	ring.req_cons = ring.req_prod = 1000;
	assert_int_equal(xs_ring_write(&ring, data, sizeof(data)), 100);
	assert_memory_equal(ring.req + 1000, data, 24);
	assert_memory_equal(ring.req, data + 24, 76);
	assert_int_equal(req_pull(out, sizeof(out)), 100);
	assert_memory_equal(out, data, 100);

	/* The 32-bit indexes themselves wrap. */
	ring.req_cons = ring.req_prod = 0xfffffff0u;
	assert_int_equal(xs_ring_write(&ring, data, sizeof(data)), 100);
	assert_int_equal(ring.req_prod, 0x54u);
	assert_int_equal(req_pull(out, sizeof(out)), 100);
	assert_memory_equal(out, data, 100);
}

static void test_write_full_ring(void **state)
{
	static char big[2000], out[2000];

	memset(big, 'x', sizeof(big));
	assert_int_equal(xs_ring_write(&ring, big, sizeof(big)), XENSTORE_RING_SIZE);
	assert_int_equal(xs_req_space(&ring), 0);
	assert_int_equal(xs_ring_write(&ring, big, sizeof(big)), 0);
	assert_int_equal(req_pull(out, 100), 100);
	assert_int_equal(xs_ring_write(&ring, big, sizeof(big)), 100);
	assert_int_equal(ring.req_prod - ring.req_cons, XENSTORE_RING_SIZE);
}

static void test_bad_indexes(void **state)
{
	char buf[8];

	ring.req_prod = XENSTORE_RING_SIZE + 1;
	assert_int_equal(xs_ring_write(&ring, "x", 1), -EIO);
	assert_int_equal(xs_req_space(&ring), 0);
	assert_int_equal(xs_ring_state(&ring), -EIO);
	ring.req_prod = 0;
	ring.rsp_cons = 5; /* consumer ahead of producer: as good as 4 GiB pending */
	assert_int_equal(xs_ring_read(&ring, buf, sizeof(buf)), -EIO);
	assert_int_equal(xs_rsp_avail(&ring), 0);
	assert_int_equal(xs_ring_state(&ring), -EIO);
}

static void test_ring_state(void **state)
{
	assert_int_equal(xs_ring_state(&ring), 0);
	/* Without the feature bits, the fields mean nothing. */
	ring.connection = XENSTORE_RECONNECT;
	ring.error = XENSTORE_ERROR_COMM;
	assert_int_equal(xs_ring_state(&ring), 0);
	ring.server_features = XENSTORE_SERVER_FEATURE_RECONNECTION;
	assert_int_equal(xs_ring_state(&ring), -EAGAIN);
	ring.connection = XENSTORE_CONNECTED;
	assert_int_equal(xs_ring_state(&ring), 0);
	ring.server_features |= XENSTORE_SERVER_FEATURE_ERROR;
	assert_int_equal(xs_ring_state(&ring), -EIO);
	ring.error = XENSTORE_ERROR_NONE;
	assert_int_equal(xs_ring_state(&ring), 0);
}

static void test_read_partial_and_wrap(void **state)
{
	char buf[16];

	ring.rsp_cons = ring.rsp_prod = XENSTORE_RING_SIZE - 3;
	rsp_push("abcdef", 6);
	assert_int_equal(xs_rsp_avail(&ring), 6);
	assert_int_equal(xs_ring_read(&ring, buf, 2), 2);
	assert_memory_equal(buf, "ab", 2);
	assert_int_equal(xs_ring_read(&ring, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "cdef", 4);
	assert_int_equal(xs_ring_read(&ring, buf, sizeof(buf)), 0);
	assert_int_equal(ring.rsp_cons, ring.rsp_prod);
}

/* ---- the reader */

static void test_reader_whole_message(void **state)
{
	struct xs_reader *r = malloc(sizeof(*r));

	xs_reader_init(r);
	assert_int_equal(xs_reader_poll(r, &ring), 0);
	rsp_push_msg(XS_READ, 7, "value", 5);
	assert_int_equal(xs_reader_poll(r, &ring), 1);
	assert_int_equal(r->hdr.type, XS_READ);
	assert_int_equal(r->hdr.req_id, 7);
	assert_int_equal(r->hdr.len, 5);
	assert_string_equal(r->body, "value");
	assert_false(r->oversize);
	assert_int_equal(xs_reader_poll(r, &ring), 0);
	assert_false(r->complete);
	free(r);
}

static void test_reader_byte_by_byte(void **state)
{
	struct xs_reader *r = malloc(sizeof(*r));
	struct xsd_sockmsg h = {XS_DIRECTORY, 3, 0, 6};
	char msg[sizeof(h) + 6];

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), "a\0bc\0\0", 6);
	xs_reader_init(r);
	ring.rsp_cons = ring.rsp_prod = XENSTORE_RING_SIZE - 10; /* the header wraps too */
	for (size_t i = 0; i < sizeof(msg) - 1; i++) {
		rsp_push(msg + i, 1);
		assert_int_equal(xs_reader_poll(r, &ring), 0);
	}
	rsp_push(msg + sizeof(msg) - 1, 1);
	assert_int_equal(xs_reader_poll(r, &ring), 1);
	assert_int_equal(r->hdr.req_id, 3);
	assert_memory_equal(r->body, "a\0bc\0\0", 6);
	free(r);
}

static void test_reader_back_to_back(void **state)
{
	struct xs_reader *r = malloc(sizeof(*r));

	xs_reader_init(r);
	rsp_push_msg(XS_WRITE, 1, "OK", 3);
	rsp_push_msg(XS_WATCH_EVENT, 0, "a/b\0tok", 8);
	rsp_push_msg(XS_ERROR, 2, "ENOENT", 7);
	assert_int_equal(xs_reader_poll(r, &ring), 1);
	assert_int_equal(r->hdr.type, XS_WRITE);
	assert_int_equal(xs_reader_poll(r, &ring), 1);
	assert_int_equal(r->hdr.type, XS_WATCH_EVENT);
	assert_int_equal(xs_reader_poll(r, &ring), 1);
	assert_int_equal(r->hdr.type, XS_ERROR);
	assert_int_equal(xs_parse_error(r->body, r->hdr.len), -ENOENT);
	assert_int_equal(xs_reader_poll(r, &ring), 0);
	free(r);
}

/* A payload of XENSTORE_PAYLOAD_MAX, four times the ring, arrives a ring's worth at a time. */
static void test_reader_max_payload(void **state)
{
	struct xs_reader *r = malloc(sizeof(*r));
	static char body[XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h = {XS_READ, 9, 0, sizeof(body)};
	size_t off = 0, polls = 0;
	int rc = 0;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)('a' + i % 26);
	xs_reader_init(r);
	ring.rsp_cons = ring.rsp_prod = 100;
	rsp_push(&h, sizeof(h));
	while (off < sizeof(body)) {
		size_t n = MIN(sizeof(body) - off, (size_t)(XENSTORE_RING_SIZE - (ring.rsp_prod - ring.rsp_cons)));

		rsp_push(body + off, n);
		off += n;
		rc = xs_reader_poll(r, &ring);
		polls++;
		if (off < sizeof(body))
			assert_int_equal(rc, 0);
	}
	assert_int_equal(rc, 1);
	assert_true(polls >= 4);
	assert_memory_equal(r->body, body, sizeof(body));
	assert_int_equal(r->body[sizeof(body)], '\0');
	free(r);
}

static void test_reader_oversize_skipped(void **state)
{
	struct xs_reader *r = malloc(sizeof(*r));
	struct xsd_sockmsg h = {XS_READ, 4, 0, XENSTORE_PAYLOAD_MAX + 1};
	static char junk[XENSTORE_PAYLOAD_MAX + 1];
	size_t off = 0;
	int rc = 0;

	memset(junk, 'j', sizeof(junk));
	xs_reader_init(r);
	rsp_push(&h, sizeof(h));
	while (off < sizeof(junk)) {
		size_t n = MIN(sizeof(junk) - off, (size_t)(XENSTORE_RING_SIZE - (ring.rsp_prod - ring.rsp_cons)));

		rsp_push(junk + off, n);
		off += n;
		rc = xs_reader_poll(r, &ring);
	}
	assert_int_equal(rc, 1);
	assert_true(r->oversize);
	assert_int_equal(xs_reply_check(&r->hdr, r->body, XS_READ), -EIO);
	/* The stream stays in step: the next message is intact. */
	rsp_push_msg(XS_READ, 5, "ok", 2);
	assert_int_equal(xs_reader_poll(r, &ring), 1);
	assert_false(r->oversize);
	assert_int_equal(r->hdr.req_id, 5);
	assert_string_equal(r->body, "ok");

	/* A 4 GiB length is skipped as far as the ring goes, without harm. */
	h.len = 0xffffffffu;
	rsp_push(&h, sizeof(h));
	rsp_push(junk, 500);
	assert_int_equal(xs_reader_poll(r, &ring), 0);
	assert_true(r->oversize);
	assert_int_equal(xs_rsp_avail(&ring), 0);
	free(r);
}

static void test_reader_bad_ring(void **state)
{
	struct xs_reader *r = malloc(sizeof(*r));

	xs_reader_init(r);
	ring.rsp_prod = 5000;
	assert_int_equal(xs_reader_poll(r, &ring), -EIO);
	free(r);
}

/* ---- requests */

static void test_encode_write(void **state)
{
	struct xs_msg *m = malloc(sizeof(*m));
	struct xs_msg *back = malloc(sizeof(*back));

	xs_msg_init(m, XS_WRITE, 12);
	assert_int_equal(xs_msg_add_str(m, "device/vif/0/state"), 0);
	assert_int_equal(xs_msg_add(m, "4", 1), 0);
	m->hdr.req_id = 77;
	assert_int_equal(m->hdr.len, 20);
	assert_int_equal(xs_msg_size(m), sizeof(struct xsd_sockmsg) + 20);
	/* Through the ring, as the store would see it. */
	assert_int_equal(xs_ring_write(&ring, m, xs_msg_size(m)), (int)xs_msg_size(m));
	assert_int_equal(req_pull(back, sizeof(*back)), xs_msg_size(m));
	assert_int_equal(back->hdr.type, XS_WRITE);
	assert_int_equal(back->hdr.req_id, 77);
	assert_int_equal(back->hdr.tx_id, 12);
	assert_memory_equal(back->body,
			    "device/vif/0/state\0"
			    "4",
			    20);
	free(m);
	free(back);
}

static void test_encode_limit(void **state)
{
	struct xs_msg *m = malloc(sizeof(*m));
	static char big[XENSTORE_PAYLOAD_MAX + 1];

	memset(big, 'p', sizeof(big));
	xs_msg_init(m, XS_WRITE, 0);
	assert_int_equal(xs_msg_add(m, big, XENSTORE_PAYLOAD_MAX + 1), -E2BIG);
	assert_int_equal(m->hdr.len, 0);
	assert_int_equal(xs_msg_add(m, big, XENSTORE_PAYLOAD_MAX - 1), 0);
	assert_int_equal(xs_msg_add_str(m, "x"), -E2BIG);
	assert_int_equal(xs_msg_add_str(m, ""), 0);
	assert_int_equal(m->hdr.len, XENSTORE_PAYLOAD_MAX);
	assert_int_equal(xs_msg_add(m, "", 1), -E2BIG);
	free(m);
}

static void test_encode_perms(void **state)
{
	struct xs_msg *m = malloc(sizeof(*m));

	xs_msg_init(m, XS_SET_PERMS, 0);
	assert_int_equal(xs_msg_add_str(m, "data"), 0);
	assert_int_equal(xs_msg_add_perms(m, " n0  r5 w7 "), 0);
	assert_int_equal(m->hdr.len, 5 + 9);
	assert_memory_equal(m->body, "data\0n0\0r5\0w7\0", 14);
	assert_int_equal(xs_msg_add_perms(m, "   "), -EINVAL);
	assert_int_equal(m->hdr.len, 14);
	free(m);
}

static void test_req_ids(void **state)
{
	uint32_t c = 0;

	assert_int_equal(xs_next_req_id(&c), 1);
	assert_int_equal(xs_next_req_id(&c), 2);
	c = UINT32_MAX - 1;
	assert_int_equal(xs_next_req_id(&c), UINT32_MAX);
	assert_int_equal(xs_next_req_id(&c), 1); /* 0 is skipped */
}

/* ---- replies */

static void test_error_mapping(void **state)
{
	char buf[32];

	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
		size_t l = strlen(xsd_errors[i].errstring) + 1;

		memcpy(buf, xsd_errors[i].errstring, l);
		assert_int_equal(xs_parse_error(buf, (uint32_t)l), -xsd_errors[i].errnum);
	}
	assert_int_equal(xs_parse_error("ENOENT", 7), -ENOENT);
	assert_int_equal(xs_parse_error("EAGAIN", 7), -EAGAIN);
	assert_int_equal(xs_parse_error("EWHATEVER", 10), -EINVAL);
	assert_int_equal(xs_parse_error("ENOENT", 6), -EIO); /* no NUL */
	assert_int_equal(xs_parse_error("", 0), -EIO);
	assert_int_equal(xs_parse_error("ENOENT", XENSTORE_PAYLOAD_MAX + 1), -EIO);
}

static void test_reply_check(void **state)
{
	struct xsd_sockmsg h = {XS_WRITE, 1, 0, 3};

	assert_int_equal(xs_reply_check(&h, "OK", XS_WRITE), 0);
	assert_int_equal(xs_reply_check(&h, "OK", XS_READ), -EIO);
	h.type = XS_ERROR;
	h.len = 7;
	assert_int_equal(xs_reply_check(&h, "EACCES", XS_WRITE), -EACCES);
	h.len = 6;
	assert_int_equal(xs_reply_check(&h, "EACCES", XS_WRITE), -EIO);
	h.type = XS_INVALID;
	h.len = 0;
	assert_int_equal(xs_reply_check(&h, "", XS_WRITE), -EIO);
	h.type = XS_WRITE;
	h.len = XENSTORE_PAYLOAD_MAX + 1;
	assert_int_equal(xs_reply_check(&h, "", XS_WRITE), -EIO);
}

static void test_parse_read(void **state)
{
	char *v;

	assert_int_equal(xs_parse_read("4", 1, &v), 0);
	assert_string_equal(v, "4");
	free(v);
	assert_int_equal(xs_parse_read("", 0, &v), 0);
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(xs_parse_read("a\0b", 3, &v), 0); /* values may hold NULs */
	assert_memory_equal(v, "a\0b\0", 4);
	free(v);
	assert_int_equal(xs_parse_read("", XENSTORE_PAYLOAD_MAX + 1, &v), -EIO);
}

static void test_parse_directory(void **state)
{
	char **names;
	unsigned int n;

	assert_int_equal(xs_parse_directory("a\0bb\0ccc\0", 9, &names, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "bb");
	assert_string_equal(names[2], "ccc");
	xs_free_names(names, n);

	assert_int_equal(xs_parse_directory("", 0, &names, &n), 0);
	assert_int_equal(n, 0);
	assert_null(names);
	assert_int_equal(xs_parse_directory("", 1, &names, &n), 0);
	assert_int_equal(n, 0);
	xs_free_names(names, n);

	assert_int_equal(xs_parse_directory("a\0bb", 4, &names, &n), -EIO);
	assert_int_equal(n, 0);
	assert_null(names);
	assert_int_equal(xs_parse_directory("a\0\0b\0", 5, &names, &n), -EIO);
	assert_int_equal(xs_parse_directory("\0a\0", 3, &names, &n), -EIO);
	assert_int_equal(xs_parse_directory("a", XENSTORE_PAYLOAD_MAX + 1, &names, &n), -EIO);
}

static void test_parse_watch_event(void **state)
{
	const char *path, *token;

	assert_int_equal(xs_parse_watch_event("device/vif\0mica-1\0", 18, &path, &token), 0);
	assert_string_equal(path, "device/vif");
	assert_string_equal(token, "mica-1");
	/* Later fields, if a store sends any, are ignored. */
	assert_int_equal(xs_parse_watch_event("p\0t\0x\0", 6, &path, &token), 0);
	assert_string_equal(token, "t");
	assert_int_equal(xs_parse_watch_event("p\0t", 3, &path, &token), -EIO);
	assert_int_equal(xs_parse_watch_event("p\0", 2, &path, &token), -EIO);
	assert_int_equal(xs_parse_watch_event("\0t\0", 3, &path, &token), -EIO);
	assert_int_equal(xs_parse_watch_event("", 0, &path, &token), -EIO);
	assert_int_equal(xs_parse_watch_event("p\0t\0", XENSTORE_PAYLOAD_MAX + 1, &path, &token), -EIO);
}

static void test_parse_transaction_id(void **state)
{
	uint32_t id = 99;

	assert_int_equal(xs_parse_transaction_id("17", 3, &id), 0);
	assert_int_equal(id, 17);
	assert_int_equal(xs_parse_transaction_id("4294967295", 11, &id), 0);
	assert_int_equal(id, UINT32_MAX);
	id = 99;
	assert_int_equal(xs_parse_transaction_id("4294967296", 11, &id), -EIO);
	assert_int_equal(xs_parse_transaction_id("0", 2, &id), -EIO);
	assert_int_equal(xs_parse_transaction_id("12a", 4, &id), -EIO);
	assert_int_equal(xs_parse_transaction_id("+1", 3, &id), -EIO);
	assert_int_equal(xs_parse_transaction_id("", 1, &id), -EIO);
	assert_int_equal(xs_parse_transaction_id("17", 2, &id), -EIO);
	assert_int_equal(xs_parse_transaction_id("00000000001", 12, &id), -EIO);
	assert_int_equal(id, 99);
}

static void test_parse_perms(void **state)
{
	char *p;

	assert_int_equal(xs_parse_perms("n0\0r5\0", 6, &p), 0);
	assert_string_equal(p, "n0 r5");
	free(p);
	assert_int_equal(xs_parse_perms("b3\0", 3, &p), 0);
	assert_string_equal(p, "b3");
	free(p);
	assert_int_equal(xs_parse_perms("n0\0r5", 5, &p), -EIO);
	assert_int_equal(xs_parse_perms("n0\0\0r5\0", 7, &p), -EIO);
	assert_int_equal(xs_parse_perms("\0", 1, &p), -EIO);
	assert_int_equal(xs_parse_perms("", 0, &p), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_write_simple, setup),
	    cmocka_unit_test_setup(test_write_wraps, setup),
	    cmocka_unit_test_setup(test_write_full_ring, setup),
	    cmocka_unit_test_setup(test_bad_indexes, setup),
	    cmocka_unit_test_setup(test_ring_state, setup),
	    cmocka_unit_test_setup(test_read_partial_and_wrap, setup),
	    cmocka_unit_test_setup(test_reader_whole_message, setup),
	    cmocka_unit_test_setup(test_reader_byte_by_byte, setup),
	    cmocka_unit_test_setup(test_reader_back_to_back, setup),
	    cmocka_unit_test_setup(test_reader_max_payload, setup),
	    cmocka_unit_test_setup(test_reader_oversize_skipped, setup),
	    cmocka_unit_test_setup(test_reader_bad_ring, setup),
	    cmocka_unit_test_setup(test_encode_write, setup),
	    cmocka_unit_test_setup(test_encode_limit, setup),
	    cmocka_unit_test_setup(test_encode_perms, setup),
	    cmocka_unit_test_setup(test_req_ids, setup),
	    cmocka_unit_test_setup(test_error_mapping, setup),
	    cmocka_unit_test_setup(test_reply_check, setup),
	    cmocka_unit_test_setup(test_parse_read, setup),
	    cmocka_unit_test_setup(test_parse_directory, setup),
	    cmocka_unit_test_setup(test_parse_watch_event, setup),
	    cmocka_unit_test_setup(test_parse_transaction_id, setup),
	    cmocka_unit_test_setup(test_parse_perms, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
