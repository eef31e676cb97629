/*
 * test-timer: one-shot timers (xen/vcpu.h VCPUOP_set_singleshot_timer, set_timer_op) delivered
 * as VIRQ_TIMER events through the upcall vector, waking a vCPU blocked in HLT or SCHEDOP_block;
 * times are pvclock system time. Also: VCPU_SSHOTTMR_future with a past deadline, cancelling
 * with VCPUOP_stop_singleshot_timer and set_timer_op(0) (checked with SCHEDOP_poll and a
 * timeout), VCPUOP_stop_periodic_timer.
 * Command line: "percpu" takes upcalls through HVMOP_set_evtchn_upcall_vector instead of
 * HVM_PARAM_CALLBACK_IRQ.
 */
#include "events.h"

const char test_title[] = "one-shot timers, VIRQ_TIMER and upcalls";

#define SHOTS 20
#define SHOT_NS (5 * NS_PER_MS)
#define LATE_LIMIT_NS (2 * NS_PER_SEC) /* generous: emulators are slow */
#define EARLY_SLACK_NS 1000            /* pvclock rounding, far below any real early firing */
#define CANCEL_NS (20 * NS_PER_MS)     /* deadline of a timer that is then cancelled */
#define QUIET_NS (50 * NS_PER_MS)      /* how long past a cancelled deadline we watch */
#define POLL_CALLS_MAX 100             /* SCHEDOP_poll that returns at once would loop far more */

static evtchn_port_t timer_port;
static volatile uint64_t fired_at; /* system time seen by the last timer event's handler */
static unsigned long timer_events; /* timer events this test caused, to compare with the count */

static void on_timer(evtchn_port_t port, void *data)
{
	fired_at = now_ns();
}

static bool on_time(uint64_t t, uint64_t deadline)
{
	return t + EARLY_SLACK_NS >= deadline && t < deadline + LATE_LIMIT_NS;
}

static void setup(void)
{
	volatile struct vcpu_info *vi;
	bool percpu = cmdline_flag("percpu");
	long rc;

	xen_map_shared_info();
	vi = xen_vcpu_info(0);
	if (!vi->time.tsc_to_system_mul)
		xtf_failure("vCPU0's pvclock (vcpu_time_info) is not published: tsc_to_system_mul is 0");
	uint64_t t0 = now_ns();

	spin_ns(NS_PER_MS);
	uint64_t t1 = now_ns();
	printk("timer: system time %lu ms, pvclock version %u, mul %u, shift %d\n", t0 / NS_PER_MS, vi->time.version,
	       vi->time.tsc_to_system_mul, vi->time.tsc_shift);
	xtf_check(t1 >= t0 + NS_PER_MS && t1 < t0 + LATE_LIMIT_NS, "pvclock advances (1 ms spin took %lu us)",
		  (t1 - t0) / 1000);

	evtchn_upcall_init(UPCALL_VECTOR, percpu ? UPCALL_VIA_PERCPU : UPCALL_VIA_CALLBACK_IRQ);
	rc = evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port);
	if (rc)
		xtf_failure("EVTCHNOP_bind_virq(VIRQ_TIMER, vCPU0) returned %ld", rc);
	if (timer_port >= EVTCHN_TRACKED)
		xtf_error("timer port %u is too high for the dispatcher", timer_port);
	evtchn_set_handler(timer_port, on_timer, NULL);
	printk("timer: VIRQ_TIMER bound to port %u\n", timer_port);
	irq_enable();
}

/* SHOTS one-shots 5 ms ahead, each waited for with interrupts on in HLT or SCHEDOP_block. */
static void one_shots(void)
{
	uint64_t max_late = 0;
	unsigned int bad = 0;

	printk("timer: %u one-shots %lu ms ahead, blocking in HLT and SCHEDOP_block by turns\n", SHOTS,
	       SHOT_NS / NS_PER_MS);
	for (unsigned int i = 0; i < SHOTS; i++) {
		enum block_how how = i % 2 ? BLOCK_SCHEDOP : BLOCK_HLT;
		unsigned long n = evtchn_events(timer_port);
		uint64_t deadline = now_ns() + SHOT_NS;
		long rc = vcpu_set_singleshot_timer(deadline, 0);

		if (rc)
			xtf_failure("one-shot %u: VCPUOP_set_singleshot_timer returned %ld", i, rc);
		evtchn_wait(timer_port, n + 1, 0, how);
		timer_events++;
		uint64_t woke = now_ns(), t = fired_at;

		if (!on_time(t, deadline) || woke < t) {
			printk("  one-shot %u (%s): deadline %lu ns, handler at %lu ns, awake at %lu ns\n", i,
			       how == BLOCK_HLT ? "hlt" : "SCHEDOP_block", deadline, t, woke);
			bad++;
		}
		if (t > deadline && t - deadline > max_late)
			max_late = t - deadline;
	}
	printk("timer: %u one-shots, max lateness %lu us\n", SHOTS, max_late / 1000);
	xtf_check(!bad, "%u one-shots fired neither early nor later than %lu s (%u did not)", SHOTS,
		  LATE_LIMIT_NS / NS_PER_SEC, bad);
}

/*
 * With interrupts off (so that no upcall consumes the event), waits in SCHEDOP_poll on the timer
 * port until it is pending or until has passed. Returns whether it is pending.
 */
static bool poll_timer(uint64_t until, unsigned int *calls)
{
	long rc;

	*calls = 0;
	while (!evtchn_is_pending(timer_port) && now_ns() < until) {
		rc = sched_poll(&timer_port, 1, until);
		if (rc)
			xtf_failure("SCHEDOP_poll(timer port %u) returned %ld", timer_port, rc);
		++*calls;
	}
	return evtchn_is_pending(timer_port);
}

