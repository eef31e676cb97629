/* Unit tests for the cpio "newc" reader (dom0-tools/initrd/cpio.c): archives built here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "initrd/cpio.h"

/* ---- an archive builder */

struct archive {
	unsigned char buf[64 * 1024];
	size_t len;
};

static void put(struct archive *a, const void *p, size_t n)
{
	assert_true(a->len + n <= sizeof(a->buf));
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void pad4(struct archive *a)
{
	while (a->len & 3)
		put(a, "", 1);
}

/* One entry with every field given: namesize may disagree with the name (for broken archives). */
static void add_raw(struct archive *a, const char *magic, const char *name, uint32_t namesize, uint32_t mode,
		    const void *data, uint32_t filesize, size_t data_len, uint32_t check)
{
	char hdr[111];

	snprintf(hdr, sizeof(hdr), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic, 1u, mode, 0u, 0u,
		 1u, 0u, filesize, 0u, 0u, 0u, 0u, namesize, check);
	assert_int_equal(strlen(hdr), 110);
	put(a, hdr, 110);
	put(a, name, strlen(name) + 1);
	pad4(a);
	put(a, data, data_len);
	pad4(a);
}

static void add(struct archive *a, const char *name, uint32_t mode, const char *data)
{
	size_t n = data ? strlen(data) : 0;

	add_raw(a, "070701", name, (uint32_t)strlen(name) + 1, mode, data ? data : "", (uint32_t)n, n, 0);
}

static void add_file(struct archive *a, const char *name, const char *data)
{
	add(a, name, 0100644, data);
}

static void add_dir(struct archive *a, const char *name)
{
	add(a, name, 0040755, NULL);
}

static void add_trailer(struct archive *a)
{
	add(a, "TRAILER!!!", 0, NULL);
}

/* The archive dom0's initrd looks like, as "find . | cpio -o -H newc" writes it. */
static void build_initrd(struct archive *a)
{
	a->len = 0;
	add_dir(a, ".");
	add_dir(a, "./etc");
	add_dir(a, "./etc/mica");
	add_file(a, "./etc/mica/demo.cfg", "name = \"demo\"\nkernel = \"/boot/pv-guest.elf\"\n");
	add_file(a, "./etc/mica/web.cfg", "name = \"web\"\n");
	add_dir(a, "./boot");
	add_raw(a, "070701", "./boot/pv-guest.elf", 20, 0100755, "\177ELF\2\1\1\0\0\0", 10, 10, 0);
	add(a, "./boot/latest", 0120777, "pv-guest.elf");
	add_trailer(a);
}

/* Without directory entries and without "./". */
static void build_implicit(struct archive *a)
{
	a->len = 0;
	add_file(a, "etc/mica/demo.cfg", "demo");
	add_file(a, "etc/mica/x/y.cfg", "y");
	add_file(a, "etc/hosts", "127.0.0.1 localhost\n");
	add_file(a, "/abs/file", "abs");
	add_file(a, "top", "t");
	add_trailer(a);
}

/* A copy in a buffer of exactly len bytes, so that ASan catches any read past it. */
static unsigned char *exact_copy(const struct archive *a, size_t len)
{
	unsigned char *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, a->buf, len);
	return p;
}

/* ---- listing */

struct listing {
	char text[1024];
	int calls;
};

static void collect(const struct cpio_entry *child, void *arg)
{
	struct listing *l = arg;
	size_t used = strlen(l->text);

	assert_int_equal(strlen(child->name), child->name_len);
	assert_null(strchr(child->name, '/'));
	snprintf(l->text + used, sizeof(l->text) - used, "%s%s%s:%zu", used ? " " : "", child->name,
		 child->type == CPIO_DIR     ? "/"
		 : child->type == CPIO_OTHER ? "@"
					     : "",
		 child->size);
	l->calls++;
}

static int list(const struct archive *a, const char *dir, struct listing *l)
{
	memset(l, 0, sizeof(*l));
	return cpio_list(a->buf, a->len, dir, collect, l);
}

