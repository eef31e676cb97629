/*
 * The scheduler glue (see mica/sched.h): the credit policy decides, this file
 * acts. Every online CPU runs sched_run(): ask the policy for the next vCPU,
 * switch contexts if it changed, arm the slice timer, and run the vCPU until
 * something sets the CPU's resched flag (the slice timer, a wake-up that
 * should preempt, the vCPU blocking). A CPU with nothing to run halts.
 *
 * Locking: one lock, taken with interrupts off, covers the policy's state and
 * every vCPU's pause flags. Nothing else is taken under it, so event channel
 * code (which holds its own locks) and timer callbacks may wake vCPUs.
 *
 * A vCPU's context (control structure, FPU, lazily switched registers) lives
 * on at most one CPU: ctx_cpu says which. A CPU that gets a vCPU another CPU
 * has just given up waits until that CPU has saved it, which it does right
 * after its own scheduling decision.
 */
#include <asm/cpu.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/spinlock.h>

/* The architecture's side (arch/x86/hvm/hvm.c). */
void arch_vcpu_switch_in(struct vcpu *v);
void arch_vcpu_switch_out(struct vcpu *v);
void arch_vcpu_run(struct vcpu *v, volatile bool *resched);

struct sched_cpu {
	volatile bool resched;
	struct vcpu *curr; /* whose context this CPU holds */
	struct timer slice_timer;
	uint64_t switches;
} __attribute__((aligned(64)));

static struct csched policy;
static spinlock_t sched_lock = SPINLOCK_INIT;
static struct sched_cpu sched_cpus[CSCHED_MAX_CPUS];
static struct timer account_timer;
static volatile bool started;

/* Deferred work for the boot CPU's loop. */
static spinlock_t work_lock = SPINLOCK_INIT;
static struct sched_work *work_head, **work_tail = &work_head;

static void account(void *arg);

/* Sets the resched flag of every CPU in mask and makes the others notice it. */
static void poke(uint64_t mask)
{
	unsigned int me = smp_processor_id();

	while (mask) {
		unsigned int cpu = (unsigned int)__builtin_ctzll(mask);

		mask &= mask - 1;
		if (cpu >= CSCHED_MAX_CPUS)
			break;
		__atomic_store_n(&sched_cpus[cpu].resched, true, __ATOMIC_SEQ_CST);
		if (cpu != me)
			smp_kick(cpu);
	}
}

/* Unlocks and pokes the CPUs the policy asked for. */
static void unlock_and_poke(unsigned long flags)
{
	uint64_t tickled = csched_take_tickled(&policy);

	spin_unlock_irqrestore(&sched_lock, flags);
	poke(tickled);
}

void sched_init(void)
{
	csched_init(&policy, 0, 0);
	timer_init(&account_timer, account, NULL);
}

static void slice_end(void *arg)
{
	struct sched_cpu *sc = arg;

	sc->resched = true;
}

void sched_cpu_online(unsigned int cpu)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	timer_init(&sched_cpus[cpu].slice_timer, slice_end, &sched_cpus[cpu]);
	csched_add_cpu(&policy, cpu);
	spin_unlock_irqrestore(&sched_lock, f);
}

bool sched_started(void)
{
	return __atomic_load_n(&started, __ATOMIC_ACQUIRE);
}

void sched_start(void)
{
	__atomic_store_n(&started, true, __ATOMIC_RELEASE);
	for (unsigned int cpu = 1; cpu < nr_cpus; cpu++)
		smp_kick(cpu);
}

/* Every period: credit for the active domains (the policy's csched_account). */
static void account(void *arg)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	csched_account(&policy, now_ns());
	unlock_and_poke(f);
	timer_set(&account_timer, now_ns() + policy.period_ns);
}

/* ---- domains and vCPUs ---- */

int sched_add_domain(struct domain *d, unsigned int weight, unsigned int cap)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);
	int rc = csched_add_dom(&policy, &d->sched, d->domain_id, weight, cap);

	d->sched.priv = d;
	spin_unlock_irqrestore(&sched_lock, f);
	return rc;
}

void sched_remove_domain(struct domain *d)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	csched_remove_dom(&policy, &d->sched);
	spin_unlock_irqrestore(&sched_lock, f);
}

int sched_set_domain_params(struct domain *d, unsigned int weight, unsigned int cap)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);
	int rc = csched_set_params(&policy, &d->sched, weight, cap);

	unlock_and_poke(f);
	return rc;
}

