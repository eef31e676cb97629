/* Clock calibration and busy-wait delays. */
#ifndef ASM_TIME_H
#define ASM_TIME_H

#include <mica/acpi.h>
#include <mica/types.h>

/* Calibrates TSC and LAPIC timer against the HPET (unless !use_hpet) or the PM timer (boot CPU, APIC up). */
void time_init(const struct acpi_info *ai, bool use_hpet);
void time_init_ap(void);
void mdelay(unsigned int ms);
void udelay(unsigned int us);

#endif
