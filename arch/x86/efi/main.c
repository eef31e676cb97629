/*
 * mica.efi: the UEFI loader of the Mica hypervisor, in the spirit of xen.efi.
 * Reads mica.cfg from its own directory (or over TFTP after a PXE boot),
 * loads the hypervisor ELF and the boot modules, fills struct boot_info,
 * leaves boot services and jumps to Mica. On any failure it says what and
 * where, then returns the error to the firmware, which tries its next boot
 * option.
 */
#include <mica/string.h>

#include "load_options.h"
#include "loader.h"

static struct mica_cfg cfg; /* ~10 KiB: kept off the firmware's stack */

/* The section named on the loader's command line, or NULL for the default. */
static EFI_STATUS requested_section(EFI_LOADED_IMAGE *li, char *buf, size_t size, const char **section)
{
	int rc = mica_load_options_section(li->LoadOptions, li->LoadOptionsSize, buf, size);

	*section = rc > 0 ? buf : NULL;
	if (rc < 0) {
		efi_error(L"section name on the command line is too long\n");
		return EFI_INVALID_PARAMETER;
	}
	return EFI_SUCCESS;
}

static EFI_STATUS read_config(struct efi_source *src, const char *section)
{
	struct mica_cfg_error err;
	struct efi_file f;
	EFI_STATUS st;

	st = efi_file_load(src, LOADER_CFG_NAME, strlen(LOADER_CFG_NAME), FILE_POOL, &f);
	if (EFI_ERROR(st))
		return st;
	if (mica_cfg_parse(f.data, f.size, section, &cfg, &err)) {
		if (err.line)
			efi_error(L"%a:%d: %a\n", f.shown, err.line, err.msg);
		else
			efi_error(L"%a: %a\n", f.shown, err.msg);
		efi_file_free(&f);
		return EFI_LOAD_ERROR;
	}
	efi_info(L"%a: booting section [%a]%a\n", f.shown, cfg.section, section ? " (from the command line)" : "");
	efi_file_free(&f);
	return EFI_SUCCESS;
}

static EFI_STATUS alloc_boot_info(struct boot_info **out)
{
	EFI_PHYSICAL_ADDRESS addr;
	struct boot_info *bi;
	EFI_STATUS st;

	st = efi_alloc_low(sizeof(*bi), &addr);
	if (EFI_ERROR(st)) {
		efi_error(L"cannot allocate boot_info below 4 GiB: %r\n", st);
		return st;
	}
	bi = (struct boot_info *)(UINTN)addr;
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->loader = BOOT_LOADER_UEFI;
	mica_strlcpy(bi->loader_name, LOADER_NAME, sizeof(bi->loader_name));
	*out = bi;
	return EFI_SUCCESS;
}

static void fill_firmware_info(struct boot_info *bi, EFI_SYSTEM_TABLE *systab, bool pxe)
{
	bi->efi_system_table = (UINT64)(UINTN)systab;
	bi->flags |= BOOT_FLAG_EFI_SYSTAB | (pxe ? BOOT_FLAG_PXE : 0);
	bi->rsdp = efi_find_rsdp(systab);
	if (bi->rsdp)
		efi_info(L"ACPI RSDP at 0x%lx\n", bi->rsdp);
	else
		efi_info(L"no ACPI RSDP in the EFI configuration table\n");
	efi_find_framebuffer(&bi->fb);
}

static EFI_STATUS boot(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab, bool *firmware_gone)
{
	char section_buf[MICA_CFG_SECTION_MAX];
	static struct efi_source src;
	EFI_LOADED_IMAGE *li;
	struct boot_info *bi;
	const char *section;
	UINT64 entry;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st)) {
		efi_error(L"no LoadedImage protocol on our own image: %r\n", st);
		return st;
	}
	/* gnu-efi's EFI_ERROR(a) does not parenthesize a: no assignments inside. */
	st = requested_section(li, section_buf, sizeof(section_buf), &section);
	if (!EFI_ERROR(st))
		st = efi_source_open(li, &src);
	if (!EFI_ERROR(st))
		st = read_config(&src, section);
	if (!EFI_ERROR(st))
		st = alloc_boot_info(&bi);
	if (EFI_ERROR(st))
		return st;
	mica_strlcpy(bi->cmdline, cfg.options, sizeof(bi->cmdline));
	st = efi_load_hypervisor(&src, cfg.hypervisor, bi, &entry);
	if (!EFI_ERROR(st))
		st = efi_load_modules(&src, &cfg, bi);
	if (EFI_ERROR(st))
		return st;
	fill_firmware_info(bi, systab, src.pxe);
	return efi_exit_and_enter(image, bi, entry, firmware_gone);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	bool firmware_gone = false;
	EFI_STATUS st;

	InitializeLib(image, systab);
	efi_info(L"Mica UEFI loader\n");
	st = boot(image, systab, &firmware_gone);
	if (!firmware_gone)
		efi_error(L"boot aborted (%r), returning to the firmware\n", st);
	return st;
}
