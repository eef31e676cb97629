/*
 * Loading the hypervisor ELF: read it, check it (elf_load.c), copy its
 * segments to a fresh 2 MiB-aligned block below 4 GiB. Mica is position
 * independent at its 64-bit entry, so the block need not be at its link address.
 */
#include <mica/string.h>

#include "elf_load.h"
#include "loader.h"

EFI_STATUS efi_load_hypervisor(struct efi_source *src, const char *name, struct boot_info *bi, UINT64 *entry)
{
	struct mica_elf_image img;
	EFI_PHYSICAL_ADDRESS base;
	struct efi_file f;
	const char *why;
	EFI_STATUS st;

	st = efi_file_load(src, name, strlen(name), FILE_POOL, &f);
	if (EFI_ERROR(st))
		return st;
	if (mica_elf_check(f.data, f.size, &img, &why)) {
		efi_error(L"%a: not a valid Mica image: %a\n", f.shown, why);
		efi_file_free(&f);
		return EFI_LOAD_ERROR;
	}
	st = efi_alloc_low_aligned(img.alloc_size, MICA_IMAGE_ALIGN, &base);
	if (EFI_ERROR(st)) {
		efi_error(L"cannot allocate %ld bytes below 4 GiB for %a: %r\n", img.alloc_size, f.shown, st);
		efi_file_free(&f);
		return st;
	}
	mica_elf_place(f.data, &img, (void *)(UINTN)base);
	efi_file_free(&f);

	bi->image_base = base;
	bi->image_size = img.alloc_size;
	*entry = mica_elf_entry_at(&img, base);
	efi_info(L"hypervisor placed at 0x%lx-0x%lx (linked at 0x%lx), entry 0x%lx\n", base, base + img.alloc_size,
		 img.paddr_lo, *entry);
	return EFI_SUCCESS;
}
