/* Unit tests for the store daemon's transactions (conflict detection) and per-domain quotas. */
#include "test_xenstore_util.h"

static struct xs_store *s;
static struct xs_conn *d0, *d1, *d2;

static int setup(void **state)
{
	s = xs_store_create(NULL, NULL);
	d0 = xs_conn_create(s, 0);
	d1 = x_introduce(d0, s, 1);
	d2 = x_introduce(d0, s, 2);
	clear_events();
	return 0;
}

static int teardown(void **state)
{
	xs_store_destroy(s);
	return 0;
}

static void test_tx_isolation_and_commit(void **state)
{
	uint32_t t;
	const char *err;

	assert_int_equal(x_write(d0, 0, "/x/a", "old"), 0);
	expect_ok(rpcs(d2, XS_WATCH, 0, "/", "w", NULL)); /* d2 may not read /x: hears nothing */
	expect_ok(rpcs(d0, XS_WATCH, 0, "/x", "w", NULL));
	t = x_tx_start(d0);
	assert_int_not_equal(t, 0);
	clear_events();
	assert_int_equal(x_write(d0, t, "/x/a", "new"), 0);
	assert_int_equal(x_write(d0, t, "/x/b/c", "created"), 0);
	expect_ok(rpcs(d0, XS_RM, t, "/x/gone", NULL));
	assert_string_equal(x_read(d0, t, "/x/a", NULL), "new");
	assert_string_equal(x_read(d0, 0, "/x/a", NULL), "old"); /* outside: unchanged */
	assert_null(x_read(d0, 0, "/x/b/c", &err));
	assert_int_equal(nevents, 0); /* no events before commit */
	expect_ok(x_tx_end(d0, t, true));
	assert_string_equal(x_read(d0, 0, "/x/a", NULL), "new");
	assert_string_equal(x_read(d0, 0, "/x/b/c", NULL), "created");
	assert_int_equal(count_events(d0, "/x/a", "w"), 1);
	assert_int_equal(count_events(d0, "/x/b/c", "w"), 1);
	drain(d2);
	assert_int_equal(count_events(d2, "/x/a", NULL), 0);
	/* The transaction is gone. */
	expect_err(x_tx_end(d0, t, true), "ENOENT");
	expect_err(rpcs(d0, XS_READ, t, "/x/a", NULL), "ENOENT");
}

static void test_tx_abort(void **state)
{
	uint32_t t = x_tx_start(d1);
	const char *err;

	assert_int_equal(x_write(d1, t, "data", "1"), 0);
	expect_ok(rpcs(d1, XS_MKDIR, t, "dir", NULL));
	expect_ok(x_tx_end(d1, t, false));
	assert_null(x_read(d1, 0, "data", &err));
	assert_string_equal(err, "ENOENT");
	assert_int_equal(xs_store_nodes_owned(s, 1), 1); /* just its home */
}

