/* Credit scheduler policy: see the algorithm in include/mica/sched_credit.h. */
#include <mica/errno.h>
#include <mica/sched_credit.h>
#include <mica/string.h>

#define for_each_link(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#define link_entry(l, type, member) ((type *)((char *)(l)-offsetof(type, member)))
#define runq_vcpu(l) link_entry(l, struct csched_vcpu, runq_link)
#define dom_vcpu(l) link_entry(l, struct csched_vcpu, dom_link)
#define link_dom(l) link_entry(l, struct csched_dom, link)

static void link_init(struct csched_link *l)
{
	l->prev = l->next = l;
}

static bool link_empty(const struct csched_link *l)
{
	return l->next == l;
}

/* Inserts n just before pos (at the tail when pos is the list head). */
static void link_insert_before(struct csched_link *pos, struct csched_link *n)
{
	n->prev = pos->prev;
	n->next = pos;
	pos->prev->next = n;
	pos->prev = n;
}

static void link_del(struct csched_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	link_init(l);
}

static uint64_t cpu_bit(unsigned int cpu)
{
	return 1ULL << cpu;
}

static unsigned int online_count(const struct csched *s)
{
	unsigned int n = 0;

	for (uint64_t m = s->online; m; m &= m - 1) /* no libgcc popcount in the kernel */
		n++;
	return n;
}

static uint64_t cap_budget(const struct csched *s, const struct csched_dom *d)
{
	return (uint64_t)d->cap * s->period_ns / 100;
}

static void tickle(struct csched *s, unsigned int cpu)
{
	s->tickled |= cpu_bit(cpu);
}

static bool may_run_on(const struct csched_vcpu *v, unsigned int cpu)
{
	return (v->affinity & cpu_bit(cpu)) != 0;
}

static bool pickable(const struct csched_vcpu *v, unsigned int cpu)
{
	return !v->dom->parked && may_run_on(v, cpu);
}

static uint64_t idle_cpus(const struct csched *s)
{
	uint64_t mask = 0;

	for (unsigned int cpu = 0; cpu < CSCHED_MAX_CPUS; cpu++)
		if ((s->online & cpu_bit(cpu)) && !s->cpus[cpu].curr)
			mask |= cpu_bit(cpu);
	return mask;
}

/* ---- run queues ---- */

static void runq_insert(struct csched *s, unsigned int cpu, struct csched_vcpu *v)
{
	struct csched_link *pos;

	for_each_link(pos, &s->cpus[cpu].runq) if (runq_vcpu(pos)->pri < v->pri) break;
	link_insert_before(pos, &v->runq_link);
	v->state = CSCHED_RUNNABLE;
	v->cpu = cpu;
}

static unsigned int runq_length(const struct csched_cpu *pc)
{
	const struct csched_link *pos;
	unsigned int n = 0;

	for_each_link(pos, &pc->runq) n++;
	return n;
}

/* Re-sorts a queue after priorities changed; FIFO order within a priority is kept. */
static void runq_resort(struct csched *s, unsigned int cpu)
{
	struct csched_link old;
	struct csched_link *runq = &s->cpus[cpu].runq;

	if (link_empty(runq))
		return;
	link_insert_before(runq, &old);
	link_del(runq);
	while (!link_empty(&old)) {
		struct csched_vcpu *v = runq_vcpu(old.next);

		link_del(&v->runq_link);
		runq_insert(s, cpu, v);
	}
}

/* The first vCPU on cpu's queue that may run there now, or NULL. */
static struct csched_vcpu *runq_best(struct csched *s, unsigned int cpu)
{
	struct csched_link *pos;

	for_each_link(pos, &s->cpus[cpu].runq) if (pickable(runq_vcpu(pos), cpu)) return runq_vcpu(pos);
	return NULL;
}

/* ---- CPU choice and tickling ---- */

