/* Unit tests for mica.efi's LoadOptions parsing (arch/x86/efi/load_options.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "load_options.h"

static uint16_t opts[1024];
static char section[64];

/* Stores s as UCS-2 with its NUL and returns the size in bytes, as firmware does. */
static size_t ucs2(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i <= n; i++)
		opts[i] = (uint8_t)s[i];
	return (n + 1) * sizeof(uint16_t);
}

static int parse_str(const char *s)
{
	memset(section, 'X', sizeof(section));
	return mica_load_options_section(opts, ucs2(s), section, sizeof(section));
}

static void test_section_forms(void **state)
{
	(void)state;
	assert_int_equal(parse_str("rescue"), 1);
	assert_string_equal(section, "rescue");
	assert_int_equal(parse_str("mica.efi rescue"), 1);
	assert_string_equal(section, "rescue");
	assert_int_equal(parse_str("  FS0:\\EFI\\BOOT\\BOOTX64.EFI\t debug  extra words"), 1);
	assert_string_equal(section, "debug");
}

static void test_no_section(void **state)
{
	(void)state;
	assert_int_equal(parse_str(""), 0);
	assert_int_equal(parse_str("   "), 0);
	assert_int_equal(parse_str("mica.efi"), 0);
	assert_int_equal(parse_str("mica.efi   "), 0);
	assert_int_equal(mica_load_options_section(NULL, 0, section, sizeof(section)), 0);
	assert_int_equal(mica_load_options_section(opts, 1, section, sizeof(section)), 0);
}

static void test_not_terminated(void **state)
{
	(void)state;
	size_t bytes = ucs2("abc") - sizeof(uint16_t);

	opts[3] = 'Z'; /* no NUL: the size bounds the text */
	assert_int_equal(mica_load_options_section(opts, bytes, section, sizeof(section)), 1);
	assert_string_equal(section, "abc");
}

static void test_binary_ignored(void **state)
{
	(void)state;
	/* EDK2 auto-created boot entries carry a 16-byte GUID as load options. */
	static const uint8_t guid[16] = {0x29, 0x5d, 0x13, 0x8e, 0x6b, 0xfd, 0xc4, 0x41,
					 0x8f, 0x6c, 0x65, 0x66, 0xa9, 0x72, 0x2b, 0xa2};
	memcpy(opts, guid, sizeof(guid));
	assert_int_equal(mica_load_options_section(opts, sizeof(guid), section, sizeof(section)), 0);
	assert_int_equal(parse_str("caf\xe9"), 0);
	ucs2("ok");
	opts[0] = 0x263a; /* non-ASCII UCS-2 character */
	assert_int_equal(mica_load_options_section(opts, 6, section, sizeof(section)), 0);
}

static void test_too_long(void **state)
{
	(void)state;
	char name[100];

	memset(name, 's', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(parse_str(name), -1);
	name[sizeof(section) - 1] = '\0';
	assert_int_equal(parse_str(name), 1);
	assert_int_equal(strlen(section), sizeof(section) - 1);
	/* Options longer than the scan limit are not trusted as text. */
	char big[MICA_LOAD_OPTIONS_MAX + 10];
	memset(big, ' ', sizeof(big) - 1);
	big[0] = 'a';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse_str(big), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_section_forms),  cmocka_unit_test(test_no_section),
	    cmocka_unit_test(test_not_terminated), cmocka_unit_test(test_binary_ignored),
	    cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests_name("load_options", tests, NULL, NULL);
}