static void ignore(const struct cpio_entry *child, void *arg)
{
	(void)child;
	(*(int *)arg)++;
}

/* ---- tests */

static void test_iterate(void **state)
{
	struct archive a;
	struct cpio_iter it;
	struct cpio_entry e;

	(void)state;
	build_initrd(&a);
	cpio_iter_init(&it, a.buf, a.len);
	assert_int_equal(cpio_next(&it, &e), 1);
	assert_string_equal(e.name, ".");
	assert_int_equal(e.type, CPIO_DIR);
	assert_null(e.data);
	assert_int_equal(cpio_next(&it, &e), 1);
	assert_int_equal(cpio_next(&it, &e), 1);
	assert_int_equal(cpio_next(&it, &e), 1);
	assert_string_equal(e.name, "./etc/mica/demo.cfg");
	assert_int_equal(e.name_len, strlen("./etc/mica/demo.cfg"));
	assert_int_equal(e.type, CPIO_FILE);
	assert_int_equal(e.mode, 0100644);
	assert_int_equal(e.size, strlen("name = \"demo\"\nkernel = \"/boot/pv-guest.elf\"\n"));
	assert_memory_equal(e.data, "name = \"demo\"", 13);
	assert_int_equal(((uintptr_t)e.data - (uintptr_t)a.buf) % 4, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(cpio_next(&it, &e), 1);
	assert_string_equal(e.name, "./boot/latest");
	assert_int_equal(e.type, CPIO_OTHER);
	assert_memory_equal(e.data, "pv-guest.elf", e.size);
	assert_int_equal(cpio_next(&it, &e), 0);
	assert_int_equal(cpio_next(&it, &e), 0); /* and stays at the end */
	assert_int_equal(cpio_validate(a.buf, a.len), 8);
}

static void test_find(void **state)
{
	static const char *const same[] = {"/etc/mica/demo.cfg",     "etc/mica/demo.cfg",  "./etc/mica/demo.cfg",
					   "//etc//mica/./demo.cfg", "etc/mica/demo.cfg/", "././etc/mica//demo.cfg//"};
	struct archive a;
	struct cpio_entry e;

	(void)state;
	build_initrd(&a);
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(cpio_find(a.buf, a.len, same[i], &e), 0);
		assert_string_equal(e.name, "./etc/mica/demo.cfg");
		assert_int_equal(e.type, CPIO_FILE);
	}
	assert_int_equal(cpio_find(a.buf, a.len, "/etc/mica", &e), 0);
	assert_int_equal(e.type, CPIO_DIR);
	assert_int_equal(e.mode, 0040755);
	assert_int_equal(cpio_find(a.buf, a.len, "/", &e), 0);
	assert_int_equal(e.type, CPIO_DIR);
	assert_int_equal(cpio_find(a.buf, a.len, "/etc/mica/demo", &e), -ENOENT);
	assert_int_equal(cpio_find(a.buf, a.len, "/etc/mic", &e), -ENOENT);
	assert_int_equal(cpio_find(a.buf, a.len, "/etc/mica/demo.cfg/x", &e), -ENOENT);
	assert_int_equal(cpio_find(a.buf, a.len, "TRAILER!!!", &e), -ENOENT);
	assert_int_equal(cpio_find(a.buf, a.len, "/etc/../etc/mica/demo.cfg", &e), -ENOENT);
}

static void test_find_implicit(void **state)
{
	static const char *const dirs[] = {"etc", "/etc/", "etc/mica", "./etc/mica/", "etc/mica/x", "abs",
					   "/",   "",      "."};
	struct archive a;
	struct cpio_entry e;

	(void)state;
	build_implicit(&a);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		assert_int_equal(cpio_find(a.buf, a.len, dirs[i], &e), 0);
		assert_int_equal(e.type, CPIO_DIR);
		assert_int_equal(e.mode, 0);
		assert_int_equal(e.size, 0);
		assert_null(e.data);
	}
	assert_int_equal(cpio_find(a.buf, a.len, "abs/file", &e), 0);
	assert_memory_equal(e.data, "abs", 3);
	assert_int_equal(cpio_find(a.buf, a.len, "/etc/mica/x/y.cfg", &e), 0);
	assert_int_equal(e.type, CPIO_FILE);
	assert_int_equal(cpio_find(a.buf, a.len, "et", &e), -ENOENT);
	assert_int_equal(cpio_find(a.buf, a.len, "etc/mica/x/y", &e), -ENOENT);
}

