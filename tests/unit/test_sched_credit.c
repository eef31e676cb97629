/* Unit tests for the credit scheduler policy (kernel/sched_credit.c), in a simulated machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <mica/errno.h>
#include <mica/sched_credit.h>
#include <mica/string.h>

#define MS 1000000ULL
#define SEC (1000 * MS)
#define SIM_DOMS 8
#define SIM_VCPUS 16
#define SIM_CPUS 4

/*
 * The simulation: virtual time jumps from event to event (a CPU's slice ending, an accounting
 * period, a bursty vCPU finishing its burst or waking). Every scheduling decision charges the
 * CPU time to whatever ran, and is checked: the vCPU is allowed there and runs nowhere else.
 * After every step, no online CPU idles while a vCPU it could run waits on a queue.
 */
struct sim {
	struct csched s;
	struct csched_dom doms[SIM_DOMS];
	struct csched_vcpu vcpus[SIM_VCPUS];
	unsigned int nr_doms, nr_vcpus;
	uint64_t now, next_account;
	struct csched_vcpu *curr[SIM_CPUS];
	uint64_t since[SIM_CPUS], next_sched[SIM_CPUS];
	uint64_t idle_ns[SIM_CPUS];
	/* per vCPU */
	uint64_t run[SIM_VCPUS];
	uint64_t ran_on[SIM_VCPUS]; /* CPUs it ran on since the test last cleared it */
	uint64_t burst[SIM_VCPUS];  /* 0: always runnable, else runs this long, then sleeps gap */
	uint64_t gap[SIM_VCPUS];
	uint64_t left[SIM_VCPUS];    /* of the current burst */
	uint64_t wake_at[SIM_VCPUS]; /* when blocked by the simulation */
	uint64_t woke[SIM_VCPUS];    /* when last woken */
	uint64_t max_latency[SIM_VCPUS];
	unsigned int decisions;
};

static struct sim sim;

static void sim_init(unsigned int cpus)
{
	memset(&sim, 0, sizeof(sim));
	csched_init(&sim.s, 10 * MS, 30 * MS);
	for (unsigned int c = 0; c < cpus; c++)
		assert_int_equal(csched_add_cpu(&sim.s, c), 0);
	sim.next_account = 30 * MS;
}

static unsigned int vidx(const struct csched_vcpu *v)
{
	return (unsigned int)(v - sim.vcpus);
}

/* A domain with nr always-runnable vCPUs; returns the index of its first vCPU. */
static unsigned int sim_dom(unsigned int weight, unsigned int cap, unsigned int nr)
{
	struct csched_dom *d = &sim.doms[sim.nr_doms];
	unsigned int first = sim.nr_vcpus;

	assert_int_equal(csched_add_dom(&sim.s, d, sim.nr_doms++, weight, cap), 0);
	for (unsigned int i = 0; i < nr; i++) {
		struct csched_vcpu *v = &sim.vcpus[sim.nr_vcpus++];

		assert_int_equal(csched_add_vcpu(&sim.s, d, v, i), 0);
		csched_wake(&sim.s, v, 0);
	}
	return first;
}

static void sim_charge(unsigned int cpu)
{
	struct csched_vcpu *v = sim.curr[cpu];
	uint64_t ran = sim.now - sim.since[cpu];

	if (!v) {
		sim.idle_ns[cpu] += ran;
		return;
	}
	sim.run[vidx(v)] += ran;
	if (sim.burst[vidx(v)])
		sim.left[vidx(v)] -= MIN(ran, sim.left[vidx(v)]);
}

