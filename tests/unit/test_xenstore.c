/* Unit tests for the store daemon core: nodes, permissions, watches, transactions, domains, quotas. */
#include "test_xenstore_util.h"

static struct xs_store *s;
static struct xs_conn *d0, *d1, *d2;

static int setup(void **state)
{
	s = xs_store_create(NULL, NULL);
	assert_non_null(s);
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

static void test_write_read(void **state)
{
	static const char bin[] = {'a', 0, 'b', 0, (char)0xff};
	char buf[64];
	struct msg m;

	assert_int_equal(x_write(d0, 0, "/a/b/c", "hello"), 0);
	assert_string_equal(x_read(d0, 0, "/a/b/c", NULL), "hello");
	assert_string_equal(x_read(d0, 0, "/a/b", NULL), ""); /* created parents are empty */
	assert_int_equal(x_write(d0, 0, "/a/b/c", "hi"), 0);
	m = rpcs(d0, XS_READ, 0, "/a/b/c", NULL);
	assert_int_equal(m.hdr.len, 2);
	/* Binary values keep their length and their NULs. */
	memcpy(buf, "/bin", 5);
	memcpy(buf + 5, bin, sizeof(bin));
	expect_ok(rpc(d0, XS_WRITE, 0, buf, 5 + sizeof(bin)));
	m = rpcs(d0, XS_READ, 0, "/bin", NULL);
	assert_int_equal(m.hdr.len, sizeof(bin));
	assert_memory_equal(m.body, bin, sizeof(bin));
	/* An empty value. */
	expect_ok(rpc(d0, XS_WRITE, 0, "/empty", 7));
	assert_int_equal(rpcs(d0, XS_READ, 0, "/empty", NULL).hdr.len, 0);
	expect_err(rpcs(d0, XS_READ, 0, "/nope", NULL), "ENOENT");
	expect_err(rpcs(d0, XS_READ, 0, "/a/nope/deeper", NULL), "ENOENT");
}

static void test_relative_paths(void **state)
{
	assert_int_equal(x_write(d1, 0, "device/vif/0/state", "1"), 0);
	assert_string_equal(x_read(d0, 0, "/local/domain/1/device/vif/0/state", NULL), "1");
	assert_string_equal(x_read(d1, 0, "device/vif/0/state", NULL), "1");
	struct msg m = rpcs(d1, XS_GET_DOMAIN_PATH, 0, "1", NULL);
	assert_string_equal(m.body, "/local/domain/1");
	m = rpcs(d1, XS_GET_DOMAIN_PATH, 0, "77", NULL);
	assert_string_equal(m.body, "/local/domain/77");
	expect_err(rpcs(d1, XS_GET_DOMAIN_PATH, 0, "x", NULL), "EINVAL");
	expect_err(rpcs(d1, XS_GET_DOMAIN_PATH, 0, "99999", NULL), "EINVAL");
}

static void test_path_validation(void **state)
{
	static const char *bad[] = {"/a//b", "/a/", "/a b", "/a/b.c", "/a/é", "", "a//b", "a/", "/a/b\\c"};
	char *lng = malloc(XENSTORE_ABS_PATH_MAX + 2);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_err(rpcs(d0, XS_READ, 0, bad[i], NULL), "EINVAL");
		expect_err(rpcs(d0, XS_MKDIR, 0, bad[i], NULL), "EINVAL");
	}
	assert_int_equal(x_write(d0, 0, "/ok-_@Az09", "1"), 0);
	/* The longest absolute path is accepted, one more is not. */
	lng[0] = '/';
	memset(lng + 1, 'x', XENSTORE_ABS_PATH_MAX);
	lng[XENSTORE_ABS_PATH_MAX] = '\0';
	expect_ok(rpcs(d0, XS_MKDIR, 0, lng, NULL));
	lng[XENSTORE_ABS_PATH_MAX] = 'x';
	lng[XENSTORE_ABS_PATH_MAX + 1] = '\0';
	expect_err(rpcs(d0, XS_MKDIR, 0, lng, NULL), "EINVAL");
	/* Relative paths: at most XENSTORE_REL_PATH_MAX. */
	memset(lng, 'y', XENSTORE_REL_PATH_MAX);
	lng[XENSTORE_REL_PATH_MAX] = '\0';
	expect_ok(rpcs(d1, XS_MKDIR, 0, lng, NULL));
	lng[XENSTORE_REL_PATH_MAX] = 'y';
	lng[XENSTORE_REL_PATH_MAX + 1] = '\0';
	expect_err(rpcs(d1, XS_MKDIR, 0, lng, NULL), "EINVAL");
	free(lng);
	/* Special paths only where they belong. */
	expect_err(rpcs(d0, XS_READ, 0, "@introduceDomain", NULL), "EINVAL");
	assert_int_equal(x_write(d0, 0, "@x", "1"), -1);
	expect_err(rpcs(d0, XS_READ, 0, "@", NULL), "EINVAL");
}