static void test_list(void **state)
{
	struct archive a;
	struct listing l;

	(void)state;
	build_initrd(&a);
	assert_int_equal(list(&a, "/", &l), 2);
	assert_string_equal(l.text, "etc/:0 boot/:0");
	assert_int_equal(list(&a, "", &l), 2);
	assert_int_equal(list(&a, "./etc/mica/", &l), 2);
	assert_string_equal(l.text, "demo.cfg:44 web.cfg:13");
	assert_int_equal(list(&a, "boot", &l), 2);
	assert_string_equal(l.text, "pv-guest.elf:10 latest@:12");
	assert_int_equal(list(&a, "/etc/mica/demo.cfg", &l), -ENOTDIR);
	assert_int_equal(list(&a, "/boot/latest", &l), -ENOTDIR);
	assert_int_equal(list(&a, "/nothing", &l), -ENOENT);
	assert_int_equal(l.calls, 0);
}

static void test_list_implicit(void **state)
{
	struct archive a;
	struct listing l;

	(void)state;
	build_implicit(&a);
	assert_int_equal(list(&a, "/", &l), 3);
	assert_string_equal(l.text, "etc/:0 abs/:0 top:1");
	assert_int_equal(list(&a, "etc", &l), 2);
	assert_string_equal(l.text, "mica/:0 hosts:20");
	assert_int_equal(list(&a, "etc/mica", &l), 2);
	assert_string_equal(l.text, "demo.cfg:4 x/:0");
	assert_int_equal(list(&a, "etc/mica/x", &l), 1);
	assert_string_equal(l.text, "y.cfg:1");
}

/* A directory listed after the files in it, a name listed twice: each child once, the last entry counts. */
static void test_list_duplicates(void **state)
{
	struct archive a = {.len = 0};
	struct listing l;
	struct cpio_entry e;

	(void)state;
	add_file(&a, "etc/a.cfg", "old");
	add_file(&a, "./etc/b.cfg", "b");
	add_dir(&a, "etc");
	add_file(&a, "/etc/a.cfg", "newer");
	add_dir(&a, "etc/");
	add_trailer(&a);
	assert_int_equal(list(&a, "/", &l), 1);
	assert_string_equal(l.text, "etc/:0");
	assert_int_equal(list(&a, "etc", &l), 2);
	assert_string_equal(l.text, "a.cfg:5 b.cfg:1");
	assert_int_equal(cpio_find(a.buf, a.len, "etc/a.cfg", &e), 0);
	assert_memory_equal(e.data, "newer", 5);
	assert_int_equal(cpio_find(a.buf, a.len, "etc", &e), 0);
	assert_string_equal(e.name, "etc/");
	assert_int_equal(e.mode, 0040755);
}

static void test_empty_archive(void **state)
{
	struct archive a = {.len = 0};
	struct listing l;
	struct cpio_entry e;

	(void)state;
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), 0);
	assert_int_equal(list(&a, "/", &l), 0);
	assert_int_equal(cpio_find(a.buf, a.len, "/", &e), 0);
	assert_int_equal(cpio_find(a.buf, a.len, "/etc", &e), -ENOENT);
	assert_int_equal(cpio_validate(NULL, 0), -EINVAL);
	assert_int_equal(cpio_validate(NULL, 100), -EINVAL);
	assert_int_equal(cpio_validate(a.buf, 0), -EINVAL);
	assert_int_equal(cpio_find(a.buf, 0, "/", &e), -EINVAL);
}

