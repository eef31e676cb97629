/*
 * A bounded scan of AML bytes for the \_S5 sleep package (ACPI 6.5 sections 7.4.2 and 20.2):
 *   NameOp(0x08) ['\' | '^'...] "_S5_" PackageOp(0x12) PkgLength NumElements
 *   {SLP_TYPa SLP_TYPb ...}
 * It is not an AML interpreter: an _S5_ computed by a method is not found.
 */
#include "acpi_internal.h"

#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0A
#define AML_WORD_PREFIX 0x0B
#define AML_DWORD_PREFIX 0x0C
#define AML_QWORD_PREFIX 0x0E
#define AML_PACKAGE_OP 0x12
#define AML_ROOT_CHAR '\\'
#define AML_PARENT_CHAR '^'
#define AML_ONES_OP 0xFF

/* True when the name at aml[pos] is the operand of a NameOp (allowing \ or ^ prefixes). */
static bool aml_is_name_decl(const uint8_t *aml, size_t pos)
{
	while (pos > 0 && (aml[pos - 1] == AML_PARENT_CHAR || aml[pos - 1] == AML_ROOT_CHAR))
		pos--;
	return pos > 0 && aml[pos - 1] == AML_NAME_OP;
}

/*
 * PkgLength (20.2.4): lead byte bits 7:6 = count of following bytes; with none, bits 5:0 are the
 * length, else bits 3:0 are its low nibble and each following byte adds 8 more bits.
 * Sets *end to where the package ends (relative to aml), clamped to len.
 */
static bool aml_pkg_length(const uint8_t *aml, size_t len, size_t *pos, size_t *end)
{
	size_t start = *pos, extra;
	uint32_t value;

	if (start >= len)
		return false;
	extra = aml[start] >> 6;
	if (start + 1 + extra > len)
		return false;
	value = extra ? aml[start] & 0x0F : aml[start] & 0x3F;
	for (size_t i = 0; i < extra; i++)
		value |= (uint32_t)aml[start + 1 + i] << (4 + 8 * i);
	*pos = start + 1 + extra;
	*end = MIN(len, start + value);
	return true;
}

/* Reads one integer term; only the low byte matters for SLP_TYP. */
static bool aml_integer(const uint8_t *aml, size_t end, size_t *pos, uint8_t *value)
{
	static const struct {
		uint8_t op;
		uint8_t size;
	} prefixes[] = {
	    {AML_BYTE_PREFIX, 1},
	    {AML_WORD_PREFIX, 2},
	    {AML_DWORD_PREFIX, 4},
	    {AML_QWORD_PREFIX, 8},
	};
	uint8_t op;

	if (*pos >= end)
		return false;
	op = aml[(*pos)++];
	if (op == AML_ZERO_OP || op == AML_ONE_OP || op == AML_ONES_OP) {
		*value = op;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		if (op != prefixes[i].op)
			continue;
		if (prefixes[i].size > end - *pos)
			return false;
		*value = aml[*pos];
		*pos += prefixes[i].size;
		return true;
	}
	return false;
}

static bool aml_s5_package(const uint8_t *aml, size_t len, size_t pos, uint8_t *a, uint8_t *b)
{
	size_t end;
	uint8_t count;

	if (pos >= len || aml[pos++] != AML_PACKAGE_OP)
		return false;
	if (!aml_pkg_length(aml, len, &pos, &end) || pos >= end)
		return false;
	count = aml[pos++];
	if (count == 0 || !aml_integer(aml, end, &pos, a))
		return false;
	if (count == 1)
		*b = *a; /* no separate PM1b value: use the same one */
	else if (!aml_integer(aml, end, &pos, b))
		return false;
	*a &= 7;
	*b &= 7;
	return true;
}

bool acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *typ_a, uint8_t *typ_b)
{
	uint8_t a, b;

	for (size_t i = 0; i + 4 <= len; i++) {
		if (memcmp(aml + i, "_S5_", 4) || !aml_is_name_decl(aml, i))
			continue;
		if (aml_s5_package(aml, len, i + 4, &a, &b)) {
			*typ_a = a;
			*typ_b = b;
			return true;
		}
	}
	return false;
}
