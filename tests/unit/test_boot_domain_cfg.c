/* Unit tests for boot-time domain parameters in module command lines (kernel/boot_domain_cfg.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <mica/boot_domain_cfg.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/printk.h>
#include <mica/string.h>

#define MiB (1ULL << 20)
#define DEFAULT_MEM (64 * MiB)

void printk(const char *fmt, ...)
{
	(void)fmt;
}

static struct boot_domain_cfg cfg;
static char err[256];

/* Parses line, which must be accepted; the error buffer must stay empty. */
static void parse_ok(const char *line)
{
	memset(&cfg, 0xa5, sizeof(cfg));
	memset(err, 'x', sizeof(err));
	int rc = boot_domain_cfg_parse(line, DEFAULT_MEM, &cfg, err, sizeof(err));
	if (rc != 0)
		fail_msg("'%s' refused: %s", line, err);
	assert_string_equal(err, "");
}

/* The defaults for a line whose file name is file. */
static void assert_defaults(const char *file)
{
	assert_string_equal(cfg.file, file);
	assert_int_equal(strncmp(cfg.name, file, BOOT_DOMAIN_NAME_MAX - 1), 0);
	assert_int_equal(strlen(cfg.name), MIN(strlen(file), BOOT_DOMAIN_NAME_MAX - 1));
	assert_int_equal(cfg.memory, DEFAULT_MEM);
	assert_int_equal(cfg.maxmem, DEFAULT_MEM);
	assert_int_equal(cfg.cpus, UINT64_MAX);
	assert_int_equal(cfg.vcpus, 1);
	assert_int_equal(cfg.weight, 256);
	assert_int_equal(cfg.cap, 0);
	assert_int_equal(cfg.on_poweroff, BOOT_DOMAIN_DESTROY);
	assert_int_equal(cfg.on_reboot, BOOT_DOMAIN_RESTART);
	assert_int_equal(cfg.on_crash, BOOT_DOMAIN_DESTROY);
	assert_int_equal(cfg.domid, 0);
	assert_int_equal(cfg.given, 0);
}

/*
 * Parses line, which must be refused with a message starting with msg; then
 * cfg holds nothing but the defaults and no guest arguments.
 */
static void parse_bad(const char *line, const char *msg)
{
	memset(&cfg, 0xa5, sizeof(cfg));
	memset(err, 'x', sizeof(err));
	int rc = boot_domain_cfg_parse(line, DEFAULT_MEM, &cfg, err, sizeof(err));
	if (rc != -EINVAL)
		fail_msg("'%s' accepted (rc %d)", line, rc);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (strncmp(err, msg, strlen(msg)))
		fail_msg("'%s': message '%s', expected '%s...'", line, err, msg);
	assert_defaults(cfg.file);
	assert_string_equal(cfg.args, "");
	assert_ptr_equal(cfg.args, line + strlen(line));
}

static void test_file_only(void **state)
{
	(void)state;
	static const char *const lines[] = {"ping.elf", "  ping.elf", "ping.elf   ", "\tping.elf\n", "ping.elf --"};

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		parse_ok(lines[i]);
		assert_defaults("ping.elf");
		assert_string_equal(cfg.name, "ping.elf");
		assert_string_equal(cfg.args, "");
		assert_ptr_equal(cfg.args, lines[i] + strlen(lines[i]));
	}
}

static void test_empty_line(void **state)
{
	(void)state;
	static const char *const lines[] = {"", " ", "\t\r\n "};

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		parse_ok(lines[i]);
		assert_defaults("");
		assert_string_equal(cfg.name, "");
		assert_string_equal(cfg.args, "");
	}
}

static void test_every_key(void **state)
{
	(void)state;
	const char *line = "ping.elf name=ping memory=16M maxmem=32M vcpus=2 cpus=0-1,4 weight=512 cap=50 "
			   "on_poweroff=preserve on_reboot=destroy on_crash=restart domid=7 -- arg1  arg2 ";

	parse_ok(line);
	assert_string_equal(cfg.file, "ping.elf");
	assert_string_equal(cfg.name, "ping");
	assert_int_equal(cfg.memory, 16 * MiB);
	assert_int_equal(cfg.maxmem, 32 * MiB);
	assert_int_equal(cfg.vcpus, 2);
	assert_int_equal(cfg.cpus, 0x13);
	assert_int_equal(cfg.weight, 512);
	assert_int_equal(cfg.cap, 50);
	assert_int_equal(cfg.on_poweroff, BOOT_DOMAIN_PRESERVE);
	assert_int_equal(cfg.on_reboot, BOOT_DOMAIN_DESTROY);
	assert_int_equal(cfg.on_crash, BOOT_DOMAIN_RESTART);
	assert_int_equal(cfg.domid, 7);
	assert_int_equal(cfg.given, (1u << BOOT_DOMAIN_NR_PARAMS) - 1);
	assert_string_equal(cfg.args, "arg1  arg2 ");
	assert_ptr_equal(cfg.args, strstr(line, "arg1"));
}

