/*
 * ACPI table parser: walks the RSDP/XSDT/RSDT through a caller-supplied mapping function and
 * extracts what the hypervisor needs (CPUs, IO-APICs, power management, timers, PCI, IOMMUs).
 * Corrupt tables are skipped with a recorded warning; the parser never reads past a table.
 */
#ifndef MICA_ACPI_H
#define MICA_ACPI_H

#include <mica/types.h>

#define ACPI_MAX_TABLES 64
#define ACPI_MAX_CPUS 256
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_IRQ_OVERRIDES 16
#define ACPI_MAX_NMIS 16
#define ACPI_MAX_MCFG 8
#define ACPI_MAX_DRHD 8
#define ACPI_MAX_IVHD 8
#define ACPI_MAX_WARNINGS 16
#define ACPI_MAX_TABLE_LEN (16u << 20) /* larger tables are treated as corrupt */

#define ACPI_SIG_BUF 5           /* 4-character signature + NUL */
#define ACPI_OEM_BUF 7           /* 6-character OEM ID + NUL */
#define ACPI_UID_ALL 0xFFFFFFFFu /* NMI entry applies to every processor */

/*
 * Returns a pointer through which `len` bytes at machine address `pa` can be read, or NULL when
 * that range is not mappable. Pointers must stay valid until acpi_parse() returns.
 */
typedef const void *(*acpi_map_fn)(paddr_t pa, size_t len, void *ctx);

enum acpi_error {
	ACPI_OK = 0,
	ACPI_ERR_RSDP_MAP = -1,       /* RSDP not mappable */
	ACPI_ERR_RSDP_SIGNATURE = -2, /* no "RSD PTR " */
	ACPI_ERR_RSDP_CHECKSUM = -3,  /* ACPI 1.0 checksum wrong */
	ACPI_ERR_NO_ROOT = -4,        /* neither XSDT nor RSDT usable */
};

enum acpi_warning_code {
	ACPI_WARN_MAP,             /* table (or part of it) not mappable */
	ACPI_WARN_SIGNATURE,       /* unexpected signature */
	ACPI_WARN_LENGTH,          /* length below the header or above ACPI_MAX_TABLE_LEN */
	ACPI_WARN_CHECKSUM,        /* checksum mismatch: table skipped */
	ACPI_WARN_RSDP_EXTENDED,   /* RSDP 2.0 part invalid: XSDT ignored */
	ACPI_WARN_XSDT_FALLBACK,   /* XSDT unusable: RSDT used instead */
	ACPI_WARN_ROOT_PARTIAL,    /* root table length not a whole number of entries */
	ACPI_WARN_TOO_MANY_TABLES, /* table list full */
	ACPI_WARN_TABLE_TOO_SHORT, /* table shorter than its fixed part */
	ACPI_WARN_BAD_ENTRY,       /* subtable with a bad length: rest of the table ignored */
	ACPI_WARN_ENTRY_TOO_SHORT, /* known subtable shorter than its layout: entry skipped */
	ACPI_WARN_LIST_FULL,       /* CPU/IO-APIC/... list full: entries dropped */
	ACPI_WARN_NO_S5,           /* no _S5_ package in the DSDT or SSDTs */
	ACPI_WARN_COUNT
};

struct acpi_warning {
	uint16_t code; /* enum acpi_warning_code */
	char signature[ACPI_SIG_BUF];
	paddr_t address;
};

struct acpi_table_desc {
	char signature[ACPI_SIG_BUF];
	char oem_id[ACPI_OEM_BUF];
	paddr_t address;
	uint32_t length;
	uint8_t revision;
};

/* A register as an ACPI Generic Address Structure; space_id ACPI_SPACE_IO for port I/O. */
struct acpi_reg {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address; /* 0: register absent */
};

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;
	bool enabled;        /* usable now */
	bool online_capable; /* disabled, but may be hot-added */
	bool x2apic;         /* from a Local x2APIC entry */
};

struct acpi_ioapic {
	uint8_t id;
	paddr_t address;
	uint32_t gsi_base;
};

struct acpi_irq_override {
	uint8_t bus;
	uint8_t source_irq;
	uint32_t gsi;
	uint16_t flags; /* MPS INTI: polarity bits 1:0, trigger bits 3:2 */
};

/* Local APIC NMI (LINT pin) or, with is_gsi, an NMI source wired to an IO-APIC input. */
struct acpi_nmi {
	bool is_gsi;
	uint32_t acpi_uid; /* local APIC NMI: processor UID or ACPI_UID_ALL */
	uint8_t lint;      /* local APIC NMI: LINT0/LINT1 */
	uint32_t gsi;      /* NMI source */
	uint16_t flags;
};