static void sim_decide(unsigned int cpu)
{
	struct csched_vcpu *v;
	uint64_t slice;

	sim_charge(cpu);
	v = csched_do_schedule(&sim.s, cpu, sim.now, &slice);
	sim.decisions++;
	if (v) {
		assert_true(v->affinity & (1ULL << cpu)); /* never outside its hard affinity */
		assert_int_equal(v->state, CSCHED_RUNNING);
		for (unsigned int c = 0; c < SIM_CPUS; c++)
			assert_true(c == cpu || sim.curr[c] != v);
		sim.ran_on[vidx(v)] |= 1ULL << cpu;
		if (sim.woke[vidx(v)] != UINT64_MAX) {
			sim.max_latency[vidx(v)] = MAX(sim.max_latency[vidx(v)], sim.now - sim.woke[vidx(v)]);
			sim.woke[vidx(v)] = UINT64_MAX;
		}
	}
	assert_true(slice > 0);
	sim.curr[cpu] = v;
	sim.since[cpu] = sim.now;
	sim.next_sched[cpu] = sim.now + slice;
}

static bool queued_work_for(unsigned int cpu)
{
	for (unsigned int i = 0; i < sim.nr_vcpus; i++) {
		const struct csched_vcpu *v = &sim.vcpus[i];

		if (v->state == CSCHED_RUNNABLE && !v->dom->parked && (v->affinity & (1ULL << cpu)))
			return true;
	}
	return false;
}

static bool on_runq(const struct csched_vcpu *v)
{
	const struct csched_link *head = &sim.s.cpus[v->cpu].runq;

	for (const struct csched_link *l = head->next; l != head; l = l->next)
		if (l == &v->runq_link)
			return true;
	return false;
}

/* Queues are sorted by priority and hold exactly the RUNNABLE vCPUs, each on a CPU it may use. */
static void check_structure(void)
{
	for (unsigned int c = 0; c < SIM_CPUS; c++) {
		const struct csched_link *head = &sim.s.cpus[c].runq;
		enum csched_pri last = CSCHED_PRI_UNDER;

		for (const struct csched_link *l = head->next; l != head; l = l->next) {
			const struct csched_vcpu *v =
			    (const void *)((const char *)l - offsetof(struct csched_vcpu, runq_link));

			assert_true(v->pri <= last);
			last = v->pri;
		}
	}
	for (unsigned int i = 0; i < sim.nr_vcpus; i++) {
		const struct csched_vcpu *v = &sim.vcpus[i];

		assert_int_equal(v->state == CSCHED_RUNNABLE, on_runq(v));
		if (v->state == CSCHED_RUNNABLE)
			assert_true(v->affinity & (1ULL << v->cpu));
		if (v->state == CSCHED_RUNNING)
			assert_ptr_equal(sim.curr[v->cpu], v);
	}
}

/* Runs the decisions the scheduler asked for, then checks work conservation. */
static void sim_drain(void)
{
	uint64_t mask;

	for (int round = 0; (mask = csched_take_tickled(&sim.s)) != 0; round++) {
		assert_true(round < 64);
		for (unsigned int c = 0; c < SIM_CPUS; c++)
			if (mask & (1ULL << c))
				sim_decide(c);
	}
	for (unsigned int c = 0; c < SIM_CPUS; c++)
		if (sim.s.online & (1ULL << c))
			assert_false(!sim.curr[c] && queued_work_for(c));
	check_structure();
}

static uint64_t sim_next_event(uint64_t until)
{
	uint64_t next = MIN(until, sim.next_account);

	for (unsigned int c = 0; c < SIM_CPUS; c++) {
		struct csched_vcpu *v = sim.curr[c];

		if (!(sim.s.online & (1ULL << c)))
			continue;
		next = MIN(next, sim.next_sched[c]);
		if (v && sim.burst[vidx(v)])
			next = MIN(next, sim.since[c] + sim.left[vidx(v)]);
	}
	for (unsigned int i = 0; i < sim.nr_vcpus; i++)
		if (sim.vcpus[i].state == CSCHED_BLOCKED && sim.wake_at[i])
			next = MIN(next, sim.wake_at[i]);
	return next;
}

