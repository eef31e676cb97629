/* What start_kernel found: the start info, the command line, the hypervisor. */
#ifndef PV_SETUP_H
#define PV_SETUP_H

#include <pv/os.h>

struct hvm_start_info;
extern const struct hvm_start_info *start_info;
extern char cmdline[1024]; /* a copy of the start info's command line */
extern bool on_mica;       /* Mica (its CPUID leaves say so) rather than Xen */

/* Kernel options from the command line ("key=value"); NULL if absent. */
const char *kernel_opt(const char *key);
/* The non-option words: argv[0] is the app ("shell" if none). */
extern int app_argc;
extern char *app_argv[256];

/* Orderly exits through SCHEDOP_shutdown. */
__attribute__((noreturn)) void kernel_poweroff(void);
__attribute__((noreturn)) void kernel_reboot(void);

#endif