int sched_add_vcpu(struct vcpu *v, uint64_t affinity)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);
	int rc = csched_add_vcpu(&policy, &v->domain->sched, &v->sched, v->vcpu_id);

	v->sched.priv = v;
	v->pause_flags = VPF_DOWN;
	v->ctx_cpu = -1;
	v->runstate.state = RUNSTATE_offline;
	v->runstate.state_entry_time = now_ns();
	if (rc == 0 && affinity)
		rc = csched_set_affinity(&policy, &v->sched, affinity);
	spin_unlock_irqrestore(&sched_lock, f);
	return rc;
}

void vcpu_sync_context(struct vcpu *v)
{
	while (__atomic_load_n(&v->ctx_cpu, __ATOMIC_ACQUIRE) >= 0)
		cpu_relax();
}

void sched_remove_vcpu(struct vcpu *v)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	v->pause_flags |= VPF_DOWN;
	csched_remove_vcpu(&policy, &v->sched);
	unlock_and_poke(f);
	vcpu_sync_context(v);
}

/* Moves the vCPU's runstate on, accounting the time spent in the old one. Called with the lock held. */
static void runstate_set(struct vcpu *v, int state, uint64_t now)
{
	struct vcpu_runstate_info *r = &v->runstate;

	if (r->state == state)
		return;
	if (now > r->state_entry_time)
		r->time[r->state] += now - r->state_entry_time;
	r->state = state;
	r->state_entry_time = now;
	v->runstate_dirty = true;
}

/* What a vCPU that does not run is: runnable if it waits for a CPU, else blocked or offline. */
static int idle_runstate(const struct vcpu *v)
{
	if (v->sched.state == CSCHED_RUNNABLE)
		return RUNSTATE_runnable;
	return v->pause_flags & VPF_BLOCKED ? RUNSTATE_blocked : RUNSTATE_offline;
}

/* Makes the policy agree with v's flags and domain. Called with the lock held. */
static void update_locked(struct vcpu *v)
{
	if (v->sched.state == CSCHED_OFFLINE)
		return;
	if (vcpu_runnable(v))
		csched_wake(&policy, &v->sched, now_ns());
	else
		csched_sleep(&policy, &v->sched);
	if (v->runstate.state != RUNSTATE_running)
		runstate_set(v, idle_runstate(v), now_ns());
}

void vcpu_sched_update(struct vcpu *v)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	update_locked(v);
	unlock_and_poke(f);
}

void domain_sched_update(struct domain *d)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			update_locked(d->vcpus[i]);
	unlock_and_poke(f);
}

void vcpu_pause_flags_set(struct vcpu *v, unsigned int flags)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	__atomic_fetch_or(&v->pause_flags, flags, __ATOMIC_SEQ_CST);
	update_locked(v);
	unlock_and_poke(f);
}

void vcpu_pause_flags_clear(struct vcpu *v, unsigned int flags)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	__atomic_fetch_and(&v->pause_flags, ~flags, __ATOMIC_SEQ_CST);
	update_locked(v);
	unlock_and_poke(f);
}

/*
 * Blocking and waking race on the event: the waker publishes
 * evtchn_upcall_pending and then takes the lock to unblock; the blocker sets
 * VPF_BLOCKED under the lock and then looks at the event. One of them sees
 * the other.
 */
void vcpu_block_until(struct vcpu *v, bool (*ready)(struct vcpu *v, void *arg), void *arg)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	__atomic_fetch_or(&v->pause_flags, VPF_BLOCKED, __ATOMIC_SEQ_CST);
	if (ready(v, arg))
		__atomic_fetch_and(&v->pause_flags, ~VPF_BLOCKED, __ATOMIC_SEQ_CST);
	update_locked(v);
	unlock_and_poke(f);
}

static bool event_ready(struct vcpu *v, void *arg)
{
	return vcpu_event_pending(v);
}

void vcpu_block(struct vcpu *v)
{
	vcpu_block_until(v, event_ready, NULL);
}

void vcpu_kick(struct vcpu *v)
{
	int cpu;

	if (__atomic_load_n(&v->pause_flags, __ATOMIC_ACQUIRE) & VPF_BLOCKED) {
		vcpu_pause_flags_clear(v, VPF_BLOCKED);
		return;
	}
	/* Running elsewhere: an exit makes it look at its events before it enters again. */
	cpu = __atomic_load_n(&v->ctx_cpu, __ATOMIC_ACQUIRE);
	if (cpu >= 0 && (unsigned int)cpu != smp_processor_id())
		smp_kick((unsigned int)cpu);
}

void vcpu_yield(struct vcpu *v)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	csched_yield(&policy, &v->sched);
	unlock_and_poke(f);
}

int vcpu_set_affinity(struct vcpu *v, uint64_t mask)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);
	int rc = csched_set_affinity(&policy, &v->sched, mask);

	unlock_and_poke(f);
	return rc;
}

/* ---- deferred work ---- */