/* Bursty vCPUs that used up their burst block; those whose gap is over wake. */
static void sim_bursts(void)
{
	for (unsigned int c = 0; c < SIM_CPUS; c++) {
		struct csched_vcpu *v = sim.curr[c];

		if (!v || !sim.burst[vidx(v)] || sim.since[c] + sim.left[vidx(v)] > sim.now)
			continue;
		csched_sleep(&sim.s, v);
		sim.wake_at[vidx(v)] = sim.now + sim.gap[vidx(v)];
		sim_drain();
	}
	for (unsigned int i = 0; i < sim.nr_vcpus; i++) {
		if (sim.vcpus[i].state != CSCHED_BLOCKED || !sim.wake_at[i] || sim.wake_at[i] > sim.now)
			continue;
		sim.wake_at[i] = 0;
		sim.left[i] = sim.burst[i];
		sim.woke[i] = sim.now;
		csched_wake(&sim.s, &sim.vcpus[i], sim.now);
	}
}

static void sim_run_until(uint64_t until)
{
	sim_drain();
	while ((sim.now = sim_next_event(until)) < until) {
		sim_bursts();
		if (sim.now >= sim.next_account) {
			csched_account(&sim.s, sim.now);
			sim.next_account += sim.s.period_ns;
		}
		for (unsigned int c = 0; c < SIM_CPUS; c++)
			if ((sim.s.online & (1ULL << c)) && sim.next_sched[c] <= sim.now)
				sim_decide(c);
		sim_drain();
	}
	sim.now = until;
	for (unsigned int c = 0; c < SIM_CPUS; c++) {
		sim_charge(c);
		sim.since[c] = until;
	}
}

/* vCPU i's CPU time in thousandths of total */
static uint64_t permille(unsigned int i, uint64_t total)
{
	return sim.run[i] * 1000 / total;
}

static void assert_near(uint64_t got, uint64_t want, uint64_t tolerance)
{
	if (got + tolerance < want || got > want + tolerance)
		fail_msg("got %llu, want %llu +/- %llu", (unsigned long long)got, (unsigned long long)want,
			 (unsigned long long)tolerance);
}

/* ---- proportional share ---- */

static void test_weights_1_2(void **state)
{
	sim_init(1);
	sim_dom(256, 0, 1);
	sim_dom(512, 0, 1);
	sim_run_until(30 * SEC);
	assert_int_equal(sim.run[0] + sim.run[1], 30 * SEC); /* no idle time */
	assert_near(permille(0, 30 * SEC), 333, 17);         /* 1/3 within 5% */
	assert_near(permille(1, 30 * SEC), 667, 33);
}

static void test_weights_1_1_2(void **state)
{
	sim_init(1);
	sim_dom(100, 0, 1);
	sim_dom(100, 0, 1);
	sim_dom(200, 0, 1);
	sim_run_until(30 * SEC);
	assert_near(permille(0, 30 * SEC), 250, 13);
	assert_near(permille(1, 30 * SEC), 250, 13);
	assert_near(permille(2, 30 * SEC), 500, 25);
}

/* Two CPUs, three domains of two vCPUs each: the domains' shares follow their weights. */
static void test_weights_smp(void **state)
{
	uint64_t total = 2 * 30 * SEC;

	sim_init(2);
	sim_dom(256, 0, 2);
	sim_dom(256, 0, 2);
	sim_dom(512, 0, 2);
	sim_run_until(30 * SEC);
	assert_near(permille(0, total) + permille(1, total), 250, 13);
	assert_near(permille(2, total) + permille(3, total), 250, 13);
	assert_near(permille(4, total) + permille(5, total), 500, 25);
	assert_int_equal(sim.idle_ns[0] + sim.idle_ns[1], 0);
}

/* A domain's share beyond what its vCPUs can use goes to the others (no credit is lost). */
static void test_weight_beyond_one_cpu(void **state)
{
	sim_init(2);
	sim_dom(768, 0, 1); /* 75% of the machine, but one vCPU can use only half of it */
	sim_dom(256, 0, 2);
	sim_run_until(10 * SEC);
	assert_near(permille(0, 10 * SEC), 1000, 20);
	assert_near(permille(1, 10 * SEC) + permille(2, 10 * SEC), 1000, 20);
}

/* ---- caps ---- */

static void test_cap_with_idle_cpu(void **state)
{
	sim_init(2);
	sim_dom(256, 25, 1);
	sim_run_until(30 * SEC);
	assert_near(permille(0, 30 * SEC), 250, 10); /* of one CPU, although both are free */
	assert_true(sim.idle_ns[0] + sim.idle_ns[1] > 30 * SEC);
}