struct acpi_madt_info {
	bool present;
	bool pcat_compat; /* dual 8259s present: mask them */
	paddr_t lapic_address;
	uint32_t cpu_count, cpus_dropped;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	uint32_t ioapic_count, ioapics_dropped;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	uint32_t override_count, overrides_dropped;
	struct acpi_irq_override overrides[ACPI_MAX_IRQ_OVERRIDES];
	uint32_t nmi_count, nmis_dropped;
	struct acpi_nmi nmis[ACPI_MAX_NMIS];
};

struct acpi_fadt_info {
	bool present;
	uint8_t revision;
	uint32_t length;
	uint32_t flags;
	bool hw_reduced;
	struct acpi_reg pm_timer;
	uint16_t pm_timer_port; /* pm_timer.address when it is port I/O, else 0 */
	bool pm_timer_32bit;    /* TMR_VAL_EXT: 32-bit counter, else 24-bit */
	struct acpi_reg pm1a_evt, pm1b_evt;
	struct acpi_reg pm1a_cnt, pm1b_cnt;
	bool reset_supported; /* RESET_REG_SUP and a usable register */
	struct acpi_reg reset_reg;
	uint8_t reset_value;
	uint16_t sci_irq;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable;
	paddr_t dsdt;
	paddr_t facs;
	uint16_t boot_arch; /* IAPC_BOOT_ARCH, FADT revision >= 2 only */
	bool has_8042;
	bool legacy_devices;
	bool no_vga;
	bool no_msi;
	bool no_cmos_rtc;
};

struct acpi_s5_info {
	bool found;
	uint8_t slp_typ_a, slp_typ_b; /* 3-bit values for PM1a/PM1b_CNT.SLP_TYP */
	char source[ACPI_SIG_BUF];    /* "DSDT" or "SSDT" */
};

struct acpi_hpet_info {
	bool present;
	paddr_t address;
	uint32_t block_id;
	bool counter_64bit; /* COUNT_SIZE_CAP */
	uint8_t comparators;
	uint8_t number;
	uint16_t min_tick;
};

struct acpi_mcfg_segment {
	paddr_t base; /* ECAM address of bus 0 of this segment */
	uint16_t segment;
	uint8_t start_bus, end_bus;
};

struct acpi_mcfg_info {
	bool present;
	uint32_t count, dropped;
	struct acpi_mcfg_segment segments[ACPI_MAX_MCFG];
};

struct acpi_drhd {
	paddr_t register_base;
	uint16_t segment;
	uint8_t flags;
	bool include_pci_all;
	uint16_t scope_count; /* device scope entries */
};

struct acpi_dmar_info {
	bool present;
	uint8_t host_addr_width; /* bits (table value + 1) */
	uint8_t flags;
	bool intr_remap;
	bool x2apic_opt_out;
	uint32_t drhd_count, drhds_dropped;
	struct acpi_drhd drhds[ACPI_MAX_DRHD];
	uint32_t rmrr_count;
	uint32_t atsr_count;
};

struct acpi_ivhd_info {
	uint8_t type; /* 0x10, 0x11 or 0x40: highest type seen for this IOMMU */
	uint8_t flags;
	uint16_t device_id;
	uint16_t segment;
	paddr_t iommu_base;
};

struct acpi_ivrs_info {
	bool present;
	uint32_t iv_info;
	uint32_t ivhd_count, ivhds_dropped;
	struct acpi_ivhd_info ivhds[ACPI_MAX_IVHD];
	uint32_t ivmd_count;
};

struct acpi_info {
	paddr_t rsdp_address;
	uint8_t rsdp_revision;
	char oem_id[ACPI_OEM_BUF];
	bool xsdt_used; /* root table is the XSDT, else the RSDT */
	paddr_t root_address;
	uint32_t table_count, tables_dropped;
	struct acpi_table_desc tables[ACPI_MAX_TABLES];
	uint32_t warning_count; /* total; the first ACPI_MAX_WARNINGS are stored */
	struct acpi_warning warnings[ACPI_MAX_WARNINGS];
	struct acpi_madt_info madt;
	struct acpi_fadt_info fadt;
	struct acpi_s5_info s5;
	struct acpi_hpet_info hpet;
	struct acpi_mcfg_info mcfg;
	struct acpi_dmar_info dmar;
	struct acpi_ivrs_info ivrs;
};

/* Scans the first KiB of the EBDA and 0xE0000-0xFFFFF for a valid RSDP; 0 if none. */
paddr_t acpi_find_rsdp(acpi_map_fn map, void *ctx);

/* Parses everything reachable from the RSDP at `rsdp`. Returns ACPI_OK or an enum acpi_error. */
int acpi_parse(paddr_t rsdp, acpi_map_fn map, void *ctx, struct acpi_info *info);

const struct acpi_table_desc *acpi_find_table(const struct acpi_info *info, const char *sig);
const char *acpi_error_str(int err);
const char *acpi_warning_str(unsigned int code);
void acpi_print_summary(const struct acpi_info *info);

#endif
