/*
 * Machine frames dom0 may not map as device memory (MICA_CTL_IOMEM_MAP): the firmware's memory
 * map (RAM, reserved, ACPI, runtime services, anything it lists) and the devices the hypervisor
 * drives or must keep to itself (local APIC, IO-APICs, HPET, IOMMU registers, the ECAM area,
 * its framebuffer). The table is filled once at boot (arch/x86/iomem_setup.c) and only read
 * afterwards; the check itself is plain logic, tested on the host.
 */
#ifndef MICA_IOMEM_H
#define MICA_IOMEM_H

#include <mica/types.h>

#define IOMEM_DENY_MAX 640    /* the firmware map's ranges (BOOT_MAX_MEM_RANGES) and the devices */
#define IOMEM_MAX_PAGES 65536 /* per MICA_CTL_IOMEM_MAP */

/*
 * Frames [first, last] are refused, for the reason `what` (a static string). False if the table
 * is full: then every frame is refused from now on (nothing the table missed can slip through).
 */
bool iomem_deny_add(uint64_t first, uint64_t last, const char *what);
/* Forgets every entry (host tests). */
void iomem_deny_reset(void);
/*
 * 0 if [mfn, mfn + nr) may be mapped as device memory; -EINVAL for an empty, too long or
 * wrapping range or one past 2^52; -EPERM if a frame is refused (*why, if not NULL, says which rule).
 */
int iomem_check(uint64_t mfn, uint64_t nr, const char **why);

/* Fills the table from the boot information and the ACPI tables (arch/x86/iomem_setup.c). */
void iomem_setup(void);

#endif
