/* ACPI parser tests on synthetic and corrupted MADT, FADT, AML (_S5), DMAR and IVRS tables. */
#include "acpi_fixture.h"

#include <stdlib.h>

/* ---- MADT ---- */

struct madt_builder {
	uint8_t buf[8192];
	size_t len;
};

static void madt_begin(struct madt_builder *b, uint32_t lapic, uint32_t flags)
{
	memcpy(b->buf, &lapic, 4);
	memcpy(b->buf + 4, &flags, 4);
	b->len = 8;
}

static void madt_put(struct madt_builder *b, const void *entry, size_t len)
{
	assert_true(b->len + len <= sizeof(b->buf));
	memcpy(b->buf + b->len, entry, len);
	b->len += len;
}

static void madt_lapic(struct madt_builder *b, uint8_t uid, uint8_t id, uint32_t flags)
{
	struct acpi_madt_lapic e = {{ACPI_MADT_LAPIC, sizeof(e)}, uid, id, flags};

	madt_put(b, &e, sizeof(e));
}

static void madt_x2apic(struct madt_builder *b, uint32_t id, uint32_t uid, uint32_t flags)
{
	struct acpi_madt_x2apic e = {{ACPI_MADT_X2APIC, sizeof(e)}, 0, id, flags, uid};

	madt_put(b, &e, sizeof(e));
}

static void madt_install(const struct madt_builder *b)
{
	replace_sdt_body(mem_find("APIC"), b->buf, b->len);
}

void test_madt_x2apic_and_override(void **state)
{
	struct madt_builder b;
	struct acpi_madt_lapic_override ovr = {{ACPI_MADT_LAPIC_OVERRIDE, sizeof(ovr)}, 0, 0x1FEE00000ull};
	struct acpi_madt_x2apic_nmi xnmi = {{ACPI_MADT_X2APIC_NMI, sizeof(xnmi)}, 5, 300, 1, {0}};
	struct acpi_madt_nmi_source src = {{ACPI_MADT_NMI_SOURCE, sizeof(src)}, 0xF, 23};

	(void)state;
	load_machine("q35");
	madt_begin(&b, 0xFEE00000, 0);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_lapic(&b, 1, 1, 0);                        /* absent: ignored */
	madt_lapic(&b, 2, 2, ACPI_MADT_ONLINE_CAPABLE); /* hot-pluggable */
	madt_x2apic(&b, 0, 0, ACPI_MADT_ENABLED);       /* duplicate of APIC ID 0 */
	madt_x2apic(&b, 300, 300, ACPI_MADT_ENABLED);
	madt_put(&b, &ovr, sizeof(ovr));
	madt_put(&b, &xnmi, sizeof(xnmi));
	madt_put(&b, &src, sizeof(src));
	madt_install(&b);

	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.warning_count, 0);
	assert_false(info.madt.pcat_compat);
	assert_int_equal(info.madt.lapic_address, 0x1FEE00000ull);
	assert_int_equal(info.madt.cpu_count, 3);
	assert_int_equal(info.madt.cpus[1].apic_id, 2);
	assert_false(info.madt.cpus[1].enabled);
	assert_true(info.madt.cpus[1].online_capable);
	assert_int_equal(info.madt.cpus[2].apic_id, 300);
	assert_int_equal(info.madt.cpus[2].acpi_uid, 300);
	assert_true(info.madt.cpus[2].x2apic);
	assert_int_equal(info.madt.nmi_count, 2);
	assert_int_equal(info.madt.nmis[0].acpi_uid, 300);
	assert_int_equal(info.madt.nmis[0].lint, 1);
	assert_true(info.madt.nmis[1].is_gsi);
	assert_int_equal(info.madt.nmis[1].gsi, 23);
}

