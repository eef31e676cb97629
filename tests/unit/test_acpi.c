/*
 * ACPI parser tests: real tables captured from QEMU (q35, pc, IOMMUs, OVMF) and Bochs by
 * tests/tools/acpidump/capture.sh, placed back at their physical addresses in a fake memory
 * (acpi_fixture.c), plus corrupted copies of the RSDP, the root tables and whole tables.
 * Per-table parsing (MADT, FADT, S5, DMAR, IVRS) is tested in acpi_table_tests.c.
 */
#include "acpi_fixture.h"

#include <stdio.h>

/* ---- facts observed in the captured machines ---- */

struct machine_facts {
	const char *name;
	uint8_t rsdp_revision;
	const char *root;    /* "RSDT" or "XSDT": the root table the parser must use */
	const char *summary; /* first line of acpi_print_summary, after "ACPI: RSDP rev N (BOCHS), " */
	uint32_t cpus;
	uint8_t ioapic_id;
	uint16_t pm_timer;
	uint16_t pm1a_cnt;
	uint8_t fadt_revision;
	paddr_t dsdt, facs;
	bool reset, mcfg, dmar, ivrs, has_8042;
};

static const struct machine_facts machines[] = {
    {.name = "q35",
     .root = "RSDT",
     .summary = "RSDT: FACP APIC HPET MCFG WAET DSDT FACS",
     .cpus = 4,
     .pm_timer = 0x608,
     .pm1a_cnt = 0x604,
     .fadt_revision = 3,
     .dsdt = 0x1ffe0040,
     .facs = 0x1ffe0000,
     .reset = true,
     .mcfg = true,
     .has_8042 = true},
    {.name = "q35-intel-iommu",
     .root = "RSDT",
     .summary = "RSDT: FACP APIC HPET MCFG DMAR WAET DSDT FACS",
     .cpus = 4,
     .pm_timer = 0x608,
     .pm1a_cnt = 0x604,
     .fadt_revision = 3,
     .dsdt = 0x1ffe0040,
     .facs = 0x1ffe0000,
     .reset = true,
     .mcfg = true,
     .dmar = true,
     .has_8042 = true},
    {.name = "q35-amd-iommu",
     .root = "RSDT",
     .summary = "RSDT: FACP APIC HPET MCFG IVRS WAET DSDT FACS",
     .cpus = 4,
     .pm_timer = 0x608,
     .pm1a_cnt = 0x604,
     .fadt_revision = 3,
     .dsdt = 0x1ffe0040,
     .facs = 0x1ffe0000,
     .reset = true,
     .mcfg = true,
     .ivrs = true,
     .has_8042 = true},
    {.name = "pc",
     .root = "RSDT",
     .summary = "RSDT: FACP APIC HPET WAET DSDT FACS",
     .cpus = 4,
     .pm_timer = 0x608,
     .pm1a_cnt = 0x604,
     .fadt_revision = 1,
     .dsdt = 0x1ffe0040,
     .facs = 0x1ffe0000},
    {.name = "bochs",
     .root = "RSDT",
     .summary = "RSDT: FACP APIC SSDT HPET DSDT FACS",
     .cpus = 1,
     .ioapic_id = 1,
     .pm_timer = 0xb008,
     .pm1a_cnt = 0xb004,
     .fadt_revision = 1,
     .dsdt = 0x0fff0100,
     .facs = 0x0fff00c0},
    {.name = "q35-ovmf",
     .rsdp_revision = 2,
     .root = "XSDT",
     .summary = "XSDT: FACP APIC HPET MCFG WAET BGRT DSDT FACS",
     .cpus = 4,
     .pm_timer = 0x608,
     .pm1a_cnt = 0x604,
     .fadt_revision = 3,
     .dsdt = 0x1f779000,
     .facs = 0x1f7dc000,
     .reset = true,
     .mcfg = true,
     .has_8042 = true},
};