static unsigned int least_loaded(const struct csched *s, uint64_t allowed)
{
	unsigned int best = CSCHED_NO_CPU, best_load = ~0u;

	for (unsigned int cpu = 0; cpu < CSCHED_MAX_CPUS; cpu++) {
		const struct csched_cpu *pc = &s->cpus[cpu];
		unsigned int load;

		if (!(allowed & cpu_bit(cpu)))
			continue;
		load = runq_length(pc) + (pc->curr ? 1 : 0);
		if (load < best_load) {
			best = cpu;
			best_load = load;
		}
	}
	return best;
}

/* Where a waking or migrating vCPU queues: its last CPU, else an idle one, else the least loaded. */
static unsigned int pick_cpu(const struct csched *s, const struct csched_vcpu *v)
{
	uint64_t allowed = v->affinity & s->online;
	uint64_t idle = allowed & idle_cpus(s);

	if (allowed & cpu_bit(v->cpu))
		return v->cpu;
	if (idle)
		return (unsigned int)__builtin_ctzll(idle);
	return least_loaded(s, allowed);
}

/* v was queued on cpu: pokes cpu if v should preempt its current, else an idle CPU that may steal v. */
static unsigned int tickle_for(struct csched *s, const struct csched_vcpu *v, unsigned int cpu)
{
	const struct csched_vcpu *curr = s->cpus[cpu].curr;
	uint64_t idle;

	if (v->dom->parked)
		return CSCHED_NO_CPU;
	if (!curr || curr->pri < v->pri) {
		tickle(s, cpu);
		return cpu;
	}
	idle = idle_cpus(s) & v->affinity;
	if (!idle)
		return CSCHED_NO_CPU;
	cpu = (unsigned int)__builtin_ctzll(idle);
	tickle(s, cpu);
	return cpu;
}

/* Pokes the idle CPUs that could run something waiting on cpu's queue. */
static void tickle_idle_for_queue(struct csched *s, unsigned int cpu)
{
	uint64_t idle = idle_cpus(s);
	struct csched_link *pos;

	if (!idle)
		return;
	for_each_link(pos, &s->cpus[cpu].runq)
	{
		const struct csched_vcpu *v = runq_vcpu(pos);

		if (!v->dom->parked)
			s->tickled |= idle & v->affinity;
	}
}

/* Queues v on a CPU it may run on and pokes whoever should run it. */
static unsigned int place(struct csched *s, struct csched_vcpu *v)
{
	unsigned int cpu = pick_cpu(s, v);

	runq_insert(s, cpu, v);
	return tickle_for(s, v, cpu);
}

/* ---- setup ---- */

void csched_init(struct csched *s, uint64_t tick_ns, uint64_t period_ns)
{
	memset(s, 0, sizeof(*s));
	link_init(&s->doms);
	for (unsigned int cpu = 0; cpu < CSCHED_MAX_CPUS; cpu++)
		link_init(&s->cpus[cpu].runq);
	s->tick_ns = tick_ns ? tick_ns : CSCHED_TICK_NS;
	s->period_ns = period_ns ? period_ns : CSCHED_PERIOD_NS;
}

int csched_add_cpu(struct csched *s, unsigned int cpu)
{
	if (cpu >= CSCHED_MAX_CPUS)
		return -EINVAL;
	if (s->online & cpu_bit(cpu))
		return -EEXIST;
	s->online |= cpu_bit(cpu);
	s->cpus[cpu].online = true;
	s->cpus[cpu].idle = true;
	return 0;
}

static int check_params(const struct csched *s, unsigned int weight, unsigned int cap)
{
	if (weight < 1 || weight > CSCHED_WEIGHT_MAX)
		return -EINVAL;
	if (cap > 100 * online_count(s))
		return -EINVAL;
	return 0;
}

int csched_add_dom(struct csched *s, struct csched_dom *d, unsigned int domain_id, unsigned int weight,
		   unsigned int cap)
{
	int rc = check_params(s, weight, cap);

	if (rc)
		return rc;
	memset(d, 0, sizeof(*d));
	link_init(&d->vcpus);
	d->domain_id = domain_id;
	d->weight = (uint16_t)weight;
	d->cap = cap;
	link_insert_before(&s->doms, &d->link);
	return 0;
}