void test_madt_cpu_cap(void **state)
{
	struct madt_builder b;
	struct acpi_madt_ioapic io = {{ACPI_MADT_IOAPIC, sizeof(io)}, 0, 0, 0xFEC00000, 0};

	(void)state;
	load_machine("q35");
	madt_begin(&b, 0xFEE00000, 1);
	for (uint32_t i = 0; i < 300; i++)
		madt_x2apic(&b, i, i, ACPI_MADT_ENABLED);
	for (uint32_t i = 0; i < 10; i++) {
		io.id = (uint8_t)i;
		io.gsi_base = 24 * i;
		madt_put(&b, &io, sizeof(io));
	}
	madt_install(&b);
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.madt.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(info.madt.cpus_dropped, 300 - ACPI_MAX_CPUS);
	assert_int_equal(info.madt.cpus[255].apic_id, 255);
	assert_int_equal(info.madt.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(info.madt.ioapics_dropped, 2);
	assert_int_equal(info.madt.ioapics[7].gsi_base, 24 * 7);
	assert_true(has_warning(ACPI_WARN_LIST_FULL, "APIC"));
}

void test_madt_zero_length_entry(void **state)
{
	struct madt_builder b;
	const uint8_t zero[2] = {ACPI_MADT_LAPIC, 0};

	(void)state;
	load_machine("q35");
	madt_begin(&b, 0xFEE00000, 1);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_put(&b, zero, sizeof(zero));
	madt_lapic(&b, 1, 1, ACPI_MADT_ENABLED);
	madt_install(&b);
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.madt.cpu_count, 1);
	assert_true(has_warning(ACPI_WARN_BAD_ENTRY, "APIC"));
	assert_true(info.hpet.present); /* later tables still parsed */
}

void test_madt_entry_past_end(void **state)
{
	struct madt_builder b;
	struct acpi_madt_ioapic io = {{ACPI_MADT_IOAPIC, sizeof(io)}, 0, 0, 0xFEC00000, 0};

	(void)state;
	load_machine("q35");
	madt_begin(&b, 0xFEE00000, 1);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_put(&b, &io, 6); /* table ends 6 bytes into a 12-byte entry */
	madt_install(&b);
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.madt.cpu_count, 1);
	assert_int_equal(info.madt.ioapic_count, 0);
	assert_true(has_warning(ACPI_WARN_BAD_ENTRY, "APIC"));

	/* an entry whose length byte runs past the end, and a lone trailing byte */
	mem_teardown(state);
	load_machine("q35");
	madt_begin(&b, 0xFEE00000, 1);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_put(&b, (const uint8_t[]){0x7F, 0xFF, 0, 0}, 4);
	madt_install(&b);
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.madt.cpu_count, 1);
	assert_true(has_warning(ACPI_WARN_BAD_ENTRY, "APIC"));

	mem_teardown(state);
	load_machine("q35");
	madt_begin(&b, 0xFEE00000, 1);
	madt_lapic(&b, 0, 0, ACPI_MADT_ENABLED);
	madt_put(&b, (const uint8_t[]){ACPI_MADT_LAPIC}, 1);
	madt_install(&b);
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.madt.cpu_count, 1);
	assert_int_equal(info.warning_count, 0);
}

void test_madt_short_entry_and_header(void **state)
{
	struct madt_builder b;
	const uint8_t short_ioapic[4] = {ACPI_MADT_IOAPIC, 4, 0, 0};
	const uint8_t unknown[3] = {0x7E, 3, 0};

	(void)state;
	load_machine("q35");
	madt_begin(&b, 0xFEE00000, 1);
	madt_put(&b, short_ioapic, sizeof(short_ioapic));
	madt_put(&b, unknown, sizeof(unknown));
	madt_lapic(&b, 0, 7, ACPI_MADT_ENABLED);
	madt_install(&b);
	assert_int_equal(parse(), ACPI_OK);
	assert_true(has_warning(ACPI_WARN_ENTRY_TOO_SHORT, "APIC"));
	assert_int_equal(info.madt.ioapic_count, 0);
	assert_int_equal(info.madt.cpu_count, 1);
	assert_int_equal(info.madt.cpus[0].apic_id, 7);

	mem_teardown(state);
	load_machine("q35");
	replace_sdt_body(mem_find("APIC"), b.buf, 4); /* 40 bytes: no flags field */
	assert_int_equal(parse(), ACPI_OK);
	assert_false(info.madt.present);
	assert_true(has_warning(ACPI_WARN_TABLE_TOO_SHORT, "APIC"));
}

