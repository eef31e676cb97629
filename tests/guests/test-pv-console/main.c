/*
 * test-pv-console: the PV console ring (xen/io/console.h) an unprivileged
 * domain finds through HVM_PARAM_CONSOLE_PFN / HVM_PARAM_CONSOLE_EVTCHN.
 * Writes lines into the output ring, notifies the port, and checks that the
 * backend takes everything, including more than a ring's worth.
 */
#include "xtf.h"

#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/io/console.h>

const char test_title[] = "PV console ring";

static long hvm_get(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
	long rc = hypercall5(__HYPERVISOR_hvm_op, HVMOP_get_param, (unsigned long)&p, 0, 0, 0);

	*value = p.value;
	return rc;
}

static void notify(evtchn_port_t port)
{
	struct evtchn_send s = {.port = port};

	hypercall5(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (unsigned long)&s, 0, 0, 0);
}

/* Puts s into the output ring, waiting (yielding) while it is full. False if the backend never takes it. */
static bool ring_write(volatile struct xencons_interface *r, evtchn_port_t port, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		XENCONS_RING_IDX prod = r->out_prod;
		unsigned int spins = 0;

		while (prod - r->out_cons >= sizeof(r->out)) {
			notify(port);
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			if (++spins > 2000000)
				return false;
		}
		while (i < n && prod - r->out_cons < sizeof(r->out))
			r->out[MASK_XENCONS_IDX(prod++, r->out)] = s[i++];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->out_prod = prod;
		notify(port);
	}
	return true;
}

/* With the argument "input": what is typed for this domain arrives in the input ring. */
static void check_input(volatile struct xencons_interface *r, evtchn_port_t port)
{
	static char got[64];
	unsigned int n = 0;
	uint64_t spins = 0;

	ring_write(r, port, "ring: waiting for input\n", 24);
	while (n < sizeof(got) - 1 && ++spins < 400000000ULL) {
		XENCONS_RING_IDX cons = r->in_cons;
		char c;

		if (cons == r->in_prod) {
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			continue;
		}
		c = r->in[MASK_XENCONS_IDX(cons, r->in)];
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		r->in_cons = cons + 1;
		if (c == '\r' || c == '\n')
			break;
		got[n++] = c;
	}
	got[n] = '\0';
	xtf_check(n > 0, "input arrived through the ring: '%s'", got);
}

void test_main(void)
{
	uint64_t pfn = 0, port = 0;
	volatile struct xencons_interface *r;
	static char line[80];
	unsigned int spins = 0;
	bool ok = true;

	xtf_check(hvm_get(HVM_PARAM_CONSOLE_PFN, &pfn) == 0 && pfn, "HVM_PARAM_CONSOLE_PFN is set (0x%llx)",
		  (unsigned long long)pfn);
	xtf_check(hvm_get(HVM_PARAM_CONSOLE_EVTCHN, &port) == 0 && port, "HVM_PARAM_CONSOLE_EVTCHN is set (%llu)",
		  (unsigned long long)port);
	if (!pfn || !port)
		return;
	r = (volatile struct xencons_interface *)(uintptr_t)(pfn << 12);
	xtf_check(r->out_cons == r->out_prod, "the output ring starts empty");
	ok &= ring_write(r, (evtchn_port_t)port, "ring: hello from the PV console\n", 32);
	/* 40 lines of 79 characters: 3200 bytes, more than the 2048-byte ring holds at once */
	for (unsigned int i = 0; ok && i < 40; i++) {
		int n = snprintf(line, sizeof(line), "ring: line %02u ", i);

		while (n < 78)
			line[n++] = 'a' + i % 26;
		line[n++] = '\n';
		ok &= ring_write(r, (evtchn_port_t)port, line, (size_t)n);
	}
	xtf_check(ok, "the backend made room whenever the ring was full");
	while (r->out_cons != r->out_prod && ++spins < 2000000)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	xtf_check(r->out_cons == r->out_prod, "the backend took everything (cons %u, prod %u)", r->out_cons,
		  r->out_prod);
	if (start_info->cmdline_paddr && strstr((const char *)(uintptr_t)start_info->cmdline_paddr, "input"))
		check_input(r, (evtchn_port_t)port);
	ring_write(r, (evtchn_port_t)port, "ring: done\n", 11);
	while (r->out_cons != r->out_prod && ++spins < 4000000)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}