void sched_defer(struct sched_work *w, void (*fn)(void *), void *arg)
{
	unsigned long f = spin_lock_irqsave(&work_lock);

	if (!w->queued) {
		w->fn = fn;
		w->arg = arg;
		w->next = NULL;
		w->queued = true;
		*work_tail = w;
		work_tail = &w->next;
	}
	spin_unlock_irqrestore(&work_lock, f);
	poke(1); /* the boot CPU */
}

static bool work_pending(void)
{
	return __atomic_load_n(&work_head, __ATOMIC_ACQUIRE) != NULL;
}

static void run_work(void)
{
	for (;;) {
		unsigned long f = spin_lock_irqsave(&work_lock);
		struct sched_work *w = work_head;

		if (w) {
			work_head = w->next;
			if (!work_head)
				work_tail = &work_head;
			w->queued = false;
		}
		spin_unlock_irqrestore(&work_lock, f);
		if (!w)
			return;
		w->fn(w->arg);
	}
}

/* ---- the loop ---- */

__noreturn void sched_run(void)
{
	unsigned int cpu = smp_processor_id();
	struct sched_cpu *sc = &sched_cpus[cpu];

	if (cpu == 0)
		timer_set(&account_timer, now_ns() + policy.period_ns);
	for (;;) {
		struct csched_vcpu *sv;
		struct vcpu *next;
		uint64_t now, slice;
		bool work;

		irq_disable();
		sc->resched = false;
		now = now_ns();
		spin_lock(&sched_lock);
		sv = csched_do_schedule(&policy, cpu, now, &slice);
		next = sv ? sv->priv : NULL;
		if (sc->curr && sc->curr != next)
			runstate_set(sc->curr, idle_runstate(sc->curr), now);
		if (next)
			runstate_set(next, RUNSTATE_running, now);
		{
			uint64_t tickled = csched_take_tickled(&policy);

			spin_unlock(&sched_lock);
			poke(tickled & ~(1ULL << cpu));
		}
		/*
		 * Deferred work (domain teardown) waits for vCPU contexts to leave their
		 * CPUs and for other CPUs' hypercalls, which may wait for a context in
		 * turn: this CPU holds none while it works, and decides again afterwards
		 * (the work may have changed what may run, or freed next).
		 */
		work = cpu == 0 && work_pending();
		if (sc->curr && (sc->curr != next || work)) {
			arch_vcpu_switch_out(sc->curr);
			__atomic_store_n(&sc->curr->ctx_cpu, -1, __ATOMIC_RELEASE);
			sc->curr = NULL;
		}
		if (slice)
			timer_set(&sc->slice_timer, now + slice);
		else
			timer_stop(&sc->slice_timer);
		if (work) {
			if (next) { /* picked, but it waits for the next decision */
				spin_lock(&sched_lock);
				runstate_set(next, RUNSTATE_runnable, now);
				spin_unlock(&sched_lock);
			}
			irq_enable();
			run_work();
			continue;
		}
		if (!next) {
			irq_disable();
			while (!__atomic_load_n(&sc->resched, __ATOMIC_ACQUIRE) && !(cpu == 0 && work_pending())) {
				/* sti takes effect after hlt starts: no wake-up is lost in between. */
				__asm__ volatile("sti; hlt; cli" ::: "memory");
				this_cpu()->idle_halts++;
			}
			continue;
		}
		if (sc->curr != next) {
			vcpu_sync_context(next); /* until the CPU that ran it last has saved it */
			__atomic_store_n(&next->ctx_cpu, (int)cpu, __ATOMIC_RELEASE);
			arch_vcpu_switch_in(next);
			sc->curr = next;
			sc->switches++;
		}
		irq_enable();
		arch_vcpu_run(next, &sc->resched);
	}
}

void sched_dump_runqueues(void)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	for (unsigned int cpu = 0; cpu < nr_cpus && cpu < CSCHED_MAX_CPUS; cpu++) {
		const struct csched_cpu *pc = &policy.cpus[cpu];
		const struct csched_link *pos;

		printk("CPU%u: %lu switches, running %s", cpu, sched_cpus[cpu].switches, pc->curr ? "" : "idle");
		if (pc->curr)
			printk("d%uv%u", pc->curr->dom->domain_id, pc->curr->vcpu_id);
		printk(", queued:");
		for (pos = pc->runq.next; pos != &pc->runq; pos = pos->next) {
			const struct csched_vcpu *v =
			    (const struct csched_vcpu *)((const char *)pos - offsetof(struct csched_vcpu, runq_link));

			printk(" d%uv%u(%s, credit %ld us)", v->dom->domain_id, v->vcpu_id,
			       v->pri == CSCHED_PRI_UNDER ? "under" : "over", v->credit / 1000);
		}
		printk("\n");
	}
	spin_unlock_irqrestore(&sched_lock, f);
}
