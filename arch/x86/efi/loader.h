/*
 * Internal interfaces of mica.efi, the UEFI loader (gnu-efi). Each .c file
 * under arch/x86/efi/ that talks to firmware implements one of these groups.
 */
#ifndef MICA_EFI_LOADER_H
#define MICA_EFI_LOADER_H

#include <efi.h>
#include <efilib.h>

#include <mica/boot_info.h>
#include <mica/types.h>

#include "config.h"

#define LOADER_NAME "mica.efi"
#define LOADER_CFG_NAME "mica.cfg"
#define LOADER_PATH_MAX 512
#define BELOW_4G 0xffffffffULL

/* console.c: every line starts with "mica.efi: "; errors with "mica.efi: error: ". */
void efi_info(const CHAR16 *fmt, ...);
void efi_error(const CHAR16 *fmt, ...);

/* alloc.c: EfiLoaderData pages below 4 GiB. */
EFI_STATUS efi_alloc_low(UINT64 bytes, EFI_PHYSICAL_ADDRESS *addr);
EFI_STATUS efi_alloc_low_aligned(UINT64 bytes, UINT64 align, EFI_PHYSICAL_ADDRESS *addr);

/* file.c: where files come from (the loader's directory, or its TFTP server). */
struct efi_source {
	bool pxe;
	EFI_FILE_HANDLE root; /* file system volume */
	EFI_PXE_BASE_CODE *pxe_bc;
	EFI_IP_ADDRESS server;
	char dir[LOADER_PATH_MAX]; /* "\EFI\BOOT\" on disk; "" or "boot/" over TFTP */
};

enum file_place {
	FILE_POOL, /* anywhere, EfiLoaderData pool; efi_file_free() when done */
	FILE_LOW,  /* page-aligned EfiLoaderData pages below 4 GiB, kept */
};

struct efi_file {
	char path[LOADER_PATH_MAX];       /* as the source sees it */
	char shown[LOADER_PATH_MAX + 32]; /* for messages, e.g. tftp://10.0.2.2/mica.cfg */
	void *data;
	UINT64 size;
	enum file_place place;
};

EFI_STATUS efi_source_open(EFI_LOADED_IMAGE *li, struct efi_source *src);
/* Loads name[0..name_len) relative to the source's directory; reports errors. */
EFI_STATUS efi_file_load(struct efi_source *src, const char *name, size_t name_len, enum file_place place,
			 struct efi_file *f);
void efi_file_free(struct efi_file *f);

/* image.c: the hypervisor ELF. */
EFI_STATUS efi_load_hypervisor(struct efi_source *src, const char *name, struct boot_info *bi, UINT64 *entry);

/* modules.c: kernel=, ramdisk=, module= into boot_info.modules[]. */
EFI_STATUS efi_load_modules(struct efi_source *src, const struct mica_cfg *cfg, struct boot_info *bi);

/* gop.c, acpi.c: what the firmware knows about the machine. */
void efi_find_framebuffer(struct boot_framebuffer *fb);
UINT64 efi_find_rsdp(EFI_SYSTEM_TABLE *st);

/*
 * exit.c: ExitBootServices and the jump; returns only on failure, with
 * *firmware_gone set once ExitBootServices was tried: then no boot service
 * (ConOut included) may be used any more.
 */
EFI_STATUS efi_exit_and_enter(EFI_HANDLE image, struct boot_info *bi, UINT64 entry, bool *firmware_gone);

#endif
