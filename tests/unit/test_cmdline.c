/* Unit tests for the hypervisor command-line parser (kernel/cmdline.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <mica/cmdline.h>
#include <mica/printk.h>
#include <mica/string.h>

void printk(const char *fmt, ...)
{
	(void)fmt;
}

static void test_empty(void **state)
{
	(void)state;
	static const char *const empties[] = {"", " ", "\t \n\r  "};
	char buf[8] = "x";
	uint64_t v = 7;
	struct cmdline_token tok;

	for (size_t i = 0; i < ARRAY_SIZE(empties); i++) {
		const char *c = empties[i];
		assert_false(cmdline_next(&c, &tok));
		assert_false(cmdline_get_str(empties[i], "a", buf, sizeof(buf)));
		assert_true(cmdline_get_bool(empties[i], "a", true));
		assert_false(cmdline_get_bool(empties[i], "a", false));
		assert_false(cmdline_get_u64(empties[i], "a", &v));
		assert_int_equal(v, 7);
		assert_null(cmdline_dom0_args(empties[i]));
	}
}

static void test_get_str_basic(void **state)
{
	(void)state;
	const char *cl = "  console=com1,vga loglvl=all\tdom0_mem=512M  quiet ";
	char buf[64];

	assert_true(cmdline_get_str(cl, "console", buf, sizeof(buf)));
	assert_string_equal(buf, "com1,vga");
	assert_true(cmdline_get_str(cl, "loglvl", buf, sizeof(buf)));
	assert_string_equal(buf, "all");
	assert_true(cmdline_get_str(cl, "dom0_mem", buf, sizeof(buf)));
	assert_string_equal(buf, "512M");
	assert_true(cmdline_get_str(cl, "quiet", buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_false(cmdline_get_str(cl, "missing", buf, sizeof(buf)));
}

static void test_prefix_keys(void **state)
{
	(void)state;
	const char *a = "console_to=ring console=com1";
	const char *b = "console=com1 console_to=ring";
	char buf[32];

	assert_true(cmdline_get_str(a, "console", buf, sizeof(buf)));
	assert_string_equal(buf, "com1");
	assert_true(cmdline_get_str(b, "console", buf, sizeof(buf)));
	assert_string_equal(buf, "com1");
	assert_true(cmdline_get_str(a, "console_to", buf, sizeof(buf)));
	assert_string_equal(buf, "ring");
	assert_true(cmdline_get_str(b, "console_to", buf, sizeof(buf)));
	assert_string_equal(buf, "ring");
	assert_false(cmdline_get_str(a, "cons", buf, sizeof(buf)));
	assert_false(cmdline_get_str(a, "console_t", buf, sizeof(buf)));
	assert_false(cmdline_get_str(a, "console_tox", buf, sizeof(buf)));
	assert_false(cmdline_get_bool("console_to", "console", false));
	assert_true(cmdline_get_bool("no-console_to", "console", true));
}

static void test_dash_underscore(void **state)
{
	(void)state;
	uint64_t v;

	assert_true(cmdline_get_u64("dom0-mem=1G", "dom0_mem", &v));
	assert_int_equal(v, 1ULL << 30);
	assert_true(cmdline_get_u64("dom0_mem=2G", "dom0-mem", &v));
	assert_int_equal(v, 2ULL << 30);
	assert_false(cmdline_get_bool("no-sched_debug", "sched-debug", true));
}

static void test_later_wins(void **state)
{
	(void)state;
	char buf[16];
	uint64_t v;

	assert_true(cmdline_get_str("a=1 b=x a=2", "a", buf, sizeof(buf)));
	assert_string_equal(buf, "2");
	assert_true(cmdline_get_u64("n=1 n=0x20", "n", &v));
	assert_int_equal(v, 32);
	assert_true(cmdline_get_bool("x no-x x", "x", false));
	assert_false(cmdline_get_bool("x no-x", "x", true));
	assert_false(cmdline_get_bool("x=on x=off", "x", true));
	assert_true(cmdline_get_bool("no-x x=1", "x", false));
	/* no-key cancels an earlier value; a later value restores it */
	assert_false(cmdline_get_str("s=a no-s", "s", buf, sizeof(buf)));
	assert_true(cmdline_get_str("no-s s=b", "s", buf, sizeof(buf)));
	assert_string_equal(buf, "b");
	/* The last occurrence decides even when it is malformed. */
	v = 5;
	assert_false(cmdline_get_u64("n=1 n=junk", "n", &v));
	assert_false(cmdline_get_u64("n=1 n", "n", &v));
	assert_int_equal(v, 5);
}

