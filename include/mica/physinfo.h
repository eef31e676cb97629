/* The machine as the control interface reports it (MICA_CTL_PHYSINFO). */
#ifndef MICA_PHYSINFO_H
#define MICA_PHYSINFO_H

struct mica_ctl_physinfo;

/* The architecture's part (arch/x86/hvm/physinfo.c): CPUs, hardware virtualization, TSC frequency. */
void arch_physinfo(struct mica_ctl_physinfo *pi);

#endif
