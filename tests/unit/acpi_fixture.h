/* Shared by the ACPI unit tests: fake physical memory built from captured tables. */
#ifndef MICA_TEST_ACPI_FIXTURE_H
#define MICA_TEST_ACPI_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <mica/acpi.h>
#include <mica/acpi_tables.h>
#include <mica/printk.h>
#include <mica/string.h>

#include "../../drivers/acpi/acpi_internal.h"

#define DATA_DIR "tests/unit/data/acpi/"
#define FREE_PA 0x30000000ull /* unused by every fixture: synthetic tables go here */

/* One blob of fake memory, allocated at its exact size so ASan sees any overread. */
struct region {
	char name[32];
	paddr_t pa;
	size_t len;
	uint8_t *data;
};

extern struct acpi_info info;  /* result of the last parse() */
extern char printk_buf[16384]; /* everything printk() printed since the last teardown */
extern size_t printk_len;

const void *fake_map(paddr_t pa, size_t len, void *ctx);
struct region *mem_add(const char *name, paddr_t pa, const void *data, size_t len);
struct region *mem_find(const char *name);
void mem_replace(struct region *r, const void *data, size_t len);
void mem_truncate(struct region *r, size_t len);
int mem_teardown(void **state);
void load_machine(const char *machine); /* tests/unit/data/acpi/<machine>/layout */
paddr_t rsdp_pa(void);
int parse(void);

uint8_t sum_bytes(const uint8_t *p, size_t len);
void fix_checksum(struct region *r);
void put32(struct region *r, size_t off, uint32_t v);
void put64(struct region *r, size_t off, uint64_t v);
uint32_t get32(const struct region *r, size_t off);
struct region *add_sdt(const char *name, paddr_t pa, const char *sig, uint8_t rev, const void *body, size_t body_len);
void replace_sdt_body(struct region *r, const void *body, size_t body_len);
bool has_warning(enum acpi_warning_code code, const char *sig);
bool has_table(const char *sig);

/* acpi_table_tests.c */
void test_madt_x2apic_and_override(void **state);
void test_madt_cpu_cap(void **state);
void test_madt_zero_length_entry(void **state);
void test_madt_entry_past_end(void **state);
void test_madt_short_entry_and_header(void **state);
void test_fadt_truncated(void **state);
void test_fadt_too_short(void **state);
void test_fadt_v1_length_ignores_reset_flag(void **state);
void test_fadt_x_fields(void **state);
void test_facs_bad(void **state);
void test_dsdt_without_s5(void **state);
void test_s5_from_ssdt(void **state);
void test_aml_s5_forms(void **state);
void test_aml_s5_rejects(void **state);
void test_dmar_synthetic(void **state);
void test_ivrs_synthetic(void **state);

#endif