static void test_cap_with_competition(void **state)
{
	sim_init(2);
	sim_dom(1024, 25, 1); /* a big weight does not beat the cap */
	sim_dom(256, 0, 2);
	sim_run_until(30 * SEC);
	assert_near(permille(0, 30 * SEC), 250, 10);
	assert_near(permille(1, 30 * SEC) + permille(2, 30 * SEC), 1750, 20); /* the rest */
}

static void test_cap_multi_vcpu(void **state)
{
	sim_init(4);
	sim_dom(256, 150, 4); /* 150% of one CPU over four vCPUs */
	sim_run_until(30 * SEC);
	assert_near(permille(0, 30 * SEC) + permille(1, 30 * SEC) + permille(2, 30 * SEC) + permille(3, 30 * SEC), 1500,
		    45);
}

/* ---- affinity ---- */

static void test_pinning(void **state)
{
	sim_init(4);
	sim_dom(256, 0, 4);
	sim_dom(256, 0, 2);
	assert_int_equal(csched_set_affinity(&sim.s, &sim.vcpus[0], 1ULL << 2), 0);
	assert_int_equal(csched_set_affinity(&sim.s, &sim.vcpus[1], 0x3), 0);
	assert_int_equal(csched_set_affinity(&sim.s, &sim.vcpus[4], 0x3), 0);
	sim_drain();
	memset(sim.ran_on, 0, sizeof(sim.ran_on));
	sim_run_until(2 * SEC);
	assert_int_equal(sim.ran_on[0], 1ULL << 2);
	assert_int_equal(sim.ran_on[1] & ~0x3ULL, 0);
	assert_int_equal(sim.ran_on[4] & ~0x3ULL, 0);

	/* Move vCPU 0 (queued or running on CPU 2) to CPUs 0-1. */
	assert_int_equal(csched_set_affinity(&sim.s, &sim.vcpus[0], 0x3), 0);
	sim_drain();
	assert_true(sim.vcpus[0].cpu < 2);
	assert_true(sim.curr[2] != &sim.vcpus[0]);
	memset(sim.ran_on, 0, sizeof(sim.ran_on));
	sim_run_until(4 * SEC);
	assert_int_equal(sim.ran_on[0] & ~0x3ULL, 0);
	assert_true(sim.ran_on[0] != 0);

	/* Unpinned, it may go anywhere again; everyone progressed. */
	assert_int_equal(csched_set_affinity(&sim.s, &sim.vcpus[0], ~0ULL), 0);
	memset(sim.run, 0, sizeof(sim.run));
	sim_run_until(8 * SEC);
	for (unsigned int i = 0; i < sim.nr_vcpus; i++)
		assert_true(sim.run[i] > 0);
	assert_int_equal(sim.idle_ns[0] + sim.idle_ns[1] + sim.idle_ns[2] + sim.idle_ns[3], 0);
}

static void test_migrate_running(void **state)
{
	struct csched_vcpu *v;

	sim_init(2);
	sim_dom(256, 0, 1);
	sim_drain();
	v = &sim.vcpus[0];
	assert_int_equal(v->state, CSCHED_RUNNING);
	assert_int_equal(csched_set_affinity(&sim.s, v, 1ULL << (1 - v->cpu)), 0);
	sim_drain(); /* its CPU was tickled and let it go; the other took it */
	assert_int_equal(v->state, CSCHED_RUNNING);
	assert_ptr_equal(sim.curr[__builtin_ctzll(v->affinity)], v);
}

/* ---- work conservation, wake-ups, yield ---- */

static void test_four_doms_two_cpus(void **state)
{
	uint64_t total = 2 * 20 * SEC;

	sim_init(2);
	for (unsigned int i = 0; i < 4; i++)
		sim_dom(256, 0, 1);
	sim_run_until(20 * SEC);
	for (unsigned int i = 0; i < 4; i++)
		assert_near(permille(i, total), 250, 13);
	assert_int_equal(sim.idle_ns[0] + sim.idle_ns[1], 0);
}

