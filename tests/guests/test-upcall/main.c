/*
 * test-upcall: two domains bounce events over an interdomain event channel as
 * test-evtchn-pingpong does, but each waits blocked (HLT and SCHEDOP_block by turns) and is
 * woken by the event's upcall. Then SCHEDOP_poll on a masked port, woken by the peer's send,
 * and EVTCHNOP_unmask re-raising the upcall for the event left pending.
 * Booted twice: "ping" (domain 1) allocates an unbound port for domain 2; "pong" (domain 2)
 * binds to it (trying ping's ports in turn, so no port number is assumed) and serves first.
 * Command line: ping|pong; peer=N names the other domain (default 2 for ping, 1 for pong);
 * "percpu" takes upcalls through HVMOP_set_evtchn_upcall_vector.
 *
 * ping                                    pong
 *   alloc_unbound(peer)                     bind_interdomain(peer, ping's port)
 *   ROUNDS x { wait; send }                 ROUNDS x { send; wait }
 *   (masks its port before the last send)
 *   SCHEDOP_poll([port]) until pending      20 ms later: send (to the masked port)
 *   EVTCHNOP_unmask: the upcall takes it
 *   send ("bye")                            wait for "bye"
 */
#include "events.h"

const char test_title[] = "interdomain events through upcalls, blocking";

#define ROUNDS 1000
#define WAIT_NS (30 * NS_PER_SEC) /* for any one event: the peer may still be booting */
#define LATE_SEND_NS (20 * NS_PER_MS)
#define MAX_REMOTE_PORT 64

static bool ping;
static const char *me;
static evtchn_port_t port, timer_port;

/*
 * Blocks until the upcall has dispatched count events on the port. A one-shot timer (VIRQ_TIMER)
 * at the deadline is the watchdog that wakes us if the peer's event never comes.
 */
static void wait_peer(unsigned long count, unsigned int round)
{
	uint64_t deadline = now_ns() + WAIT_NS;
	long rc = vcpu_set_singleshot_timer(deadline, 0);

	if (rc)
		xtf_failure("%s: VCPUOP_set_singleshot_timer (watchdog) returned %ld", me, rc);
	if (!evtchn_wait(port, count, deadline, round % 2 ? BLOCK_SCHEDOP : BLOCK_HLT))
		xtf_failure("%s: round %u: no event from the peer within %lu s (%lu events, %lu upcalls)", me, round,
			    WAIT_NS / NS_PER_SEC, evtchn_events(port), evtchn_upcalls);
}

static void send(unsigned int round)
{
	long rc = evtchn_send(port);

	if (rc)
		xtf_failure("%s: round %u: EVTCHNOP_send(%u) returned %ld", me, round, port, rc);
}

static void ping_setup(domid_t peer)
{
	long rc = evtchn_alloc_unbound(peer, &port);

	if (rc)
		xtf_failure("ping: EVTCHNOP_alloc_unbound for domain %u returned %ld", peer, rc);
	printk("upcall: ping: port %u waits for domain %u\n", port, peer);
}

static void pong_setup(domid_t peer)
{
	uint64_t deadline = now_ns() + WAIT_NS;
	long rc = 0;

	for (;;) {
		for (evtchn_port_t remote = 1; remote < MAX_REMOTE_PORT; remote++) {
			rc = evtchn_bind_interdomain(peer, remote, &port);
			if (rc == 0) {
				printk("upcall: pong: local port %u bound to domain %u port %u\n", port, peer, remote);
				/* Binding leaves the new port pending; nothing was sent yet: ping waits for us. */
				evtchn_test_and_clear_pending(port);
				return;
			}
		}
		if (now_ns() > deadline)
			xtf_failure("pong: no port of domain %u to bind to within %lu s (last: %ld)", peer,
				    WAIT_NS / NS_PER_SEC, rc);
		sched_yield();
	}
}

/* ping: after the last round its port is masked and the peer's late event must wake a poll. */
static void ping_masked_poll(void)
{
	uint64_t deadline = now_ns() + WAIT_NS;
	unsigned int calls = 0;
	long rc;

	irq_disable();
	while (!evtchn_is_pending(port) && now_ns() < deadline) {
		rc = sched_poll(&port, 1, deadline);
		if (rc)
			xtf_failure("ping: SCHEDOP_poll(masked port %u) returned %ld", port, rc);
		calls++;
	}
	if (!evtchn_is_pending(port))
		xtf_failure("ping: SCHEDOP_poll on masked port %u: no event within %lu s", port, WAIT_NS / NS_PER_SEC);
	xtf_check(evtchn_is_masked(port) && evtchn_events(port) == ROUNDS,
		  "the event on the masked port stays pending, not delivered");
	printk("upcall: ping: SCHEDOP_poll on masked port %u woken by the peer (%u calls)\n", port, calls);

	/* Unmasking a pending port raises the upcall again (xen/event_channel.h EVTCHNOP_unmask). */
	rc = evtchn_unmask(port);
	if (rc)
		xtf_failure("ping: EVTCHNOP_unmask(%u) returned %ld", port, rc);
	wait_peer(ROUNDS + 1, 0);
	xtf_check(!evtchn_is_masked(port), "EVTCHNOP_unmask cleared the mask bit");
	printk("upcall: ping: EVTCHNOP_unmask delivered the pending event\n");
}

void test_main(void)
{
	uint64_t t0;
	long rc;

	ping = cmdline_flag("ping");
	me = ping ? "ping" : "pong";
	if (!ping && !cmdline_flag("pong"))
		xtf_error("command line must say ping or pong");
	domid_t peer = (domid_t)cmdline_uint("peer", ping ? 2 : 1);

	evtchn_upcall_init(UPCALL_VECTOR, cmdline_flag("percpu") ? UPCALL_VIA_PERCPU : UPCALL_VIA_CALLBACK_IRQ);
	if (ping) /* first, so that it is the lowest free port */
		ping_setup(peer);
	rc = evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port);
	if (rc)
		xtf_failure("%s: EVTCHNOP_bind_virq(VIRQ_TIMER, vCPU0) returned %ld", me, rc);
	if (!ping)
		pong_setup(peer);
	if (port >= EVTCHN_TRACKED)
		xtf_error("port %u is too high for the dispatcher", port);
	irq_enable();

	t0 = rdtsc_ordered();
	for (unsigned int i = 0; i < ROUNDS; i++) {
		if (!ping)
			send(i);
		wait_peer(i + 1, i);
		if (ping && i == ROUNDS - 1)
			evtchn_mask(port); /* before the send: the peer's answer must find it masked */
		if (ping)
			send(i);
	}
	t0 = rdtsc_ordered() - t0;
	printk("upcall: %s: %u round trips\n", me, ROUNDS);
	/* under QEMU's -icount and in Bochs the TSC counts instructions: bench/run.sh reads this */
	printk("upcall: %s: %llu TSC cycles per round trip\n", me, (unsigned long long)(t0 / ROUNDS));
	xtf_check(evtchn_upcalls >= ROUNDS, "%lu upcalls for %u events", evtchn_upcalls, ROUNDS);

	if (ping) {
		ping_masked_poll();
		send(ROUNDS); /* bye */
	} else {
		spin_ns(LATE_SEND_NS); /* so that ping is asleep in SCHEDOP_poll by then */
		send(ROUNDS);
		wait_peer(ROUNDS + 1, ROUNDS);
	}
	xtf_check(!evtchn_untracked, "no events on unexpected ports (%lu)", evtchn_untracked);
	printk("upcall: %s: done\n", me);
	xtf_report();
}
