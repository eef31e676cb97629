/*
 * Multiboot2 (GNU Multiboot Specification 2.0): the header our image carries
 * (usable from assembly) and the boot information (MBI) a loader hands us.
 */
#ifndef MICA_MULTIBOOT2_H
#define MICA_MULTIBOOT2_H

/* ---- OS image header: magic, architecture, length, checksum, then tags ---- */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_HEADER_ARCH_I386 0 /* 32-bit protected mode entry */
#define MB2_HEADER_ALIGN 8     /* the header must be 8-byte aligned ... */
#define MB2_SEARCH_LIMIT 32768 /* ... and lie within the image's first 32 KiB */
/* magic + architecture + header_length + checksum == 0 (mod 2^32) */
#define MB2_HEADER_CHECKSUM(len) ((0x100000000 - (MB2_HEADER_MAGIC + MB2_HEADER_ARCH_I386 + (len))) & 0xffffffff)

/* Header tags: u16 type, u16 flags, u32 size; 8-byte aligned. */
#define MB2_HDR_TAG_END 0
#define MB2_HDR_TAG_INFO_REQUEST 1
#define MB2_HDR_TAG_ADDRESS 2
#define MB2_HDR_TAG_ENTRY_ADDRESS 3
#define MB2_HDR_TAG_CONSOLE_FLAGS 4
#define MB2_HDR_TAG_FRAMEBUFFER 5
#define MB2_HDR_TAG_MODULE_ALIGN 6
#define MB2_HDR_TAG_EFI_BS 7
#define MB2_HDR_TAG_ENTRY_ADDRESS_EFI32 8
#define MB2_HDR_TAG_ENTRY_ADDRESS_EFI64 9
#define MB2_HDR_TAG_RELOCATABLE 10
#define MB2_HDR_TAG_OPTIONAL 1 /* flags bit 0: the loader may ignore this tag */

/* Relocatable tag "preference" field. */
#define MB2_RELOC_PREFER_NONE 0
#define MB2_RELOC_PREFER_LOW 1
#define MB2_RELOC_PREFER_HIGH 2

/* ---- Boot information tags (u32 type, u32 size; 8-byte aligned) ---- */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_BOOT_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_BOOTDEV 5
#define MB2_TAG_MMAP 6
#define MB2_TAG_VBE 7
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ELF_SECTIONS 9
#define MB2_TAG_APM 10
#define MB2_TAG_EFI32 11
#define MB2_TAG_EFI64 12
#define MB2_TAG_SMBIOS 13
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_NETWORK 16
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_EFI_BS 18
#define MB2_TAG_EFI32_IH 19
#define MB2_TAG_EFI64_IH 20
#define MB2_TAG_LOAD_BASE_ADDR 21

/* Memory map entry types. */
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_RESERVED 2
#define MB2_MEM_ACPI_RECLAIMABLE 3
#define MB2_MEM_NVS 4
#define MB2_MEM_BADRAM 5

/* Framebuffer types. */
#define MB2_FB_INDEXED 0
#define MB2_FB_RGB 1
#define MB2_FB_EGA_TEXT 2

#ifndef __ASSEMBLER__

#include <mica/boot_info.h>
#include <mica/types.h>

struct mb2_info_header {
	uint32_t total_size; /* including this header and the end tag */
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size; /* including this header, excluding padding to 8 bytes */
};

struct mb2_tag_string { /* CMDLINE, BOOT_LOADER_NAME */
	uint32_t type, size;
	char string[]; /* NUL-terminated */
};

struct mb2_tag_module {
	uint32_t type, size;
	uint32_t mod_start; /* physical */
	uint32_t mod_end;   /* physical, exclusive */
	char cmdline[];
};

struct mb2_tag_basic_meminfo {
	uint32_t type, size;
	uint32_t mem_lower; /* KiB from 0 */
	uint32_t mem_upper; /* KiB from 1 MiB */
};

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* MB2_MEM_* */
	uint32_t reserved;
};