static void test_mkdir_directory(void **state)
{
	struct msg m;

	expect_ok(rpcs(d0, XS_MKDIR, 0, "/d/x", NULL));
	expect_ok(rpcs(d0, XS_MKDIR, 0, "/d/x", NULL)); /* already there: fine */
	assert_int_equal(x_write(d0, 0, "/d/y", "v"), 0);
	assert_int_equal(x_write(d0, 0, "/d/z/deep", "v"), 0);
	m = rpcs(d0, XS_DIRECTORY, 0, "/d", NULL);
	assert_int_equal(m.hdr.len, 6);
	assert_memory_equal(m.body, "x\0y\0z\0", 6);
	m = rpcs(d0, XS_DIRECTORY, 0, "/d/x", NULL);
	assert_int_equal(m.hdr.len, 0);
	expect_err(rpcs(d0, XS_DIRECTORY, 0, "/d/none", NULL), "ENOENT");
	m = rpcs(d0, XS_DIRECTORY, 0, "/", NULL);
	assert_true(m.hdr.len > 0);
}

static void test_directory_part(void **state)
{
	char name[64], *all = calloc(1, 20000);
	size_t total = 0, off = 0;
	struct msg m;

	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/big/child-with-a-long-name-%04d", i);
		expect_ok(rpcs(d0, XS_MKDIR, 0, name, NULL));
		total += strlen(name + 5) + 1;
	}
	expect_err(rpcs(d0, XS_DIRECTORY, 0, "/big", NULL), "E2BIG");
	for (int rounds = 0;; rounds++) {
		char offs[16];
		size_t glen, body;

		assert_true(rounds < 10);
		snprintf(offs, sizeof(offs), "%zu", off);
		m = rpcs(d0, XS_DIRECTORY_PART, 0, "/big", offs, NULL);
		assert_int_equal(m.hdr.type, XS_DIRECTORY_PART);
		glen = strlen(m.body) + 1;
		body = m.hdr.len - glen;
		if (off + body == total + 1) { /* the last part ends with an empty name */
			memcpy(all + off, m.body + glen, body - 1);
			off += body - 1;
			break;
		}
		memcpy(all + off, m.body + glen, body);
		off += body;
	}
	assert_int_equal(off, total);
	for (int i = 0, p = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "child-with-a-long-name-%04d", i);
		assert_string_equal(all + p, name);
		p += (int)strlen(name) + 1;
	}
	expect_err(rpcs(d0, XS_DIRECTORY_PART, 0, "/big", "999999", NULL), "EINVAL");
	expect_err(rpcs(d0, XS_DIRECTORY_PART, 0, "/big", "x", NULL), "EINVAL");
	expect_err(rpcs(d0, XS_DIRECTORY_PART, 0, "/big", NULL), "EINVAL");
	free(all);
}

static void test_rm(void **state)
{
	assert_int_equal(x_write(d0, 0, "/r/a/b/c", "1"), 0);
	assert_int_equal(x_write(d0, 0, "/r/a/d", "1"), 0);
	assert_int_equal(xs_store_nodes_owned(s, 0) > 4, 1);
	uint32_t before = xs_store_node_count(s);
	expect_ok(rpcs(d0, XS_RM, 0, "/r/a", NULL));
	assert_int_equal(xs_store_node_count(s), before - 4);
	expect_err(rpcs(d0, XS_READ, 0, "/r/a/b/c", NULL), "ENOENT");
	expect_ok(rpcs(d0, XS_RM, 0, "/r/a", NULL));              /* gone, parent there: fine */
	expect_err(rpcs(d0, XS_RM, 0, "/r/x/y", NULL), "ENOENT"); /* parent missing too */
	expect_err(rpcs(d0, XS_RM, 0, "/", NULL), "EINVAL");
	expect_ok(rpcs(d0, XS_RM, 0, "/r", NULL));
}

