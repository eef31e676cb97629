/* Unit tests for the server side of the xenstore ring: partial messages, wrap-around, bad indexes. */
#include "test_xenstore_util.h"

static struct xenstore_domain_interface ring;

/* The guest's side: put bytes on req[], take bytes from rsp[]. */
static size_t guest_put(const void *data, size_t len)
{
	size_t i;

	for (i = 0; i < len && ring.req_prod - ring.req_cons < XENSTORE_RING_SIZE; i++)
		ring.req[MASK_XENSTORE_IDX(ring.req_prod++)] = ((const char *)data)[i];
	return i;
}

static size_t guest_get(void *data, size_t len)
{
	size_t i;

	for (i = 0; i < len && ring.rsp_cons != ring.rsp_prod; i++)
		((char *)data)[i] = ring.rsp[MASK_XENSTORE_IDX(ring.rsp_cons++)];
	return i;
}

static size_t make_req(uint8_t *buf, uint32_t type, uint32_t id, const char *a, const char *b)
{
	struct xsd_sockmsg hdr = {.type = type, .req_id = id};
	size_t al = strlen(a) + 1, bl = b ? strlen(b) : 0;

	hdr.len = (uint32_t)(al + bl);
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), a, al);
	if (b)
		memcpy(buf + sizeof(hdr) + al, b, bl);
	return sizeof(hdr) + al + bl;
}

static void start_at(uint32_t idx)
{
	memset(&ring, 0, sizeof(ring));
	ring.req_cons = ring.req_prod = ring.rsp_cons = ring.rsp_prod = idx;
}

static void test_read_partial_and_wrap(void **state)
{
	static struct xs_ring_reader rd;
	uint8_t buf[256];
	const void *msg;
	size_t len, n;

	memset(&rd, 0, sizeof(rd));
	start_at(UINT32_MAX - 20); /* the indexes wrap around 2^32 too */
	n = make_req(buf, XS_READ, 7, "/some/path", NULL);
	for (size_t i = 0; i < n - 1; i++) {
		assert_int_equal(guest_put(buf + i, 1), 1);
		assert_int_equal(xs_ring_read_msg(&ring, &rd, &msg, &len), 0); /* one byte at a time: not yet */
	}
	guest_put(buf + n - 1, 1);
	assert_int_equal(xs_ring_read_msg(&ring, &rd, &msg, &len), 1);
	assert_int_equal(len, n);
	assert_memory_equal(msg, buf, n);
	assert_int_equal(ring.req_cons, ring.req_prod);
	assert_int_equal(xs_ring_read_msg(&ring, &rd, &msg, &len), 0);
	/* Several messages in one go, across the end of req[]. */
	start_at(XENSTORE_RING_SIZE - 10);
	memset(&rd, 0, sizeof(rd));
	guest_put(buf, n);
	guest_put(buf, n);
	assert_int_equal(xs_ring_read_msg(&ring, &rd, &msg, &len), 1);
	assert_memory_equal(msg, buf, n);
	assert_int_equal(xs_ring_read_msg(&ring, &rd, &msg, &len), 1);
	assert_memory_equal(msg, buf, n);
	assert_int_equal(xs_ring_read_msg(&ring, &rd, &msg, &len), 0);
}

static void test_read_large_message(void **state)
{
	static struct xs_ring_reader rd;
	static uint8_t buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg hdr = {.type = XS_WRITE, .len = XENSTORE_PAYLOAD_MAX};
	size_t off = 0, total = sizeof(buf);
	const void *msg;
	size_t len;
	int got = 0;

	memset(&rd, 0, sizeof(rd));
	start_at(123);
	memcpy(buf, &hdr, sizeof(hdr));
	for (size_t i = sizeof(hdr); i < total; i++)
		buf[i] = (uint8_t)i;
	/* Bigger than the ring: the guest refills as the server drains. */
	while (!got) {
		off += guest_put(buf + off, total - off);
		got = xs_ring_read_msg(&ring, &rd, &msg, &len);
		assert_true(got >= 0);
	}
	assert_int_equal(off, total);
	assert_int_equal(len, total);
	assert_memory_equal(msg, buf, total);
}