struct mb2_tag_mmap {
	uint32_t type, size;
	uint32_t entry_size; /* a multiple of 8, >= sizeof(struct mb2_mmap_entry) */
	uint32_t entry_version;
	/* entries follow, entry_size bytes apart */
};

/* GRUB's layout: a 16-bit reserved field, so color information starts at 32. */
struct mb2_tag_framebuffer {
	uint32_t type, size;
	uint64_t addr;
	uint32_t pitch;
	uint32_t width;
	uint32_t height;
	uint8_t bpp;
	uint8_t fb_type; /* MB2_FB_* */
	uint16_t reserved;
	/* MB2_FB_RGB only: */
	uint8_t red_pos, red_size;
	uint8_t green_pos, green_size;
	uint8_t blue_pos, blue_size;
};
#define MB2_FB_COMMON_SIZE 32 /* size up to the color information */
#define MB2_FB_RGB_SIZE 38

struct mb2_tag_efi64 {
	uint32_t type, size;
	uint64_t pointer; /* EFI system table, physical */
};

struct mb2_tag_rsdp { /* ACPI_OLD / ACPI_NEW: a copy of the RSDP */
	uint32_t type, size;
	uint8_t rsdp[];
};
#define MB2_RSDP_V1_SIZE 20
#define MB2_RSDP_V2_SIZE 36

struct mb2_tag_efi_mmap {
	uint32_t type, size;
	uint32_t descr_size;
	uint32_t descr_vers;
	/* EFI_MEMORY_DESCRIPTORs follow, descr_size bytes apart */
};

struct mb2_efi_mem_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t num_pages; /* 4 KiB pages */
	uint64_t attribute;
};

struct mb2_tag_load_base {
	uint32_t type, size;
	uint32_t load_base_addr;
};

/* mb2_parse results. */
enum mb2_error {
	MB2_OK = 0,
	MB2_ERR_ALIGN = -1,       /* the MBI is not 8-byte aligned */
	MB2_ERR_TOTAL_SIZE = -2,  /* total_size < 16 or larger than what is readable */
	MB2_ERR_TAG_SIZE = -3,    /* a tag smaller than 8 bytes or than its type needs */
	MB2_ERR_TAG_OVERRUN = -4, /* a tag runs past total_size */
	MB2_ERR_NO_END = -5,      /* no end tag */
	MB2_ERR_STRING = -6,      /* a string not NUL-terminated inside its tag */
	MB2_ERR_MMAP = -7,        /* bad memory map entry size */
	MB2_ERR_MODULE = -8,      /* module ends before it starts */
	/* Lossy but complete: boot_info is filled, something did not fit. */
	MB2_ERR_TOO_MANY_MODULES = -9, /* only the first BOOT_MAX_MODULES kept */
	MB2_ERR_TOO_LONG = -10,        /* a command line was truncated */
};

static inline bool mb2_error_is_lossy(int err)
{
	return err == MB2_ERR_TOO_MANY_MODULES || err == MB2_ERR_TOO_LONG;
}

const char *mb2_strerror(int err);

/*
 * Fill bi from the MBI at mbi (avail readable bytes; mbi_phys is its physical
 * address). Returns MB2_OK, or a negative enum mb2_error after printing why.
 * With a lossy error bi is complete except for what did not fit; with any
 * other error bi is unusable.
 *
 * bi->rsdp points at the RSDP copy inside the MBI (the ACPI 2.0 one if both
 * are present), so the MBI must stay reserved until ACPI is parsed.
 * The memory map comes from the mmap tag, else the EFI memory map tag, else
 * basic meminfo. image_base is the load base address tag (0 if absent);
 * image_size is left 0 for the caller.
 */
int mb2_parse(const void *mbi, size_t avail, uint64_t mbi_phys, struct boot_info *bi);

#endif /* __ASSEMBLER__ */
#endif