static void test_perms_text(void **state)
{
	struct msg m;

	assert_int_equal(x_write(d0, 0, "/p", "v"), 0);
	m = rpcs(d0, XS_GET_PERMS, 0, "/p", NULL);
	assert_int_equal(m.hdr.len, 3);
	assert_memory_equal(m.body, "n0\0", 3);
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/p", "b5", "r1", "w2", "n3", NULL));
	m = rpcs(d0, XS_GET_PERMS, 0, "/p", NULL);
	assert_int_equal(m.hdr.len, 12);
	assert_memory_equal(m.body, "b5\0r1\0w2\0n3\0", 12);
	expect_err(rpcs(d0, XS_SET_PERMS, 0, "/p", NULL), "EINVAL");
	expect_err(rpcs(d0, XS_SET_PERMS, 0, "/p", "x1", NULL), "EINVAL");
	expect_err(rpcs(d0, XS_SET_PERMS, 0, "/p", "r", NULL), "EINVAL");
	expect_err(rpcs(d0, XS_SET_PERMS, 0, "/p", "r1x", NULL), "EINVAL");
	expect_err(rpcs(d0, XS_SET_PERMS, 0, "/p", "r99999", NULL), "EINVAL");
	expect_err(rpc(d0, XS_SET_PERMS, 0, "/p\0r1", 5), "EINVAL"); /* unterminated */
	expect_err(rpc(d0, XS_SET_PERMS, 0, "/p", 2), "EINVAL");
	expect_err(rpcs(d0, XS_SET_PERMS, 0, "/missing", "r1", NULL), "ENOENT");
	expect_err(rpcs(d0, XS_GET_PERMS, 0, "/missing", NULL), "ENOENT");
}

static void test_perms_access(void **state)
{
	const char *err;

	assert_int_equal(x_write(d0, 0, "/secret", "s"), 0);
	/* "/" and everything dom0 writes default to "n0": no access for others. */
	assert_null(x_read(d1, 0, "/secret", &err));
	assert_string_equal(err, "EACCES");
	assert_int_equal(x_write(d1, 0, "/secret", "x"), -1);
	assert_int_equal(x_write(d1, 0, "/secret/child", "x"), -1);
	expect_err(rpcs(d1, XS_MKDIR, 0, "/elsewhere", NULL), "EACCES");
	expect_err(rpcs(d1, XS_RM, 0, "/secret", NULL), "EACCES");
	expect_err(rpcs(d1, XS_DIRECTORY, 0, "/", NULL), "EACCES");
	expect_err(rpcs(d1, XS_GET_PERMS, 0, "/secret", NULL), "EACCES");
	/* A missing node under an unreadable one looks unreadable, not missing. */
	expect_err(rpcs(d1, XS_READ, 0, "/secret/nope", NULL), "EACCES");
	expect_err(rpcs(d1, XS_RM, 0, "/secret/nope", NULL), "EACCES");
	/* The other domain's home is closed too. */
	assert_int_equal(x_write(d2, 0, "data", "2"), 0);
	assert_null(x_read(d1, 0, "/local/domain/2/data", &err));
	assert_string_equal(err, "EACCES");
	assert_int_equal(x_write(d1, 0, "/local/domain/2/data", "x"), -1);
	/* ACL: read for 1, write for 2; the default stays none. */
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/secret", "n0", "r1", "w2", NULL));
	assert_string_equal(x_read(d1, 0, "/secret", NULL), "s");
	assert_int_equal(x_write(d1, 0, "/secret", "x"), -1);
	assert_null(x_read(d2, 0, "/secret", &err));
	assert_int_equal(x_write(d2, 0, "/secret", "from2"), 0);
	assert_string_equal(x_read(d1, 0, "/secret", NULL), "from2");
	/* The default entry: everyone not listed may read. */
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/secret", "r0", "n2", NULL));
	assert_string_equal(x_read(d1, 0, "/secret", NULL), "from2");
	assert_null(x_read(d2, 0, "/secret", &err));
	/* The owner always has full access, whatever its entry says. */
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/secret", "n1", "n1", NULL));
	assert_int_equal(x_write(d1, 0, "/secret", "own"), 0);
	assert_string_equal(x_read(d1, 0, "/secret", NULL), "own");
	/* dom0 is privileged. */
	assert_string_equal(x_read(d0, 0, "/local/domain/2/data", NULL), "2");
}

