/* Platform bring-up on the boot CPU after memory: ACPI, APICs, timers, CPUs, then idle. */
#include <asm/apic.h>
#include <asm/boot_guest.h>
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/hvm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/power.h>
#include <asm/setup.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <mica/acpi.h>
#include <mica/cmdline.h>
#include <mica/debugkeys.h>
#include <mica/iomem.h>
#include <mica/mm.h>
#include <mica/options.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/string.h>

struct acpi_info acpi;

static const void *acpi_map(paddr_t pa, size_t len, void *ctx)
{
	if (pa + len < pa || pa + len > DIRECTMAP_SIZE)
		return NULL;
	return pa_to_va(pa);
}

static void acpi_setup(void)
{
	paddr_t rsdp = boot_info.rsdp;
	int rc;

	if (!rsdp)
		rsdp = acpi_find_rsdp(acpi_map, NULL);
	if (!rsdp) {
		printk("ACPI: no RSDP from the loader or in the BIOS area; running without ACPI (1 CPU)\n");
		return;
	}
	rc = acpi_parse(rsdp, acpi_map, NULL, &acpi);
	if (rc != ACPI_OK) {
		printk("ACPI: cannot use the tables at 0x%lx: %s\n", rsdp, acpi_error_str(rc));
		memset(&acpi, 0, sizeof(acpi));
		return;
	}
	acpi_print_summary(&acpi);
}

static void print_memory(void)
{
	uint64_t total = mm_total_bytes(), free = mm_free_bytes();

	printk("Memory: %lu MiB total, %lu MiB free (%lu KiB used by Mica at boot)\n", total >> 20, free >> 20,
	       (total - free) >> 10);
}

static void print_modules(void)
{
	if (!boot_info.nr_modules) {
		printk("Boot modules: none\n");
		return;
	}
	printk("Boot modules: %u\n", boot_info.nr_modules);
	for (uint32_t i = 0; i < boot_info.nr_modules; i++)
		printk("  module %u: 0x%lx-0x%lx (%lu bytes) '%s'\n", i, boot_info.modules[i].base,
		       boot_info.modules[i].base + boot_info.modules[i].size, boot_info.modules[i].size,
		       boot_info.modules[i].cmdline);
}

static void print_boot_source(void)
{
	printk("Loader: %s (%s%s), command line: '%s'\n", boot_info.loader_name[0] ? boot_info.loader_name : "?",
	       boot_info.loader == BOOT_LOADER_UEFI ? "UEFI" : "Multiboot2",
	       boot_info.flags & BOOT_FLAG_PXE ? ", network boot over PXE/TFTP" : "", boot_info.cmdline);
	printk("Image: 0x%lx-0x%lx\n", boot_info.image_base, boot_info.image_base + boot_info.image_size);
}

/*
 * selftest=pagefault|ud: deliberately fault once the system is up, to check
 * (in the integration tests) that the exception report is complete.
 */
static __attribute__((noinline)) void selftest_fault(const char *kind)
{
	if (!strcmp(kind, "pagefault"))
		(void)*(volatile uint64_t *)0xdead0000ULL;
	else if (!strcmp(kind, "ud"))
		__asm__ volatile("ud2");
	else
		printk("Mica: unknown selftest=%s (use pagefault or ud)\n", kind);
}

__noreturn void platform_init(void)
{
	char opt[32];
	uint64_t maxcpus = MAX_CPUS;
	unsigned int online;

	print_boot_source();
	options_report_unknown(boot_info.cmdline);
	cpu_identify(&boot_cpu);
	cpu_print_info(&boot_cpu);
	acpi_setup();
	console_setup_late(boot_info.cmdline);

	apic_init_bsp(cmdline_get_bool(boot_info.cmdline, "x2apic", true));
	printk("APIC: local APIC in %s mode, boot CPU APIC ID %u\n", apic_x2apic_mode ? "x2APIC" : "xAPIC", apic_id());
	ioapic_mask_all();
	iomem_setup(); /* after ACPI and the APIC: what dom0 may not map as device memory */
	time_init(&acpi, cmdline_get_bool(boot_info.cmdline, "hpet", true));

	hvm_init();
	if (cmdline_get_str(boot_info.cmdline, "maxcpus", opt, sizeof(opt)) &&
	    !cmdline_get_u64(boot_info.cmdline, "maxcpus", &maxcpus))
		printk("Mica: maxcpus=%s is not a number; starting every CPU\n", opt);
	online = smp_boot(&acpi, maxcpus ? (unsigned int)maxcpus : 1);
	print_memory();
	print_modules();
	printk("CPUs: %u online (%u in the MADT)\n", online, acpi.madt.present ? acpi.madt.cpu_count : 1);

	if (!smp_wait_idle(5000))
		printk("CPUs: WARNING: not every CPU reached its idle loop\n");
	printk("Mica: all %u CPUs idle\n", online);

	if (cmdline_get_str(boot_info.cmdline, "selftest", opt, sizeof(opt)))
		selftest_fault(opt);
	/* Debug keys first: they also keep a host timer ticking while the boot guest runs. */
	arch_register_debugkeys();
	debugkeys_init();
	sched_init();
	for (unsigned int cpu = 0; cpu < online; cpu++)
		sched_cpu_online(cpu);
	if (boot_guest_run()) {
		sched_start();
		sched_run();
	}
	platform_idle_policy();
	sched_start();
	sched_run();
}

/* on_idle=poweroff|reboot|halt: what the machine does once no domain is left (or none started). */
void platform_idle_policy(void)
{
	char opt[32];

	if (!cmdline_get_str(boot_info.cmdline, "on_idle", opt, sizeof(opt)))
		return;
	if (!strcmp(opt, "poweroff"))
		machine_poweroff();
	if (!strcmp(opt, "reboot"))
		machine_reboot();
	if (strcmp(opt, "halt"))
		printk("Mica: unknown on_idle=%s (use halt, poweroff or reboot); staying idle\n", opt);
}
