/* The GOP framebuffer, described for the hypervisor's text console. */
#include <mica/string.h>

#include "loader.h"

/* Position and width of a contiguous colour mask, e.g. 0x00ff0000 -> 16, 8. */
static void mask_to_field(UINT32 mask, uint8_t *pos, uint8_t *size)
{
	uint8_t p = 0, s = 0;

	while (mask && !(mask & 1)) {
		mask >>= 1;
		p++;
	}
	while (mask & 1) {
		mask >>= 1;
		s++;
	}
	*pos = p;
	*size = s;
}

static uint8_t mask_bits(UINT32 mask)
{
	uint8_t top = 0;

	while (mask) {
		mask >>= 1;
		top++;
	}
	return top;
}

/* Fills the colour layout; false if the mode has no linear framebuffer. */
static bool set_layout(const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info, struct boot_framebuffer *fb)
{
	const EFI_PIXEL_BITMASK *m = &info->PixelInformation;

	fb->bpp = 32;
	fb->red_size = fb->green_size = fb->blue_size = 8;
	fb->green_pos = 8;
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		fb->red_pos = 0;
		fb->blue_pos = 16;
		return true;
	case PixelBlueGreenRedReserved8BitPerColor:
		fb->red_pos = 16;
		fb->blue_pos = 0;
		return true;
	case PixelBitMask:
		mask_to_field(m->RedMask, &fb->red_pos, &fb->red_size);
		mask_to_field(m->GreenMask, &fb->green_pos, &fb->green_size);
		mask_to_field(m->BlueMask, &fb->blue_pos, &fb->blue_size);
		fb->bpp = ALIGN_UP(mask_bits(m->RedMask | m->GreenMask | m->BlueMask | m->ReservedMask), 8);
		return fb->bpp != 0;
	default: /* PixelBltOnly: no framebuffer to write to */
		return false;
	}
}

void efi_find_framebuffer(struct boot_framebuffer *fb)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->LocateProtocol, 3, &GraphicsOutputProtocol, NULL, (void **)&gop);
	if (EFI_ERROR(st) || !gop->Mode || !gop->Mode->Info) {
		efi_info(L"no GOP framebuffer\n");
		return;
	}
	info = gop->Mode->Info;
	if (!set_layout(info, fb)) {
		efi_info(L"GOP mode has no linear framebuffer (blt only)\n");
		memset(fb, 0, sizeof(*fb));
		return;
	}
	fb->base = gop->Mode->FrameBufferBase;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->pitch = info->PixelsPerScanLine * (fb->bpp / 8);
	efi_info(L"framebuffer %dx%d, %d bpp, at 0x%lx\n", fb->width, fb->height, fb->bpp, fb->base);
}