/* Zeros after the trailer (cpio pads to 512 bytes) are ignored; an archive without one is truncated. */
static void test_trailer(void **state)
{
	struct archive a = {.len = 0};
	struct cpio_iter it;
	struct cpio_entry e;

	(void)state;
	add_file(&a, "x", "1");
	assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);
	cpio_iter_init(&it, a.buf, a.len);
	assert_int_equal(cpio_next(&it, &e), 1);
	assert_int_equal(cpio_next(&it, &e), -EINVAL);
	assert_int_equal(cpio_next(&it, &e), -EINVAL); /* and stays failed */
	add_trailer(&a);
	memset(a.buf + a.len, 0, 512 - a.len);
	assert_int_equal(cpio_validate(a.buf, 512), 1);
}

static void test_truncation(void **state)
{
	struct archive a;
	size_t trailer_end;

	(void)state;
	build_initrd(&a);
	trailer_end = a.len - 4 + 1; /* header, "TRAILER!!!" and its NUL end 1 byte past a multiple of 4 */
	assert_int_equal((trailer_end - 110 - 11) % 4, 0);
	for (size_t len = 0; len <= a.len; len++) {
		unsigned char *p = exact_copy(&a, len);
		struct cpio_entry e;
		int n = 0, rc;

		rc = cpio_validate(p, len);
		if (len < trailer_end)
			assert_true(rc < 0);
		else
			assert_int_equal(rc, 8);
		assert_true(cpio_find(p, len, "/etc/mica/web.cfg", &e) == (len < trailer_end ? -EINVAL : 0));
		rc = cpio_list(p, len, "/etc/mica", ignore, &n);
		assert_int_equal(rc, len < trailer_end ? -EINVAL : 2);
		free(p);
	}
}

/* Every byte of the archive set to a few values: errors or a walk, never a read out of bounds. */
static void test_corruption(void **state)
{
	static const unsigned char values[] = {0x00, 0xff, '0', '9', 'f', 'F', 'g', '/', '.', 0x80};
	struct archive a;

	(void)state;
	build_initrd(&a);
	for (size_t i = 0; i < a.len; i++) {
		for (size_t v = 0; v < sizeof(values); v++) {
			unsigned char *p = exact_copy(&a, a.len);
			struct cpio_entry e;
			int n = 0, rc;

			p[i] = values[v];
			rc = cpio_validate(p, a.len);
			assert_true(rc == -EINVAL || rc == -ENAMETOOLONG || rc == -EBADMSG || (rc >= 0 && rc <= 16));
			(void)cpio_find(p, a.len, "/etc/mica/demo.cfg", &e);
			rc = cpio_list(p, a.len, "/", ignore, &n);
			assert_true(rc < 0 || rc == n);
			rc = cpio_list(p, a.len, "/etc/mica", ignore, &n);
			free(p);
		}
	}
}

static void test_bad_magic(void **state)
{
	static const char *const magics[] = {"070707", "070703", "070700", "170701", "07070 "};
	struct archive a;

	(void)state;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		a.len = 0;
		add_raw(&a, magics[i], "x", 2, 0100644, "", 0, 0, 0);
		add_trailer(&a);
		assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);
	}
	a.len = 0;
	add_file(&a, "x", "1");
	add_trailer(&a);
	memcpy(a.buf + 6 + 8, "zz", 2); /* the mode isn't hex */
	assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);
	memcpy(a.buf + 6 + 8, "Ab", 2); /* either case is */
	assert_int_equal(cpio_validate(a.buf, a.len), 1);
	memcpy(a.buf + 6 + 8 * 6, " 0000001", 8); /* nor is a space in the size */
	assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);
}

static void test_hex_case(void **state)
{
	struct archive a = {.len = 0};
	struct cpio_entry e;

	(void)state;
	add(&a, "f", 0100644, "0123456789abcdefghi");
	add_trailer(&a);
	/* The builder writes upper case; the size 00000013 is the same in either. Lower the mode. */
	memcpy(a.buf + 6 + 8, "000081a4", 8);
	assert_int_equal(cpio_find(a.buf, a.len, "f", &e), 0);
	assert_int_equal(e.mode, 0100644);
	assert_int_equal(e.size, 19);
}