static void check_machine(const struct machine_facts *m)
{
	char line[128];

	load_machine(m->name);
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.warning_count, 0);
	assert_int_equal(info.rsdp_revision, m->rsdp_revision);
	assert_string_equal(info.oem_id, "BOCHS");
	assert_int_equal(info.xsdt_used, !strcmp(m->root, "XSDT"));
	assert_int_equal(info.root_address, mem_find(m->root)->pa);

	/* MADT */
	assert_true(info.madt.present);
	assert_true(info.madt.pcat_compat);
	assert_int_equal(info.madt.lapic_address, 0xFEE00000);
	assert_int_equal(info.madt.cpu_count, m->cpus);
	for (uint32_t i = 0; i < m->cpus; i++) {
		assert_int_equal(info.madt.cpus[i].apic_id, i);
		assert_int_equal(info.madt.cpus[i].acpi_uid, i);
		assert_true(info.madt.cpus[i].enabled);
		assert_false(info.madt.cpus[i].x2apic);
	}
	assert_int_equal(info.madt.ioapic_count, 1);
	assert_int_equal(info.madt.ioapics[0].id, m->ioapic_id);
	assert_int_equal(info.madt.ioapics[0].address, 0xFEC00000);
	assert_int_equal(info.madt.ioapics[0].gsi_base, 0);
	assert_true(info.madt.override_count >= 1);
	assert_int_equal(info.madt.overrides[0].source_irq, 0); /* PIT IRQ0 -> GSI 2 */
	assert_int_equal(info.madt.overrides[0].gsi, 2);

	/* FADT */
	assert_true(info.fadt.present);
	assert_int_equal(info.fadt.revision, m->fadt_revision);
	assert_int_equal(info.fadt.pm_timer_port, m->pm_timer);
	assert_int_equal(info.fadt.pm_timer.space_id, ACPI_SPACE_IO);
	assert_false(info.fadt.pm_timer_32bit);
	assert_int_equal(info.fadt.pm1a_cnt.space_id, ACPI_SPACE_IO);
	assert_int_equal(info.fadt.pm1a_cnt.address, m->pm1a_cnt);
	assert_int_equal(info.fadt.pm1a_cnt.bit_width, 16);
	assert_int_equal(info.fadt.pm1b_cnt.address, 0);
	assert_int_equal(info.fadt.sci_irq, 9);
	assert_int_equal(info.fadt.smi_cmd, 0xB2);
	assert_int_equal(info.fadt.dsdt, m->dsdt);
	assert_int_equal(info.fadt.facs, m->facs);
	assert_int_equal(info.fadt.reset_supported, m->reset);
	assert_int_equal(info.fadt.has_8042, m->has_8042);
	assert_false(info.fadt.hw_reduced);

	/* S5, HPET, presence of the optional tables */
	assert_true(info.s5.found);
	assert_string_equal(info.s5.source, "DSDT");
	assert_int_equal(info.s5.slp_typ_a, 0);
	assert_int_equal(info.s5.slp_typ_b, 0);
	assert_true(info.hpet.present);
	assert_int_equal(info.hpet.address, 0xFED00000);
	assert_int_equal(info.mcfg.present, m->mcfg);
	assert_int_equal(info.dmar.present, m->dmar);
	assert_int_equal(info.ivrs.present, m->ivrs);
	assert_non_null(acpi_find_table(&info, "DSDT"));
	assert_non_null(acpi_find_table(&info, "FACS"));

	acpi_print_summary(&info);
	snprintf(line, sizeof(line), "ACPI: RSDP rev %u (BOCHS), %s\n", m->rsdp_revision, m->summary);
	assert_memory_equal(printk_buf, line, strlen(line));
}

static void test_all_machines(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(machines); i++) {
		check_machine(&machines[i]);
		mem_teardown(state);
	}
}

