/* Boot sequence steps of the boot CPU (arch/x86/setup.c and friends). */
#ifndef ASM_SETUP_H
#define ASM_SETUP_H

#include <mica/boot_info.h>
#include <mica/types.h>

extern struct boot_info boot_info;
extern uint64_t boot_mbi_base, boot_mbi_size;

/* Parses console= and brings up the serial console (and remembers whether fb is wanted). */
void console_setup(const char *cmdline);
/* Framebuffer text console, once the direct map exists. */
void console_setup_late(const char *cmdline);
void paging_print_summary(void);
/* Debug keys for reboot, power-off, CPUs and memory (arch/x86/debugkeys.c). */
void arch_register_debugkeys(void);
/* ACPI, APIC, timers, application processors, then idle. Does not return. */
__noreturn void platform_init(void);

#endif
