/*
 * test-hypercall-loop: 100,000 null hypercalls (xen_version(XENVER_version)), timed with
 * rdtsc. Under QEMU -icount or Bochs rdtsc counts instructions: bench/run.sh reads the
 * per-call figure as the round-trip path length.
 */
#include "xtf.h"

const char test_title[] = "null hypercall loop";

#define CALLS 100000u

void test_main(void)
{
	long expect = HYPERVISOR_xen_version(XENVER_version, NULL);
	unsigned int wrong = 0;

	uint64_t start = rdtsc();
	for (unsigned int i = 0; i < CALLS; i++)
		wrong += HYPERVISOR_xen_version(XENVER_version, NULL) != expect;
	uint64_t ticks = rdtsc() - start;

	printk("hypercall loop: %u calls, %lu tsc ticks, %lu per call\n", CALLS, ticks, ticks / CALLS);
	if (expect <= 0 || wrong)
		xtf_failure("xen_version returned 0x%lx, then %u different answers", expect, wrong);
	xtf_success();
}
