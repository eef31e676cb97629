/* Unit tests for the mica.cfg parser (arch/x86/efi/config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static struct mica_cfg cfg;
static struct mica_cfg_error err;

static int parse(const char *text, const char *section)
{
	return mica_cfg_parse(text, strlen(text), section, &cfg, &err);
}

/* Expects a parse error on `line` whose message contains `needle`. */
static void expect_error(const char *text, const char *section, unsigned int line, const char *needle)
{
	assert_int_equal(parse(text, section), -1);
	assert_int_equal(err.line, line);
	if (!strstr(err.msg, needle))
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
	assert_string_equal(cfg.section, "");
}

static const char full_cfg[] = "# Mica boot configuration\n"
			       "[global]\n"
			       "default=second\n"
			       "\n"
			       "[first]\n"
			       "options=console=com1\n"
			       "kernel=dom0-a.elf console=hvc0\n"
			       "\n"
			       "[second]\n"
			       "options=console=com1,vga loglvl=all\n"
			       "kernel=dom0.elf console=hvc0 root=/dev/xvda\n"
			       "ramdisk=initrd.img\n"
			       "module=one.bin a=1\n"
			       "module=two.bin\n"
			       "module=three.bin b c\n";

static void test_default_section(void **state)
{
	(void)state;
	assert_int_equal(parse(full_cfg, NULL), 0);
	assert_string_equal(cfg.section, "second");
	assert_string_equal(cfg.hypervisor, "mica.elf");
	assert_string_equal(cfg.options, "console=com1,vga loglvl=all");
	assert_string_equal(cfg.kernel, "dom0.elf console=hvc0 root=/dev/xvda");
	assert_string_equal(cfg.ramdisk, "initrd.img");
	assert_int_equal(cfg.nr_modules, 3);
	assert_string_equal(cfg.modules[0], "one.bin a=1");
	assert_string_equal(cfg.modules[1], "two.bin");
	assert_string_equal(cfg.modules[2], "three.bin b c");
}

static void test_explicit_section(void **state)
{
	(void)state;
	assert_int_equal(parse(full_cfg, "first"), 0);
	assert_string_equal(cfg.section, "first");
	assert_string_equal(cfg.options, "console=com1");
	assert_string_equal(cfg.kernel, "dom0-a.elf console=hvc0");
	assert_string_equal(cfg.ramdisk, "");
	assert_int_equal(cfg.nr_modules, 0);
}

static void test_first_section_without_default(void **state)
{
	(void)state;
	assert_int_equal(parse("[a]\nkernel=a.elf\n[b]\nkernel=b.elf\n", NULL), 0);
	assert_string_equal(cfg.section, "a");
	assert_string_equal(cfg.kernel, "a.elf");
	/* [global] first, without default=: still the first boot section. */
	assert_int_equal(parse("[global]\n[b]\nkernel=b.elf\n[c]\n", NULL), 0);
	assert_string_equal(cfg.section, "b");
}

static void test_whitespace_comments_crlf(void **state)
{
	(void)state;
	const char *text = "\xef\xbb\xbf# bom, then comments\r\n"
			   "   # indented comment\r\n"
			   "\t\r\n"
			   "[ global ]\r\n"
			   "  default =  x  \r\n"
			   "[x]\r\n"
			   "options\t=\t a=1 # not a comment \r\n"
			   "kernel = k.elf  arg  \r\n"
			   "module=m.bin";
	assert_int_equal(parse(text, NULL), 0);
	assert_string_equal(cfg.section, "x");
	assert_string_equal(cfg.options, "a=1 # not a comment");
	assert_string_equal(cfg.kernel, "k.elf  arg");
	assert_int_equal(cfg.nr_modules, 1);
	assert_string_equal(cfg.modules[0], "m.bin");
}

static void test_hypervisor_key(void **state)
{
	(void)state;
	const char *text = "[a]\nhypervisor=own.elf\n[global]\nhypervisor=glob.elf\n[b]\n";
	assert_int_equal(parse(text, "a"), 0);
	assert_string_equal(cfg.hypervisor, "own.elf"); /* section beats [global] */
	assert_int_equal(parse(text, "b"), 0);
	assert_string_equal(cfg.hypervisor, "glob.elf");
}

static void test_no_kernel_allowed(void **state)
{
	(void)state;
	assert_int_equal(parse("[xen-alone]\noptions=noreboot\n", NULL), 0);
	assert_string_equal(cfg.kernel, "");
	assert_string_equal(cfg.options, "noreboot");
	assert_int_equal(parse("[bare]\n", NULL), 0);
	assert_string_equal(cfg.section, "bare");
	assert_string_equal(cfg.options, "");
}

