/* Starting the application processors and talking to them. */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <mica/acpi.h>
#include <mica/types.h>

/* Starts every enabled CPU of the MADT (up to max_cpus); returns the number online. */
unsigned int smp_boot(const struct acpi_info *ai, unsigned int max_cpus);
/* Halts every other CPU (panic, poweroff). */
void smp_send_stop(void);
/* Waits until every online CPU has reached its idle loop; false on timeout. */
bool smp_wait_idle(unsigned int timeout_ms);
__noreturn void cpu_idle_loop(void);

/* Makes a CPU leave its guest (an IPI whose handler does nothing): it then sees what changed. */
void smp_kick(unsigned int cpu);
/* Bit n set for every online CPU n. */
uint64_t cpus_online_mask(void);

#endif