/* Each key alone sets its own bit in given and nothing else. */
static void test_given_bits(void **state)
{
	(void)state;
	static const char *const lines[BOOT_DOMAIN_NR_PARAMS] = {
	    [BOOT_DOMAIN_PARAM_NAME] = "f name=f",
	    [BOOT_DOMAIN_PARAM_MEMORY] = "f memory=64",
	    [BOOT_DOMAIN_PARAM_MAXMEM] = "f maxmem=64",
	    [BOOT_DOMAIN_PARAM_VCPUS] = "f vcpus=1",
	    [BOOT_DOMAIN_PARAM_CPUS] = "f cpus=all",
	    [BOOT_DOMAIN_PARAM_WEIGHT] = "f weight=256",
	    [BOOT_DOMAIN_PARAM_CAP] = "f cap=0",
	    [BOOT_DOMAIN_PARAM_ON_POWEROFF] = "f on_poweroff=destroy",
	    [BOOT_DOMAIN_PARAM_ON_REBOOT] = "f on_reboot=restart",
	    [BOOT_DOMAIN_PARAM_ON_CRASH] = "f on_crash=destroy",
	    [BOOT_DOMAIN_PARAM_DOMID] = "f domid=1",
	};

	for (unsigned int i = 0; i < BOOT_DOMAIN_NR_PARAMS; i++) {
		parse_ok(lines[i]);
		assert_int_equal(cfg.given, BOOT_DOMAIN_GIVEN(i));
		if (i == BOOT_DOMAIN_PARAM_DOMID)
			assert_int_equal(cfg.domid, 1);
		else
			assert_int_equal(cfg.domid, 0);
		assert_string_equal(cfg.args, "");
	}
}

/* Where the parameters end and the guest's arguments begin. */
static void test_end_of_params(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		const char *args;
		uint64_t memory; /* MiB */
	} cases[] = {
	    {"file ping", "ping", 64},
	    {"file memory=16M", "", 16},
	    {"file -- memory=16M", "memory=16M", 64},
	    {"file memory=16M -- memory=32M", "memory=32M", 16},
	    {"file memory=16M ping", "ping", 16},
	    {"file memory=16M -- a  b", "a  b", 16},
	    {"file memory=16M --", "", 16},
	    {"file memory=16M --   ", "", 16},
	    {"file -- -- x", "-- x", 64},
	    {"file --\tx", "x", 64},
	    {"file ping memory=16M", "ping memory=16M", 64},
	    {"file ping -- memory=16M", "ping -- memory=16M", 64},
	    {"file unknown=1 memory=16M", "unknown=1 memory=16M", 64},
	    {"file memory", "memory", 64},
	    {"file memory -- x", "memory -- x", 64},
	    {"file no-memory", "no-memory", 64},
	    {"file no-memory=16M", "no-memory=16M", 64},
	    {"file Memory=16M", "Memory=16M", 64},
	    {"file MEMORY=16M", "MEMORY=16M", 64},
	    {"file mem=16M", "mem=16M", 64},
	    {"file memoryx=16M", "memoryx=16M", 64},
	    {"file =16M", "=16M", 64},
	    {"file memory=16M --x", "--x", 16},
	    {"file --=x", "--=x", 64},
	    {"file memory=16M - x", "- x", 16},
	    {"file memory=16M ---", "---", 16},
	    {"file root=\"a b\" memory=16M", "root=\"a b\" memory=16M", 64},
	    {"file \"memory=16M\"", "\"memory=16M\"", 64},
	    {"file memory=16M console=hvc0 ", "console=hvc0 ", 16},
	    {"memory=16M", "", 64}, /* the first word is always the file name */
	    {"file\tmemory=16M\t\tx\ty", "x\ty", 16},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		parse_ok(cases[i].line);
		if (strcmp(cfg.args, cases[i].args))
			fail_msg("'%s': args '%s', expected '%s'", cases[i].line, cfg.args, cases[i].args);
		assert_int_equal(cfg.memory, cases[i].memory * MiB);
		/* args point into the line */
		assert_true(cfg.args >= cases[i].line && cfg.args <= cases[i].line + strlen(cases[i].line));
	}
	parse_ok("memory=16M");
	assert_string_equal(cfg.file, "memory=16M");
}