int csched_set_params(struct csched *s, struct csched_dom *d, unsigned int weight, unsigned int cap)
{
	int rc = check_params(s, weight, cap);
	bool was_parked = d->parked;

	if (rc)
		return rc;
	d->weight = (uint16_t)weight;
	d->cap = cap;
	d->parked = cap && d->consumed_ns >= cap_budget(s, d);
	if (was_parked && !d->parked)
		for (unsigned int cpu = 0; cpu < CSCHED_MAX_CPUS; cpu++)
			tickle_idle_for_queue(s, cpu);
	return 0;
}

int csched_remove_dom(struct csched *s, struct csched_dom *d)
{
	if (!link_empty(&d->vcpus))
		return -EBUSY;
	link_del(&d->link);
	return 0;
}

int csched_add_vcpu(struct csched *s, struct csched_dom *d, struct csched_vcpu *v, unsigned int vcpu_id)
{
	if (!s->online)
		return -ENODEV;
	memset(v, 0, sizeof(*v));
	link_init(&v->runq_link);
	v->dom = d;
	v->vcpu_id = vcpu_id;
	v->state = CSCHED_BLOCKED;
	v->pri = CSCHED_PRI_UNDER;
	v->affinity = ~0ULL;
	v->cpu = (unsigned int)__builtin_ctzll(s->online);
	link_insert_before(&d->vcpus, &v->dom_link);
	return 0;
}

void csched_remove_vcpu(struct csched *s, struct csched_vcpu *v)
{
	if (v->state == CSCHED_RUNNABLE)
		link_del(&v->runq_link);
	if (s->cpus[v->cpu].curr == v) {
		s->cpus[v->cpu].curr = NULL;
		s->cpus[v->cpu].idle = true;
		tickle(s, v->cpu);
	}
	link_del(&v->dom_link);
	v->state = CSCHED_OFFLINE;
}

/* ---- state changes ---- */

unsigned int csched_wake(struct csched *s, struct csched_vcpu *v, uint64_t now)
{
	if (v->state != CSCHED_BLOCKED)
		return CSCHED_NO_CPU;
	/* Woken before its CPU rescheduled: it never left, so it simply keeps running there. */
	if (s->cpus[v->cpu].curr == v) {
		v->state = CSCHED_RUNNING;
		return CSCHED_NO_CPU;
	}
	return place(s, v);
}

unsigned int csched_sleep(struct csched *s, struct csched_vcpu *v)
{
	if (v->state == CSCHED_RUNNABLE) {
		link_del(&v->runq_link);
		v->state = CSCHED_BLOCKED;
		return CSCHED_NO_CPU;
	}
	if (v->state != CSCHED_RUNNING)
		return CSCHED_NO_CPU;
	v->state = CSCHED_BLOCKED; /* csched_do_schedule takes it off the CPU */
	tickle(s, v->cpu);
	return v->cpu;
}

unsigned int csched_yield(struct csched *s, struct csched_vcpu *v)
{
	if (v->state == CSCHED_RUNNABLE) {
		link_del(&v->runq_link);
		runq_insert(s, v->cpu, v);
		return CSCHED_NO_CPU;
	}
	if (v->state != CSCHED_RUNNING)
		return CSCHED_NO_CPU;
	/* The next decision puts it back at the tail of its priority. */
	tickle(s, v->cpu);
	return v->cpu;
}

int csched_set_affinity(struct csched *s, struct csched_vcpu *v, uint64_t mask)
{
	if (!(mask & s->online))
		return -EINVAL;
	v->affinity = mask;
	if (may_run_on(v, v->cpu)) {
		if (v->state == CSCHED_RUNNABLE && !v->dom->parked)
			s->tickled |= idle_cpus(s) & mask; /* a CPU it may now use could steal it */
		return 0;
	}
	if (v->state == CSCHED_RUNNABLE) {
		link_del(&v->runq_link);
		place(s, v);
	} else if (v->state == CSCHED_RUNNING) {
		tickle(s, v->cpu); /* csched_do_schedule migrates it */
	}
	return 0;
}