static void test_read_errors(void **state)
{
	static struct xs_ring_reader rd;
	struct xsd_sockmsg hdr = {.type = XS_WRITE, .len = XENSTORE_PAYLOAD_MAX + 1};
	const void *msg;
	size_t len;

	memset(&rd, 0, sizeof(rd));
	start_at(0);
	xs_ring_init_server(&ring);
	assert_true(ring.server_features & XENSTORE_SERVER_FEATURE_ERROR);
	guest_put(&hdr, sizeof(hdr));
	assert_int_equal(xs_ring_read_msg(&ring, &rd, &msg, &len), -1);
	assert_int_equal(ring.error, XENSTORE_ERROR_PROTO);
	assert_int_equal(xs_ring_read_msg(&ring, &rd, &msg, &len), -1); /* stays broken */
	/* A producer index too far ahead. */
	memset(&rd, 0, sizeof(rd));
	start_at(0);
	ring.req_prod = XENSTORE_RING_SIZE + 1;
	assert_int_equal(xs_ring_read_msg(&ring, &rd, &msg, &len), -1);
	assert_int_equal(ring.error, XENSTORE_ERROR_RINGIDX);
	/* A bad consumer index on the response side. */
	start_at(0);
	ring.rsp_cons = 5000;
	assert_int_equal(xsd_ring_write(&ring, "abc", 3), 0);
	assert_int_equal(ring.error, XENSTORE_ERROR_RINGIDX);
}

static void test_write_wrap_and_full(void **state)
{
	char in[2 * XENSTORE_RING_SIZE], out[2 * XENSTORE_RING_SIZE];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7);
	start_at(UINT32_MAX - 500);
	assert_int_equal(xsd_ring_write(&ring, in, 700), 700);
	assert_int_equal(xsd_ring_write(&ring, in + 700, 700), XENSTORE_RING_SIZE - 700); /* full */
	assert_int_equal(xsd_ring_write(&ring, in, 1), 0);
	assert_int_equal(guest_get(out, 800), 800);
	assert_int_equal(xsd_ring_write(&ring, in + 1024, 800), 800);
	assert_int_equal(guest_get(out + 800, sizeof(out)), XENSTORE_RING_SIZE);
	assert_memory_equal(out, in, 1824);
}

static void test_pump(void **state)
{
	static struct xs_ring_reader rd;
	struct xs_store *s = xs_store_create(NULL, NULL);
	struct xs_conn *d0 = xs_conn_create(s, 0);
	uint8_t buf[256], rsp[4096];
	struct xsd_sockmsg hdr;
	size_t n, got = 0;
	bool kick;
	struct xs_quota q;

	memset(&rd, 0, sizeof(rd));
	start_at(1000);
	n = make_req(buf, XS_WRITE, 1, "/k", "value");
	guest_put(buf, n);
	n = make_req(buf, XS_READ, 2, "/k", NULL);
	guest_put(buf, n);
	assert_int_equal(xs_ring_pump(&ring, &rd, d0, &kick), 0);
	assert_true(kick);
	got = guest_get(rsp, sizeof(rsp));
	memcpy(&hdr, rsp, sizeof(hdr));
	assert_int_equal(hdr.req_id, 1);
	assert_int_equal(hdr.type, XS_WRITE);
	memcpy(&hdr, rsp + sizeof(hdr) + 3, sizeof(hdr));
	assert_int_equal(hdr.req_id, 2);
	assert_int_equal(hdr.len, 5);
	assert_memory_equal(rsp + 2 * sizeof(hdr) + 3, "value", 5);
	assert_int_equal(got, 2 * sizeof(hdr) + 3 + 5);
	assert_int_equal(xs_ring_pump(&ring, &rd, d0, &kick), 0);
	assert_false(kick);
	/* The guest does not read replies: they wait in the queue, and an unprivileged domain's
	 * requests wait on the ring once its queue is full. */
	xs_store_get_quota(s, &q);
	q.outq = 2;
	xs_store_set_quota(s, &q);
	struct xs_conn *d1 = xs_conn_create(s, 1);
	memset(&rd, 0, sizeof(rd));
	start_at(0);
	n = make_req(buf, XS_GET_DOMAIN_PATH, 3, "1", NULL);
	for (int i = 0; i < 60; i++)
		guest_put(buf, n);
	assert_int_equal(xs_ring_pump(&ring, &rd, d1, &kick), 0);
	assert_true(ring.req_cons != ring.req_prod);
	assert_true(xs_conn_output_full(d1));
	for (int i = 0; i < 100 && ring.req_cons != ring.req_prod; i++) {
		got = guest_get(rsp, sizeof(rsp));
		assert_int_equal(xs_ring_pump(&ring, &rd, d1, &kick), 0);
	}
	assert_int_equal(ring.req_cons, ring.req_prod);
	xs_store_destroy(s);
}

int run_ring_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_partial_and_wrap),
	    cmocka_unit_test(test_read_large_message),
	    cmocka_unit_test(test_read_errors),
	    cmocka_unit_test(test_write_wrap_and_full),
	    cmocka_unit_test(test_pump),
	};

	return cmocka_run_group_tests_name("xenstore ring", tests, NULL, NULL);
}