static void test_sizes_beyond_buffer(void **state)
{
	struct archive a = {.len = 0};

	(void)state;
	add_raw(&a, "070701", "big", 4, 0100644, "abcd", 0xffffffff, 4, 0);
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);

	a.len = 0;
	add_raw(&a, "070701", "big", 4, 0100644, "abcd", 5000, 4, 0);
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);

	a.len = 0;
	add_raw(&a, "070701", "big", 0xffffffff, 0100644, "", 0, 0, 0);
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);

	a.len = 0;
	add_raw(&a, "070701", "big", 0, 0100644, "", 0, 0, 0); /* no name at all */
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);
}

static void test_name_without_nul(void **state)
{
	struct archive a = {.len = 0};

	(void)state;
	add_raw(&a, "070701", "abc", 3, 0100644, "", 0, 0, 0); /* namesize stops before the NUL */
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);

	a.len = 0;
	add_raw(&a, "070701", "abc", 5, 0100644, "", 0, 0, 0); /* a NUL inside the name */
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);

	/* The trailer's name without its NUL: nothing ends the archive. */
	a.len = 0;
	add_raw(&a, "070701", "TRAILER!!!", 10, 0, "", 0, 0, 0);
	assert_int_equal(cpio_validate(a.buf, a.len), -EINVAL);
}

static void test_name_limits(void **state)
{
	static char name[CPIO_NAME_MAX + 8];
	struct archive a = {.len = 0};
	struct cpio_entry e;

	(void)state;
	memset(name, 'n', CPIO_COMPONENT_MAX);
	name[CPIO_COMPONENT_MAX] = '\0';
	add_file(&a, name, "ok");
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), 1);
	assert_int_equal(cpio_find(a.buf, a.len, name, &e), 0);
	struct listing l;

	assert_int_equal(list(&a, "/", &l), 1);

	a.len = 0;
	memset(name, 'n', CPIO_COMPONENT_MAX + 1);
	name[CPIO_COMPONENT_MAX + 1] = '\0';
	add_file(&a, name, "long");
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), -ENAMETOOLONG);

	a.len = 0;
	for (size_t i = 0; i < CPIO_NAME_MAX + 4; i++)
		name[i] = i % 100 == 99 ? '/' : 'n';
	name[CPIO_NAME_MAX + 4] = '\0';
	add_file(&a, name, "deep");
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), -ENAMETOOLONG);
}

static void test_crc(void **state)
{
	struct archive a = {.len = 0};
	struct cpio_entry e;
	uint32_t sum = 'a' + 'b' + 'c';

	(void)state;
	add_raw(&a, "070702", "dir", 4, 0040755, "", 0, 0, 0);
	add_raw(&a, "070702", "dir/f", 6, 0100644, "abc", 3, 3, sum);
	add_raw(&a, "070702", "TRAILER!!!", 11, 0, "", 0, 0, 0);
	assert_int_equal(cpio_validate(a.buf, a.len), 2);
	assert_int_equal(cpio_find(a.buf, a.len, "dir/f", &e), 0);
	assert_memory_equal(e.data, "abc", 3);

	a.len = 0;
	add_raw(&a, "070702", "f", 2, 0100644, "abc", 3, 3, sum + 1);
	add_trailer(&a);
	assert_int_equal(cpio_validate(a.buf, a.len), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_iterate),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_find_implicit),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_list_implicit),
	    cmocka_unit_test(test_list_duplicates),
	    cmocka_unit_test(test_empty_archive),
	    cmocka_unit_test(test_trailer),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_corruption),
	    cmocka_unit_test(test_bad_magic),
	    cmocka_unit_test(test_hex_case),
	    cmocka_unit_test(test_sizes_beyond_buffer),
	    cmocka_unit_test(test_name_without_nul),
	    cmocka_unit_test(test_name_limits),
	    cmocka_unit_test(test_crc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