/* As on the hypervisor command line, '-' and '_' are the same in keys. */
static void test_dash_underscore(void **state)
{
	(void)state;
	parse_ok("f on-crash=restart on-poweroff=preserve on_reboot=destroy");
	assert_int_equal(cfg.on_crash, BOOT_DOMAIN_RESTART);
	assert_int_equal(cfg.on_poweroff, BOOT_DOMAIN_PRESERVE);
	assert_int_equal(cfg.on_reboot, BOOT_DOMAIN_DESTROY);
	parse_bad("f on-crash=restart on_crash=destroy", "on_crash=destroy: on_crash is given twice");
}

static void test_name(void **state)
{
	(void)state;
	static const char *const good[] = {"a", "Z", "0",          "_",
					   ".", "-", "ping-1.2_x", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcde"};
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
	    {"f name=", "name=: a name has 1 to 31 characters"},
	    {"f name=\"\"", "name=: a name has 1 to 31 characters"},
	    {"f name=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", "name=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef: a name has 1 to 31"},
	    {"f name=a/b", "name=a/b: '/' is not allowed in a name"},
	    {"f name=a:b", "name=a:b: ':' is not allowed in a name"},
	    {"f name=a=b", "name=a=b: '=' is not allowed in a name"},
	    {"f name=\"a b\"", "name=a b: byte 0x20 is not allowed in a name"},
	    {"f name=a\x01", "name=a\x01: byte 0x01 is not allowed in a name"},
	    {"f name=\xc3\xa9t\xc3\xa9", "name=\xc3\xa9t\xc3\xa9: byte 0xc3 is not allowed in a name"},
	    {"f name=a\x7f", "name=a\x7f: byte 0x7f is not allowed in a name"},
	    {"f name=a~", "name=a~: '~' is not allowed"},
	};
	char line[64];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(line, sizeof(line), "file.elf name=%s", good[i]);
		parse_ok(line);
		assert_string_equal(cfg.name, good[i]);
		assert_string_equal(cfg.file, "file.elf");
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		parse_bad(bad[i].line, bad[i].msg);

	/* The default name is the file name, whatever it holds, cut to 31 characters. */
	parse_ok("/boot/a-rather-long-file-name-for-a-guest.elf x");
	assert_string_equal(cfg.file, "/boot/a-rather-long-file-name-for-a-guest.elf");
	assert_string_equal(cfg.name, "/boot/a-rather-long-file-name-f");
	parse_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZabcde");
	assert_string_equal(cfg.name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcde");
}

static void test_memory(void **state)
{
	(void)state;
	static const struct {
		const char *val;
		uint64_t bytes;
	} good[] = {
	    {"16", 16 * MiB},
	    {"2", 2 * MiB},
	    {"0x10", 16 * MiB},
	    {"016", 16 * MiB},
	    {"16M", 16 * MiB},
	    {"16m", 16 * MiB},
	    {"2048K", 2 * MiB},
	    {"2048k", 2 * MiB},
	    {"2049K", 2052ULL << 10}, /* page aligned up */
	    {"2045K", 2 * MiB},       /* aligned up into the range */
	    {"2G", 2048 * MiB},
	    {"1T", 1ULL << 40},
	    {"1048576", 1ULL << 40},
	    {"1024G", 1ULL << 40},
	    {"1073741821K", 1ULL << 40}, /* aligned up to exactly 1 TiB */
	    {"\"16M\"", 16 * MiB},
	};
	static const struct {
		const char *val;
		const char *msg;
	} bad[] = {
	    {"", "memory=: not a size"},
	    {"abc", "memory=abc: not a size (a number of MiB, or a number with a K, M, G or T suffix)"},
	    {"16MB", "memory=16MB: not a size"},
	    {"-16", "memory=-16: not a size"},
	    {"+16", "memory=+16: not a size"},
	    {"1.5G", "memory=1.5G: not a size"},
	    {"M", "memory=M: not a size"},
	    {"0x", "memory=0x: not a size"},
	    {"16P", "memory=16P: not a size"},
	    {"99999999999999999999", "memory=99999999999999999999: not a size"},
	    {"17592186044416", "memory=17592186044416: not a size"}, /* 2^64 bytes in MiB */
	    {"0", "memory=0: out of range (2M to 1T)"},
	    {"1", "memory=1: out of range (2M to 1T)"},
	    {"1K", "memory=1K: out of range (2M to 1T)"},
	    {"2044K", "memory=2044K: out of range (2M to 1T)"},
	    {"1073741825K", "memory=1073741825K: out of range (2M to 1T)"},
	    {"1048577", "memory=1048577: out of range (2M to 1T)"},
	    {"1025G", "memory=1025G: out of range (2M to 1T)"},
	    {"2T", "memory=2T: out of range (2M to 1T)"},
	    {"16777215T", "memory=16777215T: out of range (2M to 1T)"},
	    {"18446744073709551615", "memory=18446744073709551615: not a size"},
	    {"17592186044415", "memory=17592186044415: out of range (2M to 1T)"},
	    {"\"16M", "memory=16M: unterminated quote"},
	};
	char line[96];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(line, sizeof(line), "f memory=%s", good[i].val);
		parse_ok(line);
		assert_int_equal(cfg.memory, good[i].bytes);
		assert_int_equal(cfg.maxmem, good[i].bytes); /* maxmem follows memory */
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(line, sizeof(line), "f memory=%s", bad[i].val);
		parse_bad(line, bad[i].msg);
	}
}