static void test_empty_options_allowed(void **state)
{
	(void)state;
	assert_int_equal(parse("[a]\noptions=\n", NULL), 0);
	assert_string_equal(cfg.options, "");
}

static void test_file_len(void **state)
{
	(void)state;
	assert_int_equal(mica_cfg_file_len("dom0.elf console=hvc0"), 8);
	assert_int_equal(mica_cfg_file_len("dom0.elf\tx"), 8);
	assert_int_equal(mica_cfg_file_len("initrd"), 6);
	assert_int_equal(mica_cfg_file_len(""), 0);
}

static void test_empty_file(void **state)
{
	(void)state;
	expect_error("", NULL, 0, "no boot section");
	assert_int_equal(mica_cfg_parse(NULL, 0, NULL, &cfg, &err), -1);
	expect_error("# only a comment\n\n", NULL, 0, "no boot section");
	expect_error("[global]\n", NULL, 0, "no boot section");
}

static void test_missing_sections(void **state)
{
	(void)state;
	expect_error("[global]\ndefault=nope\n[a]\n", NULL, 2, "default section [nope] not found");
	expect_error("[a]\n", "b", 0, "requested section [b] not found");
	expect_error("[global]\ndefault=global\n[a]\n", NULL, 2, "cannot be booted");
	expect_error("[a]\n", "global", 0, "cannot be booted");
	/* An explicit section name must match exactly, however long. */
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	expect_error("[a]\n", longname, 0, "not found");
}

static void test_bad_keys(void **state)
{
	(void)state;
	expect_error("[a]\nkernel=k\nkernal=k\n", NULL, 3, "unknown key 'kernal'");
	expect_error("kernel=k\n[a]\n", NULL, 1, "before any [section]");
	expect_error("[global]\nkernel=k\n[a]\n", NULL, 2, "not allowed in [global]");
	expect_error("[a]\ndefault=a\n", NULL, 2, "only allowed in [global]");
	expect_error("[a]\nkernel=x\nkernel=y\n", NULL, 3, "duplicate key 'kernel' in [a]");
	expect_error("[a]\nkernel=\n", NULL, 2, "'kernel' needs a value");
	expect_error("[a]\nmodule=  \n", NULL, 2, "'module' needs a value");
	expect_error("[a]\n=value\n", NULL, 2, "missing key");
	/* Errors are found in sections that are not booted, too. */
	expect_error("[a]\n[b]\nramdisk=r\nramdisk=s\n", "a", 4, "duplicate key");
}

/* module= and ramdisk= without kernel= are accepted: boot_info just lists them in order. */
static void test_modules_without_kernel(void **state)
{
	(void)state;
	assert_int_equal(parse("[a]\nmodule=m x\nramdisk=r\n", NULL), 0);
	assert_string_equal(cfg.kernel, "");
	assert_string_equal(cfg.ramdisk, "r");
	assert_int_equal(cfg.nr_modules, 1);
	assert_string_equal(cfg.modules[0], "m x");
}

static void test_bad_sections(void **state)
{
	(void)state;
	expect_error("[global\n", NULL, 1, "unterminated section header");
	expect_error("[]\n", NULL, 1, "empty section name");
	expect_error("[  ]\n", NULL, 1, "empty section name");
	expect_error("[a]b]\n", NULL, 1, "invalid section name");
	expect_error("[a]\n[b]\n[a]\n", NULL, 3, "duplicate section [a]");
}

static void test_too_many_sections(void **state)
{
	(void)state;
	char text[MICA_CFG_MAX_SECTIONS * 8 + 16];
	size_t at = 0;

	for (unsigned int i = 0; i <= MICA_CFG_MAX_SECTIONS; i++)
		at += (size_t)sprintf(text + at, "[s%u]\n", i);
	expect_error(text, NULL, MICA_CFG_MAX_SECTIONS + 1, "too many sections");
}

static void test_garbage(void **state)
{
	(void)state;
	expect_error("[a]\nthis line has no equals sign\n", NULL, 2, "expected key=value");
	expect_error("[a]\nkernel=k\x01\n", NULL, 2, "invalid byte 0x01 in column 9");
	expect_error("\x7f"
		     "ELF\x02\x01\x01",
		     NULL, 1, "invalid byte 0x7f");
	expect_error("[a]\nkernel=caf\xc3\xa9\n", NULL, 2, "invalid byte 0xc3");
	expect_error("[a]\r\r\n", NULL, 1, "invalid byte 0x0d");

	/* Embedded NUL: the length, not the terminator, bounds the text. */
	static const char nul[] = "[a]\nkernel=k\0junk\n";
	assert_int_equal(mica_cfg_parse(nul, sizeof(nul) - 1, NULL, &cfg, &err), -1);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "invalid byte 0x00"));

	/* Random binary data never crashes and always fails cleanly. */
	unsigned char blob[4096];
	srand(1);
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(blob); i++)
			blob[i] = (unsigned char)rand();
		assert_int_equal(mica_cfg_parse((const char *)blob, sizeof(blob), NULL, &cfg, &err), -1);
		assert_true(err.msg[0] != '\0');
	}
}