static void test_tx_conflicts(void **state)
{
	uint32_t t;

	assert_int_equal(x_write(d0, 0, "/c/a", "1"), 0);
	assert_int_equal(x_write(d0, 0, "/c/b", "1"), 0);

	/* A node the transaction read changed: EAGAIN, and nothing of it lands. */
	t = x_tx_start(d0);
	assert_string_equal(x_read(d0, t, "/c/a", NULL), "1");
	assert_int_equal(x_write(d0, t, "/c/b", "tx"), 0);
	assert_int_equal(x_write(d2 == NULL ? d0 : d0, 0, "/c/a", "2"), 0);
	expect_err(x_tx_end(d0, t, true), "EAGAIN");
	assert_string_equal(x_read(d0, 0, "/c/b", NULL), "1");
	expect_err(x_tx_end(d0, t, true), "ENOENT"); /* ended by the failure */

	/* A node the transaction wrote changed. */
	t = x_tx_start(d0);
	assert_int_equal(x_write(d0, t, "/c/b", "tx"), 0);
	assert_int_equal(x_write(d0, 0, "/c/b", "other"), 0);
	expect_err(x_tx_end(d0, t, true), "EAGAIN");
	assert_string_equal(x_read(d0, 0, "/c/b", NULL), "other");

	/* Unrelated changes do not conflict. */
	t = x_tx_start(d0);
	assert_int_equal(x_write(d0, t, "/c/b", "tx"), 0);
	assert_int_equal(x_write(d0, 0, "/c/a", "3"), 0);
	assert_int_equal(x_write(d0, 0, "/elsewhere", "3"), 0);
	expect_ok(x_tx_end(d0, t, true));
	assert_string_equal(x_read(d0, 0, "/c/b", NULL), "tx");
	assert_string_equal(x_read(d0, 0, "/c/a", NULL), "3");

	/* The transaction saw a node missing; somebody created it. */
	t = x_tx_start(d0);
	assert_null(x_read(d0, t, "/c/new", NULL));
	assert_int_equal(x_write(d0, t, "/c/other", "x"), 0);
	assert_int_equal(x_write(d0, 0, "/c/new", "x"), 0);
	expect_err(x_tx_end(d0, t, true), "EAGAIN");

	/* Both create the same node. */
	t = x_tx_start(d0);
	assert_int_equal(x_write(d0, t, "/c/same", "tx"), 0);
	assert_int_equal(x_write(d0, 0, "/c/same", "out"), 0);
	expect_err(x_tx_end(d0, t, true), "EAGAIN");

	/* A listed directory got a new child. */
	t = x_tx_start(d0);
	rpcs(d0, XS_DIRECTORY, t, "/c", NULL);
	assert_int_equal(x_write(d0, t, "/elsewhere", "tx"), 0);
	expect_ok(rpcs(d0, XS_MKDIR, 0, "/c/kid", NULL));
	expect_err(x_tx_end(d0, t, true), "EAGAIN");

	/* A node's permissions changed. */
	t = x_tx_start(d0);
	rpcs(d0, XS_GET_PERMS, t, "/c/a", NULL);
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/c/a", "r0", NULL));
	expect_err(x_tx_end(d0, t, true), "EAGAIN");

	/* A removed subtree gained a grandchild. */
	assert_int_equal(x_write(d0, 0, "/c/tree/child/leaf", "x"), 0);
	t = x_tx_start(d0);
	expect_ok(rpcs(d0, XS_RM, t, "/c/tree", NULL));
	assert_int_equal(x_write(d0, 0, "/c/tree/child/leaf2", "x"), 0);
	expect_err(x_tx_end(d0, t, true), "EAGAIN");
	assert_string_equal(x_read(d0, 0, "/c/tree/child/leaf2", NULL), "x");

	/* Two transactions of two domains on one node: the first to commit wins. */
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/c/b", "b0", NULL));
	uint32_t t1 = x_tx_start(d1), t2 = x_tx_start(d2);
	assert_int_not_equal(t1, t2);
	assert_int_equal(x_write(d1, t1, "/c/b", "one"), 0);
	assert_int_equal(x_write(d2, t2, "/c/b", "two"), 0);
	expect_err(rpcs(d1, XS_TRANSACTION_END, t2, "T", NULL), "ENOENT"); /* not its transaction */
	expect_ok(x_tx_end(d2, t2, true));
	expect_err(x_tx_end(d1, t1, true), "EAGAIN");
	assert_string_equal(x_read(d0, 0, "/c/b", NULL), "two");
}

static void test_tx_rm_and_recreate(void **state)
{
	uint32_t t;
	struct msg m;
	const char *err;

	assert_int_equal(x_write(d0, 0, "/r/a/old1", "1"), 0);
	assert_int_equal(x_write(d0, 0, "/r/a/old2/deep", "1"), 0);
	expect_ok(rpcs(d0, XS_WATCH, 0, "/r/a/old2/deep", "deep", NULL));
	t = x_tx_start(d0);
	expect_ok(rpcs(d0, XS_RM, t, "/r/a", NULL));
	assert_int_equal(x_write(d0, t, "/r/a/new", "n"), 0);
	m = rpcs(d0, XS_DIRECTORY, t, "/r/a", NULL);
	assert_int_equal(m.hdr.len, 4);
	clear_events();
	expect_ok(x_tx_end(d0, t, true));
	m = rpcs(d0, XS_DIRECTORY, 0, "/r/a", NULL);
	assert_int_equal(m.hdr.len, 4);
	assert_memory_equal(m.body, "new\0", 4);
	assert_null(x_read(d0, 0, "/r/a/old2/deep", &err));
	assert_int_equal(count_events(d0, "/r/a/old2/deep", "deep"), 1);
	/* Removed in a transaction, and created and removed in one. */
	t = x_tx_start(d0);
	expect_ok(rpcs(d0, XS_RM, t, "/r/a/new", NULL));
	assert_int_equal(x_write(d0, t, "/r/tmp", "t"), 0);
	expect_ok(rpcs(d0, XS_RM, t, "/r/tmp", NULL));
	expect_ok(x_tx_end(d0, t, true));
	assert_null(x_read(d0, 0, "/r/a/new", &err));
	assert_null(x_read(d0, 0, "/r/tmp", &err));
	assert_int_equal(rpcs(d0, XS_DIRECTORY, 0, "/r/a", NULL).hdr.len, 0);
}

