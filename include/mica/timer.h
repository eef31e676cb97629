/* Timers: a per-CPU queue ordered by deadline (nanoseconds since boot). */
#ifndef MICA_TIMER_H
#define MICA_TIMER_H

#include <mica/types.h>

struct timer {
	uint64_t deadline; /* ns */
	void (*fn)(void *data);
	void *data;
	struct timer *next;
	bool queued;
	unsigned int cpu;     /* whose queue holds it (hypervisor only) */
	volatile bool firing; /* its function is running (hypervisor only) */
};

struct timer_queue {
	struct timer *head; /* earliest first */
};

void timer_init(struct timer *t, void (*fn)(void *), void *data);
/* Queue operations (callers hold the queue's lock). */
void timer_queue_add(struct timer_queue *q, struct timer *t, uint64_t deadline);
bool timer_queue_del(struct timer_queue *q, struct timer *t);
/* Removes and returns the earliest timer whose deadline is <= now, or NULL. */
struct timer *timer_queue_pop_expired(struct timer_queue *q, uint64_t now);
/* Earliest deadline, or UINT64_MAX if empty. */
uint64_t timer_queue_next(const struct timer_queue *q);

/* Queues t on this CPU (moving it from wherever it was queued). Hypervisor only. */
void timer_set(struct timer *t, uint64_t deadline_ns);
/* Takes t off whichever CPU's queue holds it. */
void timer_stop(struct timer *t);
/* timer_stop, then waits until its function is not running on any CPU: t may be freed after. */
void timer_kill(struct timer *t);
void timer_run_expired(void);
uint64_t now_ns(void);
/* The CPU's cycle counter (TSC) and its rate, as calibrated at boot. */
uint64_t cycles_now(void);
uint64_t cycles_hz(void);
/* Unix time (ns) at system time 0, from the RTC at boot (0 if it could not be read). */
uint64_t wallclock_at_boot_ns(void);
/* Prints every CPU's pending timers (debug key 't'). */
void timer_dump(void);

#endif