static void test_maxmem(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		uint64_t memory, maxmem; /* bytes */
	} good[] = {
	    {"f maxmem=128", 64 * MiB, 128 * MiB},
	    {"f maxmem=64M", 64 * MiB, 64 * MiB},
	    {"f memory=16 maxmem=32", 16 * MiB, 32 * MiB},
	    {"f maxmem=32 memory=16", 16 * MiB, 32 * MiB},
	    {"f memory=16 maxmem=16", 16 * MiB, 16 * MiB},
	    {"f memory=16 maxmem=16385K", 16 * MiB, 16388ULL << 10},
	    {"f memory=16 maxmem=16381K", 16 * MiB, 16 * MiB}, /* equal once aligned */
	    {"f maxmem=1T", 64 * MiB, 1ULL << 40},
	};
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
	    {"f maxmem=32", "maxmem=32M: below memory (64M)"},
	    {"f memory=16 maxmem=8", "maxmem=8M: below memory (16M)"},
	    {"f maxmem=8 memory=16", "maxmem=8M: below memory (16M)"},
	    {"f memory=2052K maxmem=2M", "maxmem=2M: below memory (2052K)"},
	    {"f memory=16 maxmem=16380K", "maxmem=16380K: below memory (16M)"},
	    {"f maxmem=abc", "maxmem=abc: not a size"},
	    {"f maxmem=1M", "maxmem=1M: out of range (2M to 1T)"},
	    {"f maxmem=2T", "maxmem=2T: out of range (2M to 1T)"},
	    {"f maxmem=", "maxmem=: not a size"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		parse_ok(good[i].line);
		assert_int_equal(cfg.memory, good[i].memory);
		assert_int_equal(cfg.maxmem, good[i].maxmem);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		parse_bad(bad[i].line, bad[i].msg);
}

/* The caller's default memory is aligned and checked like memory=, unless memory= is given. */
static void test_default_memory(void **state)
{
	(void)state;
	static const struct {
		uint64_t def, memory;
	} good[] = {
	    {2 * MiB, 2 * MiB},       {64 * MiB + 1, 64 * MiB + 4096}, {2 * MiB - 4095, 2 * MiB},
	    {1ULL << 40, 1ULL << 40}, {(1ULL << 40) - 1, 1ULL << 40},
	};
	static const uint64_t bad[] = {0, 1, 2 * MiB - 4096, (1ULL << 40) + 1, UINT64_MAX, UINT64_MAX - 4094};
	struct boot_domain_cfg c;
	char e[128];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		assert_int_equal(boot_domain_cfg_parse("f", good[i].def, &c, e, sizeof(e)), 0);
		assert_int_equal(c.memory, good[i].memory);
		assert_int_equal(c.maxmem, good[i].memory);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(boot_domain_cfg_parse("f x", bad[i], &c, e, sizeof(e)), -EINVAL);
		assert_string_equal(e + strlen(e) - strlen("is out of range (2M to 1T)"), "is out of range (2M to 1T)");
		assert_int_equal(strncmp(e, "memory: the default of ", 23), 0);
		assert_string_equal(c.args, "");
		/* memory= makes the default irrelevant */
		assert_int_equal(boot_domain_cfg_parse("f memory=8 x", bad[i], &c, e, sizeof(e)), 0);
		assert_int_equal(c.memory, 8 * MiB);
		assert_string_equal(c.args, "x");
	}
	assert_int_equal(boot_domain_cfg_parse("f", 0, &c, e, sizeof(e)), -EINVAL);
	assert_string_equal(e, "memory: the default of 0 bytes is out of range (2M to 1T)");
}