static void test_quotes(void **state)
{
	(void)state;
	char buf[32];
	uint64_t v;

	assert_true(cmdline_get_str("name=\"hello world\" other=1", "name", buf, sizeof(buf)));
	assert_string_equal(buf, "hello world");
	assert_true(cmdline_get_str("name=\"hello world\" other=1", "other", buf, sizeof(buf)));
	assert_string_equal(buf, "1");
	assert_true(cmdline_get_str("a=x\"y z\"w b", "a", buf, sizeof(buf)));
	assert_string_equal(buf, "xy zw");
	assert_true(cmdline_get_str("a=\"\"", "a", buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_true(cmdline_get_u64("m=\"64M\"", "m", &v));
	assert_int_equal(v, 64ULL << 20);
}

static void test_unterminated_quote(void **state)
{
	(void)state;
	const char *cl = "x=1 a=\"foo bar b=1";
	char buf[32];
	struct cmdline_token tok;

	assert_true(cmdline_get_str(cl, "a", buf, sizeof(buf)));
	assert_string_equal(buf, "foo bar b=1");
	assert_false(cmdline_get_str(cl, "b", buf, sizeof(buf)));
	assert_true(cmdline_next(&cl, &tok));
	assert_false(tok.unterminated);
	assert_true(cmdline_next(&cl, &tok));
	assert_true(tok.unterminated);
	assert_false(cmdline_next(&cl, &tok));
	assert_int_equal(*cl, '\0');
}

static void test_value_too_long(void **state)
{
	(void)state;
	char buf[4];

	assert_true(cmdline_get_str("k=abc", "k", buf, sizeof(buf)));
	assert_string_equal(buf, "abc");
	assert_false(cmdline_get_str("k=abcd", "k", buf, sizeof(buf)));
	assert_int_equal(buf[3], '\0'); /* truncated but terminated */
	assert_false(cmdline_get_str("k=", "k", buf, 0));
	assert_true(cmdline_get_str("k=\"ab\"", "k", buf, sizeof(buf)));
	assert_string_equal(buf, "ab");
}

static void test_bool_values(void **state)
{
	(void)state;
	static const char *const yes[] = {"b", "b=1", "b=yes", "b=true", "b=on", "b=enable", "b=\"on\""};
	static const char *const no[] = {"no-b", "b=0", "b=no", "b=false", "b=off", "b=disable"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		assert_true(cmdline_get_bool(yes[i], "b", false));
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		assert_false(cmdline_get_bool(no[i], "b", true));
	/* Unreadable values are ignored. */
	assert_true(cmdline_get_bool("b=maybe", "b", true));
	assert_false(cmdline_get_bool("b=maybe", "b", false));
	assert_false(cmdline_get_bool("b=0 b=2", "b", true));
	assert_true(cmdline_get_bool("b=averyveryverylongvalue", "b", true));
	assert_false(cmdline_get_bool("b=", "b", false));
	/* "no-" alone is a key, not a negation of "" */
	assert_true(cmdline_get_bool("no-", "no-", false));
}

static void test_u64(void **state)
{
	(void)state;
	static const struct {
		const char *cl;
		uint64_t v;
	} good[] = {
	    {"n=0", 0},
	    {"n=12345", 12345},
	    {"n=0x1f", 0x1f},
	    {"n=0XABCdef", 0xabcdef},
	    {"n=007", 7},
	    {"n=4k", 4096},
	    {"n=4K", 4096},
	    {"n=3m", 3ULL << 20},
	    {"n=16G", 16ULL << 30},
	    {"n=2T", 2ULL << 40},
	    {"n=0x10M", 16ULL << 20},
	    {"n=18446744073709551615", UINT64_MAX},
	    {"n=0xffffffffffffffff", UINT64_MAX},
	    {"n=16777215T", 16777215ULL << 40},
	};
	static const char *const bad[] = {
	    "n=",
	    "n",
	    "no-n",
	    "n=abc",
	    "n=12a",
	    "n=0x",
	    "n=0xg",
	    "n=-1",
	    "n=+1",
	    "n=1KK",
	    "n=1KB",
	    "n=1.5",
	    "n=18446744073709551616",
	    "n=0x10000000000000000",
	    "n=16777216T",
	    "n=17179869184G",
	    "n=99999999999999999999999",
	    "n=K",
	    "n=0x1z",
	    "n=1\"2 3\"",
	};
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		v = 0xdead;
		if (!cmdline_get_u64(good[i].cl, "n", &v))
			fail_msg("rejected %s", good[i].cl);
		assert_int_equal(v, good[i].v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 0xdead;
		if (cmdline_get_u64(bad[i], "n", &v))
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(v, 0xdead);
	}
	assert_true(cmdline_parse_u64("42xyz", 2, &v));
	assert_int_equal(v, 42);
	assert_false(cmdline_parse_u64("42", 0, &v));
}

static void test_parse_size(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		unsigned int shift;
		uint64_t v;
	} good[] = {
	    {"16", 20, 16ULL << 20},
	    {"0", 20, 0},
	    {"0x10", 20, 16ULL << 20},
	    {"0x1f", 0, 0x1f},
	    {"4096", 0, 4096},
	    {"16M", 20, 16ULL << 20},
	    {"16m", 0, 16ULL << 20},
	    {"512K", 20, 512ULL << 10},
	    {"2G", 20, 2ULL << 30},
	    {"1T", 20, 1ULL << 40},
	    {"0x10k", 20, 16ULL << 10},
	    {"17592186044415", 20, 17592186044415ULL << 20},
	    {"18446744073709551615", 0, UINT64_MAX},
	    {"1", 63, 1ULL << 63},
	};
	static const struct {
		const char *s;
		unsigned int shift;
	} bad[] = {
	    {"", 20},    {"M", 20},    {"16MB", 20},      {"16 ", 20},
	    {"-16", 20}, {"1.5G", 20}, {"0x", 20},        {"17592186044416", 20}, /* 2^44 MiB = 2^64 bytes */
	    {"2", 63},   {"1", 64},    {"16777216T", 20},
	};
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		v = 0xdead;
		if (!cmdline_parse_size(good[i].s, strlen(good[i].s), good[i].shift, &v))
			fail_msg("rejected %s << %u", good[i].s, good[i].shift);
		assert_int_equal(v, good[i].v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 0xdead;
		if (cmdline_parse_size(bad[i].s, strlen(bad[i].s), bad[i].shift, &v))
			fail_msg("accepted %s << %u", bad[i].s, bad[i].shift);
		assert_int_equal(v, 0xdead);
	}
	/* Exactly len characters: what follows is not looked at. */
	assert_true(cmdline_parse_size("16M", 2, 20, &v));
	assert_int_equal(v, 16ULL << 20);
	assert_true(cmdline_parse_size("16M", 3, 0, &v));
	assert_int_equal(v, 16ULL << 20);
}

static void test_iterator(void **state)
{
	(void)state;
	const char *cl = "a=1 no-b c \"d\" e=\"x y\" =v no- -- dom0 args=1";
	const char *cur = cl;
	struct cmdline_token tok;
	char buf[16];

	assert_true(cmdline_next(&cur, &tok));
	assert_true(cmdline_token_is(&tok, "a"));
	assert_int_equal(cmdline_token_value(&tok, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "1");
	assert_true(cmdline_next(&cur, &tok));
	assert_true(tok.negated);
	assert_true(cmdline_token_is(&tok, "b"));
	assert_null(tok.val);
	assert_true(cmdline_next(&cur, &tok));
	assert_true(cmdline_token_is(&tok, "c"));
	assert_false(tok.negated);
	assert_true(cmdline_next(&cur, &tok));
	assert_true(cmdline_token_is(&tok, "\"d\""));
	assert_true(cmdline_next(&cur, &tok));
	assert_true(cmdline_token_is(&tok, "e"));
	assert_int_equal(tok.val_len, 5);
	assert_int_equal(cmdline_token_value(&tok, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "x y");
	assert_true(cmdline_next(&cur, &tok));
	assert_int_equal(tok.key_len, 0);
	assert_true(cmdline_token_is(&tok, ""));
	assert_true(cmdline_next(&cur, &tok));
	assert_true(cmdline_token_is(&tok, "no-"));
	assert_false(tok.negated);
	assert_false(cmdline_next(&cur, &tok));
	assert_false(cmdline_next(&cur, &tok)); /* stays at the end marker */
	assert_string_equal(cmdline_dom0_args(cl), "dom0 args=1");
	/* Options after -- are not the hypervisor's. */
	assert_false(cmdline_get_str(cl, "args", buf, sizeof(buf)));
}

static void test_dom0_args(void **state)
{
	(void)state;
	assert_null(cmdline_dom0_args("a=1 b"));
	assert_null(cmdline_dom0_args("a=-- b"));
	assert_null(cmdline_dom0_args("a --- b"));
	assert_string_equal(cmdline_dom0_args("a --"), "");
	assert_string_equal(cmdline_dom0_args("--   root=/dev/xvda1"), "root=/dev/xvda1");
	assert_false(cmdline_get_bool("-- x", "x", false));
}

static void test_very_long(void **state)
{
	(void)state;
	size_t cap = 200000, len = 0;
	char *cl = malloc(cap), *buf = malloc(8192);
	uint64_t v;

	assert_non_null(cl);
	assert_non_null(buf);
	for (int i = 0; i < 5000; i++)
		len += (size_t)snprintf(cl + len, cap - len, "opt%d=%d ", i, i);
	len += (size_t)snprintf(cl + len, cap - len, "big=\"");
	memset(cl + len, 'z', 5000);
	len += 5000;
	snprintf(cl + len, cap - len, "\" last=0x99");
	assert_true(cmdline_get_u64(cl, "opt4999", &v));
	assert_int_equal(v, 4999);
	assert_true(cmdline_get_u64(cl, "last", &v));
	assert_int_equal(v, 0x99);
	assert_true(cmdline_get_str(cl, "big", buf, 8192));
	assert_int_equal(strlen(buf), 5000);
	assert_false(cmdline_get_str(cl, "big", buf, 5000));
	free(cl);
	free(buf);
}

static void test_garbage(void **state)
{
	(void)state;
	static const char *const junk[] = {
	    "===",      "= = =x", "\"\"\"",  "a==b",      "\"a=b\"", "\x01\x02\x7f\xff=\xfe",
	    "a=\"\"\"", "-",      "no-no-x", "x=\"\"y\"",
	};
	char buf[16];

	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		const char *c = junk[i];
		struct cmdline_token tok;
		int n = 0;
		while (cmdline_next(&c, &tok))
			assert_true(++n < 100);
		(void)cmdline_get_str(junk[i], "a", buf, sizeof(buf));
	}
	assert_true(cmdline_get_str("a==b", "a", buf, sizeof(buf)));
	assert_string_equal(buf, "=b");
	assert_false(cmdline_get_bool("no-no-x", "x", false));
	assert_true(cmdline_get_bool("no-no-x", "no-x", true) == false);
}

static void test_com_good(void **state)
{
	(void)state;
	struct com_spec c;

	assert_true(cmdline_parse_com("com1,115200", &c));
	assert_int_equal(c.index, 1);
	assert_int_equal(c.io_base, 0x3f8);
	assert_int_equal(c.baud, 115200);
	assert_int_equal(c.data_bits, 8);
	assert_int_equal(c.parity, 'n');
	assert_int_equal(c.stop_bits, 1);

	assert_true(cmdline_parse_com("com2,9600n8", &c));
	assert_int_equal(c.io_base, 0x2f8);
	assert_int_equal(c.baud, 9600);
	assert_int_equal(c.data_bits, 8);
	assert_int_equal(c.parity, 'n');

	assert_true(cmdline_parse_com("com1,115200,0x3f8", &c));
	assert_int_equal(c.io_base, 0x3f8);

	assert_true(cmdline_parse_com("com3,57600,7e2,0x1000", &c));
	assert_int_equal(c.index, 3);
	assert_int_equal(c.io_base, 0x1000);
	assert_int_equal(c.baud, 57600);
	assert_int_equal(c.data_bits, 7);
	assert_int_equal(c.parity, 'e');
	assert_int_equal(c.stop_bits, 2);

	assert_true(cmdline_parse_com("com4", &c));
	assert_int_equal(c.io_base, 0x2e8);
	assert_int_equal(c.baud, 0);

	assert_true(cmdline_parse_com("COM3,1200,0x3e8,8o1", &c));
	assert_int_equal(c.io_base, 0x3e8);
	assert_int_equal(c.baud, 1200);
	assert_int_equal(c.parity, 'o');

	assert_true(cmdline_parse_com("com1,,0x2f8", &c));
	assert_int_equal(c.baud, 0);
	assert_int_equal(c.io_base, 0x2f8);

	assert_true(cmdline_parse_com("com2,auto,8n1", &c));
	assert_int_equal(c.baud, 0);
	assert_true(cmdline_parse_com("com1,38400,760", &c));
	assert_int_equal(c.io_base, 760);
}

static void test_com_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "com",
	    "com0",
	    "com5",
	    "com12",
	    "ttyS0",
	    "com1,,,",
	    "com1,110",
	    "com1,600",
	    "com1,115201",
	    "com1,230400",
	    "com1,100000",
	    "com1,9600x",
	    "com1,9600n9",
	    "com1,9600nn",
	    "com1,9600,8n1,8n1",
	    "com1,9600,0x3f8,0x2f8",
	    "com1,9600,8n1,0x3f8,x",
	    "com1,9600,0x10000",
	    "com1,9600,0",
	    "com1,9600,,",
	    "com1,9600,8x1",
	    "com1,-9600",
	    "com1 ,9600",
	};
	struct com_spec c = {.index = 99};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (cmdline_parse_com(bad[i], &c))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(c.index, 99); /* untouched on failure */
}

static void test_com_from_cmdline(void **state)
{
	(void)state;
	char buf[64];
	struct com_spec c;

	assert_true(cmdline_get_str("console=com1 com1=\"com2,19200n8\"", "com1", buf, sizeof(buf)));
	assert_true(cmdline_parse_com(buf, &c));
	assert_int_equal(c.io_base, 0x2f8);
	assert_int_equal(c.baud, 19200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_get_str_basic),
	    cmocka_unit_test(test_prefix_keys),
	    cmocka_unit_test(test_dash_underscore),
	    cmocka_unit_test(test_later_wins),
	    cmocka_unit_test(test_quotes),
	    cmocka_unit_test(test_unterminated_quote),
	    cmocka_unit_test(test_value_too_long),
	    cmocka_unit_test(test_bool_values),
	    cmocka_unit_test(test_u64),
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_iterator),
	    cmocka_unit_test(test_dom0_args),
	    cmocka_unit_test(test_very_long),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_com_good),
	    cmocka_unit_test(test_com_bad),
	    cmocka_unit_test(test_com_from_cmdline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