/*
 * Counts a timer event that poll_timer() found pending, turns interrupts on and lets the upcall
 * dispatch it (a bounded wait: the upcall was raised while interrupts were off).
 */
static void deliver_pending(void)
{
	uint64_t until = now_ns() + LATE_LIMIT_NS;

	timer_events++;
	irq_enable();
	while (evtchn_events(timer_port) < timer_events && now_ns() < until)
		cpu_relax();
	xtf_check(evtchn_events(timer_port) == timer_events,
		  "the upcall dispatches the pending timer event once interrupts are on");
}

/* Watches the port from a cancelled timer's arming until QUIET_NS past its deadline. */
static void check_cancelled(const char *what, uint64_t deadline)
{
	unsigned int calls;
	uint64_t until = deadline + QUIET_NS;
	bool fired = poll_timer(until, &calls);
	uint64_t t = now_ns();

	xtf_check(!fired, "%s: no timer event up to %lu ms past the cancelled deadline", what, QUIET_NS / NS_PER_MS);
	xtf_check(t >= until && t < until + LATE_LIMIT_NS && calls <= POLL_CALLS_MAX,
		  "%s: SCHEDOP_poll returned by its timeout (%lu us late, %u calls)", what,
		  t >= until ? (t - until) / 1000 : 0, calls);
	if (fired)
		deliver_pending();
}

/* set_timer_op (hypercall 15) as a one-shot, waited for in SCHEDOP_poll. */
static void timer_op(void)
{
	unsigned int calls;
	uint64_t deadline;
	long rc;

	irq_disable();
	deadline = now_ns() + SHOT_NS;
	rc = HYPERVISOR_set_timer_op(deadline);
	xtf_check(rc == 0, "set_timer_op (hypercall 15) returns 0 (%ld)", rc);
	bool fired = poll_timer(deadline + LATE_LIMIT_NS, &calls);
	uint64_t t = now_ns();

	xtf_check(fired && on_time(t, deadline), "set_timer_op one-shot fired %ld us after its deadline (%u polls)",
		  ((long)t - (long)deadline) / 1000, calls);
	if (fired)
		deliver_pending();
	irq_enable();
}

static void past_deadlines(void)
{
	unsigned int calls;
	uint64_t now;
	long rc;

	irq_disable();
	now = now_ns();
	rc = vcpu_set_singleshot_timer(now - NS_PER_MS, 0);
	xtf_check(rc == 0, "a past deadline without flags is accepted (%ld)", rc);
	if (xtf_check(poll_timer(now + LATE_LIMIT_NS, &calls), "... and fires at once (%u polls)", calls))
		deliver_pending();

	irq_disable();
	now = now_ns();
	rc = vcpu_set_singleshot_timer(now - NS_PER_MS, VCPU_SSHOTTMR_future);
	if (rc == -XEN_ETIME) {
		/* The header's documented refusal: no timer may be left armed. */
		printk("timer: VCPU_SSHOTTMR_future with a past deadline: -ETIME\n");
		if (!xtf_check(!poll_timer(now_ns() + QUIET_NS, &calls), "the refused past deadline does not fire"))
			deliver_pending();
	} else {
		/* "can be ignored by the hypervisor" (xen/vcpu.h): Xen since 4.17 fires at once instead. */
		xtf_check(rc == 0, "VCPU_SSHOTTMR_future with a past deadline gives -ETIME or 0 (%ld)", rc);
		printk("timer: VCPU_SSHOTTMR_future with a past deadline: accepted, flag ignored\n");
		if (xtf_check(poll_timer(now + LATE_LIMIT_NS, &calls), "flag ignored: the past deadline fires at once"))
			deliver_pending();
	}
	irq_enable();
}

static void cancels(void)
{
	uint64_t deadline;
	long rc;

	irq_disable();
	rc = vcpu_set_singleshot_timer(now_ns() + 10 * NS_PER_SEC, VCPU_SSHOTTMR_future);
	xtf_check(rc == 0, "VCPU_SSHOTTMR_future with a future deadline is accepted (%ld)", rc);
	deadline = now_ns() + CANCEL_NS; /* replaces the 10 s one */
	rc = vcpu_set_singleshot_timer(deadline, 0);
	xtf_check(rc == 0, "re-arming the one-shot %lu ms ahead returns 0 (%ld)", CANCEL_NS / NS_PER_MS, rc);
	rc = vcpu_stop_singleshot_timer();
	xtf_check(rc == 0, "VCPUOP_stop_singleshot_timer returns 0 (%ld)", rc);
	check_cancelled("VCPUOP_stop_singleshot_timer", deadline);

	irq_disable();
	deadline = now_ns() + CANCEL_NS;
	rc = HYPERVISOR_set_timer_op(deadline);
	xtf_check(rc == 0, "set_timer_op(deadline) returns 0 (%ld)", rc);
	rc = HYPERVISOR_set_timer_op(0);
	xtf_check(rc == 0, "set_timer_op(0) returns 0 (%ld)", rc);
	check_cancelled("set_timer_op(0)", deadline);
	irq_enable();
}

void test_main(void)
{
	long rc;

	setup();
	one_shots();
	timer_op();
	past_deadlines();
	cancels();
	rc = HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	xtf_check(rc == 0, "VCPUOP_stop_periodic_timer returns 0 (%ld)", rc);

	irq_disable();
	unsigned long got = evtchn_events(timer_port);

	xtf_check(got == timer_events && !evtchn_is_pending(timer_port),
		  "exactly the %lu expected timer events arrived (%lu)", timer_events, got);
	xtf_check(evtchn_upcalls >= SHOTS && !evtchn_untracked, "%lu upcalls, %lu events on unexpected ports",
		  evtchn_upcalls, evtchn_untracked);
	xtf_report();
}
