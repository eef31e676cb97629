/*
 * test-crash: a guest that crashes at once, for the on_crash policies (destroy, restart,
 * preserve). test-shutdown-crash and test-npf check the two ways of crashing; this one
 * announces each boot, so that a restart shows as a second "crash: boot" line.
 * Command line: "fault" crashes by reading unmapped guest-physical memory (the hypervisor
 * must kill the domain) instead of SCHEDOP_shutdown(SHUTDOWN_crash); boot=N is printed with
 * the boot line, for a builder that counts restarts.
 */
#include "xtf.h"

const char test_title[] = "crash for on_crash policies";

static noreturn void shutdown_crash(void)
{
	struct sched_shutdown s = {.reason = SHUTDOWN_crash};
	long rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);

	xtf_failure("SCHEDOP_shutdown(SHUTDOWN_crash) returned %ld", rc);
}

void test_main(void)
{
	uint64_t boot = cmdline_uint("boot", 0);

	if (boot)
		printk("crash: boot %lu\n", boot);
	else
		printk("crash: boot\n");
	if (!cmdline_flag("fault")) {
		printk("crash: mode shutdown: SCHEDOP_shutdown(SHUTDOWN_crash)\n");
		printk("crash: going down\n");
		shutdown_crash();
	}

	/* Not in the memory map, inside head.S's 4 GiB identity map: only the p2m lacks it. */
	uint64_t gpa = unpopulated_gpa();

	if (!gpa) { /* e.g. a PVH dom0 on Xen, whose map is the host's */
		printk("crash: no unpopulated guest-physical address below 4 GiB; crashing with SCHEDOP_shutdown\n");
		printk("crash: going down\n");
		shutdown_crash();
	}
	printk("crash: mode fault: reading unmapped guest-physical 0x%lx\n", gpa);
	printk("crash: going down\n");
	uint32_t v = *(volatile uint32_t *)(uintptr_t)gpa;

	/* Real Xen reads holes as all ones: fall back to the hypercall, so a policy still applies. */
	printk("crash: the read returned 0x%x; crashing with SCHEDOP_shutdown(SHUTDOWN_crash)\n", v);
	shutdown_crash();
}
