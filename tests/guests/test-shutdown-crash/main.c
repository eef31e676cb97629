/*
 * test-shutdown-crash: SCHEDOP_shutdown with SHUTDOWN_crash. Nothing runs after a
 * successful shutdown, so the result line comes first; the hypervisor reports the reason.
 */
#include "xtf.h"

const char test_title[] = "SCHEDOP_shutdown(SHUTDOWN_crash)";

void test_main(void)
{
	struct sched_shutdown s = {.reason = SHUTDOWN_crash};

	printk("shutdown: requesting SHUTDOWN_crash\n");
	printk("Test result: SUCCESS\n");
	long rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
	xtf_failure("SCHEDOP_shutdown(SHUTDOWN_crash) returned %ld", rc);
}
