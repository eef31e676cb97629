/*
 * Boot modules in boot_info.modules[]: dom0's kernel= first (if any), then ramdisk=,
 * then each module= in file order. Each sits in its own page-aligned
 * EfiLoaderData block below 4 GiB; its cmdline is the whole mica.cfg value,
 * file name first, as Multiboot2 module strings are.
 */
#include <mica/string.h>

#include "loader.h"

static EFI_STATUS load_module(struct efi_source *src, const char *value, struct boot_info *bi)
{
	struct boot_module *m = &bi->modules[bi->nr_modules];
	struct efi_file f;
	EFI_STATUS st;

	if (bi->nr_modules == BOOT_MAX_MODULES) {
		efi_error(L"too many boot modules (max %d)\n", BOOT_MAX_MODULES);
		return EFI_OUT_OF_RESOURCES;
	}
	st = efi_file_load(src, value, mica_cfg_file_len(value), FILE_LOW, &f);
	if (EFI_ERROR(st))
		return st;
	m->base = (UINT64)(UINTN)f.data;
	m->size = f.size;
	mica_strlcpy(m->cmdline, value, sizeof(m->cmdline));
	bi->nr_modules++;
	return EFI_SUCCESS;
}

EFI_STATUS efi_load_modules(struct efi_source *src, const struct mica_cfg *cfg, struct boot_info *bi)
{
	EFI_STATUS st = EFI_SUCCESS;

	if (cfg->kernel[0])
		st = load_module(src, cfg->kernel, bi);
	else
		efi_info(L"no kernel= in [%a]: no dom0\n", cfg->section);
	if (!EFI_ERROR(st) && cfg->ramdisk[0])
		st = load_module(src, cfg->ramdisk, bi);
	for (unsigned int i = 0; !EFI_ERROR(st) && i < cfg->nr_modules; i++)
		st = load_module(src, cfg->modules[i], bi);
	return st;
}