static void test_q35_details(void **state)
{
	(void)state;
	load_machine("q35");
	assert_int_equal(parse(), ACPI_OK);

	assert_int_equal(info.madt.override_count, 5);
	assert_int_equal(info.madt.overrides[1].source_irq, 5);
	assert_int_equal(info.madt.overrides[1].gsi, 5);
	assert_int_equal(info.madt.overrides[1].flags, 0xD); /* level, active high */
	assert_int_equal(info.madt.overrides[4].source_irq, 11);
	assert_int_equal(info.madt.nmi_count, 1);
	assert_false(info.madt.nmis[0].is_gsi);
	assert_int_equal(info.madt.nmis[0].acpi_uid, ACPI_UID_ALL);
	assert_int_equal(info.madt.nmis[0].lint, 1);

	assert_int_equal(info.fadt.length, 244);
	assert_int_equal(info.fadt.acpi_enable, 2);
	assert_int_equal(info.fadt.acpi_disable, 3);
	assert_int_equal(info.fadt.pm_timer.bit_width, 32);
	assert_int_equal(info.fadt.pm1a_evt.address, 0x600);
	assert_true(info.fadt.reset_supported);
	assert_int_equal(info.fadt.reset_reg.space_id, ACPI_SPACE_IO);
	assert_int_equal(info.fadt.reset_reg.address, 0xCF9);
	assert_int_equal(info.fadt.reset_reg.bit_width, 8);
	assert_int_equal(info.fadt.reset_value, 0x0F);
	assert_int_equal(info.fadt.boot_arch, ACPI_BOOT_8042);

	assert_true(info.hpet.counter_64bit);
	assert_int_equal(info.hpet.comparators, 3);
	assert_int_equal(info.hpet.min_tick, 0);

	assert_int_equal(info.mcfg.count, 1);
	assert_int_equal(info.mcfg.segments[0].base, 0xB0000000);
	assert_int_equal(info.mcfg.segments[0].segment, 0);
	assert_int_equal(info.mcfg.segments[0].start_bus, 0);
	assert_int_equal(info.mcfg.segments[0].end_bus, 255);

	assert_int_equal(info.table_count, 8); /* RSDT + 5 entries + DSDT + FACS */
	assert_string_equal(info.tables[0].signature, "RSDT");
	assert_string_equal(info.tables[1].signature, "FACP");
	assert_int_equal(info.tables[1].revision, 3);
	assert_int_equal(info.tables[1].length, 244);
	assert_int_equal(info.tables[1].address, 0x1ffe21d8);
	assert_string_equal(info.tables[1].oem_id, "BOCHS");
	assert_int_equal(acpi_find_table(&info, "DSDT")->length, 8600);
}

static void test_intel_iommu_dmar(void **state)
{
	(void)state;
	load_machine("q35-intel-iommu");
	assert_int_equal(parse(), ACPI_OK);
	assert_true(info.dmar.present);
	assert_int_equal(info.dmar.host_addr_width, 39);
	assert_int_equal(info.dmar.flags, 0);
	assert_false(info.dmar.intr_remap);
	assert_int_equal(info.dmar.drhd_count, 1);
	assert_int_equal(info.dmar.drhds[0].register_base, 0xFED90000);
	assert_int_equal(info.dmar.drhds[0].segment, 0);
	assert_false(info.dmar.drhds[0].include_pci_all);
	assert_int_equal(info.dmar.drhds[0].scope_count, 7); /* IO-APIC + 6 PCI endpoints */
	assert_int_equal(info.dmar.rmrr_count, 0);
}

static void test_amd_iommu_ivrs(void **state)
{
	(void)state;
	load_machine("q35-amd-iommu");
	assert_int_equal(parse(), ACPI_OK);
	assert_true(info.ivrs.present);
	assert_int_equal(info.ivrs.iv_info, 0x2800);
	assert_int_equal(info.ivrs.ivhd_count, 1);
	assert_int_equal(info.ivrs.ivhds[0].type, 0x10);
	assert_int_equal(info.ivrs.ivhds[0].iommu_base, 0xFED80000);
	assert_int_equal(info.ivrs.ivhds[0].device_id, 0x18);
	assert_int_equal(info.ivrs.ivhds[0].segment, 0);
}

static void test_pc_fadt_rev1(void **state)
{
	(void)state;
	load_machine("pc");
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.fadt.length, ACPI_FADT_V1_LEN);
	assert_false(info.fadt.reset_supported);
	assert_int_equal(info.fadt.reset_reg.address, 0);
	assert_int_equal(info.fadt.boot_arch, 0);
	assert_int_equal(info.fadt.pm_timer.bit_width, 32);
	assert_false(info.mcfg.present);
}

