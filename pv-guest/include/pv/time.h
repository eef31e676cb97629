/* Time: Xen system time (pvclock, ns since the domain's boot epoch) and wall-clock time. */
#ifndef PV_TIME_H
#define PV_TIME_H

#include <pv/os.h>

typedef int64_t s_time_t;
#define NSEC(n) ((s_time_t)(n))
#define USEC(n) ((s_time_t)(n)*1000LL)
#define MILLISECS(n) ((s_time_t)(n)*1000000LL)
#define SECONDS(n) ((s_time_t)(n)*1000000000LL)

void init_time(void);     /* needs shared_info; binds the timer VIRQ */
s_time_t NOW(void);       /* monotonic system time, ns */
s_time_t boot_time(void); /* NOW() at the kernel's first instruction (approximately) */
/* Wall-clock time (shared_info wc_* + system time), seconds and ns since the Unix epoch. */
void wall_time(int64_t *sec, long *nsec);
/* Arms the one-shot vCPU timer for deadline (system time); earlier deadlines win until it fires. */
void timer_arm(s_time_t deadline);

#endif