static void test_tx_perms_and_errors(void **state)
{
	uint32_t t = x_tx_start(d1);
	struct msg m;

	/* Permissions hold inside transactions too. */
	assert_int_equal(x_write(d1, t, "/local/domain/2/x", "1"), -1);
	expect_err(rpcs(d1, XS_READ, t, "/", NULL), "EACCES");
	assert_int_equal(x_write(d1, t, "mine/a", "1"), 0);
	expect_ok(rpcs(d1, XS_SET_PERMS, t, "mine/a", "n1", "r2", NULL));
	m = rpcs(d1, XS_GET_PERMS, t, "mine/a", NULL);
	assert_memory_equal(m.body, "n1\0r2\0", 6);
	expect_err(rpcs(d1, XS_TRANSACTION_START, t, "", NULL), "EBUSY");
	expect_err(rpcs(d1, XS_TRANSACTION_END, t, "X", NULL), "EINVAL");
	expect_err(rpcs(d1, XS_TRANSACTION_END, 0, "T", NULL), "ENOENT");
	expect_err(rpcs(d1, XS_READ, 999, "mine/a", NULL), "ENOENT");
	expect_ok(x_tx_end(d1, t, true));
	m = rpcs(d2, XS_READ, 0, "/local/domain/1/mine/a", NULL);
	assert_string_equal(m.body, "1");
	m = rpcs(d0, XS_GET_PERMS, 0, "/local/domain/1/mine/a", NULL);
	assert_memory_equal(m.body, "n1\0r2\0", 6);
	/* Watches are not transactional: tx_id is ignored. */
	expect_ok(rpcs(d1, XS_WATCH, 5, "mine", "w", NULL));
}

static void test_quota_nodes(void **state)
{
	struct xs_quota q;
	char path[64];
	uint32_t t;

	xs_store_get_quota(s, &q);
	assert_int_equal(q.nodes, 1000);
	q.nodes = 10;
	xs_store_set_quota(s, &q);
	/* Home counts: 9 more. */
	for (int i = 0; i < 9; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		assert_int_equal(x_write(d1, 0, path, "v"), 0);
	}
	assert_int_equal(xs_store_nodes_owned(s, 1), 10);
	expect_err(rpcs(d1, XS_MKDIR, 0, "one-more", NULL), "ENOSPC");
	expect_err(rpcs(d1, XS_WRITE, 0, "n0/x", NULL), "ENOSPC");
	/* Rewriting is not creating. */
	assert_int_equal(x_write(d1, 0, "n0", "again"), 0);
	/* dom0 is exempt, and nodes it creates under the domain's home count for their owner. */
	for (int i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/big/n%d", i);
		assert_int_equal(x_write(d0, 0, path, "v"), 0);
	}
	/* Freeing nodes frees quota. */
	expect_ok(rpcs(d1, XS_RM, 0, "n8", NULL));
	expect_ok(rpcs(d1, XS_MKDIR, 0, "one-more", NULL));
	/* Several missing parents at once are counted at once. */
	expect_ok(rpcs(d1, XS_RM, 0, "n7", NULL));
	expect_err(rpcs(d1, XS_MKDIR, 0, "p/q", NULL), "ENOSPC");
	/* In a transaction: counted as it goes, and again at commit. */
	t = x_tx_start(d1);
	expect_ok(rpcs(d1, XS_MKDIR, t, "txnode", NULL));
	expect_err(rpcs(d1, XS_MKDIR, t, "txnode2", NULL), "ENOSPC");
	expect_ok(rpcs(d1, XS_MKDIR, 0, "n0/outside", NULL)); /* takes the last slot meanwhile */
	expect_err(x_tx_end(d1, t, true), "ENOSPC");
	assert_int_equal(xs_store_nodes_owned(s, 1), 10);
	/* Giving a node away moves it between quotas. */
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/local/domain/1/n0", "n2", NULL));
	assert_int_equal(xs_store_nodes_owned(s, 1), 9);
	assert_int_equal(xs_store_nodes_owned(s, 2), 2);
}