/* Plain decimal numbers in a range: vcpus=, weight=, cap=, domid=. */
static void test_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *key;
		unsigned int min, max;
		size_t offset;
		size_t size;
	} keys[] = {
	    {"vcpus", 1, DOMAIN_MAX_VCPUS, offsetof(struct boot_domain_cfg, vcpus), sizeof(cfg.vcpus)},
	    {"weight", 1, 65535, offsetof(struct boot_domain_cfg, weight), sizeof(cfg.weight)},
	    {"cap", 0, 6400, offsetof(struct boot_domain_cfg, cap), sizeof(cfg.cap)},
	    {"domid", 1, DOMAIN_ID_MAX - 1, offsetof(struct boot_domain_cfg, domid), sizeof(cfg.domid)},
	};
	static const struct {
		const char *val, *shown; /* as written, as in the message */
	} malformed[] =
	    {
		{"", ""},       {"x", "x"},   {"1x", "1x"},     {"0x1", "0x1"},
		{"1K", "1K"},   {"-1", "-1"}, {"+1", "+1"},     {"1.0", "1.0"},
		{"1e2", "1e2"}, {"\"\"", ""}, {"\"1\"x", "1x"}, {" 1", ""}, /* "key=" alone, then the guest's "1" */
	    };
	char line[96], msg[96];

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		const unsigned int vals[] = {keys[k].min, keys[k].min + 1, keys[k].max - 1, keys[k].max};
		for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
			snprintf(line, sizeof(line), "f %s=%u g", keys[k].key, vals[i]);
			parse_ok(line);
			uint64_t v = 0;
			memcpy(&v, (char *)&cfg + keys[k].offset, keys[k].size);
			assert_int_equal(v, vals[i]);
			assert_string_equal(cfg.args, "g");
		}
		snprintf(line, sizeof(line), "f %s=007", keys[k].key);
		parse_ok(line);

		const uint64_t out[] = {(uint64_t)keys[k].max + 1, 1ULL << 32, UINT64_MAX};
		for (size_t i = 0; i < ARRAY_SIZE(out); i++) {
			snprintf(line, sizeof(line), "f %s=%llu", keys[k].key, (unsigned long long)out[i]);
			snprintf(msg, sizeof(msg), "%s=%llu: out of range (%u to %u)", keys[k].key,
				 (unsigned long long)out[i], keys[k].min, keys[k].max);
			parse_bad(line, msg);
			assert_string_equal(err, msg);
		}
		if (keys[k].min > 0) {
			snprintf(line, sizeof(line), "f %s=0", keys[k].key);
			snprintf(msg, sizeof(msg), "%s=0: out of range (%u to %u)", keys[k].key, keys[k].min,
				 keys[k].max);
			parse_bad(line, msg);
		}
		for (size_t i = 0; i < ARRAY_SIZE(malformed); i++) {
			snprintf(line, sizeof(line), "f %s=%s", keys[k].key, malformed[i].val);
			snprintf(msg, sizeof(msg), "%s=%s: not a decimal number", keys[k].key, malformed[i].shown);
			parse_bad(line, msg);
			assert_string_equal(err, msg);
		}
	}
	parse_ok("f");
	assert_int_equal(cfg.vcpus, 1);
	assert_int_equal(cfg.weight, 256);
	assert_int_equal(cfg.cap, 0);
	assert_int_equal(cfg.domid, 0);
}