uint64_t csched_take_tickled(struct csched *s)
{
	uint64_t mask = s->tickled;

	s->tickled = 0;
	return mask;
}

/* ---- scheduling decision ---- */

/* Burns the credit of v for the time it ran until now, and parks its domain at its cap. */
static void charge(struct csched *s, struct csched_vcpu *v, uint64_t now)
{
	uint64_t ran = now > v->start_ns ? now - v->start_ns : 0;
	struct csched_dom *d = v->dom;

	v->start_ns = now;
	v->run_ns += ran;
	v->credit -= (int64_t)ran;
	if (v->credit < 0)
		v->pri = CSCHED_PRI_OVER;
	d->consumed_ns += ran;
	if (d->cap && d->consumed_ns >= cap_budget(s, d))
		d->parked = true;
}

/* The outgoing vCPU goes back to the tail of its priority, on another CPU if it may not stay. */
static void requeue_current(struct csched *s, unsigned int cpu, struct csched_vcpu *v)
{
	if (may_run_on(v, cpu) && (s->online & cpu_bit(cpu)))
		runq_insert(s, cpu, v);
	else
		place(s, v);
}

/* The best vCPU of a priority above min_pri queued elsewhere that may run on cpu, or NULL. */
static struct csched_vcpu *steal(struct csched *s, unsigned int cpu, enum csched_pri min_pri)
{
	struct csched_vcpu *found = NULL;

	for (unsigned int i = 1; i < CSCHED_MAX_CPUS; i++) {
		unsigned int peer = (cpu + i) % CSCHED_MAX_CPUS;
		struct csched_link *pos;

		if (!(s->online & cpu_bit(peer)))
			continue;
		for_each_link(pos, &s->cpus[peer].runq)
		{
			struct csched_vcpu *v = runq_vcpu(pos);

			if (v->pri <= min_pri || (found && v->pri <= found->pri))
				break;
			if (pickable(v, cpu))
				found = v;
		}
		if (found && found->pri == CSCHED_PRI_UNDER)
			break;
	}
	return found;
}

static struct csched_vcpu *pick_next(struct csched *s, unsigned int cpu)
{
	struct csched_vcpu *next = runq_best(s, cpu);
	struct csched_vcpu *stolen = NULL;

	if (!next || next->pri < CSCHED_PRI_UNDER)
		stolen = steal(s, cpu, next ? next->pri : CSCHED_PRI_IDLE);
	return stolen ? stolen : next;
}

static uint64_t time_slice(const struct csched *s, const struct csched_vcpu *v)
{
	uint64_t budget;

	if (!v || !v->dom->cap)
		return s->tick_ns;
	budget = cap_budget(s, v->dom);
	return MIN(s->tick_ns, budget - v->dom->consumed_ns); /* not parked: consumed < budget */
}

struct csched_vcpu *csched_do_schedule(struct csched *s, unsigned int cpu, uint64_t now, uint64_t *slice_ns)
{
	struct csched_cpu *pc;
	struct csched_vcpu *curr, *next;

	*slice_ns = 0;
	if (cpu >= CSCHED_MAX_CPUS || !(s->online & cpu_bit(cpu)))
		return NULL;
	pc = &s->cpus[cpu];
	curr = pc->curr;
	pc->curr = NULL;
	if (curr) {
		charge(s, curr, now);
		if (curr->state == CSCHED_RUNNING)
			requeue_current(s, cpu, curr);
	}
	next = pick_next(s, cpu);
	if (next) {
		link_del(&next->runq_link);
		next->state = CSCHED_RUNNING;
		next->cpu = cpu;
		next->start_ns = now;
		next->ran = true;
	}
	pc->curr = next;
	pc->idle = !next;
	s->tickled &= ~cpu_bit(cpu);
	tickle_idle_for_queue(s, cpu);
	*slice_ns = time_slice(s, next);
	return next;
}

