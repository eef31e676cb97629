/*
 * struct boot_info: the one handoff from a boot path (the UEFI loader mica.efi,
 * or the Multiboot2 entry in mica.elf) to the hypervisor proper.
 * Layout is fixed-width and position-independent: all addresses are physical.
 * The UEFI loader fills it before ExitBootServices; the Multiboot2 entry fills
 * it from GRUB's tags. See docs/boot.md.
 */
#ifndef MICA_BOOT_INFO_H
#define MICA_BOOT_INFO_H

#ifndef __ASSEMBLER__
#include <mica/types.h>
#endif

#define BOOT_INFO_MAGIC 0x544f4f4241434d49ULL /* "IMCABOOT" little-endian */
#define BOOT_INFO_VERSION 1

/* Value in %rsi when mica.efi jumps to the 64-bit entry (and %rdi = &boot_info). */
#define MICA_EFI_ENTRY_MAGIC 0x4d494341u /* "MICA" */
/* Value in %eax when a Multiboot2 loader jumps to the 32-bit entry. */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/*
 * ELF note in mica.elf that tells mica.efi where the 64-bit entry is:
 * name "Mica", type MICA_ELFNOTE_ENTRY64, desc = 8-byte physical (LMA) address.
 */
#define MICA_ELFNOTE_NAME "Mica"
#define MICA_ELFNOTE_ENTRY64 1

/* The hypervisor image must be placed at a physical address with this alignment. */
#define MICA_IMAGE_ALIGN (2ULL << 20)

#define BOOT_MAX_MEM_RANGES 512
#define BOOT_MAX_MODULES 16
#define BOOT_CMDLINE_MAX 1024
#define BOOT_MODULE_CMDLINE_MAX 512
#define BOOT_LOADER_NAME_MAX 64

#ifndef __ASSEMBLER__
enum boot_mem_type {
	BOOT_MEM_RAM = 1,          /* usable once boot is done */
	BOOT_MEM_RESERVED = 2,     /* never touch */
	BOOT_MEM_ACPI_RECLAIM = 3, /* ACPI tables */
	BOOT_MEM_ACPI_NVS = 4,     /* ACPI non-volatile storage */
	BOOT_MEM_UNUSABLE = 5,     /* defective RAM */
	BOOT_MEM_FIRMWARE = 6,     /* UEFI runtime services code/data */
	BOOT_MEM_MMIO = 7,         /* memory-mapped I/O described by firmware */
};

enum boot_loader_kind {
	BOOT_LOADER_UEFI = 1,       /* mica.efi */
	BOOT_LOADER_MULTIBOOT2 = 2, /* GRUB, iPXE, ... */
};

/* Boot flags. */
#define BOOT_FLAG_PXE (1u << 0)        /* the loader fetched everything over PXE/TFTP */
#define BOOT_FLAG_EFI_SYSTAB (1u << 1) /* efi_system_table is valid */

struct boot_mem_range {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* enum boot_mem_type */
	uint32_t reserved;
};

struct boot_module {
	uint64_t base;                         /* physical, page aligned */
	uint64_t size;                         /* bytes */
	char cmdline[BOOT_MODULE_CMDLINE_MAX]; /* file name first, then its arguments */
};

struct boot_framebuffer {
	uint64_t base; /* physical; 0 = no framebuffer */
	uint32_t width;
	uint32_t height;
	uint32_t pitch; /* bytes per scan line */
	uint8_t bpp;
	uint8_t red_pos, red_size;
	uint8_t green_pos, green_size;
	uint8_t blue_pos, blue_size;
	uint8_t reserved;
};

struct boot_info {
	uint64_t magic;   /* BOOT_INFO_MAGIC */
	uint32_t version; /* BOOT_INFO_VERSION */
	uint32_t loader;  /* enum boot_loader_kind */
	uint32_t flags;   /* BOOT_FLAG_* */
	uint32_t reserved0;
	char loader_name[BOOT_LOADER_NAME_MAX];
	char cmdline[BOOT_CMDLINE_MAX]; /* hypervisor options */
	uint64_t rsdp;                  /* physical address of the ACPI RSDP, 0 if unknown */
	uint64_t efi_system_table;      /* physical, if BOOT_FLAG_EFI_SYSTAB */
	uint64_t image_base;            /* physical base of the loaded hypervisor image */
	uint64_t image_size;            /* bytes reserved for it (incl. bss) */
	struct boot_framebuffer fb;
	uint32_t nr_mem;
	uint32_t nr_modules;
	struct boot_mem_range mem[BOOT_MAX_MEM_RANGES];
	struct boot_module modules[BOOT_MAX_MODULES];
};

#endif /* !__ASSEMBLER__ */
#endif