static void test_cpus(void **state)
{
	(void)state;
	static const struct {
		const char *val;
		uint64_t mask;
	} good[] = {
	    {"all", UINT64_MAX},
	    {"0", 0x1},
	    {"63", 1ULL << 63},
	    {"0-3,5,7", 0xaf},
	    {"0-63", UINT64_MAX},
	    {"1-63", UINT64_MAX - 1},
	    {"0-62", UINT64_MAX >> 1},
	    {"62-63", 3ULL << 62},
	    {"5-5", 0x20},
	    {"5,5", 0x20},
	    {"0-3,2-5", 0x3f},
	    {"7,0", 0x81},
	    {"000,010", 0x401},
	    {"\"0-1\"", 0x3},
	    {"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,"
	     "37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63",
	     UINT64_MAX},
	};
	static const struct {
		const char *val;
		const char *msg;
	} bad[] = {
	    {"", "cpus=: an empty CPU list"},
	    {",", "cpus=,: empty element in the CPU list"},
	    {"0,", "cpus=0,: empty element in the CPU list"},
	    {",0", "cpus=,0: empty element in the CPU list"},
	    {"0,,1", "cpus=0,,1: empty element in the CPU list"},
	    {"64", "cpus=64: '64': CPU numbers are below 64"},
	    {"0-64", "cpus=0-64: '0-64': CPU numbers are below 64"},
	    {"64-65", "cpus=64-65: '64-65': CPU numbers are below 64"},
	    {"1,99999999999999999999999", "cpus=1,99999999999999999999999: '99999999999999999999999': CPU numbers"},
	    {"3-1", "cpus=3-1: '3-1' is a reversed range"},
	    {"0,63-62", "cpus=0,63-62: '63-62' is a reversed range"},
	    {"1-", "cpus=1-: '1-' is not a CPU number or a range like 0-3"},
	    {"-1", "cpus=-1: '-1' is not a CPU number or a range like 0-3"},
	    {"-", "cpus=-: '-' is not a CPU number or a range like 0-3"},
	    {"1-2-3", "cpus=1-2-3: '1-2-3' is not a CPU number"},
	    {"a", "cpus=a: 'a' is not a CPU number"},
	    {"0x1", "cpus=0x1: '0x1' is not a CPU number"},
	    {"1K", "cpus=1K: '1K' is not a CPU number"},
	    {"all,1", "cpus=all,1: 'all' is not a CPU number"},
	    {"1,all", "cpus=1,all: 'all' is not a CPU number"},
	    {"ALL", "cpus=ALL: 'ALL' is not a CPU number"},
	    {"none", "cpus=none: 'none' is not a CPU number"},
	    {"^1", "cpus=^1: '^1' is not a CPU number"},
	    {"0;1", "cpus=0;1: '0;1' is not a CPU number"},
	    {"\"0 1\"", "cpus=0 1: '0 1' is not a CPU number"},
	};
	char line[320];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(line, sizeof(line), "f cpus=%s", good[i].val);
		parse_ok(line);
		assert_int_equal(cfg.cpus, good[i].mask);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(line, sizeof(line), "f cpus=%s", bad[i].val);
		parse_bad(line, bad[i].msg);
	}
}

static void test_actions(void **state)
{
	(void)state;
	static const char *const keys[] = {"on_poweroff", "on_reboot", "on_crash"};
	static const char *const names[] = {"destroy", "restart", "preserve"};
	static const char *const bad[] = {
	    "",           "Destroy",  "DESTROY", "reboot", "rename-restart", "coredump-destroy",
	    "soft-reset", "destroyx", "restar",  "\"\""};
	char line[96], msg[128];

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		for (size_t a = 0; a < ARRAY_SIZE(names); a++) {
			snprintf(line, sizeof(line), "f %s=%s", keys[k], names[a]);
			parse_ok(line);
			enum boot_domain_action got = k == 0 ? cfg.on_poweroff : k == 1 ? cfg.on_reboot : cfg.on_crash;
			assert_int_equal(got, a);
			assert_string_equal(boot_domain_action_name(got), names[a]);
		}
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			snprintf(line, sizeof(line), "f %s=%s", keys[k], bad[i]);
			snprintf(msg, sizeof(msg), "%s=%s: not destroy, restart or preserve", keys[k],
				 strcmp(bad[i], "\"\"") ? bad[i] : "");
			parse_bad(line, msg);
			assert_string_equal(err, msg);
		}
	}
	assert_string_equal(boot_domain_action_name(BOOT_DOMAIN_DESTROY), "destroy");
	assert_string_equal(boot_domain_action_name(BOOT_DOMAIN_RESTART), "restart");
	assert_string_equal(boot_domain_action_name(BOOT_DOMAIN_PRESERVE), "preserve");
	assert_string_equal(boot_domain_action_name((enum boot_domain_action)3), "?");
	assert_string_equal(boot_domain_action_name((enum boot_domain_action)99), "?");
}

static void test_duplicates(void **state)
{
	(void)state;
	static const struct {
		const char *line, *msg;
	} cases[] = {
	    {"f name=a name=b", "name=b: name is given twice"},
	    {"f memory=16 memory=16", "memory=16: memory is given twice"},
	    {"f maxmem=64 maxmem=128", "maxmem=128: maxmem is given twice"},
	    {"f vcpus=1 vcpus=2", "vcpus=2: vcpus is given twice"},
	    {"f cpus=0 cpus=1", "cpus=1: cpus is given twice"},
	    {"f weight=1 weight=2", "weight=2: weight is given twice"},
	    {"f cap=1 cap=2", "cap=2: cap is given twice"},
	    {"f on_poweroff=destroy on_poweroff=restart", "on_poweroff=restart: on_poweroff is given twice"},
	    {"f on_reboot=restart on-reboot=restart", "on_reboot=restart: on_reboot is given twice"},
	    {"f on_crash=destroy on_crash=preserve", "on_crash=preserve: on_crash is given twice"},
	    {"f domid=1 domid=2", "domid=2: domid is given twice"},
	    {"f cap=1 cap=x", "cap=x: cap is given twice"}, /* refused before the value is read */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		parse_bad(cases[i].line, cases[i].msg);
		assert_string_equal(err, cases[i].msg);
	}
	/* The same key twice with something between: still one domain, still refused. */
	parse_bad("f memory=16 vcpus=2 memory=32", "memory=32: memory is given twice");
	/* After the parameters, a key is the guest's business. */
	parse_ok("f memory=16 -- memory=32");
	assert_int_equal(cfg.memory, 16 * MiB);
	assert_string_equal(cfg.args, "memory=32");
	parse_ok("f memory=16 x memory=32");
	assert_string_equal(cfg.args, "x memory=32");
}

