/* Credit scheduler policy: proportional share with weights, caps and hard affinity (pure logic). */
#ifndef MICA_SCHED_CREDIT_H
#define MICA_SCHED_CREDIT_H

#include <mica/types.h>

/*
 * The algorithm (Xen's credit1 in spirit, simplified):
 *
 * Credit is measured in nanoseconds of CPU time. Every accounting period (csched_account, e.g.
 * 30 ms) the scheduler hands out period * online CPUs of credit to the *active* domains (those
 * with a runnable or running vCPU, or one that ran during the period), in proportion to their
 * weights. A domain never gets more than it could use (period per active vCPU, and its cap);
 * what it cannot use is shared among the others (water-filling). A domain's credit is divided
 * equally among its active vCPUs and each vCPU's credit is clamped to +/- one period, so a vCPU
 * can neither hoard credit while idle nor sink forever.
 *
 * Running burns credit: at every scheduling decision (csched_do_schedule, e.g. every 10 ms tick)
 * the outgoing vCPU's credit drops by the time it ran. A vCPU with credit >= 0 is UNDER its fair
 * share, one with negative credit is OVER it. Each CPU has a run queue ordered by priority
 * (UNDER before OVER), FIFO within a priority; the running vCPU goes back to the tail of its
 * priority, so equal vCPUs round-robin. A CPU picks the head of its queue; when that is OVER
 * or the queue is empty, it first steals the best vCPU of a higher priority from another CPU's
 * queue (load balancing; an idle CPU steals even OVER vCPUs, so no CPU idles while it could run
 * queued work). A vCPU never runs or queues outside its hard affinity mask.
 *
 * Caps: a domain with a cap of N% may use N/100 of one CPU per period, summed over its vCPUs.
 * Its time slices are cut to the budget left; once the budget is used the domain is *parked*
 * (its vCPUs stay queued but are never picked) until the next accounting, which carries any
 * overshoot over as debt and unparks it.
 *
 * Waking picks a CPU for the vCPU (its last CPU if allowed, else an idle allowed CPU, else the
 * least loaded allowed CPU) and *tickles* a CPU: the target if the woken vCPU should preempt its
 * current one, else an idle CPU that may steal it. Every operation records the CPUs that should
 * call csched_do_schedule soon in a mask the glue drains with csched_take_tickled (and sends
 * IPIs for). All memory is owned by the caller; nothing here allocates, locks or reads a clock.
 */

#define CSCHED_MAX_CPUS 64
#define CSCHED_NO_CPU (~0u)
#define CSCHED_WEIGHT_DEFAULT 256
#define CSCHED_WEIGHT_MAX 65535
#define CSCHED_TICK_NS 10000000ULL   /* 10 ms */
#define CSCHED_PERIOD_NS 30000000ULL /* 30 ms */

enum csched_state {
	CSCHED_OFFLINE, /* not added, or removed */
	CSCHED_BLOCKED,
	CSCHED_RUNNABLE, /* on a run queue */
	CSCHED_RUNNING,  /* some CPU's current vCPU */
};

/* Higher is more urgent. */
enum csched_pri {
	CSCHED_PRI_IDLE = 0,
	CSCHED_PRI_OVER = 1,
	CSCHED_PRI_UNDER = 2,
};

struct csched_link {
	struct csched_link *prev, *next;
};

struct csched_dom;

struct csched_vcpu {
	struct csched_link runq_link; /* on cpus[cpu].runq while RUNNABLE */
	struct csched_link dom_link;  /* on dom->vcpus */
	struct csched_dom *dom;
	unsigned int vcpu_id;
	void *priv; /* the owner's struct vcpu */
	enum csched_state state;
	enum csched_pri pri;
	int64_t credit;    /* ns; negative = OVER */
	uint64_t affinity; /* hard affinity: bit n = may run on CPU n */
	unsigned int cpu;  /* where it is queued or running, else where it last was */
	uint64_t start_ns; /* when it started running */
	uint64_t run_ns;   /* total CPU time, for statistics */
	bool ran;          /* ran since the last accounting */
};

struct csched_dom {
	struct csched_link link;  /* on csched.doms */
	struct csched_link vcpus; /* its csched_vcpu.dom_link */
	unsigned int domain_id;
	void *priv;
	uint16_t weight;      /* 1..65535 */
	unsigned int cap;     /* % of one CPU per period, 0 = uncapped */
	uint64_t consumed_ns; /* CPU time this period (for the cap), including debt */
	bool parked;          /* used up its cap: not picked until the next accounting */
	/* accounting scratch */
	unsigned int nr_active;
	uint64_t grant;
	bool filled;
};

struct csched_cpu {
	struct csched_link runq; /* by priority, then FIFO */
	struct csched_vcpu *curr;
	bool online;
	bool idle; /* curr == NULL */
};

struct csched {
	struct csched_cpu cpus[CSCHED_MAX_CPUS];
	uint64_t online; /* mask of online CPUs */
	struct csched_link doms;
	uint64_t tick_ns;
	uint64_t period_ns;
	uint64_t tickled; /* CPUs that should reschedule; drained by csched_take_tickled */
};

/* tick_ns / period_ns of 0 pick the defaults. */
void csched_init(struct csched *s, uint64_t tick_ns, uint64_t period_ns);
int csched_add_cpu(struct csched *s, unsigned int cpu);

/* weight 1..65535 (0 is rejected; pass CSCHED_WEIGHT_DEFAULT), cap 0..100*online CPUs. */
int csched_add_dom(struct csched *s, struct csched_dom *d, unsigned int domain_id, unsigned int weight,
		   unsigned int cap);
int csched_set_params(struct csched *s, struct csched_dom *d, unsigned int weight, unsigned int cap);
/* -EBUSY while the domain still has vCPUs. */
int csched_remove_dom(struct csched *s, struct csched_dom *d);

/* Adds a BLOCKED vCPU that may run on every CPU; csched_wake makes it runnable. */
int csched_add_vcpu(struct csched *s, struct csched_dom *d, struct csched_vcpu *v, unsigned int vcpu_id);
/* Takes it off its queue (or CPU: the CPU is tickled and runs idle until it reschedules). */
void csched_remove_vcpu(struct csched *s, struct csched_vcpu *v);

/* Returns the CPU to poke (IPI), or CSCHED_NO_CPU. */
unsigned int csched_wake(struct csched *s, struct csched_vcpu *v, uint64_t now);
unsigned int csched_sleep(struct csched *s, struct csched_vcpu *v);
unsigned int csched_yield(struct csched *s, struct csched_vcpu *v);
/* -EINVAL if mask has no online CPU; a vCPU outside its new mask migrates. */
int csched_set_affinity(struct csched *s, struct csched_vcpu *v, uint64_t mask);

/*
 * The scheduling decision on cpu at time now: charges the current vCPU, returns the next one
 * (NULL = idle) and sets *slice_ns to when the CPU should decide again.
 */
struct csched_vcpu *csched_do_schedule(struct csched *s, unsigned int cpu, uint64_t now, uint64_t *slice_ns);
/* Once per period: hands out credit, recomputes priorities, unparks capped domains. */
void csched_account(struct csched *s, uint64_t now);

/* Returns and clears the mask of CPUs that should call csched_do_schedule. */
uint64_t csched_take_tickled(struct csched *s);

#endif
