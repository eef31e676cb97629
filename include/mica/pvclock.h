/*
 * pvclock: the time a guest computes from struct vcpu_time_info (xen.h):
 *   system_time + ((((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32)
 * with a negative tsc_shift meaning a right shift. Mica fills the structure
 * with the version protocol (odd while an update is in progress).
 */
#ifndef MICA_PVCLOCK_H
#define MICA_PVCLOCK_H

#include <mica/types.h>
#include <xen/xen.h>

/* The (shift, mul) pair for a TSC running at tsc_hz (1 kHz .. 1 THz): -EINVAL outside. */
int pvclock_scale(uint64_t tsc_hz, int8_t *shift, uint32_t *mul);
/* Nanoseconds for a TSC delta, as a guest computes them. */
uint64_t pvclock_scale_delta(uint64_t delta, int8_t shift, uint32_t mul);
/* Publishes a new (tsc_timestamp, system_time) pair with the version protocol. */
void pvclock_update(struct vcpu_time_info *t, uint64_t tsc, uint64_t system_time_ns, int8_t shift, uint32_t mul,
		    uint8_t flags);
/* The guest's side: reads a consistent snapshot and returns the time at tsc. */
uint64_t pvclock_read(const volatile struct vcpu_time_info *t, uint64_t tsc);

/* Wallclock (shared_info wc_*): Unix time at system time 0, with the version protocol. */
void pvclock_set_wallclock(struct shared_info *s, uint64_t unix_ns_at_boot);

/* A calendar date and time (UTC, as the RTC keeps it) as seconds since the Unix epoch; 0 if invalid. */
uint64_t calendar_to_unix(unsigned int year, unsigned int month, unsigned int day, unsigned int hour, unsigned int min,
			  unsigned int sec);

#endif
