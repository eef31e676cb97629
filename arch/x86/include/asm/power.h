/* Reboot and power-off through ACPI, with legacy fallbacks. */
#ifndef ASM_POWER_H
#define ASM_POWER_H

#include <mica/types.h>

__noreturn void machine_poweroff(void);
__noreturn void machine_reboot(void);

#endif
