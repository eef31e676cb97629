/*
 * test-evtchn-pingpong: two domains bounce events over an interdomain event
 * channel. Booted twice, as "ping" (domain 1) and "pong" (domain 2, command
 * line names the role): ping allocates an unbound port for domain 2, pong binds
 * to it and serves first; then each waits for the other's event in its
 * shared_info page, clears it and sends one back, ROUNDS times.
 */
#include "xtf.h"

#include <xen/event_channel.h>
#include <xen/memory.h>

const char test_title[] = "interdomain event channel ping-pong";

#define ROUNDS 10000
#define SHARED_INFO_GFN 0xfe000ULL /* a free guest frame below 4 GiB (above our RAM) */
#define SPIN_LIMIT 2000000000ULL

static long evtchn_op(int cmd, void *arg)
{
	return hypercall5(__HYPERVISOR_event_channel_op, (unsigned int)cmd, (unsigned long)arg, 0, 0, 0);
}

static long memory_op(int cmd, void *arg)
{
	return hypercall5(__HYPERVISOR_memory_op, (unsigned int)cmd, (unsigned long)arg, 0, 0, 0);
}

static volatile struct shared_info *map_shared_info(void)
{
	struct xen_add_to_physmap xatp = {
	    .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = SHARED_INFO_GFN};
	long rc = memory_op(XENMEM_add_to_physmap, &xatp);

	if (rc)
		xtf_failure("XENMEM_add_to_physmap(shared_info) returned %ld", rc);
	return (volatile struct shared_info *)(uintptr_t)(SHARED_INFO_GFN << 12); /* identity-mapped */
}

/* Waits for the port's pending bit and clears it, as a guest's event loop would. */
static bool wait_event(volatile struct shared_info *s, evtchn_port_t port)
{
	volatile xen_ulong_t *word = &s->evtchn_pending[port / 64];
	xen_ulong_t bit = 1ULL << (port % 64);

	for (uint64_t spins = 0; !(__atomic_load_n(word, __ATOMIC_ACQUIRE) & bit); spins++) {
		if (spins > SPIN_LIMIT)
			return false;
		asm volatile("pause");
	}
	__atomic_fetch_and(word, ~bit, __ATOMIC_ACQ_REL);
	return true;
}

static evtchn_port_t ping_setup(void)
{
	struct evtchn_alloc_unbound au = {.dom = DOMID_SELF, .remote_dom = 2};
	struct evtchn_status st;
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);

	if (rc)
		xtf_failure("alloc_unbound for domain 2 returned %ld", rc);
	printk("pingpong: ping: port %u waits for domain 2\n", au.port);
	for (uint64_t spins = 0;; spins++) { /* until pong has bound its end */
		st.dom = DOMID_SELF;
		st.port = au.port;
		rc = evtchn_op(EVTCHNOP_status, &st);
		if (rc)
			xtf_failure("status of port %u returned %ld", au.port, rc);
		if (st.status == EVTCHNSTAT_interdomain)
			break;
		if (spins > SPIN_LIMIT / 1000)
			xtf_failure("domain 2 never bound to port %u", au.port);
	}
	printk("pingpong: ping: port %u is connected to domain %u port %u\n", au.port, st.u.interdomain.dom,
	       st.u.interdomain.port);
	return au.port;
}

/*
 * Binds to ping's port. Its number depends on what else domain 1 was given
 * (a PV console port comes first on Mica), so the low ports are tried in
 * turn: only one is unbound for domain 2.
 */
static evtchn_port_t pong_setup(void)
{
	struct evtchn_bind_interdomain bi;
	long rc = 0;

	for (uint64_t spins = 0;; spins++) { /* until ping has allocated its port */
		bi.remote_dom = 1;
		bi.remote_port = 1 + spins % 8;
		rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi);
		if (rc == 0)
			break;
		if (spins > SPIN_LIMIT / 1000)
			xtf_failure("bind_interdomain to domain 1 ports 1-8 kept failing (%ld)", rc);
	}
	printk("pingpong: pong: local port %u bound to domain 1 port %u\n", bi.local_port, bi.remote_port);
	return bi.local_port;
}

void test_main(void)
{
	const char *cmdline = start_info->cmdline_paddr ? (const char *)(uintptr_t)start_info->cmdline_paddr : "";
	bool ping = strstr(cmdline, "ping") != NULL;
	volatile struct shared_info *s = map_shared_info();
	evtchn_port_t port;
	struct evtchn_send send;
	long rc;

	if (!ping && !strstr(cmdline, "pong"))
		xtf_error("command line must say ping or pong");
	port = ping ? ping_setup() : pong_setup();
	send.port = port;
	/*
	 * bind_interdomain leaves pong's new port pending; ping cannot send before
	 * pong's first event, so clearing it here loses nothing.
	 */
	if (!ping)
		__atomic_fetch_and(&s->evtchn_pending[port / 64], ~(1ULL << (port % 64)), __ATOMIC_ACQ_REL);
	for (unsigned int i = 0; i < ROUNDS; i++) {
		if (!ping && (rc = evtchn_op(EVTCHNOP_send, &send)))
			xtf_failure("send %u returned %ld", i, rc);
		if (!wait_event(s, port))
			xtf_failure("round %u: no event from the peer", i);
		if (ping && (rc = evtchn_op(EVTCHNOP_send, &send)))
			xtf_failure("send %u returned %ld", i, rc);
	}
	printk("pingpong: %s: %u round trips over port %u\n", ping ? "ping" : "pong", ROUNDS, port);
	xtf_success();
}