static void test_perms_inherit_and_owner(void **state)
{
	struct msg m;

	/* The home directory belongs to the domain; what it creates is its own and inherits the rest. */
	m = rpcs(d0, XS_GET_PERMS, 0, "/local/domain/1", NULL);
	assert_memory_equal(m.body, "n1\0", 3);
	expect_ok(rpcs(d1, XS_SET_PERMS, 0, "/local/domain/1", "n1", "r2", NULL));
	assert_int_equal(x_write(d1, 0, "a/b", "1"), 0);
	m = rpcs(d1, XS_GET_PERMS, 0, "a/b", NULL);
	assert_int_equal(m.hdr.len, 6);
	assert_memory_equal(m.body, "n1\0r2\0", 6);
	assert_string_equal(x_read(d2, 0, "/local/domain/1/a/b", NULL), "1");
	/* dom0 writing under a domain's node keeps that domain the owner (Xen: only unprivileged creators own). */
	assert_int_equal(x_write(d0, 0, "/local/domain/1/fromtools", "t"), 0);
	m = rpcs(d0, XS_GET_PERMS, 0, "/local/domain/1/fromtools", NULL);
	assert_memory_equal(m.body, "n1\0r2\0", 6);
	/* An unprivileged domain creating under a node it may write (ACL) owns the new node. */
	expect_ok(rpcs(d0, XS_MKDIR, 0, "/shared", NULL));
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/shared", "n0", "w2", NULL));
	assert_int_equal(x_write(d2, 0, "/shared/mine", "m"), 0);
	m = rpcs(d0, XS_GET_PERMS, 0, "/shared/mine", NULL);
	assert_memory_equal(m.body, "n2\0w2\0", 6);
	/* Only the owner sets permissions; an ACL write grant is not enough. */
	expect_err(rpcs(d2, XS_SET_PERMS, 0, "/shared", "n0", "b2", NULL), "EACCES");
	expect_err(rpcs(d1, XS_SET_PERMS, 0, "/shared/mine", "b1", NULL), "EACCES");
	expect_ok(rpcs(d2, XS_SET_PERMS, 0, "/shared/mine", "r2", "b1", NULL));
	/* Unprivileged owners may not give nodes away. */
	expect_err(rpcs(d2, XS_SET_PERMS, 0, "/shared/mine", "b1", NULL), "EPERM");
	/* dom0 may. */
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/shared/mine", "n1", NULL));
	assert_string_equal(x_read(d1, 0, "/shared/mine", NULL), "m");
}

static void test_set_target(void **state)
{
	struct msg m;
	const char *err;

	assert_int_equal(x_write(d2, 0, "private", "p"), 0);
	assert_null(x_read(d1, 0, "/local/domain/2/private", &err));
	expect_err(rpcs(d1, XS_SET_TARGET, 0, "1", "2", NULL), "EACCES");
	expect_err(rpcs(d0, XS_SET_TARGET, 0, "9", "2", NULL), "ENOENT");
	expect_err(rpcs(d0, XS_SET_TARGET, 0, "1", NULL), "EINVAL");
	expect_ok(rpcs(d0, XS_SET_TARGET, 0, "1", "2", NULL));
	assert_string_equal(x_read(d1, 0, "/local/domain/2/private", NULL), "p");
	m = rpcs(d1, XS_GET_PERMS, 0, "/local/domain/2/private", NULL);
	assert_memory_equal(m.body, "n2\0", 3);
}

