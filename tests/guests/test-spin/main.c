/*
 * test-spin: a CPU-bound guest for scheduler tests. It never blocks and keeps interrupts off:
 * rounds of chunk iterations of integer work, "spin: progress N" after each round.
 * Command line: chunk=N iterations per round (default 2^24), rounds=N (default 10; 0 spins
 * forever).
 */
#include "events.h"

const char test_title[] = "CPU-bound spinner";

#define DEFAULT_CHUNK (1UL << 24)
#define DEFAULT_ROUNDS 10

/* One round: a 64-bit LCG step per iteration, kept from being folded away by an empty asm. */
static uint64_t work(uint64_t x, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		asm volatile("" : "+r"(x));
	}
	return x;
}

void test_main(void)
{
	uint64_t chunk = cmdline_uint("chunk", DEFAULT_CHUNK), rounds = cmdline_uint("rounds", DEFAULT_ROUNDS);
	uint64_t x = 1, start;

	if (!chunk)
		xtf_error("chunk=0: nothing to do");
	xen_map_shared_info(); /* for the elapsed time only */
	if (!xen_vcpu_info(0)->time.tsc_to_system_mul)
		xtf_failure("vCPU0's pvclock (vcpu_time_info) is not published");
	if (rounds)
		printk("spin: %lu rounds of %lu iterations\n", rounds, chunk);
	else
		printk("spin: rounds of %lu iterations, forever\n", chunk);
	start = now_ns();
	for (uint64_t n = 1; !rounds || n <= rounds; n++) {
		x = work(x, chunk);
		printk("spin: progress %lu\n", n);
	}
	printk("spin: done: %lu x %lu iterations in %lu ms (checksum %lx)\n", rounds, chunk,
	       (now_ns() - start) / NS_PER_MS, x);
	xtf_success();
}
