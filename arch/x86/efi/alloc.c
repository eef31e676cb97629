/*
 * Page allocations of mica.efi. Everything handed to the hypervisor lives in
 * EfiLoaderData below 4 GiB, so that 32-bit code and simple page tables reach it.
 */
#include "loader.h"

EFI_STATUS efi_alloc_low(UINT64 bytes, EFI_PHYSICAL_ADDRESS *addr)
{
	UINTN pages = EFI_SIZE_TO_PAGES(bytes ? bytes : 1);

	*addr = BELOW_4G;
	return uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData, pages, addr);
}

/*
 * UEFI only aligns to pages: take `align` bytes more than needed and round the
 * base up. The slack stays allocated (LoaderData, reclaimed as RAM later).
 */
EFI_STATUS efi_alloc_low_aligned(UINT64 bytes, UINT64 align, EFI_PHYSICAL_ADDRESS *addr)
{
	EFI_PHYSICAL_ADDRESS raw;
	EFI_STATUS st = efi_alloc_low(bytes + align, &raw);

	if (!EFI_ERROR(st))
		*addr = ALIGN_UP(raw, align);
	return st;
}