static void test_watch_basic(void **state)
{
	expect_ok(rpcs(d0, XS_WATCH, 0, "/w", "tok", NULL));
	assert_int_equal(count_events(d0, "/w", "tok"), 1); /* fires at registration */
	clear_events();
	assert_int_equal(x_write(d0, 0, "/w/a/b", "1"), 0);
	assert_int_equal(count_events(d0, "/w/a/b", "tok"), 1);
	assert_int_equal(x_write(d0, 0, "/wx", "1"), 0); /* a sibling with a common prefix: no */
	assert_int_equal(count_events(d0, "/wx", NULL), 0);
	expect_ok(rpcs(d0, XS_MKDIR, 0, "/w/m", NULL));
	assert_int_equal(count_events(d0, "/w/m", "tok"), 1);
	expect_ok(rpcs(d0, XS_MKDIR, 0, "/w/m", NULL)); /* no change, no event */
	assert_int_equal(count_events(d0, "/w/m", "tok"), 1);
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/w/m", "r0", NULL));
	assert_int_equal(count_events(d0, "/w/m", "tok"), 2);
	/* Two watches, two tokens; duplicates refused. */
	expect_ok(rpcs(d0, XS_WATCH, 0, "/w/a", "t2", NULL));
	expect_err(rpcs(d0, XS_WATCH, 0, "/w/a", "t2", NULL), "EEXIST");
	clear_events();
	assert_int_equal(x_write(d0, 0, "/w/a", "2"), 0);
	assert_int_equal(count_events(d0, "/w/a", "tok"), 1);
	assert_int_equal(count_events(d0, "/w/a", "t2"), 1);
	expect_ok(rpcs(d0, XS_UNWATCH, 0, "/w/a", "t2", NULL));
	expect_err(rpcs(d0, XS_UNWATCH, 0, "/w/a", "t2", NULL), "ENOENT");
	expect_err(rpcs(d0, XS_UNWATCH, 0, "/w/a", "tok", NULL), "ENOENT");
	clear_events();
	assert_int_equal(x_write(d0, 0, "/w/a", "3"), 0);
	assert_int_equal(count_events(d0, "/w/a", "t2"), 0);
	assert_int_equal(count_events(d0, "/w/a", "tok"), 1);
	expect_ok(rpcs(d0, XS_WATCH, 0, "/", "root", NULL));
	clear_events();
	assert_int_equal(x_write(d0, 0, "/anything", "3"), 0);
	assert_int_equal(count_events(d0, "/anything", "root"), 1);
	expect_err(rpcs(d0, XS_WATCH, 0, "/w", NULL), "EINVAL");
	expect_err(rpcs(d0, XS_WATCH, 0, "/w//x", "t", NULL), "EINVAL");
}

static void test_watch_rm(void **state)
{
	assert_int_equal(x_write(d0, 0, "/t/a/b/c", "1"), 0);
	expect_ok(rpcs(d0, XS_WATCH, 0, "/t", "up", NULL));
	expect_ok(rpcs(d0, XS_WATCH, 0, "/t/a/b/c", "down", NULL));
	expect_ok(rpcs(d0, XS_WATCH, 0, "/t/a/b/c/never", "deeper", NULL));
	clear_events();
	expect_ok(rpcs(d0, XS_RM, 0, "/t/a", NULL));
	assert_int_equal(count_events(d0, "/t/a", "up"), 1);
	assert_int_equal(count_events(d0, "/t/a/b/c", "down"), 1);
	assert_int_equal(count_events(d0, "/t/a/b/c/never", "deeper"), 1);
	assert_int_equal(nevents, 3);
}

static void test_watch_relative_and_perms(void **state)
{
	expect_ok(rpcs(d1, XS_WATCH, 0, "device", "rel", NULL));
	assert_int_equal(count_events(d1, "device", "rel"), 1);
	expect_ok(rpcs(d1, XS_WATCH, 0, "/local/domain/1/device", "abs", NULL));
	expect_ok(rpcs(d1, XS_WATCH, 0, "/", "everything", NULL));
	clear_events();
	assert_int_equal(x_write(d0, 0, "/local/domain/1/device/vbd/51712", "x"), 0);
	drain(d1);
	assert_int_equal(count_events(d1, "device/vbd/51712", "rel"), 1);
	assert_int_equal(count_events(d1, "/local/domain/1/device/vbd/51712", "abs"), 1);
	assert_int_equal(count_events(d1, "/local/domain/1/device/vbd/51712", "everything"), 1);
	/* No events about nodes the watcher may not read. */
	clear_events();
	assert_int_equal(x_write(d0, 0, "/hidden", "x"), 0);
	assert_int_equal(x_write(d2, 0, "data", "x"), 0);
	drain(d1);
	assert_int_equal(count_events(d1, "/hidden", NULL), 0);
	assert_int_equal(count_events(d1, "/local/domain/2/data", NULL), 0);
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "/hidden", "n0", "r1", NULL));
	drain(d1);
	assert_int_equal(count_events(d1, "/hidden", "everything"), 1);
	/* Watches may be set on what one cannot read (Xen allows it) but stay quiet. */
	expect_ok(rpcs(d2, XS_WATCH, 0, "/local/domain/1", "spy", NULL));
	clear_events();
	assert_int_equal(x_write(d1, 0, "secret", "x"), 0);
	drain(d2);
	assert_int_equal(count_events(d2, "/local/domain/1/secret", NULL), 0);
	/* Reset drops them all. */
	expect_ok(rpcs(d1, XS_RESET_WATCHES, 0, "", NULL));
	clear_events();
	assert_int_equal(x_write(d1, 0, "device/more", "x"), 0);
	assert_int_equal(nevents, 0);
}