static void test_bochs_details(void **state)
{
	(void)state;
	load_machine("bochs");
	assert_int_equal(parse(), ACPI_OK);
	assert_true(has_table("SSDT"));
	assert_false(has_table("WAET"));
	assert_int_equal(info.madt.override_count, 1);
	assert_int_equal(info.fadt.pm1a_evt.address, 0xb000);
	assert_int_equal(acpi_find_table(&info, "DSDT")->length, 3640);
}

/* UEFI: an ACPI 2.0 RSDP on a 4-byte boundary, an XSDT, page-aligned tables. */
static void test_ovmf_xsdt(void **state)
{
	(void)state;
	load_machine("q35-ovmf");
	assert_int_equal(rsdp_pa(), 0x1f77d014);
	assert_int_equal(parse(), ACPI_OK);
	assert_true(info.xsdt_used);
	assert_int_equal(info.root_address, 0x1f77c0e8);
	assert_true(has_table("XSDT"));
	assert_false(has_table("RSDT"));
	assert_true(has_table("BGRT"));
	for (uint32_t i = 0; i < info.table_count; i++)
		if (info.tables[i].address != info.root_address)
			assert_int_equal(info.tables[i].address & 0xFFF, 0);
}

/* The same firmware with a corrupted XSDT: its RSDT lists the same tables. */
static void test_ovmf_xsdt_corrupt_falls_back(void **state)
{
	(void)state;
	load_machine("q35-ovmf");
	mem_find("XSDT")->data[40] ^= 0x10;
	assert_int_equal(parse(), ACPI_OK);
	assert_false(info.xsdt_used);
	assert_int_equal(info.root_address, mem_find("RSDT")->pa);
	assert_true(has_warning(ACPI_WARN_CHECKSUM, "XSDT"));
	assert_true(has_warning(ACPI_WARN_XSDT_FALLBACK, "XSDT"));
	assert_int_equal(info.madt.cpu_count, 4);
	assert_true(info.fadt.present && info.hpet.present && info.mcfg.present && info.s5.found);
}

/* ---- RSDP search ---- */

static void test_find_rsdp_bios_area(void **state)
{
	struct region *bios;
	const struct region *r;

	(void)state;
	load_machine("q35");
	r = mem_find("RSDP");
	bios = mem_add("bios", 0xE0000, NULL, 0x20000);
	memcpy(bios->data + (r->pa - 0xE0000), r->data, r->len);
	/* a signature with a wrong checksum earlier in the area must be skipped */
	memcpy(bios->data + 0x100, "RSD PTR ", 8);
	assert_int_equal(acpi_find_rsdp(fake_map, NULL), r->pa);
}

static void test_find_rsdp_ebda(void **state)
{
	struct region *bda, *ebda, *bios;
	const struct region *r;

	(void)state;
	load_machine("q35");
	r = mem_find("RSDP");
	bda = mem_add("bda", 0x400, NULL, 0x100);
	bda->data[0x0E] = 0xC0; /* EBDA segment 0x9FC0 -> 0x9FC00 */
	bda->data[0x0F] = 0x9F;
	ebda = mem_add("ebda", 0x9FC00, NULL, 0x400);
	memcpy(ebda->data + 0x40, r->data, r->len);
	bios = mem_add("bios", 0xE0000, NULL, 0x20000);
	memcpy(bios->data + (r->pa - 0xE0000), r->data, r->len);
	assert_int_equal(acpi_find_rsdp(fake_map, NULL), 0x9FC40);
}

static void test_find_rsdp_none(void **state)
{
	(void)state;
	mem_add("bios", 0xE0000, NULL, 0x20000);
	assert_int_equal(acpi_find_rsdp(fake_map, NULL), 0);
	mem_teardown(state);
	assert_int_equal(acpi_find_rsdp(fake_map, NULL), 0); /* nothing mappable at all */
}

/* ---- RSDP and root table corruption ---- */