/* ---- FADT ---- */

void test_fadt_truncated(void **state)
{
	struct region *f;

	(void)state;
	load_machine("q35");
	f = mem_find("FACP");
	mem_truncate(f, 64);
	put32(f, 4, 64);
	fix_checksum(f);
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.warning_count, 0);
	assert_true(info.fadt.present);
	assert_int_equal(info.fadt.length, 64);
	assert_int_equal(info.fadt.dsdt, 0x1ffe0040);
	assert_int_equal(info.fadt.sci_irq, 9);
	assert_int_equal(info.fadt.pm1a_evt.address, 0x600);
	assert_int_equal(info.fadt.pm1a_cnt.address, 0); /* at offset 64: beyond the table */
	assert_int_equal(info.fadt.pm_timer_port, 0);
	assert_false(info.fadt.reset_supported);
	assert_int_equal(info.fadt.flags, 0);
	assert_true(info.s5.found);
}

void test_fadt_too_short(void **state)
{
	struct region *f;

	(void)state;
	load_machine("q35");
	f = mem_find("FACP");
	mem_truncate(f, 40);
	put32(f, 4, 40);
	fix_checksum(f);
	assert_int_equal(parse(), ACPI_OK);
	assert_false(info.fadt.present);
	assert_true(has_warning(ACPI_WARN_TABLE_TOO_SHORT, "FACP"));
	assert_false(info.s5.found);
	assert_true(has_warning(ACPI_WARN_NO_S5, NULL));
	assert_false(has_table("DSDT"));
}

void test_fadt_v1_length_ignores_reset_flag(void **state)
{
	struct region *f;

	(void)state;
	load_machine("q35");
	f = mem_find("FACP");
	mem_truncate(f, ACPI_FADT_V1_LEN);
	put32(f, 4, ACPI_FADT_V1_LEN);
	f->data[8] = 1; /* revision 1, RESET_REG_SUP still set in flags */
	fix_checksum(f);
	assert_int_equal(parse(), ACPI_OK);
	assert_true(info.fadt.flags & ACPI_FADT_RESET_REG_SUP);
	assert_false(info.fadt.reset_supported);
	assert_int_equal(info.fadt.boot_arch, 0);
	assert_false(info.fadt.has_8042);
	assert_int_equal(info.fadt.pm_timer_port, 0x608);
}

void test_fadt_x_fields(void **state)
{
	struct region *f;

	(void)state;
	load_machine("q35");
	f = mem_find("FACP");
	put64(f, offsetof(struct acpi_fadt, x_dsdt), 0x7000000); /* unmapped: fall back */
	put64(f, offsetof(struct acpi_fadt, x_pm_tmr_blk) + 4, 0x1234);
	put32(f, offsetof(struct acpi_fadt, flags), get32(f, 112) | ACPI_FADT_TMR_VAL_EXT);
	put64(f, offsetof(struct acpi_fadt, x_firmware_ctrl), mem_find("FACS")->pa);
	fix_checksum(f);
	assert_int_equal(parse(), ACPI_OK);
	assert_true(has_warning(ACPI_WARN_MAP, "DSDT"));
	assert_int_equal(info.fadt.dsdt, 0x1ffe0040);
	assert_true(info.s5.found);
	assert_int_equal(info.fadt.pm_timer_port, 0x1234);
	assert_true(info.fadt.pm_timer_32bit);
	assert_true(has_table("FACS"));
}

void test_facs_bad(void **state)
{
	(void)state;
	load_machine("q35");
	mem_find("FACS")->data[0] = 'X';
	assert_int_equal(parse(), ACPI_OK);
	assert_false(has_table("FACS"));
	assert_true(has_warning(ACPI_WARN_SIGNATURE, NULL));
}

