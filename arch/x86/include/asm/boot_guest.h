/* Boot-time domains: every boot module built as a PVH domain at boot (docs/boot.md). */
#ifndef ASM_BOOT_GUEST_H
#define ASM_BOOT_GUEST_H

#include <mica/types.h>

/* Builds every boot module as a domain and makes it runnable; true if any was started. */
bool boot_guest_run(void);
/* After the last domain: on_idle= (platform.c). */
void platform_idle_policy(void);

#endif
