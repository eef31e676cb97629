/*
 * The scheduler glue: every online CPU runs sched_run(), which asks the
 * credit policy (mica/sched_credit.h) what to run, switches vCPU contexts
 * and runs the chosen vCPU until the policy wants the CPU back. vCPUs block
 * and wake through their pause flags; one lock (inside schedule.c) covers
 * the policy's state and every vCPU's flags.
 */
#ifndef MICA_SCHED_H
#define MICA_SCHED_H

#include <mica/types.h>

struct domain;
struct vcpu;

/* Why a vCPU may not run (struct vcpu.pause_flags); 0 = runnable if its domain is. */
#define VPF_DOWN (1u << 0)    /* not brought up (VCPUOP_up) or taken down */
#define VPF_BLOCKED (1u << 1) /* SCHEDOP_block / HLT / SCHEDOP_poll until an event or timeout */
#define VPF_PAUSED (1u << 2)  /* paused on its own (the toolstack's vCPU pause) */

void sched_init(void);
/* Adds a CPU to the scheduler's online CPUs (every CPU, before it enters sched_run). */
void sched_cpu_online(unsigned int cpu);
/* This CPU's scheduler loop, forever: vCPUs when there are some, halted when not. */
__noreturn void sched_run(void);
/* Tells the application processors to leave their boot idle loops for sched_run(). */
void sched_start(void);
bool sched_started(void);

int sched_add_domain(struct domain *d, unsigned int weight, unsigned int cap);
void sched_remove_domain(struct domain *d);
int sched_set_domain_params(struct domain *d, unsigned int weight, unsigned int cap);
/* A new vCPU starts VPF_DOWN. */
int sched_add_vcpu(struct vcpu *v, uint64_t affinity);
/* Takes the vCPU off every queue and waits until no CPU holds its context. */
void sched_remove_vcpu(struct vcpu *v);

/* Sets or clears pause flags and makes the policy agree (waking or putting the vCPU to sleep). */
void vcpu_pause_flags_set(struct vcpu *v, unsigned int flags);
void vcpu_pause_flags_clear(struct vcpu *v, unsigned int flags);
/* Re-evaluates whether v may run (after its domain's state or pause count changed). */
void vcpu_sched_update(struct vcpu *v);
void domain_sched_update(struct domain *d);

/*
 * The current vCPU blocks (it leaves its CPU once the hypercall or exit is
 * handled) unless ready(v, arg), checked under the scheduler lock after
 * VPF_BLOCKED is set, says it need not: a waker that makes ready() true and
 * then clears VPF_BLOCKED cannot be missed.
 */
void vcpu_block_until(struct vcpu *v, bool (*ready)(struct vcpu *v, void *arg), void *arg);
/* Blocks until an event is pending for it (evtchn_upcall_pending). */
void vcpu_block(struct vcpu *v);
void vcpu_yield(struct vcpu *v);
/* An event is pending for v: wake it if blocked, make it exit if it runs on another CPU. */
void vcpu_kick(struct vcpu *v);
/* -EINVAL if the mask holds no online CPU. */
int vcpu_set_affinity(struct vcpu *v, uint64_t mask);
/* Waits until no CPU holds v's context (it does not run and was switched out everywhere). */
void vcpu_sync_context(struct vcpu *v);

/* Work for the boot CPU's scheduler loop (outside any vCPU context): domain teardown and the like. */
struct sched_work {
	void (*fn)(void *arg);
	void *arg;
	struct sched_work *next;
	bool queued;
};
void sched_defer(struct sched_work *w, void (*fn)(void *), void *arg);

/* Debug-key dumps. */
void sched_dump_runqueues(void);

#endif