/* ---- S5 ---- */

static void rename_s5(struct region *r)
{
	for (size_t i = 0; i + 4 <= r->len; i++)
		if (!memcmp(r->data + i, "_S5_", 4))
			r->data[i + 2] = '6';
	fix_checksum(r);
}

void test_dsdt_without_s5(void **state)
{
	(void)state;
	load_machine("q35");
	rename_s5(mem_find("DSDT"));
	assert_int_equal(parse(), ACPI_OK);
	assert_false(info.s5.found);
	assert_true(has_warning(ACPI_WARN_NO_S5, NULL));
	assert_true(has_table("DSDT"));
	acpi_print_summary(&info);
	assert_non_null(strstr(printk_buf, "no _S5_ sleep package found"));
}

void test_s5_from_ssdt(void **state)
{
	const uint8_t aml[] = {0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0A, 0x05, 0x0A, 0x06, 0x00, 0x00};

	(void)state;
	load_machine("bochs");
	rename_s5(mem_find("DSDT"));
	replace_sdt_body(mem_find("SSDT"), aml, sizeof(aml));
	assert_int_equal(parse(), ACPI_OK);
	assert_true(info.s5.found);
	assert_string_equal(info.s5.source, "SSDT");
	assert_int_equal(info.s5.slp_typ_a, 5);
	assert_int_equal(info.s5.slp_typ_b, 6);
}

static bool find_s5(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
	uint8_t *copy = calloc(1, len ? len : 1); /* exact size: ASan catches overreads */
	bool found;

	if (len)
		memcpy(copy, aml, len);
	found = acpi_aml_find_s5(copy, len, a, b);
	free(copy);
	return found;
}

#define S5(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

void test_aml_s5_forms(void **state)
{
	uint8_t a = 0xAA, b = 0xAA;

	(void)state;
	assert_true(find_s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0, 0), &a, &b));
	assert_int_equal(a, 1);
	assert_int_equal(b, 1);
	/* root prefix, word and dword constants */
	assert_true(find_s5(S5(0x08, '\\', '_', 'S', '5', '_', 0x12, 0x0A, 0x02, 0x0B, 0x03, 0x00, 0x0C, 0x04, 0, 0, 0),
			    &a, &b));
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
	/* two-byte PkgLength, parent prefix, a single element, values masked to 3 bits */
	assert_true(find_s5(S5(0x08, '^', '_', 'S', '5', '_', 0x12, 0x45, 0x00, 0x01, 0x0A, 0x0F), &a, &b));
	assert_int_equal(a, 7);
	assert_int_equal(b, 7);
	/* a false hit in a string, then the real object */
	assert_true(find_s5(
	    S5(0x0D, '_', 'S', '5', '_', 0x00, 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A, 0x02, 0x00), &a, &b));
	assert_int_equal(a, 2);
	assert_int_equal(b, 0);
}

void test_aml_s5_rejects(void **state)
{
	uint8_t a = 0xAA, b = 0xBB;

	(void)state;
	assert_false(find_s5(NULL, 0, &a, &b));
	assert_false(find_s5(S5('_', 'S', '5', '_'), &a, &b));
	assert_false(find_s5(S5(0x08, '_', 'S', '5', '_'), &a, &b));
	/* truncated in every possible place */
	assert_false(find_s5(S5(0x08, '_', 'S', '5', '_', 0x12), &a, &b));
	assert_false(find_s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x46), &a, &b));
	assert_false(find_s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04), &a, &b));
	assert_false(find_s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0A), &a, &b));
	assert_false(find_s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0C, 0x01, 0x00), &a, &b));
	/* the PkgLength ends before the second element */
	assert_false(find_s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0A, 0x05, 0x0A, 0x05), &a, &b));
	/* not a package, zero elements, a method named _S5_, a non-constant element */
	assert_false(find_s5(S5(0x08, '_', 'S', '5', '_', 0x0A, 0x05), &a, &b));
	assert_false(find_s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00, 0x00), &a, &b));
	assert_false(find_s5(S5(0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xA4, 0x00), &a, &b));
	assert_false(find_s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02, 'A', 'B', 'C', 'D'), &a, &b));
	assert_int_equal(a, 0xAA); /* outputs untouched on failure */
	assert_int_equal(b, 0xBB);
}