/* Hogs and bursty vCPUs mixed; sim_drain checks that no CPU idles while it has work. */
static void test_work_conserving_with_blocking(void **state)
{
	sim_init(3);
	sim_dom(256, 0, 2);
	sim_dom(256, 0, 3);
	for (unsigned int i = 2; i < 5; i++) {
		sim.burst[i] = (i + 1) * MS;
		sim.gap[i] = (7 * i + 3) * MS;
		sim.left[i] = sim.burst[i];
	}
	assert_int_equal(csched_set_affinity(&sim.s, &sim.vcpus[3], 0x6), 0);
	sim_run_until(10 * SEC);
	for (unsigned int i = 0; i < 5; i++)
		assert_true(sim.run[i] > SEC / 10);
}

/* Random affinity, parameter, yield and blocking changes; the simulation checks every step. */
static void test_random_stress(void **state)
{
	uint64_t seed = 12345;

	sim_init(4);
	sim_dom(256, 0, 3);
	sim_dom(512, 50, 2);
	sim_dom(128, 0, 3);
	sim_dom(1024, 120, 2);
	for (unsigned int i = 0; i < sim.nr_vcpus; i += 2) {
		sim.burst[i] = (i + 2) * MS;
		sim.gap[i] = (3 * i + 1) * MS;
		sim.left[i] = sim.burst[i];
	}
	for (unsigned int step = 1; step <= 2000; step++) {
		struct csched_vcpu *v;
		unsigned int r;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = (unsigned int)(seed >> 33);
		v = &sim.vcpus[r % sim.nr_vcpus];
		switch ((r >> 8) % 4) {
		case 0:
			csched_set_affinity(&sim.s, v, ((r >> 12) & 0xf) | (1ULL << ((r >> 16) % 4)));
			break;
		case 1:
			csched_set_affinity(&sim.s, v, ~0ULL);
			break;
		case 2:
			csched_yield(&sim.s, v);
			break;
		default:
			assert_int_equal(csched_set_params(&sim.s, v->dom, 1 + (r >> 12) % 1000, (r >> 20) % 3 * 40),
					 0);
			break;
		}
		sim_run_until(step * 5 * MS);
	}
	for (unsigned int i = 0; i < sim.nr_vcpus; i++)
		assert_true(sim.run[i] > 0);
}

/* A vCPU that mostly sleeps stays UNDER and runs before the hogs, which are OVER. */
static void test_wake_runs_soon(void **state)
{
	sim_init(1);
	sim_dom(256, 0, 1);
	sim_dom(256, 0, 1);
	sim_dom(256, 0, 1);
	sim.burst[2] = 1 * MS;
	sim.gap[2] = 17 * MS;
	sim.left[2] = MS;
	sim.woke[2] = 0;
	sim_run_until(1 * SEC);                     /* from here on the hogs are OVER */
	assert_true(sim.max_latency[2] <= 20 * MS); /* the start: behind at most two UNDER hogs */
	sim.max_latency[2] = 0;
	sim.run[2] = 0;
	sim_run_until(11 * SEC);
	assert_int_equal(sim.max_latency[2], 0);
	/* then it preempts the OVER hog at once */        /* never waits behind more than one slice */
	assert_near(sim.run[2] * 18 / MS, 10 * 1000, 200); /* got every burst it asked for */
}

static void test_wake_preempts_over(void **state)
{
	struct csched_vcpu *hog, *sleeper;
	unsigned int poke;

	sim_init(1);
	sim_dom(256, 0, 2);
	sim_dom(256, 0, 0);
	sleeper = &sim.vcpus[2];
	assert_int_equal(csched_add_vcpu(&sim.s, &sim.doms[1], sleeper, 0), 0);
	sim.nr_vcpus++;
	sim_run_until(29 * MS); /* no accounting yet: the hogs burnt their credit */
	hog = sim.curr[0];
	assert_non_null(hog);
	assert_int_equal(hog->pri, CSCHED_PRI_OVER);
	poke = csched_wake(&sim.s, sleeper, sim.now);
	assert_int_equal(poke, 0);
	sim_drain();
	assert_ptr_equal(sim.curr[0], sleeper);
}