/* An error leaves nothing of the line applied; the first error is the one reported. */
static void test_error_is_atomic(void **state)
{
	(void)state;
	parse_bad("ping.elf name=ping memory=16 vcpus=2 cpus=1 weight=9 cap=5 on_crash=restart domid=3 maxmem=x -- a",
		  "maxmem=x: not a size");
	assert_string_equal(cfg.file, "ping.elf");
	assert_string_equal(cfg.name, "ping.elf");
	parse_bad("ping.elf vcpus=9 memory=x", "vcpus=9: out of range (1 to 8)");
	parse_bad("ping.elf memory=16 maxmem=8 vcpus=2", "maxmem=8M: below memory (16M)");
	assert_int_equal(cfg.vcpus, 1);
	/* An error in a word after the parameters is none: it is the guest's. */
	parse_ok("ping.elf vcpus=2 -- vcpus=99");
	assert_int_equal(cfg.vcpus, 2);
	parse_ok("ping.elf vcpus=2 x vcpus=99");
	assert_string_equal(cfg.args, "x vcpus=99");
}

static void test_err_buffer(void **state)
{
	(void)state;
	struct boot_domain_cfg c;
	char small[8];

	memset(small, 'x', sizeof(small));
	assert_int_equal(boot_domain_cfg_parse("f vcpus=99", DEFAULT_MEM, &c, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "vcpus=9");
	memset(small, 'x', sizeof(small));
	assert_int_equal(boot_domain_cfg_parse("f memory=1", DEFAULT_MEM, &c, small, 1), -EINVAL);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], 'x');
	assert_int_equal(boot_domain_cfg_parse("f memory=1", DEFAULT_MEM, &c, small, 0), -EINVAL);
	assert_int_equal(small[1], 'x');
	assert_int_equal(boot_domain_cfg_parse("f memory=1", DEFAULT_MEM, &c, NULL, 0), -EINVAL);
	assert_int_equal(boot_domain_cfg_parse("f memory=1 -- x", DEFAULT_MEM, &c, NULL, 0), -EINVAL);
	assert_int_equal(c.memory, DEFAULT_MEM);
	assert_int_equal(boot_domain_cfg_parse("f memory=2 -- x", DEFAULT_MEM, &c, NULL, 0), 0);
	assert_string_equal(c.args, "x");
	assert_int_equal(boot_domain_cfg_parse("f", 0, &c, NULL, 0), -EINVAL);
	/* Success clears a previous message. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(boot_domain_cfg_parse("f", DEFAULT_MEM, &c, small, sizeof(small)), 0);
	assert_string_equal(small, "");
}

static void test_quotes(void **state)
{
	(void)state;
	parse_ok("f name=\"ping\" memory=\"16\"M cpus=\"0\",1 x");
	assert_string_equal(cfg.name, "ping");
	assert_int_equal(cfg.memory, 16 * MiB);
	assert_int_equal(cfg.cpus, 0x3);
	assert_string_equal(cfg.args, "x");
	parse_bad("f name=\"ping", "name=ping: unterminated quote");
	parse_bad("f vcpus=1 name=\"ping x y", "name=ping x y: unterminated quote");
	parse_bad("f on_crash=\"restart\"\"", "on_crash=restart: unterminated quote");
}

/* A NUL-terminated copy of s in a buffer of exactly its size, so ASan sees any overread. */
static char *exact(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

static void test_long_lines(void **state)
{
	(void)state;
	const size_t max = BOOT_MODULE_CMDLINE_MAX - 1; /* the longest module command line */
	char buf[2 * BOOT_MODULE_CMDLINE_MAX];
	char *line;

	/* A file name filling the whole line. */
	memset(buf, 'a', max);
	buf[max] = '\0';
	line = exact(buf);
	parse_ok(line);
	assert_int_equal(strlen(cfg.file), max);
	assert_int_equal(strlen(cfg.name), BOOT_DOMAIN_NAME_MAX - 1);
	assert_string_equal(cfg.args, "");
	free(line);

	/* Parameters, then guest arguments up to the end. */
	int n = snprintf(buf, sizeof(buf), "g.elf name=long memory=1T vcpus=8 cpus=0-63 --");
	memset(buf + n, 'z', max - (size_t)n);
	buf[max] = '\0';
	buf[n] = ' ';
	line = exact(buf);
	parse_ok(line);
	assert_string_equal(cfg.name, "long");
	assert_int_equal(cfg.memory, 1ULL << 40);
	assert_int_equal(strlen(cfg.args), max - (size_t)n - 1);
	assert_ptr_equal(cfg.args, line + n + 1);
	free(line);

	/* A CPU list filling the line: "10" then ",d" pairs up to the very end. */
	n = snprintf(buf, sizeof(buf), "g cpus=10");
	while ((size_t)n < max)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",%d", (n / 2) % 10);
	assert_int_equal(n, max);
	line = exact(buf);
	parse_ok(line);
	assert_int_equal(cfg.cpus, 0x7ff);
	assert_string_equal(cfg.args, "");
	/* ... and with a bad last element, right at the end. */
	line[max - 3] = '1'; /* ",c,d" becomes ",164" */
	line[max - 2] = '6';
	line[max - 1] = '4';
	parse_bad(line, "cpus=10,");
	{
		char e[2 * BOOT_MODULE_CMDLINE_MAX];
		struct boot_domain_cfg c;
		assert_int_equal(boot_domain_cfg_parse(line, DEFAULT_MEM, &c, e, sizeof(e)), -EINVAL);
		assert_string_equal(strstr(e, ": "), ": '164': CPU numbers are below 64");
	}
	free(line);

	/* Long values refused with a message cut to the caller's buffer. */
	n = snprintf(buf, sizeof(buf), "g name=");
	memset(buf + n, 'n', max - (size_t)n);
	buf[max] = '\0';
	line = exact(buf);
	parse_bad(line, "name=nnnnnnnnnnnn");
	assert_int_equal(strlen(err), sizeof(err) - 1);
	free(line);
	n = snprintf(buf, sizeof(buf), "g memory=");
	memset(buf + n, '1', max - (size_t)n);
	buf[max] = '\0';
	line = exact(buf);
	parse_bad(line, "memory=1111");
	free(line);

	/* Longer than any module command line: still parsed safely, or refused. */
	memset(buf, 'b', max + 1);
	buf[max + 1] = '\0';
	line = exact(buf);
	parse_bad(line, "file name longer than 511 characters");
	assert_int_equal(strlen(cfg.file), max);
	assert_int_equal(strlen(cfg.name), BOOT_DOMAIN_NAME_MAX - 1);
	free(line);
	n = snprintf(buf, sizeof(buf), "g name=");
	memset(buf + n, 'v', sizeof(buf) - 1 - (size_t)n);
	buf[sizeof(buf) - 1] = '\0';
	line = exact(buf);
	parse_bad(line, "name=vvvv");
	assert_non_null(strstr(err, "vvv"));
	free(line);
	{
		char e[600];
		struct boot_domain_cfg c;
		assert_int_equal(boot_domain_cfg_parse(buf, DEFAULT_MEM, &c, e, sizeof(e)), -EINVAL);
		assert_string_equal(e + strlen(e) - strlen(": value longer than 511 characters"),
				    ": value longer than 511 characters");
	}
	n = snprintf(buf, sizeof(buf), "g memory=16 --");
	memset(buf + n, 'w', sizeof(buf) - 1 - (size_t)n);
	buf[n] = ' ';
	buf[sizeof(buf) - 1] = '\0';
	line = exact(buf);
	parse_ok(line);
	assert_int_equal(strlen(cfg.args), sizeof(buf) - 2 - (size_t)n);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_only),
	    cmocka_unit_test(test_empty_line),
	    cmocka_unit_test(test_every_key),
	    cmocka_unit_test(test_given_bits),
	    cmocka_unit_test(test_end_of_params),
	    cmocka_unit_test(test_dash_underscore),
	    cmocka_unit_test(test_name),
	    cmocka_unit_test(test_memory),
	    cmocka_unit_test(test_maxmem),
	    cmocka_unit_test(test_default_memory),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_cpus),
	    cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_error_is_atomic),
	    cmocka_unit_test(test_err_buffer),
	    cmocka_unit_test(test_quotes),
	    cmocka_unit_test(test_long_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