/* ---- DMAR and IVRS ---- */

void test_dmar_synthetic(void **state)
{
	uint8_t body[12 + 16 + 16 + 4 + 8] = {0};
	struct acpi_dmar_drhd d1 = {{ACPI_DMAR_DRHD, 16}, ACPI_DRHD_INCLUDE_PCI_ALL, 0, 1, 0xFED91000};
	struct acpi_dmar_drhd d2 = {{ACPI_DMAR_DRHD, 16 + 8}, 0, 0, 0, 0xFED90000};
	const uint8_t zero_scope[8] = {1, 0};
	const struct acpi_dmar_entry rmrr0 = {ACPI_DMAR_RMRR, 0};

	(void)state;
	load_machine("q35-intel-iommu");
	body[0] = 47;  /* 48-bit host address width */
	body[1] = 0x3; /* INTR_REMAP | X2APIC_OPT_OUT */
	memcpy(body + 12, &d1, 16);
	memcpy(body + 28, &d2, 16);
	memcpy(body + 44, zero_scope, 8); /* scope with length 0: counting stops */
	memcpy(body + 52, &rmrr0, 4);     /* zero-length structure: walk stops */
	replace_sdt_body(mem_find("DMAR"), body, 56);
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.dmar.host_addr_width, 48);
	assert_true(info.dmar.intr_remap && info.dmar.x2apic_opt_out);
	assert_int_equal(info.dmar.drhd_count, 2);
	assert_true(info.dmar.drhds[0].include_pci_all);
	assert_int_equal(info.dmar.drhds[0].segment, 1);
	assert_int_equal(info.dmar.drhds[0].scope_count, 0);
	assert_int_equal(info.dmar.drhds[1].register_base, 0xFED90000);
	assert_int_equal(info.dmar.drhds[1].scope_count, 0);
	assert_true(has_warning(ACPI_WARN_BAD_ENTRY, "DMAR"));
}

void test_ivrs_synthetic(void **state)
{
	uint8_t body[12 + 24 + 40 + 32 + 24 + 4] = {0};
	struct acpi_ivhd h10 = {0x10, 0xB0, 24, 0x02, 0x40, 0xFEB80000, 0, 0, 0};
	struct acpi_ivhd h11 = {0x11, 0x30, 40, 0x02, 0x40, 0xFEB80000, 0, 0, 0};
	struct acpi_ivhd h10b = {0x10, 0xB0, 24, 0x10, 0x40, 0xFEC80000, 0, 0, 0};
	const uint8_t ivmd[4] = {0x21, 0, 32, 0};
	const uint8_t zero_len[4] = {0x10, 0, 0, 0};

	(void)state;
	load_machine("q35-amd-iommu");
	memcpy(body + 12, &h10, 24);
	memcpy(body + 36, &h11, 24);
	memcpy(body + 76, ivmd, 4);
	memcpy(body + 108, &h10b, 24);
	memcpy(body + 132, zero_len, 4);
	replace_sdt_body(mem_find("IVRS"), body, sizeof(body));
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.ivrs.ivhd_count, 2);
	assert_int_equal(info.ivrs.ivhds[0].iommu_base, 0xFEB80000);
	assert_int_equal(info.ivrs.ivhds[0].type, 0x11);
	assert_int_equal(info.ivrs.ivhds[1].iommu_base, 0xFEC80000);
	assert_int_equal(info.ivrs.ivmd_count, 1);
	assert_true(has_warning(ACPI_WARN_BAD_ENTRY, "IVRS"));
}