static void test_yield(void **state)
{
	struct csched s;
	struct csched_dom d;
	struct csched_vcpu v[3];
	uint64_t slice;

	csched_init(&s, 0, 0);
	assert_int_equal(csched_add_cpu(&s, 0), 0);
	assert_int_equal(csched_add_dom(&s, &d, 1, 256, 0), 0);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(csched_add_vcpu(&s, &d, &v[i], i), 0);
		csched_wake(&s, &v[i], 0);
	}
	csched_account(&s, 0); /* 10 ms of credit each: all UNDER */
	assert_ptr_equal(csched_do_schedule(&s, 0, 0, &slice), &v[0]);
	assert_int_equal(slice, CSCHED_TICK_NS);
	assert_int_equal(csched_yield(&s, &v[0]), 0);
	assert_int_equal(csched_take_tickled(&s), 1);
	assert_ptr_equal(csched_do_schedule(&s, 0, 1 * MS, &slice), &v[1]);
	assert_ptr_equal(csched_do_schedule(&s, 0, 2 * MS, &slice), &v[2]);
	assert_ptr_equal(csched_do_schedule(&s, 0, 3 * MS, &slice), &v[0]);
	/* A queued vCPU that yields goes behind the others of its priority: queue is v1, v2. */
	assert_int_equal(csched_yield(&s, &v[1]), CSCHED_NO_CPU);
	assert_ptr_equal(csched_do_schedule(&s, 0, 4 * MS, &slice), &v[2]);
	assert_ptr_equal(csched_do_schedule(&s, 0, 5 * MS, &slice), &v[1]);
	assert_ptr_equal(csched_do_schedule(&s, 0, 6 * MS, &slice), &v[0]);
}

static void test_sleep_and_remove(void **state)
{
	struct csched s;
	struct csched_dom d;
	struct csched_vcpu a, b;
	uint64_t slice;

	csched_init(&s, 0, 0);
	assert_int_equal(csched_add_cpu(&s, 0), 0);
	assert_int_equal(csched_add_dom(&s, &d, 1, 256, 0), 0);
	assert_int_equal(csched_add_vcpu(&s, &d, &a, 0), 0);
	assert_int_equal(csched_add_vcpu(&s, &d, &b, 1), 0);
	assert_null(csched_do_schedule(&s, 0, 0, &slice)); /* both blocked */
	assert_int_equal(csched_wake(&s, &a, 0), 0);
	assert_int_equal(csched_wake(&s, &a, 0), CSCHED_NO_CPU); /* already runnable */
	assert_ptr_equal(csched_do_schedule(&s, 0, 0, &slice), &a);
	assert_int_equal(csched_sleep(&s, &a), 0);
	assert_null(csched_do_schedule(&s, 0, MS, &slice));
	assert_int_equal(a.run_ns, MS);
	assert_int_equal(a.state, CSCHED_BLOCKED);
	csched_wake(&s, &b, MS);
	assert_ptr_equal(csched_do_schedule(&s, 0, MS, &slice), &b);
	assert_int_equal(csched_remove_dom(&s, &d), -EBUSY);
	csched_remove_vcpu(&s, &b);
	assert_null(s.cpus[0].curr);
	csched_remove_vcpu(&s, &a);
	assert_null(csched_do_schedule(&s, 0, 2 * MS, &slice));
	assert_int_equal(csched_remove_dom(&s, &d), 0);
}

/*
 * A running vCPU that blocks and is woken before its CPU reschedules never left that CPU: it
 * must not be queued (another CPU could then take it while the first still runs it).
 */
