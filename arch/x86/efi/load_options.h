/*
 * The loader's own command line (EFI_LOADED_IMAGE.LoadOptions), like
 * xen.efi's: "mica.efi <section>" from the UEFI shell, or "<section>" from a
 * boot entry made with efibootmgr. Portable C, unit-tested on the host.
 */
#ifndef MICA_EFI_LOAD_OPTIONS_H
#define MICA_EFI_LOAD_OPTIONS_H

#include <mica/types.h>

#define MICA_LOAD_OPTIONS_MAX 512 /* characters looked at */

/*
 * Finds the mica.cfg section named in opts (UCS-2, `bytes` long, NUL-terminated
 * or not). A first word ending in ".efi" (any case) is the image name and is
 * skipped; words after the section are ignored. Options that are not printable
 * ASCII text, such as the binary data of firmware-created boot entries, name
 * no section. Returns 1 with the name in section[size], 0 if no section is
 * named, -1 if the name does not fit.
 */
int mica_load_options_section(const uint16_t *opts, size_t bytes, char *section, size_t size);

#endif