static void test_special_watches(void **state)
{
	struct msg m;

	expect_ok(rpcs(d0, XS_WATCH, 0, "@introduceDomain", "in", NULL));
	expect_ok(rpcs(d0, XS_WATCH, 0, "@releaseDomain", "out", NULL));
	expect_ok(rpcs(d1, XS_WATCH, 0, "@releaseDomain", "out1", NULL));
	expect_err(rpcs(d0, XS_WATCH, 0, "@bad/path", "x", NULL), "EINVAL");
	clear_events();
	struct xs_conn *d3 = x_introduce(d0, s, 3);
	assert_int_equal(count_events(d0, "@introduceDomain", "in"), 1);
	assert_string_equal(x_read(d3, 0, "/local/domain/3", NULL), "");
	m = rpcs(d0, XS_GET_PERMS, 0, "/local/domain/3", NULL);
	assert_memory_equal(m.body, "n3\0", 3);
	/* Special nodes have permissions: n0 by default, so domUs hear nothing until dom0 lets them. */
	m = rpcs(d0, XS_GET_PERMS, 0, "@releaseDomain", NULL);
	assert_memory_equal(m.body, "n0\0", 3);
	expect_err(rpcs(d1, XS_GET_PERMS, 0, "@releaseDomain", NULL), "EACCES");
	expect_err(rpcs(d1, XS_SET_PERMS, 0, "@releaseDomain", "r1", NULL), "EACCES");
	expect_err(rpcs(d0, XS_GET_PERMS, 0, "@other", NULL), "ENOENT");
	expect_err(rpcs(d0, XS_SET_PERMS, 0, "@other", "n0", NULL), "ENOENT");
	expect_ok(rpcs(d0, XS_RELEASE, 0, "3", NULL));
	drain(d1);
	assert_int_equal(count_events(d0, "@releaseDomain", "out"), 1);
	assert_int_equal(count_events(d1, "@releaseDomain", NULL), 0);
	expect_ok(rpcs(d0, XS_SET_PERMS, 0, "@releaseDomain", "n0", "r1", NULL));
	m = rpcs(d1, XS_GET_PERMS, 0, "@releaseDomain", NULL);
	assert_memory_equal(m.body, "n0\0r1\0", 6);
	x_introduce(d0, s, 3);
	clear_events();
	expect_ok(rpcs(d0, XS_RELEASE, 0, "3", NULL));
	drain(d1);
	assert_int_equal(count_events(d1, "@releaseDomain", "out1"), 1);
}

static struct xs_conn *hook_conn;
static uint64_t hook_gfn;
static uint32_t hook_port, hook_released;

static struct xs_conn *hook_introduce(struct xs_store *st, uint32_t domid, uint64_t gfn, uint32_t port, void *opaque)
{
	hook_gfn = gfn;
	hook_port = port;
	if (domid == 66)
		return NULL;
	hook_conn = xs_conn_create(st, domid);
	xs_conn_set_priv(hook_conn, opaque);
	return hook_conn;
}

static void hook_release(struct xs_store *st, struct xs_conn *c, void *opaque)
{
	assert_ptr_equal(xs_conn_priv(c), opaque);
	hook_released = xs_conn_domid(c);
}

