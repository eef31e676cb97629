/*
 * ACPI table layouts (ACPI 6.5 chapter 5; DMAR per Intel VT-d spec ch. 8; IVRS per AMD IOMMU spec
 * ch. 5). Packed and fixed-width: these overlay firmware memory, which need not be aligned.
 */
#ifndef MICA_ACPI_TABLES_H
#define MICA_ACPI_TABLES_H

#include <mica/types.h>

#define ACPI_SIG_LEN 4
#define ACPI_OEM_ID_LEN 6

/* Root System Description Pointer (5.2.5.3). v1 is the first 20 bytes. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* over the first 20 bytes */
	char oem_id[ACPI_OEM_ID_LEN];
	uint8_t revision; /* 0 = ACPI 1.0, 2 = ACPI 2.0+ */
	uint32_t rsdt_address;
	uint32_t length; /* revision >= 2: whole structure */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* over `length` bytes */
	uint8_t reserved[3];
} __packed;

#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36

/* System Description Table header (5.2.6); checksum covers `length` bytes. */
struct acpi_sdt_header {
	char signature[ACPI_SIG_LEN];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[ACPI_OEM_ID_LEN];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;

/* Generic Address Structure (5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __packed;

#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO 1
#define ACPI_SPACE_PCI_CONFIG 2

/* Firmware ACPI Control Structure (5.2.10): no SDT header checksum. */
struct acpi_facs {
	char signature[ACPI_SIG_LEN]; /* "FACS" */
	uint32_t length;              /* >= 64 */
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved[3];
	uint32_t ospm_flags;
	uint8_t reserved2[24];
} __packed;

#define ACPI_FACS_MIN_LEN 64

/* Fixed ACPI Description Table (5.2.9), signature "FACP". Older revisions are shorter. */
struct acpi_fadt {
	struct acpi_sdt_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0; /* INT_MODEL in ACPI 1.0 */
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch; /* revision >= 2 */
	uint8_t reserved1;
	uint32_t flags;
	/* ---- end of the ACPI 1.0 table (116 bytes) ---- */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __packed;

#define ACPI_FADT_V1_LEN 116
#define ACPI_FADT_TMR_VAL_EXT (1u << 8)
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED (1u << 20)

#define ACPI_BOOT_LEGACY_DEVICES (1u << 0)
#define ACPI_BOOT_8042 (1u << 1)
#define ACPI_BOOT_NO_VGA (1u << 2)
#define ACPI_BOOT_NO_MSI (1u << 3)
#define ACPI_BOOT_NO_ASPM (1u << 4)
#define ACPI_BOOT_NO_CMOS_RTC (1u << 5)

/* Multiple APIC Description Table (5.2.12), signature "APIC". */
struct acpi_madt {
	struct acpi_sdt_header header;
	uint32_t lapic_address;
	uint32_t flags;
} __packed;

#define ACPI_MADT_PCAT_COMPAT (1u << 0)

struct acpi_madt_entry {
	uint8_t type;
	uint8_t length;
} __packed;

enum acpi_madt_type {
	ACPI_MADT_LAPIC = 0,
	ACPI_MADT_IOAPIC = 1,
	ACPI_MADT_IRQ_OVERRIDE = 2,
	ACPI_MADT_NMI_SOURCE = 3,
	ACPI_MADT_LAPIC_NMI = 4,
	ACPI_MADT_LAPIC_OVERRIDE = 5,
	ACPI_MADT_X2APIC = 9,
	ACPI_MADT_X2APIC_NMI = 10,
};

#define ACPI_MADT_ENABLED (1u << 0)
#define ACPI_MADT_ONLINE_CAPABLE (1u << 1)

struct acpi_madt_lapic {
	struct acpi_madt_entry h;
	uint8_t acpi_uid;
	uint8_t apic_id;
	uint32_t flags;
} __packed;

struct acpi_madt_ioapic {
	struct acpi_madt_entry h;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __packed;

struct acpi_madt_irq_override {
	struct acpi_madt_entry h;
	uint8_t bus;
	uint8_t source;
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2 */
} __packed;

struct acpi_madt_nmi_source {
	struct acpi_madt_entry h;
	uint16_t flags;
	uint32_t gsi;
} __packed;

struct acpi_madt_lapic_nmi {
	struct acpi_madt_entry h;
	uint8_t acpi_uid; /* 0xFF: all processors */
	uint16_t flags;
	uint8_t lint;
} __packed;

struct acpi_madt_lapic_override {
	struct acpi_madt_entry h;
	uint16_t reserved;
	uint64_t address;
} __packed;

struct acpi_madt_x2apic {
	struct acpi_madt_entry h;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t acpi_uid;
} __packed;

struct acpi_madt_x2apic_nmi {
	struct acpi_madt_entry h;
	uint16_t flags;
	uint32_t acpi_uid; /* 0xFFFFFFFF: all processors */
	uint8_t lint;
	uint8_t reserved[3];
} __packed;

/* IA-PC High Precision Event Timer table (HPET spec 1.0a, 3.2.4). */
struct acpi_hpet {
	struct acpi_sdt_header header;
	uint32_t block_id; /* copy of the capabilities register's low 32 bits */
	struct acpi_gas base;
	uint8_t hpet_number;
	uint16_t min_tick;
	uint8_t page_protection;
} __packed;

#define ACPI_HPET_COUNT_SIZE_CAP (1u << 13)
#define ACPI_HPET_NUM_COMPARATORS(id) ((((id) >> 8) & 0x1F) + 1)

/* PCI Express memory-mapped configuration table (PCI Firmware spec 3.2, 4.1.2). */
struct acpi_mcfg {
	struct acpi_sdt_header header;
	uint8_t reserved[8];
} __packed;

struct acpi_mcfg_entry {
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
	uint32_t reserved;
} __packed;

/* DMA Remapping Reporting table (VT-d spec 8.1). */
struct acpi_dmar {
	struct acpi_sdt_header header;
	uint8_t host_addr_width; /* N - 1 for an N-bit DMA address width */
	uint8_t flags;
	uint8_t reserved[10];
} __packed;

#define ACPI_DMAR_INTR_REMAP (1u << 0)
#define ACPI_DMAR_X2APIC_OPT_OUT (1u << 1)

struct acpi_dmar_entry {
	uint16_t type;
	uint16_t length;
} __packed;

enum acpi_dmar_type {
	ACPI_DMAR_DRHD = 0,
	ACPI_DMAR_RMRR = 1,
	ACPI_DMAR_ATSR = 2,
	ACPI_DMAR_RHSA = 3,
	ACPI_DMAR_ANDD = 4,
	ACPI_DMAR_SATC = 5,
};

struct acpi_dmar_drhd {
	struct acpi_dmar_entry h;
	uint8_t flags;
	uint8_t size;
	uint16_t segment;
	uint64_t register_base;
	/* device scope entries follow */
} __packed;

#define ACPI_DRHD_INCLUDE_PCI_ALL (1u << 0)

struct acpi_dmar_scope {
	uint8_t type;
	uint8_t length;
	uint16_t reserved;
	uint8_t enumeration_id;
	uint8_t start_bus;
	/* path entries (device, function) follow */
} __packed;

/* I/O Virtualization Reporting Structure (AMD IOMMU spec 5.2). */
struct acpi_ivrs {
	struct acpi_sdt_header header;
	uint32_t iv_info;
	uint64_t reserved;
} __packed;

/* IVHD block header common to types 10h, 11h and 40h (type 10h is exactly this long). */
struct acpi_ivhd {
	uint8_t type;
	uint8_t flags;
	uint16_t length;
	uint16_t device_id;
	uint16_t capability_offset;
	uint64_t iommu_base;
	uint16_t segment;
	uint16_t iommu_info;
	uint32_t feature_info; /* type 10h: IOMMU feature reporting; 11h/40h: EFR attributes */
} __packed;

#define ACPI_IVHD_TYPE_10 0x10
#define ACPI_IVHD_TYPE_11 0x11
#define ACPI_IVHD_TYPE_40 0x40

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header layout");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS layout");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS layout");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == ACPI_FADT_V1_LEN, "FADT 1.0 length");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "FADT X_PM_TMR_BLK");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT layout");
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "x2APIC entry layout");
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET layout");
_Static_assert(sizeof(struct acpi_mcfg_entry) == 16, "MCFG entry layout");
_Static_assert(sizeof(struct acpi_dmar) == 48, "DMAR layout");
_Static_assert(sizeof(struct acpi_dmar_drhd) == 16, "DRHD layout");
_Static_assert(sizeof(struct acpi_ivrs) == 48, "IVRS layout");
_Static_assert(sizeof(struct acpi_ivhd) == 24, "IVHD layout");

#endif