static void test_rsdp_bad_checksum(void **state)
{
	(void)state;
	load_machine("q35");
	mem_find("RSDP")->data[8] ^= 0x55;
	assert_int_equal(parse(), ACPI_ERR_RSDP_CHECKSUM);
	assert_string_equal(acpi_error_str(ACPI_ERR_RSDP_CHECKSUM), "RSDP checksum mismatch");
}

static void test_rsdp_bad_signature(void **state)
{
	(void)state;
	load_machine("q35");
	mem_find("RSDP")->data[0] = 'X';
	assert_int_equal(parse(), ACPI_ERR_RSDP_SIGNATURE);
}

static void test_rsdp_unmapped(void **state)
{
	(void)state;
	load_machine("q35");
	assert_int_equal(acpi_parse(0x7FF00000, fake_map, NULL, &info), ACPI_ERR_RSDP_MAP);
	assert_int_equal(acpi_parse(0, fake_map, NULL, &info), ACPI_ERR_RSDP_MAP);
	/* the last 4 bytes of the RSDP region: only part of the RSDP would be mappable */
	assert_int_equal(acpi_parse(rsdp_pa() + 16, fake_map, NULL, &info), ACPI_ERR_RSDP_MAP);
}

static void set_rsdt_address(uint32_t pa)
{
	struct region *r = mem_find("RSDP");

	put32(r, offsetof(struct acpi_rsdp, rsdt_address), pa);
	r->data[offsetof(struct acpi_rsdp, checksum)] = 0;
	r->data[offsetof(struct acpi_rsdp, checksum)] = (uint8_t)-sum_bytes(r->data, 20);
}

static void test_rsdt_unmapped(void **state)
{
	(void)state;
	load_machine("q35");
	set_rsdt_address(0x50000000);
	assert_int_equal(parse(), ACPI_ERR_NO_ROOT);
	assert_true(has_warning(ACPI_WARN_MAP, "RSDT"));
}

static void test_rsdt_bad_checksum(void **state)
{
	(void)state;
	load_machine("q35");
	mem_find("RSDT")->data[9] ^= 1;
	assert_int_equal(parse(), ACPI_ERR_NO_ROOT);
	assert_true(has_warning(ACPI_WARN_CHECKSUM, "RSDT"));
}

static void test_rsdt_wrong_signature(void **state)
{
	(void)state;
	load_machine("q35");
	set_rsdt_address((uint32_t)mem_find("APIC")->pa); /* valid table, but not an RSDT */
	assert_int_equal(parse(), ACPI_ERR_NO_ROOT);
	assert_true(has_warning(ACPI_WARN_SIGNATURE, "APIC"));
}

/* Turns the q35 RSDP into a 2.0 RSDP whose XSDT lists `n` of the RSDT's entries. */
static struct region *make_xsdt(size_t n, size_t extra_len)
{
	const struct region *rsdt = mem_find("RSDT");
	size_t count = (rsdt->len - 36) / 4;
	uint64_t entries[16] = {0};
	struct region *x, *r;
	uint8_t rsdp[36];

	assert_true(n <= count);
	for (size_t i = 0; i < n; i++)
		entries[i] = get32(rsdt, 36 + 4 * i);
	x = add_sdt("XSDT", FREE_PA, "XSDT", 1, entries, n * 8 + extra_len);
	r = mem_find("RSDP");
	memcpy(rsdp, r->data, 20);
	rsdp[15] = 2;
	memset(rsdp + 20, 0, 16);
	memcpy(rsdp + 20, &(uint32_t){36}, 4);
	memcpy(rsdp + 24, &(uint64_t){FREE_PA}, 8);
	rsdp[8] = 0;
	rsdp[8] = (uint8_t)-sum_bytes(rsdp, 20);
	rsdp[32] = (uint8_t)-sum_bytes(rsdp, 36);
	mem_replace(r, rsdp, sizeof(rsdp));
	return x;
}