static unsigned notified;
static void hook_notify(struct xs_conn *c, void *opaque)
{
	notified++;
}

static void test_introduce_release(void **state)
{
	static const struct xs_store_ops ops = {hook_introduce, hook_release, hook_notify};
	struct xs_store *st = xs_store_create(&ops, (void *)0x1234);
	struct xs_conn *z = xs_conn_create(st, 0), *u;
	struct msg m;

	expect_ok(rpcs(z, XS_INTRODUCE, 0, "5", "4096", "12", NULL));
	assert_int_equal(hook_gfn, 4096);
	assert_int_equal(hook_port, 12);
	assert_true(notified > 0);
	u = xs_store_find_domain(st, 5);
	assert_ptr_equal(u, hook_conn);
	assert_int_equal(xs_conn_domid(u), 5);
	expect_ok(rpcs(z, XS_INTRODUCE, 0, "5", "4096", "12", NULL)); /* again: nothing new */
	expect_err(rpcs(z, XS_INTRODUCE, 0, "66", "1", "1", NULL), "EINVAL");
	expect_err(rpcs(z, XS_INTRODUCE, 0, "6", "1", NULL), "EINVAL");
	expect_err(rpcs(z, XS_INTRODUCE, 0, "6", "x", "1", NULL), "EINVAL");
	expect_err(rpcs(z, XS_INTRODUCE, 0, "6", "1", "99999999999", NULL), "EINVAL");
	expect_err(rpcs(z, XS_INTRODUCE, 0, "0", "1", "1", NULL), "EINVAL"); /* itself */
	expect_err(rpcs(u, XS_INTRODUCE, 0, "7", "1", "1", NULL), "EACCES");
	m = rpcs(z, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL);
	assert_string_equal(m.body, "T");
	m = rpcs(z, XS_IS_DOMAIN_INTRODUCED, 0, "8", NULL);
	assert_string_equal(m.body, "F");
	expect_err(rpcs(u, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL), "EACCES");
	expect_ok(rpcs(z, XS_RESUME, 0, "5", NULL));
	expect_err(rpcs(z, XS_RESUME, 0, "8", NULL), "ENOENT");
	expect_err(rpcs(u, XS_RESUME, 0, "5", NULL), "EACCES");
	/* Release: the connection goes, with its watches and transactions; the home stays. */
	expect_ok(rpcs(u, XS_WATCH, 0, "x", "t", NULL));
	(void)x_tx_start(u);
	expect_err(rpcs(u, XS_RELEASE, 0, "5", NULL), "EACCES");
	expect_err(rpcs(z, XS_RELEASE, 0, "8", NULL), "ENOENT");
	expect_err(rpcs(z, XS_RELEASE, 0, "", NULL), "EINVAL");
	expect_ok(rpcs(z, XS_RELEASE, 0, "5", NULL));
	assert_int_equal(hook_released, 5);
	assert_null(xs_store_find_domain(st, 5));
	m = rpcs(z, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL);
	assert_string_equal(m.body, "F");
	assert_string_equal(x_read(z, 0, "/local/domain/5", NULL), "");
	/* Destroying the store releases what is left. */
	expect_ok(rpcs(z, XS_INTRODUCE, 0, "9", "1", "1", NULL));
	hook_released = 0;
	xs_store_destroy(st);
	assert_int_equal(hook_released, 9);
}