static void test_quota_value_watches_tx_acl(void **state)
{
	char *big = malloc(3000);
	char path[32];
	uint32_t ids[11];
	struct msg m;

	memset(big, 'v', 2999);
	big[2999] = '\0';
	big[2048] = '\0';
	assert_int_equal(x_write(d1, 0, "ok", big), 0); /* exactly 2048 */
	big[2048] = 'v';
	m = rpc(d1, XS_WRITE, 0, "toobig\0", 7);
	expect_ok(m);
	assert_int_equal(x_write(d1, 0, "toobig", big), -1);
	assert_int_equal(x_write(d0, 0, "/dom0big", big), 0);
	free(big);
	m = rpcs(d1, XS_WRITE, 0, "x", NULL);
	expect_ok(m);
	/* Watches. */
	for (int i = 0; i < 128; i++) {
		snprintf(path, sizeof(path), "w%d", i);
		expect_ok(rpcs(d1, XS_WATCH, 0, path, "t", NULL));
	}
	expect_err(rpcs(d1, XS_WATCH, 0, "w-last", "t", NULL), "E2BIG");
	expect_ok(rpcs(d1, XS_UNWATCH, 0, "w0", "t", NULL));
	expect_ok(rpcs(d1, XS_WATCH, 0, "w-last", "t", NULL));
	for (int i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/w%d", i);
		expect_ok(rpcs(d0, XS_WATCH, 0, path, "t", NULL));
		clear_events();
	}
	/* Transactions. */
	for (int i = 0; i < 10; i++)
		ids[i] = x_tx_start(d1);
	expect_err(rpcs(d1, XS_TRANSACTION_START, 0, "", NULL), "ENOSPC");
	expect_ok(x_tx_end(d1, ids[3], false));
	ids[3] = x_tx_start(d1);
	for (int i = 0; i < 20; i++)
		(void)x_tx_start(d0);
	/* ACL entries: 5 beyond the owner. */
	expect_ok(rpcs(d1, XS_SET_PERMS, 0, "ok", "n1", "r2", "r3", "r4", "r5", "r6", NULL));
	expect_err(rpcs(d1, XS_SET_PERMS, 0, "ok", "n1", "r2", "r3", "r4", "r5", "r6", "r7", NULL), "E2BIG");
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/dom0big", "n1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", NULL));
}

static void test_quota_tx_nodes(void **state)
{
	struct xs_quota q;
	char path[32];
	uint32_t t;

	xs_store_get_quota(s, &q);
	q.tx_nodes = 8;
	xs_store_set_quota(s, &q);
	t = x_tx_start(d1);
	for (int i = 0; i < 7; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		assert_int_equal(x_write(d1, t, path, "v"), 0); /* home + 7 */
	}
	expect_err(rpcs(d1, XS_MKDIR, t, "n7", NULL), "ENOSPC");
	expect_ok(x_tx_end(d1, t, true));
}

static void test_quota_output_queue(void **state)
{
	struct xs_quota q;

	xs_store_get_quota(s, &q);
	q.outq = 4;
	xs_store_set_quota(s, &q);
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/", "r0", NULL));
	expect_ok(rpcs(d1, XS_WATCH, 0, "/q", "t", NULL));
	drain(d1);
	for (int i = 0; i < 10; i++)
		assert_int_equal(x_write(d0, 0, "/q", "v"), 0);
	assert_int_equal(xs_conn_output_count(d1), 4); /* the rest were dropped */
	assert_true(xs_conn_output_full(d1));
	assert_false(xs_conn_output_full(d0));
	/* Replies are never dropped. */
	expect_ok(rpcs(d1, XS_MKDIR, 0, "x", NULL));
	assert_int_equal(xs_conn_output_count(d1), 0);
	/* A watch event past XENSTORE_PAYLOAD_MAX is dropped too. */
	char token[4091];
	memset(token, 't', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	clear_events();
	expect_ok(rpcs(d0, XS_WATCH, 0, "/a", token, NULL)); /* 3 + 4091 bytes: fits */
	assert_int_equal(count_events(d0, "/a", NULL), 1);
	assert_int_equal(x_write(d0, 0, "/a", "v"), 0);
	assert_int_equal(count_events(d0, "/a", NULL), 2);
	assert_int_equal(x_write(d0, 0, "/a/bcdefghij", "v"), 0); /* 13 + 4091: dropped */
	assert_int_equal(count_events(d0, "/a/bcdefghij", NULL), 0);
}

int run_tx_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_tx_isolation_and_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_abort, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_conflicts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_rm_and_recreate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_perms_and_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quota_nodes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quota_value_watches_tx_acl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quota_tx_nodes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quota_output_queue, setup, teardown),
	};

	return cmocka_run_group_tests_name("xenstore transactions and quotas", tests, NULL, NULL);
}
