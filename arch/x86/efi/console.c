/* mica.efi messages on ConOut (which OVMF and most firmware mirror to the serial port). */
#include "loader.h"

void efi_info(const CHAR16 *fmt, ...)
{
	va_list ap;

	Print(L"" LOADER_NAME ": ");
	va_start(ap, fmt);
	VPrint(fmt, ap);
	va_end(ap);
}

/* Test scripts match "mica.efi: error". */
void efi_error(const CHAR16 *fmt, ...)
{
	va_list ap;

	Print(L"" LOADER_NAME ": error: ");
	va_start(ap, fmt);
	VPrint(fmt, ap);
	va_end(ap);
}