static void test_malformed(void **state)
{
	uint8_t buf[sizeof(struct xsd_sockmsg) + 16] = {0};
	struct xsd_sockmsg hdr = {.type = XS_READ, .req_id = 9, .len = 4};
	const void *data;
	struct msg m;

	/* Shorter than a header. */
	xs_conn_input(d0, buf, 3);
	assert_int_equal(xs_conn_output(d0, &data), sizeof(hdr) + 7);
	memcpy(&m, data, sizeof(hdr) + 7);
	assert_int_equal(m.hdr.type, XS_ERROR);
	assert_string_equal(m.body, "EINVAL");
	xs_conn_output_done(d0, 100);
	/* len disagrees with the message. */
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), "/a\0", 3);
	xs_conn_input(d0, buf, sizeof(hdr) + 3);
	xs_conn_output(d0, &data);
	memcpy(&m, data, sizeof(hdr) + 7);
	assert_int_equal(m.hdr.req_id, 9);
	assert_string_equal(m.body, "EINVAL");
	xs_conn_output_done(d0, 100);
	assert_int_equal(xs_conn_output_count(d0), 0);
	/* len over the maximum. */
	hdr.len = XENSTORE_PAYLOAD_MAX + 1;
	memcpy(buf, &hdr, sizeof(hdr));
	xs_conn_input(d0, buf, sizeof(hdr) + 1);
	xs_conn_output(d0, &data);
	memcpy(&m, data, sizeof(hdr) + 7);
	assert_string_equal(m.body, "EINVAL");
	xs_conn_output_done(d0, 100);
	/* Unknown and unsupported types. */
	expect_err(rpcs(d0, XS_TYPE_COUNT, 0, "/a", NULL), "EINVAL");
	expect_err(rpcs(d0, XS_INVALID, 0, "/a", NULL), "EINVAL");
	expect_err(rpcs(d0, XS_WATCH_EVENT, 0, "/a", "t", NULL), "EINVAL");
	expect_err(rpcs(d0, XS_ERROR, 0, "/a", NULL), "EINVAL");
	expect_err(rpcs(d0, 20, 0, "/a", NULL), "EINVAL"); /* the removed XS_RESTRICT */
	expect_err(rpcs(d0, XS_CONTROL, 0, "print", "x", NULL), "ENOSYS");
	/* Missing or extra NULs. */
	expect_err(rpc(d0, XS_READ, 0, "/a", 2), "EINVAL");
	expect_err(rpc(d0, XS_READ, 0, "", 0), "EINVAL");
	expect_err(rpc(d0, XS_READ, 0, "/a\0/b\0", 6), "EINVAL");
	expect_err(rpc(d0, XS_WRITE, 0, "/a", 2), "EINVAL");
	expect_err(rpc(d0, XS_WATCH, 0, "/a\0tok", 6), "EINVAL");
	expect_err(rpc(d0, XS_TRANSACTION_END, 0, "T", 1), "EINVAL");
	expect_err(rpc(d0, XS_GET_DOMAIN_PATH, 0, "1", 1), "EINVAL");
	expect_err(rpc(d0, XS_INTRODUCE, 0, "", 0), "EINVAL");
	/* Nothing about these corrupted the store. */
	assert_int_equal(x_write(d0, 0, "/after", "fine"), 0);
}

static void test_fuzz(void **state)
{
	uint8_t buf[sizeof(struct xsd_sockmsg) + 64];
	unsigned seed = 12345;

	for (int i = 0; i < 20000; i++) {
		struct xsd_sockmsg hdr;
		size_t plen = (seed = seed * 1103515245 + 12345) % 48;
		const void *data;

		hdr.type = (seed >> 8) % (XS_TYPE_COUNT + 2);
		hdr.req_id = (uint32_t)i;
		hdr.tx_id = (seed >> 4) % 3 ? 0 : (seed >> 12) % 4;
		hdr.len = (uint32_t)plen;
		if (hdr.type == XS_RELEASE || hdr.type == XS_RESET_WATCHES)
			hdr.type = XS_READ;
		memcpy(buf, &hdr, sizeof(hdr));
		for (size_t j = 0; j < plen; j++) {
			static const char alphabet[] = "/ab12@\0\0rwnT";

			seed = seed * 1103515245 + 12345;
			buf[sizeof(hdr) + j] = (uint8_t)alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		xs_conn_input(i % 2 ? d1 : d0, buf, sizeof(hdr) + plen);
		for (int k = 0; k < 2; k++) {
			struct xs_conn *c = k ? d1 : d0;

			while (xs_conn_output(c, &data))
				xs_conn_output_done(c, 7);
		}
	}
	assert_int_equal(x_write(d0, 0, "/still", "works"), 0);
}

int run_ring_tests(void);
int run_tx_tests(void);

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_relative_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_path_validation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mkdir_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_directory_part, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_perms_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_perms_access, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_perms_inherit_and_owner, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_target, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watch_basic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watch_rm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watch_relative_and_perms, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_special_watches, setup, teardown),
	    cmocka_unit_test(test_introduce_release),
	    cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("xenstore", tests, NULL, NULL);

	failed += run_tx_tests();
	failed += run_ring_tests();
	return failed;
}
