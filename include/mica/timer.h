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

/* This CPU's queue (hypervisor only). */
void timer_set(struct timer *t, uint64_t deadline_ns);
void timer_stop(struct timer *t);
void timer_run_expired(void);
uint64_t now_ns(void);
/* The CPU's cycle counter (TSC) and its rate, as calibrated at boot. */
uint64_t cycles_now(void);
uint64_t cycles_hz(void);

#endif
