/* Shared between the ACPI parser's files: the parse context and bounded readers. */
#ifndef MICA_DRIVERS_ACPI_INTERNAL_H
#define MICA_DRIVERS_ACPI_INTERNAL_H

#include <mica/acpi.h>
#include <mica/acpi_tables.h>
#include <mica/string.h>

struct acpi_parser {
	acpi_map_fn map;
	void *ctx;
	struct acpi_info *info;
	paddr_t dsdt_fallback; /* FADT's 32-bit DSDT when X_DSDT was preferred */
};

/* A validated table: `length` bytes at `data`, checksum (if any) verified. */
struct acpi_table {
	const uint8_t *data;
	uint32_t length;
	paddr_t address;
};

static inline uint32_t acpi_get32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t acpi_get64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline bool acpi_sig_eq(const void *sig, const char *want)
{
	return memcmp(sig, want, ACPI_SIG_LEN) == 0;
}

bool acpi_checksum_ok(const void *data, size_t len);
void acpi_warn(struct acpi_parser *p, enum acpi_warning_code code, const void *sig, paddr_t pa);
bool acpi_map_sdt(struct acpi_parser *p, paddr_t pa, const char *want_sig, struct acpi_table *t);

/*
 * Checks that a subtable of `len` bytes at `off` fits inside the table and is at least `min`
 * bytes long; warns and returns false otherwise (the caller stops walking the table).
 */
bool acpi_subtable_fits(struct acpi_parser *p, const struct acpi_table *t, uint32_t off, uint32_t len, uint32_t min);
bool acpi_table_min_len(struct acpi_parser *p, const struct acpi_table *t, uint32_t min);
void acpi_list_full(struct acpi_parser *p, const struct acpi_table *t, uint32_t *dropped);

void acpi_parse_madt(struct acpi_parser *p, const struct acpi_table *t);
void acpi_parse_fadt(struct acpi_parser *p, const struct acpi_table *t);
void acpi_parse_hpet(struct acpi_parser *p, const struct acpi_table *t);
void acpi_parse_mcfg(struct acpi_parser *p, const struct acpi_table *t);
void acpi_parse_dmar(struct acpi_parser *p, const struct acpi_table *t);
void acpi_parse_ivrs(struct acpi_parser *p, const struct acpi_table *t);

/*
 * Looks for `Name(_S5_, Package() {SLP_TYPa, SLP_TYPb, ...})` in AML bytes. Pure and bounded:
 * never reads outside aml[0..len). Returns true and the 3-bit sleep types when found.
 */
bool acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *typ_a, uint8_t *typ_b);

#endif