static void test_xsdt_preferred(void **state)
{
	(void)state;
	load_machine("q35");
	make_xsdt(3, 0); /* FACP APIC HPET: no MCFG or WAET */
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.warning_count, 0);
	assert_int_equal(info.rsdp_revision, 2);
	assert_true(info.xsdt_used);
	assert_int_equal(info.root_address, FREE_PA);
	assert_true(has_table("XSDT"));
	assert_false(has_table("RSDT"));
	assert_false(has_table("MCFG"));
	assert_true(info.madt.present && info.hpet.present && info.s5.found);
	acpi_print_summary(&info);
	assert_non_null(strstr(printk_buf, "ACPI: RSDP rev 2 (BOCHS), XSDT: FACP APIC HPET DSDT FACS\n"));
}

static void test_xsdt_larger_than_mapping(void **state)
{
	struct region *x;

	(void)state;
	load_machine("q35");
	x = make_xsdt(3, 0);
	put32(x, 4, (uint32_t)x->len + 64); /* claims more than is mapped */
	fix_checksum(x);
	assert_int_equal(parse(), ACPI_OK);
	assert_false(info.xsdt_used);
	assert_true(has_warning(ACPI_WARN_MAP, "XSDT"));
	assert_true(has_warning(ACPI_WARN_XSDT_FALLBACK, "XSDT"));
	assert_true(has_table("MCFG")); /* the RSDT lists it */
}

static void test_xsdt_truncated(void **state)
{
	struct region *x;

	(void)state;
	load_machine("q35");
	x = make_xsdt(4, 0);
	put32(x, 4, 36 + 2 * 8 + 3); /* two whole entries and part of a third */
	fix_checksum(x);
	assert_int_equal(parse(), ACPI_OK);
	assert_true(info.xsdt_used);
	assert_true(has_warning(ACPI_WARN_ROOT_PARTIAL, "XSDT"));
	assert_true(info.fadt.present && info.madt.present);
	assert_false(info.hpet.present);
}

static void test_xsdt_length_below_header(void **state)
{
	struct region *x;

	(void)state;
	load_machine("q35");
	x = make_xsdt(3, 0);
	put32(x, 4, 20);
	assert_int_equal(parse(), ACPI_OK);
	assert_false(info.xsdt_used);
	assert_true(has_warning(ACPI_WARN_LENGTH, "XSDT"));
	assert_true(info.hpet.present && info.mcfg.present);
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	(void)state;
	load_machine("q35");
	make_xsdt(3, 0);
	mem_find("RSDP")->data[32] ^= 1;
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.rsdp_revision, 2);
	assert_false(info.xsdt_used);
	assert_true(has_warning(ACPI_WARN_RSDP_EXTENDED, "RSDP"));
	assert_true(has_table("MCFG"));
}

/* ---- per-table corruption ---- */

static void test_table_bad_checksum_skipped(void **state)
{
	(void)state;
	load_machine("q35");
	mem_find("APIC")->data[9] ^= 0x01;
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.warning_count, 1);
	assert_true(has_warning(ACPI_WARN_CHECKSUM, "APIC"));
	assert_int_equal(info.warnings[0].address, mem_find("APIC")->pa);
	assert_false(has_table("APIC"));
	assert_false(info.madt.present);
	assert_int_equal(info.madt.cpu_count, 0);
	assert_true(info.fadt.present && info.hpet.present && info.mcfg.present && info.s5.found);
	acpi_print_summary(&info);
	assert_non_null(strstr(printk_buf, "RSDT: FACP HPET MCFG WAET DSDT FACS\n"));
	assert_non_null(strstr(printk_buf, "ACPI: warning: APIC at 0x1ffe22cc: checksum mismatch"));
}

static void test_table_bad_lengths(void **state)
{
	struct region *hpet, *mcfg;

	(void)state;
	load_machine("q35");
	hpet = mem_find("HPET");
	put32(hpet, 4, 0x7FFFFFFF);
	mcfg = mem_find("MCFG");
	put32(mcfg, 4, 20);
	assert_int_equal(parse(), ACPI_OK);
	assert_true(has_warning(ACPI_WARN_LENGTH, "HPET"));
	assert_true(has_warning(ACPI_WARN_LENGTH, "MCFG"));
	assert_false(info.hpet.present);
	assert_false(info.mcfg.present);
	assert_true(info.madt.present);
}