/* A config of one section [a] holding `key=` followed by n copies of 'x'. */
static char *config_with_value(const char *key, size_t n)
{
	size_t head = strlen("[a]\n") + strlen(key) + 1;
	char *text = malloc(head + n + 2);

	assert_non_null(text);
	sprintf(text, "[a]\n%s=", key);
	memset(text + head, 'x', n);
	strcpy(text + head + n, "\n");
	return text;
}

static void test_huge_lines(void **state)
{
	(void)state;
	char *text;

	/* A line of exactly MICA_CFG_LINE_MAX characters is fine... */
	text = config_with_value("options", MICA_CFG_LINE_MAX - strlen("options="));
	assert_int_equal(parse(text, NULL), 0);
	assert_int_equal(strlen(cfg.options), MICA_CFG_LINE_MAX - strlen("options="));
	free(text);
	/* ...one more is not, and neither is a megabyte-long line. */
	text = config_with_value("options", MICA_CFG_LINE_MAX + 1 - strlen("options="));
	expect_error(text, NULL, 2, "line longer than 1023");
	free(text);
	text = config_with_value("kernel", 1 << 20);
	expect_error(text, NULL, 2, "line longer than");
	free(text);
	/* A huge comment line or a header is still too long. */
	text = config_with_value("#", 5000);
	expect_error(text, NULL, 2, "line longer than");
	free(text);
}

static void test_value_too_long(void **state)
{
	(void)state;
	char *text;

	text = config_with_value("kernel", BOOT_MODULE_CMDLINE_MAX - 1);
	assert_int_equal(parse(text, NULL), 0);
	assert_int_equal(strlen(cfg.kernel), BOOT_MODULE_CMDLINE_MAX - 1);
	free(text);
	text = config_with_value("kernel", BOOT_MODULE_CMDLINE_MAX);
	expect_error(text, NULL, 2, "value of 'kernel' longer than 511");
	free(text);
	text = config_with_value("hypervisor", MICA_CFG_PATH_MAX);
	expect_error(text, NULL, 2, "value of 'hypervisor' longer than");
	free(text);

	char name[MICA_CFG_SECTION_MAX + 8];
	memset(name, 'n', sizeof(name));
	name[0] = '[';
	strcpy(name + MICA_CFG_SECTION_MAX + 1, "]\n");
	expect_error(name, NULL, 1, "section name longer than 63");
}

static void test_modules_limit(void **state)
{
	(void)state;
	char text[64 * (MICA_CFG_MAX_MODULES + 2)];
	size_t at = (size_t)sprintf(text, "[a]\nkernel=dom0\n");

	for (unsigned int i = 0; i < MICA_CFG_MAX_MODULES; i++)
		at += (size_t)sprintf(text + at, "module=m%u.bin arg\n", i);
	assert_int_equal(parse(text, NULL), 0);
	assert_int_equal(cfg.nr_modules, MICA_CFG_MAX_MODULES);
	assert_string_equal(cfg.modules[MICA_CFG_MAX_MODULES - 1], "m13.bin arg");
	sprintf(text + at, "module=one-too-many\n");
	expect_error(text, NULL, MICA_CFG_MAX_MODULES + 3, "too many module= lines in [a]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_section),
	    cmocka_unit_test(test_explicit_section),
	    cmocka_unit_test(test_first_section_without_default),
	    cmocka_unit_test(test_whitespace_comments_crlf),
	    cmocka_unit_test(test_hypervisor_key),
	    cmocka_unit_test(test_no_kernel_allowed),
	    cmocka_unit_test(test_empty_options_allowed),
	    cmocka_unit_test(test_file_len),
	    cmocka_unit_test(test_empty_file),
	    cmocka_unit_test(test_missing_sections),
	    cmocka_unit_test(test_bad_keys),
	    cmocka_unit_test(test_modules_without_kernel),
	    cmocka_unit_test(test_bad_sections),
	    cmocka_unit_test(test_too_many_sections),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_huge_lines),
	    cmocka_unit_test(test_value_too_long),
	    cmocka_unit_test(test_modules_limit),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
