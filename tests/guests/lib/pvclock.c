/*
 * Xen system time (pvclock) from a vcpu_time_info (xen/xen.h): the hypervisor bumps version to
 * an odd value, rewrites the fields, then bumps it to an even value; a reader retries until it
 * read the same even version before and after the fields.
 * time = system_time + ((tsc - tsc_timestamp) scaled by 2^tsc_shift) * tsc_to_system_mul / 2^32.
 */
#include "events.h"

uint64_t pvclock_read(const volatile struct vcpu_time_info *t)
{
	uint32_t version;
	uint64_t ns;

	do {
		version = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE); /* fields after the version (x86: a compiler barrier) */
		uint64_t delta = rdtsc_ordered() - t->tsc_timestamp;
		int8_t shift = t->tsc_shift;

		delta = shift < 0 ? delta >> -shift : delta << shift;
		ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the version after the fields */
	} while ((version & 1) || version != t->version);
	return ns;
}

uint64_t now_ns(void)
{
	return pvclock_read(&xen_vcpu_info(xen_vcpu_id())->time);
}

void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		cpu_relax();
}