static void test_entry_unmapped_and_duplicate(void **state)
{
	struct region *rsdt;

	(void)state;
	load_machine("q35");
	rsdt = mem_find("RSDT");
	put32(rsdt, 36 + 4 * 3, 0x60000000);                     /* MCFG -> nowhere */
	put32(rsdt, 36 + 4 * 4, (uint32_t)mem_find("HPET")->pa); /* WAET -> HPET again */
	fix_checksum(rsdt);
	assert_int_equal(parse(), ACPI_OK);
	assert_true(has_warning(ACPI_WARN_MAP, NULL));
	assert_false(has_table("MCFG"));
	assert_false(has_table("WAET"));
	assert_int_equal(info.table_count, 6); /* RSDT FACP APIC HPET DSDT FACS */
}

static void test_too_many_tables(void **state)
{
	uint32_t entries[70];
	struct region *rsdt;

	(void)state;
	load_machine("q35");
	for (uint32_t i = 0; i < 70; i++) {
		entries[i] = (uint32_t)(FREE_PA + 0x100 * i);
		add_sdt("OEMx", entries[i], "OEMx", 1, NULL, 0);
	}
	rsdt = mem_find("RSDT");
	replace_sdt_body(rsdt, entries, sizeof(entries));
	assert_int_equal(parse(), ACPI_OK);
	assert_int_equal(info.table_count, ACPI_MAX_TABLES);
	assert_int_equal(info.tables_dropped, 70 + 1 - ACPI_MAX_TABLES);
	assert_true(has_warning(ACPI_WARN_TOO_MANY_TABLES, "OEMx"));
	assert_true(has_warning(ACPI_WARN_NO_S5, NULL)); /* no FADT in this RSDT */
}

static void test_strings(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ACPI_WARN_COUNT; i++)
		assert_string_not_equal(acpi_warning_str(i), "unknown warning");
	assert_string_equal(acpi_warning_str(ACPI_WARN_COUNT), "unknown warning");
	assert_string_equal(acpi_error_str(-99), "unknown error");
}

#define T(fn) cmocka_unit_test_teardown(fn, mem_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_all_machines),
	    T(test_q35_details),
	    T(test_intel_iommu_dmar),
	    T(test_amd_iommu_ivrs),
	    T(test_pc_fadt_rev1),
	    T(test_bochs_details),
	    T(test_ovmf_xsdt),
	    T(test_ovmf_xsdt_corrupt_falls_back),
	    T(test_find_rsdp_bios_area),
	    T(test_find_rsdp_ebda),
	    T(test_find_rsdp_none),
	    T(test_rsdp_bad_checksum),
	    T(test_rsdp_bad_signature),
	    T(test_rsdp_unmapped),
	    T(test_rsdt_unmapped),
	    T(test_rsdt_bad_checksum),
	    T(test_rsdt_wrong_signature),
	    T(test_xsdt_preferred),
	    T(test_xsdt_larger_than_mapping),
	    T(test_xsdt_truncated),
	    T(test_xsdt_length_below_header),
	    T(test_rsdp_bad_extended_checksum),
	    T(test_table_bad_checksum_skipped),
	    T(test_table_bad_lengths),
	    T(test_entry_unmapped_and_duplicate),
	    T(test_too_many_tables),
	    T(test_madt_x2apic_and_override),
	    T(test_madt_cpu_cap),
	    T(test_madt_zero_length_entry),
	    T(test_madt_entry_past_end),
	    T(test_madt_short_entry_and_header),
	    T(test_fadt_truncated),
	    T(test_fadt_too_short),
	    T(test_fadt_v1_length_ignores_reset_flag),
	    T(test_fadt_x_fields),
	    T(test_facs_bad),
	    T(test_dsdt_without_s5),
	    T(test_s5_from_ssdt),
	    T(test_aml_s5_forms),
	    T(test_aml_s5_rejects),
	    T(test_dmar_synthetic),
	    T(test_ivrs_synthetic),
	    T(test_strings),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
