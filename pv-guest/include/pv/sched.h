/*
 * Cooperative threads on the one vCPU. A thread runs until it blocks, sleeps or yields;
 * interrupt handlers (event channels) only wake threads. When no thread can run the idle loop
 * blocks the vCPU (SCHEDOP_block) until the next event or timer deadline.
 */
#ifndef PV_SCHED_H
#define PV_SCHED_H

#include <pv/time.h>

struct thread;
typedef void (*thread_fn)(void *arg);

void init_sched(void);
struct thread *create_thread(const char *name, thread_fn fn, void *arg); /* runnable; NULL if no memory */
struct thread *current_thread(void);
const char *thread_name(const struct thread *t);
void schedule(void);          /* runs another runnable thread, if any */
void yield(void);             /* = schedule(), staying runnable */
void block(struct thread *t); /* marks t not runnable (then call schedule() to sleep) */
void wake(struct thread *t);  /* makes t runnable; safe from interrupt handlers */
void msleep(uint32_t ms);
void sleep_until(s_time_t deadline);
__attribute__((noreturn)) void exit_thread(void);     /* also what returning from fn does */
void run_idle_thread(void) __attribute__((noreturn)); /* the boot thread becomes the idle thread */
unsigned int thread_list(char *buf, size_t size);     /* "name state\n" lines for the shell */

/* Wait queues: threads wait for a condition another thread or a handler makes true. */
struct waiter {
	struct thread *thread;
	struct waiter *next;
};
struct wait_queue {
	struct waiter *head;
};
#define WAIT_QUEUE_INIT \
	{               \
		0       \
	}
void wq_add(struct wait_queue *wq, struct waiter *w); /* interrupts off around it */
void wq_remove(struct wait_queue *wq, struct waiter *w);
void wake_up(struct wait_queue *wq); /* wakes every waiter; safe from handlers */

/*
 * Waits until cond is true, or until deadline (system time, 0 = none) passes; evaluates to
 * true if cond became true. cond is checked with interrupts off, so a handler's wake_up()
 * between the check and the sleep is never lost.
 */
#define wait_event_deadline(wq, cond, deadline)                              \
	({                                                                   \
		struct waiter __w = {current_thread(), 0};                   \
		s_time_t __dl = (deadline);                                  \
		bool __ok;                                                   \
		for (;;) {                                                   \
			unsigned long __f = local_irq_save();                \
			if (cond) {                                          \
				__ok = true;                                 \
				local_irq_restore(__f);                      \
				break;                                       \
			}                                                    \
			if (__dl && NOW() >= __dl) {                         \
				__ok = false;                                \
				local_irq_restore(__f);                      \
				break;                                       \
			}                                                    \
			wq_add(&(wq), &__w);                                 \
			block(current_thread());                             \
			local_irq_restore(__f);                              \
			if (__dl)                                            \
				thread_set_deadline(current_thread(), __dl); \
			schedule();                                          \
			wq_remove(&(wq), &__w);                              \
		}                                                            \
		__ok;                                                        \
	})
#define wait_event(wq, cond) ((void)wait_event_deadline(wq, cond, 0))
/* Wakes t at deadline if it is still blocked then (used by wait_event_deadline and sleeps). */
void thread_set_deadline(struct thread *t, s_time_t deadline);

#endif