static void test_wake_before_reschedule(void **state)
{
	struct csched s;
	struct csched_dom d;
	struct csched_vcpu a, b;
	uint64_t slice;

	csched_init(&s, 0, 0);
	assert_int_equal(csched_add_cpu(&s, 0), 0);
	assert_int_equal(csched_add_cpu(&s, 1), 0);
	assert_int_equal(csched_add_dom(&s, &d, 1, 256, 0), 0);
	assert_int_equal(csched_add_vcpu(&s, &d, &a, 0), 0);
	assert_int_equal(csched_add_vcpu(&s, &d, &b, 1), 0);
	csched_wake(&s, &a, 0);
	assert_ptr_equal(csched_do_schedule(&s, 0, 0, &slice), &a);
	assert_int_equal(csched_sleep(&s, &a), 0);
	assert_int_equal(csched_wake(&s, &a, MS), CSCHED_NO_CPU);
	assert_int_equal(a.state, CSCHED_RUNNING);
	assert_null(csched_do_schedule(&s, 1, MS, &slice)); /* nothing to steal */
	assert_ptr_equal(csched_do_schedule(&s, 0, 2 * MS, &slice), &a);
	assert_int_equal(a.run_ns, 2 * MS);
	csched_remove_vcpu(&s, &a);
	csched_remove_vcpu(&s, &b);
	assert_int_equal(csched_remove_dom(&s, &d), 0);
}

static void test_errors(void **state)
{
	struct csched s;
	struct csched_dom d;
	struct csched_vcpu v;
	uint64_t slice = 1;

	csched_init(&s, 0, 0);
	assert_int_equal(csched_add_vcpu(&s, &d, &v, 0), -ENODEV); /* no CPU yet */
	assert_int_equal(csched_add_cpu(&s, CSCHED_MAX_CPUS), -EINVAL);
	assert_int_equal(csched_add_cpu(&s, 0), 0);
	assert_int_equal(csched_add_cpu(&s, 0), -EEXIST);
	assert_int_equal(csched_add_cpu(&s, 1), 0);
	assert_int_equal(csched_add_dom(&s, &d, 1, 0, 0), -EINVAL);
	assert_int_equal(csched_add_dom(&s, &d, 1, 65536, 0), -EINVAL);
	assert_int_equal(csched_add_dom(&s, &d, 1, 256, 201), -EINVAL);
	assert_int_equal(csched_add_dom(&s, &d, 1, 65535, 200), 0);
	assert_int_equal(csched_set_params(&s, &d, 0, 0), -EINVAL);
	assert_int_equal(csched_set_params(&s, &d, 256, 300), -EINVAL);
	assert_int_equal(d.weight, 65535);
	assert_int_equal(csched_set_params(&s, &d, 1, 0), 0);
	assert_int_equal(csched_add_vcpu(&s, &d, &v, 0), 0);
	assert_int_equal(csched_set_affinity(&s, &v, 0), -EINVAL);
	assert_int_equal(csched_set_affinity(&s, &v, 1ULL << 5), -EINVAL); /* CPU 5 is not online */
	assert_int_equal(v.affinity, ~0ULL);
	assert_null(csched_do_schedule(&s, 5, 0, &slice));
	assert_int_equal(slice, 0);
	assert_null(csched_do_schedule(&s, CSCHED_MAX_CPUS, 0, &slice));
	assert_int_equal(csched_sleep(&s, &v), CSCHED_NO_CPU);
	assert_int_equal(csched_yield(&s, &v), CSCHED_NO_CPU);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_weights_1_2),
	    cmocka_unit_test(test_weights_1_1_2),
	    cmocka_unit_test(test_weights_smp),
	    cmocka_unit_test(test_weight_beyond_one_cpu),
	    cmocka_unit_test(test_cap_with_idle_cpu),
	    cmocka_unit_test(test_cap_with_competition),
	    cmocka_unit_test(test_cap_multi_vcpu),
	    cmocka_unit_test(test_pinning),
	    cmocka_unit_test(test_migrate_running),
	    cmocka_unit_test(test_four_doms_two_cpus),
	    cmocka_unit_test(test_work_conserving_with_blocking),
	    cmocka_unit_test(test_random_stress),
	    cmocka_unit_test(test_wake_runs_soon),
	    cmocka_unit_test(test_wake_preempts_over),
	    cmocka_unit_test(test_yield),
	    cmocka_unit_test(test_sleep_and_remove),
	    cmocka_unit_test(test_wake_before_reschedule),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
