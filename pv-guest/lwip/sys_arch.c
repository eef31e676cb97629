/* lwIP's system layer for NO_SYS=1: a millisecond clock and random numbers. */
#include <pv/time.h>

#include "lwip/sys.h"

/* Milliseconds of Xen system time; lwIP's timeouts cope with the 32-bit wrap (49 days). */
u32_t sys_now(void)
{
	return (u32_t)(NOW() / MILLISECS(1));
}

/*
 * LWIP_RAND(): DHCP transaction ids, TCP initial sequence numbers, DNS ids and ports.
 * xorshift64*, seeded on first use from the clock; not cryptographic.
 */
static uint64_t rand_state;

unsigned int lwip_port_rand(void)
{
	if (!rand_state)
		rand_state = (uint64_t)NOW() * 0x9e3779b97f4a7c15ULL | 1;
	rand_state ^= rand_state >> 12;
	rand_state ^= rand_state << 25;
	rand_state ^= rand_state >> 27;
	return (unsigned int)((rand_state * 0x2545f4914f6cdd1dULL) >> 32);
}