/* ---- accounting ---- */

static bool vcpu_active(const struct csched_vcpu *v)
{
	return v->state == CSCHED_RUNNABLE || v->state == CSCHED_RUNNING || v->ran;
}

static void count_active(struct csched_dom *d)
{
	struct csched_link *pos;

	d->nr_active = 0;
	for_each_link(pos, &d->vcpus) if (vcpu_active(dom_vcpu(pos))) d->nr_active++;
	d->grant = 0;
	d->filled = d->nr_active == 0;
}

/* The most credit d can use in a period: one period per active vCPU, and its cap. */
static uint64_t dom_limit(const struct csched *s, const struct csched_dom *d)
{
	uint64_t limit = d->nr_active * s->period_ns;

	return d->cap ? MIN(limit, cap_budget(s, d)) : limit;
}

/*
 * Splits pool among the unfilled domains by weight. A domain whose share exceeds its limit gets
 * the limit and the rest is split again among the others; returns false when nothing was left
 * to fill.
 */
static bool fill_round(struct csched *s, uint64_t *pool)
{
	uint64_t wsum = 0, start = *pool;
	struct csched_link *pos;
	bool clamped = false;

	for_each_link(pos, &s->doms) if (!link_dom(pos)->filled) wsum += link_dom(pos)->weight;
	if (!wsum)
		return false;
	for_each_link(pos, &s->doms)
	{
		struct csched_dom *d = link_dom(pos);
		uint64_t share = start * d->weight / wsum;

		if (d->filled || share < dom_limit(s, d))
			continue;
		d->grant = dom_limit(s, d);
		d->filled = true;
		*pool -= d->grant;
		clamped = true;
	}
	if (clamped)
		return true;
	for_each_link(pos, &s->doms)
	{
		struct csched_dom *d = link_dom(pos);

		if (!d->filled) {
			d->grant = start * d->weight / wsum;
			d->filled = true;
		}
	}
	return false;
}

static void credit_vcpu(struct csched *s, struct csched_vcpu *v, int64_t grant)
{
	int64_t max = (int64_t)s->period_ns;

	if (vcpu_active(v))
		v->credit += grant;
	v->credit = MIN(MAX(v->credit, -max), max);
	v->pri = v->credit >= 0 ? CSCHED_PRI_UNDER : CSCHED_PRI_OVER;
	v->ran = false;
}

/* Hands d its grant, and carries its cap overshoot over as debt. */
static void credit_dom(struct csched *s, struct csched_dom *d)
{
	int64_t per_vcpu = d->nr_active ? (int64_t)(d->grant / d->nr_active) : 0;
	uint64_t budget = cap_budget(s, d);
	struct csched_link *pos;

	for_each_link(pos, &d->vcpus) credit_vcpu(s, dom_vcpu(pos), per_vcpu);
	if (d->cap) {
		d->consumed_ns = d->consumed_ns > budget ? d->consumed_ns - budget : 0;
		d->parked = d->consumed_ns >= budget;
	} else {
		d->consumed_ns = 0;
		d->parked = false;
	}
}

void csched_account(struct csched *s, uint64_t now)
{
	uint64_t pool = s->period_ns * online_count(s);
	struct csched_link *pos;

	for_each_link(pos, &s->doms) count_active(link_dom(pos));
	while (fill_round(s, &pool))
		;
	for_each_link(pos, &s->doms) credit_dom(s, link_dom(pos));
	for (unsigned int cpu = 0; cpu < CSCHED_MAX_CPUS; cpu++) {
		if (!(s->online & cpu_bit(cpu)))
			continue;
		runq_resort(s, cpu);
		tickle_idle_for_queue(s, cpu);
	}
}
