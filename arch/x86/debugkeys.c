/* The x86 debug keys: reboot, power off, CPU and memory state. */
#include <asm/percpu.h>
#include <asm/power.h>
#include <asm/setup.h>
#include <mica/debugkeys.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/timer.h>

static const char *const state_names[] = {"offline", "booting", "online", "idle", "failed"};

static void key_reboot(char k)
{
	machine_reboot();
}
static void key_poweroff(char k)
{
	machine_poweroff();
}

static void key_cpus(char k)
{
	for (unsigned int i = 0; i < nr_cpus; i++)
		printk("CPU%u: APIC ID %u, %s, %lu timer interrupts, %lu wake-ups from halt, %lu NMIs\n", i,
		       cpus[i].apic_id, state_names[cpus[i].state], cpus[i].timer_ticks, cpus[i].idle_halts,
		       cpus[i].nmis);
}

static void key_memory(char k)
{
	printk("Memory: %lu KiB total, %lu KiB free\n", mm_total_bytes() >> 10, mm_free_bytes() >> 10);
}

static void key_timers(char k)
{
	timer_dump();
}

void arch_register_debugkeys(void)
{
	debugkey_register('R', key_reboot, "reboot the machine");
	debugkey_register('P', key_poweroff, "power the machine off");
	debugkey_register('c', key_cpus, "show CPU state");
	debugkey_register('m', key_memory, "show memory");
	debugkey_register('t', key_timers, "show every CPU's timers");
}
