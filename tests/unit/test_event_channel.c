/* Unit tests for event channels, 2-level ABI (kernel/event_channel.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <mica/errno.h>
#include <mica/event_channel.h>
#include <mica/string.h>

#define NDOM 3
#define NVCPU 4

static struct evtchn_domain doms[NDOM];
static struct shared_info shared[NDOM];
static unsigned int kicks[NDOM][NVCPU];

/* Port memory: counted, and made to fail after alloc_budget more allocations (-1: never). */
static int live_allocs, alloc_calls, alloc_budget = -1;

static void *ports_alloc(size_t size)
{
	alloc_calls++;
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	live_allocs++;
	return calloc(1, size);
}

static void ports_free(void *p)
{
	if (p)
		live_allocs--;
	free(p);
}

static struct evtchn_domain *lookup(domid_t id)
{
	return id < NDOM ? &doms[id] : NULL;
}

static void kick(struct evtchn_domain *d, unsigned int vcpu)
{
	kicks[d->id][vcpu]++;
}

/* Ports whose pending bit went 0 -> 1 (for SCHEDOP_poll), masked or not. */
static unsigned int port_sets[NDOM];
static evtchn_port_t last_port_set[NDOM];

static void port_set(struct evtchn_domain *d, evtchn_port_t port)
{
	port_sets[d->id]++;
	last_port_set[d->id] = port;
}

static const struct evtchn_hooks hooks = {
    .lookup_domain = lookup, .kick_vcpu = kick, .port_set = port_set, .alloc = ports_alloc, .free = ports_free};

static int setup(void **state)
{
	memset(shared, 0, sizeof(shared));
	memset(kicks, 0, sizeof(kicks));
	memset(port_sets, 0, sizeof(port_sets));
	alloc_budget = -1;
	for (domid_t i = 0; i < NDOM; i++)
		assert_int_equal(evtchn_domain_init(&doms[i], i, &shared[i], EVTCHN_MAX_PORTS, NVCPU, &hooks), 0);
	return 0;
}

/* Every domain's ports go back; nothing else is left allocated. */
static int teardown(void **state)
{
	for (domid_t i = 0; i < NDOM; i++) {
		evtchn_domain_destroy(&doms[i]);
		evtchn_domain_free(&doms[i]);
	}
	assert_int_equal(live_allocs, 0);
	return 0;
}

/* Buckets of d in use. */
static unsigned int buckets_used(const struct evtchn_domain *d)
{
	unsigned int n = 0;

	for (unsigned int b = 0; b * EVTCHN_BUCKET_PORTS < d->max_ports; b++)
		n += d->buckets[b] != NULL;
	return n;
}

#define D0 (&doms[0])
#define D1 (&doms[1])
#define D2 (&doms[2])

static bool bit(const xen_ulong_t *a, unsigned int n)
{
	return (a[n / 64] >> (n % 64)) & 1;
}

static bool pending(domid_t d, evtchn_port_t p)
{
	return bit(shared[d].evtchn_pending, p);
}

static void set_mask(domid_t d, evtchn_port_t p, bool on)
{
	if (on)
		shared[d].evtchn_mask[p / 64] |= 1UL << (p % 64);
	else
		shared[d].evtchn_mask[p / 64] &= ~(1UL << (p % 64));
}

static evtchn_port_t unbound(struct evtchn_domain *d, domid_t remote)
{
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote};

	assert_int_equal(evtchn_op_alloc_unbound(d, false, &op), 0);
	return op.port;
}

static evtchn_port_t bind(struct evtchn_domain *d, domid_t remote, evtchn_port_t rport)
{
	struct evtchn_bind_interdomain op = {.remote_dom = remote, .remote_port = rport};

	assert_int_equal(evtchn_op_bind_interdomain(d, &op), 0);
	return op.local_port;
}

static struct evtchn_status status(struct evtchn_domain *d, evtchn_port_t p)
{
	struct evtchn_status st = {.dom = DOMID_SELF, .port = p};

	assert_int_equal(evtchn_op_status(d, false, &st), 0);
	return st;
}

static int send(struct evtchn_domain *d, evtchn_port_t p)
{
	return evtchn_op_send(d, &(struct evtchn_send){p});
}

static int close_port(struct evtchn_domain *d, evtchn_port_t p)
{
	return evtchn_op_close(d, &(struct evtchn_close){p});
}

/* What a guest's upcall does: clear upcall_pending, take the selector, clear and count events. */
static unsigned int guest_drain(domid_t d, unsigned int vcpu)
{
	struct vcpu_info *vi = &shared[d].vcpu_info[vcpu];
	unsigned int n = 0;
	xen_ulong_t sel;

	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	for (unsigned int w = 0; w < 64; w++) {
		if (!(sel & (1UL << w)))
			continue;
		xen_ulong_t ev = shared[d].evtchn_pending[w] & ~shared[d].evtchn_mask[w];
		__atomic_fetch_and(&shared[d].evtchn_pending[w], ~ev, __ATOMIC_SEQ_CST);
		n += (unsigned int)__builtin_popcountl(ev);
	}
	return n;
}

static void test_init_errors(void **state)
{
	struct evtchn_domain d;
	struct evtchn_hooks no_alloc = hooks;

	no_alloc.alloc = NULL;
	assert_int_equal(evtchn_domain_init(&d, 5, &shared[0], 1, 1, &hooks), -EINVAL);
	assert_int_equal(evtchn_domain_init(&d, 5, &shared[0], EVTCHN_MAX_PORTS + 1, 1, &hooks), -EINVAL);
	assert_int_equal(evtchn_domain_init(&d, 5, &shared[0], 4, 0, &hooks), -EINVAL);
	assert_int_equal(evtchn_domain_init(&d, 5, &shared[0], 4, EVTCHN_MAX_VCPUS + 1, &hooks), -EINVAL);
	assert_int_equal(evtchn_domain_init(&d, 5, NULL, 4, 1, &hooks), -EINVAL);
	assert_int_equal(evtchn_domain_init(&d, 5, &shared[0], 4, 1, &no_alloc), -EINVAL);
	assert_int_equal(evtchn_domain_init(&d, 5, &shared[0], 4, 1, &hooks), 0);
	assert_int_equal(d.buckets[0][0].state, EVTCHN_RESERVED);
	assert_ptr_equal(evtchn_vcpu_info(&d, 0), &shared[0].vcpu_info[0]);
	evtchn_domain_free(&d);
	evtchn_domain_free(&d); /* twice is harmless */
}

/* A domain starts with one bucket (port 0's), its vCPUs' state and the bucket directory. */
static void test_init_allocates_little(void **state)
{
	struct evtchn_domain d;
	int before = live_allocs;

	assert_int_equal(evtchn_domain_init(&d, 5, &shared[0], EVTCHN_MAX_PORTS, 2, &hooks), 0);
	assert_int_equal(live_allocs - before, 3);
	assert_int_equal(buckets_used(&d), 1);
	evtchn_domain_free(&d);
	assert_int_equal(live_allocs, before);
}

/* Out of memory at any of init's allocations: -ENOMEM and nothing kept. */
static void test_init_no_memory(void **state)
{
	struct evtchn_domain d;
	int before = live_allocs;

	for (int budget = 0; budget < 3; budget++) {
		alloc_budget = budget;
		assert_int_equal(evtchn_domain_init(&d, 5, &shared[0], 256, 1, &hooks), -ENOMEM);
		assert_int_equal(live_allocs, before);
		evtchn_domain_free(&d); /* what the glue does after a failed init: harmless */
	}
	alloc_budget = -1;
}

/* Ports come EVTCHN_BUCKET_PORTS at a time, when the lowest free port lies in a new bucket. */
static void test_buckets_on_demand(void **state)
{
	struct evtchn_bind_ipi ipi = {0};
	int before = live_allocs;

	for (evtchn_port_t p = 1; p < EVTCHN_BUCKET_PORTS; p++)
		assert_int_equal(unbound(D1, 0), p);
	assert_int_equal(buckets_used(D1), 1);
	assert_int_equal(live_allocs, before);
	assert_int_equal(unbound(D1, 0), EVTCHN_BUCKET_PORTS); /* the first port of bucket 1 */
	assert_int_equal(buckets_used(D1), 2);
	assert_int_equal(live_allocs, before + 1);
	assert_int_equal(evtchn_op_bind_ipi(D1, &ipi), 0);
	assert_int_equal(ipi.port, EVTCHN_BUCKET_PORTS + 1);
	/* a closed port in bucket 0 is the lowest free one again: no new bucket */
	assert_int_equal(close_port(D1, 5), 0);
	assert_int_equal(unbound(D1, 0), 5);
	/* closing every port keeps the buckets until the domain is freed */
	evtchn_domain_destroy(D1);
	assert_int_equal(buckets_used(D1), 2);
	assert_int_equal(status(D1, EVTCHN_BUCKET_PORTS).status, EVTCHNSTAT_closed);
}

/* A port in a bucket never used reads as closed, refuses what a free port refuses, allocates nothing. */
static void test_ports_never_allocated(void **state)
{
	const evtchn_port_t far = 3 * EVTCHN_BUCKET_PORTS + 7;
	struct evtchn_bind_interdomain bi = {.remote_dom = 2, .remote_port = far};
	int calls = alloc_calls;

	assert_int_equal(status(D2, far).status, EVTCHNSTAT_closed);
	assert_int_equal(status(D2, far).vcpu, 0);
	assert_int_equal(send(D2, far), -EINVAL);
	assert_int_equal(close_port(D2, far), -EINVAL);
	assert_int_equal(evtchn_raise(D2, far), -EINVAL);
	assert_int_equal(evtchn_op_bind_vcpu(D2, &(struct evtchn_bind_vcpu){far, 1}), -EINVAL);
	shared[2].evtchn_mask[far / 64] |= 1UL << (far % 64);
	assert_int_equal(evtchn_op_unmask(D2, &(struct evtchn_unmask){far}), 0);
	assert_false(bit(shared[2].evtchn_mask, far));
	assert_int_equal(alloc_calls, calls);
	assert_int_equal(evtchn_op_bind_interdomain(D1, &bi), -EINVAL); /* nothing waits there */
	assert_int_equal(buckets_used(D2), 1);
	evtchn_op_reset(D2, false, &(struct evtchn_reset){DOMID_SELF});
	assert_int_equal(buckets_used(D2), 1);
}

/* No memory for a new bucket: -ENOMEM, and the ports (ours and the remote end) stay as they were. */
static void test_bucket_no_memory(void **state)
{
	struct evtchn_alloc_unbound au = {.dom = DOMID_SELF, .remote_dom = 0};
	struct evtchn_bind_virq virq = {.virq = VIRQ_TIMER, .vcpu = 1};
	struct evtchn_bind_ipi ipi = {.vcpu = 1};
	struct evtchn_bind_interdomain bi = {.remote_dom = 2};
	evtchn_port_t r = unbound(D2, 1);
	int before;

	for (evtchn_port_t p = 1; p < EVTCHN_BUCKET_PORTS; p++)
		unbound(D1, 0);
	before = live_allocs;
	alloc_budget = 0;
	assert_int_equal(evtchn_op_alloc_unbound(D1, false, &au), -ENOMEM);
	assert_int_equal(evtchn_op_bind_virq(D1, &virq), -ENOMEM);
	assert_int_equal(evtchn_op_bind_ipi(D1, &ipi), -ENOMEM);
	bi.remote_port = r;
	assert_int_equal(evtchn_op_bind_interdomain(D1, &bi), -ENOMEM);
	assert_int_equal(live_allocs, before);
	assert_int_equal(buckets_used(D1), 1);
	assert_int_equal(status(D2, r).status, EVTCHNSTAT_unbound);
	assert_int_equal(status(D2, r).u.unbound.dom, 1);
	assert_int_equal(evtchn_send_virq(D1, VIRQ_TIMER, 1), -ENOENT); /* the VIRQ slot stayed empty */
	/* memory again: the same calls succeed, in the new bucket */
	alloc_budget = -1;
	assert_int_equal(evtchn_op_bind_virq(D1, &virq), 0);
	assert_int_equal(virq.port, EVTCHN_BUCKET_PORTS);
	assert_int_equal(evtchn_op_bind_interdomain(D1, &bi), 0);
	assert_int_equal(bi.local_port, EVTCHN_BUCKET_PORTS + 1);
	assert_int_equal(status(D2, r).u.interdomain.port, bi.local_port);
}

/* The maximum stays what the domain was given, whatever the bucket size. */
static void test_max_ports_in_buckets(void **state)
{
	struct evtchn_domain d;
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = 0};
	const unsigned int max = 2 * EVTCHN_BUCKET_PORTS + 5; /* not a whole number of buckets */

	assert_int_equal(evtchn_domain_init(&d, 7, &shared[2], max, 1, &hooks), 0);
	for (evtchn_port_t p = 1; p < max; p++)
		assert_int_equal(unbound(&d, 0), p);
	assert_int_equal(evtchn_op_alloc_unbound(&d, false, &op), -ENOSPC);
	assert_int_equal(buckets_used(&d), 3);
	assert_int_equal(send(&d, max), -EINVAL);
	evtchn_domain_destroy(&d);
	evtchn_domain_free(&d);
}

/* Per-vCPU VIRQs have a slot per vCPU, global ones a single slot. */
static void test_virq_slots(void **state)
{
	struct evtchn_bind_virq op;
	evtchn_port_t timer[NVCPU];

	for (unsigned int v = 0; v < NVCPU; v++) {
		op = (struct evtchn_bind_virq){.virq = VIRQ_TIMER, .vcpu = v};
		assert_int_equal(evtchn_op_bind_virq(D1, &op), 0);
		timer[v] = op.port;
		op = (struct evtchn_bind_virq){.virq = VIRQ_XENPMU, .vcpu = v};
		assert_int_equal(evtchn_op_bind_virq(D1, &op), 0);
	}
	op = (struct evtchn_bind_virq){.virq = VIRQ_ARCH_7, .vcpu = 0};
	assert_int_equal(evtchn_op_bind_virq(D1, &op), 0);
	assert_int_equal(evtchn_op_bind_virq(D1, &op), -EEXIST);
	for (unsigned int v = 0; v < NVCPU; v++) {
		assert_int_equal(evtchn_send_virq(D1, VIRQ_TIMER, v), 0);
		assert_true(pending(1, timer[v]));
		assert_int_equal(kicks[1][v], 1);
	}
	assert_int_equal(evtchn_send_virq(D1, VIRQ_ARCH_7, 3), 0); /* global: the vCPU is ignored */
	assert_true(pending(1, op.port));
	assert_int_equal(close_port(D1, timer[2]), 0);
	assert_int_equal(evtchn_send_virq(D1, VIRQ_TIMER, 2), -ENOENT);
	assert_int_equal(evtchn_send_virq(D1, VIRQ_TIMER, 3), 0);
}

static void test_alloc_unbound(void **state)
{
	struct evtchn_alloc_unbound op = {.dom = 1, .remote_dom = 2};
	struct evtchn_status st;

	assert_int_equal(evtchn_op_alloc_unbound(D1, false, &op), 0);
	assert_int_equal(op.port, 1); /* port 0 is reserved */
	st = status(D1, 1);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, 2);
	assert_int_equal(st.vcpu, 0);
	assert_int_equal(unbound(D1, DOMID_SELF), 2);
	assert_int_equal(status(D1, 2).u.unbound.dom, 1); /* DOMID_SELF is the caller */
	/* on behalf of another domain: privileged only; DOMID_SELF still means the caller */
	op = (struct evtchn_alloc_unbound){.dom = 2, .remote_dom = DOMID_SELF};
	assert_int_equal(evtchn_op_alloc_unbound(D1, false, &op), -EPERM);
	assert_int_equal(evtchn_op_alloc_unbound(D0, true, &op), 0);
	assert_int_equal(op.port, 1);
	assert_int_equal(status(D2, 1).u.unbound.dom, 0);
	op.dom = 9;
	assert_int_equal(evtchn_op_alloc_unbound(D0, true, &op), -ESRCH);
}

static void test_ports_exhausted(void **state)
{
	struct evtchn_domain d;
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = 0};
	struct evtchn_bind_ipi ipi = {0};
	struct evtchn_bind_interdomain bi = {.remote_dom = 0};

	assert_int_equal(evtchn_domain_init(&d, 7, &shared[2], 4, 1, &hooks), 0);
	for (evtchn_port_t i = 1; i < 4; i++)
		assert_int_equal(unbound(&d, 0), i);
	assert_int_equal(evtchn_op_alloc_unbound(&d, false, &op), -ENOSPC);
	assert_int_equal(evtchn_op_bind_ipi(&d, &ipi), -ENOSPC);
	bi.remote_port = unbound(D0, 7);
	assert_int_equal(evtchn_op_bind_interdomain(&d, &bi), -ENOSPC);
	assert_int_equal(close_port(&d, 2), 0);
	assert_int_equal(unbound(&d, 0), 2);
	evtchn_domain_destroy(&d);
	evtchn_domain_free(&d);
}

static void test_bind_interdomain(void **state)
{
	evtchn_port_t r = unbound(D2, 1), l = bind(D1, 2, r);
	struct evtchn_status st = status(D1, l);

	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, 2);
	assert_int_equal(st.u.interdomain.port, r);
	st = status(D2, r);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, 1);
	assert_int_equal(st.u.interdomain.port, l);
	/* the new local end starts pending (events sent before binding are not lost) */
	assert_true(pending(1, l));
	assert_int_equal(kicks[1][0], 1);
	assert_false(pending(2, r));
}

static void test_bind_interdomain_errors(void **state)
{
	evtchn_port_t r = unbound(D2, 1), other = unbound(D2, 0);
	struct evtchn_bind_interdomain op = {.remote_dom = 2};

	op.remote_port = 0;
	assert_int_equal(evtchn_op_bind_interdomain(D1, &op), -EINVAL);
	op.remote_port = EVTCHN_MAX_PORTS;
	assert_int_equal(evtchn_op_bind_interdomain(D1, &op), -EINVAL);
	op.remote_port = 100; /* free */
	assert_int_equal(evtchn_op_bind_interdomain(D1, &op), -EINVAL);
	op.remote_port = other; /* waiting for dom0, not us */
	assert_int_equal(evtchn_op_bind_interdomain(D1, &op), -EINVAL);
	op.remote_port = r;
	assert_int_equal(evtchn_op_bind_interdomain(D1, &op), 0);
	assert_int_equal(evtchn_op_bind_interdomain(D1, &op), -EINVAL); /* already bound */
	assert_int_equal(evtchn_op_bind_interdomain(D0, &op), -EINVAL);
	op.remote_dom = 42;
	assert_int_equal(evtchn_op_bind_interdomain(D1, &op), -ESRCH);
	assert_int_equal(status(D1, 2).status, EVTCHNSTAT_closed); /* no local port leaked */
}

static void test_loopback(void **state)
{
	evtchn_port_t a = unbound(D1, DOMID_SELF), b = bind(D1, DOMID_SELF, a);

	assert_int_equal(status(D1, b).u.interdomain.dom, 1);
	assert_true(pending(1, b));
	assert_int_equal(send(D1, b), 0);
	assert_true(pending(1, a));
	assert_int_equal(close_port(D1, a), 0);
	assert_int_equal(status(D1, b).status, EVTCHNSTAT_unbound);
	assert_int_equal(status(D1, b).u.unbound.dom, 1);
}

static void test_bind_virq(void **state)
{
	struct evtchn_bind_virq op = {.virq = VIRQ_TIMER, .vcpu = 2};
	struct evtchn_status st;

	assert_int_equal(evtchn_op_bind_virq(D1, &op), 0);
	st = status(D1, op.port);
	assert_int_equal(st.status, EVTCHNSTAT_virq);
	assert_int_equal(st.u.virq, VIRQ_TIMER);
	assert_int_equal(st.vcpu, 2);
	assert_int_equal(evtchn_op_bind_virq(D1, &op), -EEXIST);
	op.vcpu = 3; /* same VIRQ, another vCPU */
	assert_int_equal(evtchn_op_bind_virq(D1, &op), 0);
	assert_int_equal(close_port(D1, op.port), 0);
	assert_int_equal(evtchn_op_bind_virq(D1, &op), 0); /* the slot was freed */
	op = (struct evtchn_bind_virq){.virq = NR_VIRQS, .vcpu = 0};
	assert_int_equal(evtchn_op_bind_virq(D1, &op), -EINVAL);
	op = (struct evtchn_bind_virq){.virq = VIRQ_CONSOLE, .vcpu = 1};
	assert_int_equal(evtchn_op_bind_virq(D1, &op), -EINVAL); /* global: vCPU 0 only */
	op.vcpu = 0;
	assert_int_equal(evtchn_op_bind_virq(D1, &op), 0);
	assert_int_equal(evtchn_op_bind_virq(D1, &op), -EEXIST);
	op = (struct evtchn_bind_virq){.virq = VIRQ_DEBUG, .vcpu = NVCPU};
	assert_int_equal(evtchn_op_bind_virq(D1, &op), -ENOENT);
}

static void test_bind_ipi(void **state)
{
	struct evtchn_bind_ipi op = {.vcpu = 3};

	assert_int_equal(evtchn_op_bind_ipi(D1, &op), 0);
	assert_int_equal(status(D1, op.port).status, EVTCHNSTAT_ipi);
	assert_int_equal(status(D1, op.port).vcpu, 3);
	assert_int_equal(send(D1, op.port), 0);
	assert_true(pending(1, op.port));
	assert_int_equal(shared[1].vcpu_info[3].evtchn_pending_sel, 1);
	assert_int_equal(kicks[1][3], 1);
	assert_int_equal(kicks[1][0], 0);
	op.vcpu = NVCPU;
	assert_int_equal(evtchn_op_bind_ipi(D1, &op), -ENOENT);
}

static void test_bind_vcpu(void **state)
{
	struct evtchn_bind_ipi ipi = {.vcpu = 1};
	struct evtchn_bind_virq timer = {.virq = VIRQ_TIMER, .vcpu = 1}, con = {.virq = VIRQ_CONSOLE};
	evtchn_port_t u = unbound(D1, 2), l = bind(D1, 2, unbound(D2, 1));

	assert_int_equal(evtchn_op_bind_ipi(D1, &ipi), 0);
	assert_int_equal(evtchn_op_bind_virq(D1, &timer), 0);
	assert_int_equal(evtchn_op_bind_virq(D1, &con), 0);
	assert_int_equal(evtchn_op_bind_vcpu(D1, &(struct evtchn_bind_vcpu){u, 2}), 0);
	assert_int_equal(evtchn_op_bind_vcpu(D1, &(struct evtchn_bind_vcpu){l, 3}), 0);
	assert_int_equal(evtchn_op_bind_vcpu(D1, &(struct evtchn_bind_vcpu){con.port, 1}), 0);
	assert_int_equal(status(D1, u).vcpu, 2);
	assert_int_equal(status(D1, l).vcpu, 3);
	assert_int_equal(status(D1, con.port).vcpu, 1);
	assert_int_equal(evtchn_op_bind_vcpu(D1, &(struct evtchn_bind_vcpu){ipi.port, 2}), -EINVAL);
	assert_int_equal(evtchn_op_bind_vcpu(D1, &(struct evtchn_bind_vcpu){timer.port, 2}), -EINVAL);
	assert_int_equal(evtchn_op_bind_vcpu(D1, &(struct evtchn_bind_vcpu){0, 1}), -EINVAL);
	assert_int_equal(evtchn_op_bind_vcpu(D1, &(struct evtchn_bind_vcpu){100, 1}), -EINVAL);
	assert_int_equal(evtchn_op_bind_vcpu(D1, &(struct evtchn_bind_vcpu){EVTCHN_MAX_PORTS, 1}), -EINVAL);
	assert_int_equal(evtchn_op_bind_vcpu(D1, &(struct evtchn_bind_vcpu){u, NVCPU}), -ENOENT);
	/* a freed and reused port notifies vCPU 0 again */
	assert_int_equal(close_port(D1, u), 0);
	assert_int_equal(unbound(D1, 2), u);
	assert_int_equal(status(D1, u).vcpu, 0);
}

static void test_send_errors(void **state)
{
	struct evtchn_bind_virq v = {.virq = VIRQ_DEBUG};
	evtchn_port_t u = unbound(D1, 2);

	assert_int_equal(evtchn_op_bind_virq(D1, &v), 0);
	assert_int_equal(send(D1, 0), -EINVAL);
	assert_int_equal(send(D1, EVTCHN_MAX_PORTS), -EINVAL);
	assert_int_equal(send(D1, 100), -EINVAL);
	assert_int_equal(send(D1, v.port), -EINVAL);
	assert_int_equal(send(D1, u), 0); /* unbound: dropped */
	assert_false(pending(1, u));
	assert_int_equal(kicks[1][0] + kicks[2][0], 0);
}

static void test_close_errors(void **state)
{
	evtchn_port_t u = unbound(D1, 2);

	assert_int_equal(close_port(D1, 0), -EINVAL);
	assert_int_equal(close_port(D1, EVTCHN_MAX_PORTS), -EINVAL);
	assert_int_equal(close_port(D1, 100), -EINVAL);
	assert_int_equal(close_port(D1, u), 0);
	assert_int_equal(close_port(D1, u), -EINVAL);
	assert_int_equal(status(D1, u).status, EVTCHNSTAT_closed);
}

static void test_close_interdomain(void **state)
{
	evtchn_port_t r = unbound(D2, 1), l = bind(D1, 2, r);

	assert_int_equal(send(D1, l), 0);
	assert_true(pending(2, r));
	assert_int_equal(close_port(D2, r), 0);
	assert_false(pending(2, r)); /* closing clears the pending bit */
	assert_int_equal(status(D2, r).status, EVTCHNSTAT_closed);
	assert_int_equal(status(D1, l).status, EVTCHNSTAT_unbound);
	assert_int_equal(status(D1, l).u.unbound.dom, 2);
	assert_int_equal(send(D1, l), 0); /* to nobody */
	/* the same remote can bind again */
	r = bind(D2, 1, l);
	assert_int_equal(status(D1, l).status, EVTCHNSTAT_interdomain);
	assert_int_equal(status(D1, l).u.interdomain.port, r);
	assert_int_equal(send(D2, r), 0);
	assert_true(pending(1, l));
	/* closing our own end frees it; the other end goes back to unbound */
	assert_int_equal(close_port(D1, l), 0);
	assert_int_equal(status(D2, r).status, EVTCHNSTAT_unbound);
	assert_int_equal(status(D2, r).u.unbound.dom, 1);
}

static void test_status(void **state)
{
	struct evtchn_status st = {.dom = 2, .port = 1};

	unbound(D2, 0);
	assert_int_equal(status(D1, 0).status, EVTCHNSTAT_closed);
	assert_int_equal(status(D1, 5).status, EVTCHNSTAT_closed);
	assert_int_equal(evtchn_op_status(D1, false, &st), -EPERM);
	assert_int_equal(evtchn_op_status(D0, true, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, 0);
	st.port = EVTCHN_MAX_PORTS;
	assert_int_equal(evtchn_op_status(D0, true, &st), -EINVAL);
	st.dom = 99;
	assert_int_equal(evtchn_op_status(D0, true, &st), -ESRCH);
	st = (struct evtchn_status){.dom = 1, .port = EVTCHN_MAX_PORTS};
	assert_int_equal(evtchn_op_status(D1, false, &st), -EINVAL);
}

static void test_pending_protocol(void **state)
{
	struct evtchn_bind_ipi op = {.vcpu = 1};
	struct vcpu_info *vi = &shared[1].vcpu_info[1];
	evtchn_port_t p;

	for (int i = 0; i < 70; i++) /* put the port in word 1 */
		assert_int_equal(evtchn_op_bind_ipi(D1, &op), 0);
	p = op.port;
	assert_int_equal(p, 70);
	/* unmasked 0 -> 1: pending, selector bit of word 1, upcall, one kick */
	assert_int_equal(send(D1, p), 0);
	assert_true(pending(1, p));
	assert_int_equal(vi->evtchn_pending_sel, 2);
	assert_int_equal(vi->evtchn_upcall_pending, 1);
	assert_int_equal(kicks[1][1], 1);
	assert_int_equal(port_sets[1], 1);
	assert_int_equal(last_port_set[1], p);
	/* already pending: nothing more, even with the selector and upcall cleared */
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	assert_int_equal(send(D1, p), 0);
	assert_int_equal(vi->evtchn_pending_sel, 0);
	assert_int_equal(vi->evtchn_upcall_pending, 0);
	assert_int_equal(kicks[1][1], 1);
	/* masked: the pending bit only */
	shared[1].evtchn_pending[1] = 0;
	set_mask(1, p, true);
	assert_int_equal(send(D1, p), 0);
	assert_true(pending(1, p));
	assert_int_equal(vi->evtchn_pending_sel, 0);
	assert_int_equal(kicks[1][1], 1);
	assert_int_equal(port_sets[1], 2); /* pollers wake on masked ports too */
	/* unmask re-raises selector, upcall and kick */
	assert_int_equal(evtchn_op_unmask(D1, &(struct evtchn_unmask){p}), 0);
	assert_false(bit(shared[1].evtchn_mask, p));
	assert_int_equal(vi->evtchn_pending_sel, 2);
	assert_int_equal(vi->evtchn_upcall_pending, 1);
	assert_int_equal(kicks[1][1], 2);
	/* unmasking a port that is not masked does nothing */
	vi->evtchn_pending_sel = 0;
	assert_int_equal(evtchn_op_unmask(D1, &(struct evtchn_unmask){p}), 0);
	assert_int_equal(vi->evtchn_pending_sel, 0);
	/* masked and not pending: unmask only clears the mask */
	shared[1].evtchn_pending[1] = 0;
	vi->evtchn_upcall_pending = 0;
	set_mask(1, p, true);
	assert_int_equal(evtchn_op_unmask(D1, &(struct evtchn_unmask){p}), 0);
	assert_int_equal(vi->evtchn_pending_sel, 0);
	assert_int_equal(kicks[1][1], 2);
	/* new selector bit while the upcall is still pending: no second kick */
	vi->evtchn_upcall_pending = 1;
	assert_int_equal(send(D1, p), 0);
	assert_int_equal(vi->evtchn_pending_sel, 2);
	assert_int_equal(kicks[1][1], 2);
	assert_int_equal(evtchn_op_unmask(D1, &(struct evtchn_unmask){EVTCHN_MAX_PORTS}), -EINVAL);
}

static void test_send_virq(void **state)
{
	struct evtchn_bind_virq t = {.virq = VIRQ_TIMER, .vcpu = 2}, c = {.virq = VIRQ_CONSOLE};

	assert_int_equal(evtchn_send_virq(D1, VIRQ_TIMER, 2), -ENOENT);
	assert_int_equal(evtchn_op_bind_virq(D1, &t), 0);
	assert_int_equal(evtchn_op_bind_virq(D1, &c), 0);
	assert_int_equal(evtchn_send_virq(D1, VIRQ_TIMER, 1), -ENOENT);
	assert_int_equal(evtchn_send_virq(D1, VIRQ_TIMER, 2), 0);
	assert_true(pending(1, t.port));
	assert_int_equal(kicks[1][2], 1);
	assert_int_equal(evtchn_op_bind_vcpu(D1, &(struct evtchn_bind_vcpu){c.port, 3}), 0);
	assert_int_equal(evtchn_send_virq(D1, VIRQ_CONSOLE, 0), 0);
	assert_true(pending(1, c.port));
	assert_int_equal(kicks[1][3], 1);
	assert_int_equal(evtchn_send_virq(D1, NR_VIRQS, 0), -EINVAL);
	assert_int_equal(evtchn_send_virq(D1, VIRQ_TIMER, NVCPU), -EINVAL);
	assert_int_equal(close_port(D1, t.port), 0);
	assert_int_equal(evtchn_send_virq(D1, VIRQ_TIMER, 2), -ENOENT);
}

static void test_vcpu_info_moved(void **state)
{
	struct vcpu_info moved = {0};
	struct evtchn_bind_ipi op = {.vcpu = 1};

	evtchn_set_vcpu_info(D1, 1, &moved);
	assert_int_equal(evtchn_op_bind_ipi(D1, &op), 0);
	assert_int_equal(send(D1, op.port), 0);
	assert_int_equal(moved.evtchn_upcall_pending, 1);
	assert_int_equal(shared[1].vcpu_info[1].evtchn_upcall_pending, 0);
}

static void test_reset(void **state)
{
	evtchn_port_t r = unbound(D2, 1), l = bind(D1, 2, r);
	struct evtchn_bind_ipi ipi = {0};

	assert_int_equal(evtchn_op_bind_ipi(D1, &ipi), 0);
	assert_int_equal(evtchn_op_reset(D2, false, &(struct evtchn_reset){1}), -EPERM);
	assert_int_equal(evtchn_op_reset(D0, true, &(struct evtchn_reset){9}), -ESRCH);
	assert_int_equal(evtchn_op_reset(D1, false, &(struct evtchn_reset){DOMID_SELF}), 0);
	assert_int_equal(status(D1, l).status, EVTCHNSTAT_closed);
	assert_int_equal(status(D1, ipi.port).status, EVTCHNSTAT_closed);
	assert_int_equal(status(D2, r).status, EVTCHNSTAT_unbound);
	assert_int_equal(unbound(D1, 0), 1); /* still usable */
	assert_int_equal(evtchn_op_reset(D0, true, &(struct evtchn_reset){1}), 0);
	assert_int_equal(status(D1, 1).status, EVTCHNSTAT_closed);
}

static void test_destroy(void **state)
{
	evtchn_port_t p0 = unbound(D0, 1), p2 = unbound(D2, 1), q0, q2;
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = 0};

	q0 = bind(D1, 0, p0);
	q2 = bind(D1, 2, p2);
	evtchn_domain_destroy(D1);
	assert_int_equal(status(D0, p0).status, EVTCHNSTAT_unbound);
	assert_int_equal(status(D0, p0).u.unbound.dom, 1);
	assert_int_equal(status(D2, p2).status, EVTCHNSTAT_unbound);
	assert_int_equal(status(D1, q0).status, EVTCHNSTAT_closed);
	assert_int_equal(status(D1, q2).status, EVTCHNSTAT_closed);
	assert_int_equal(evtchn_op_alloc_unbound(D1, false, &op), -EINVAL); /* dying */
	assert_int_equal(send(D0, p0), 0);                                  /* unbound: dropped */
}

static void test_ping_pong(void **state)
{
	evtchn_port_t a = unbound(D1, 2), b = bind(D2, 1, a);
	unsigned int got1 = 0, got2 = 0;

	got2 += guest_drain(2, 0); /* the pending set by bind */
	kicks[2][0] = 0;
	for (int i = 0; i < 10000; i++) {
		assert_int_equal(send(D1, a), 0);
		assert_int_equal(shared[2].vcpu_info[0].evtchn_upcall_pending, 1);
		got2 += guest_drain(2, 0);
		assert_int_equal(send(D2, b), 0);
		got1 += guest_drain(1, 0);
	}
	assert_int_equal(kicks[1][0], 10000);
	assert_int_equal(kicks[2][0], 10000);
	assert_int_equal(got1, 10000);
	assert_int_equal(got2, 10001);
	assert_false(pending(1, a));
	assert_false(pending(2, b));
}

/* The hypervisor raising its end of a port it serves (the PV console): any bound port, never a free one. */
static void test_raise(void **state)
{
	evtchn_port_t p = unbound(D1, 0);

	assert_int_equal(evtchn_raise(D1, 0), -EINVAL);
	assert_int_equal(evtchn_raise(D1, p + 1), -EINVAL); /* free */
	assert_int_equal(evtchn_raise(D1, EVTCHN_MAX_PORTS), -EINVAL);
	assert_int_equal(evtchn_raise(D1, p), 0);
	assert_true(pending(1, p));
	assert_int_equal(shared[1].vcpu_info[0].evtchn_upcall_pending, 1);
	assert_int_equal(kicks[1][0], 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_init_errors),
	    T(test_init_allocates_little),
	    T(test_init_no_memory),
	    T(test_buckets_on_demand),
	    T(test_ports_never_allocated),
	    T(test_bucket_no_memory),
	    T(test_max_ports_in_buckets),
	    T(test_virq_slots),
	    T(test_raise),
	    T(test_alloc_unbound),
	    T(test_ports_exhausted),
	    T(test_bind_interdomain),
	    T(test_bind_interdomain_errors),
	    T(test_loopback),
	    T(test_bind_virq),
	    T(test_bind_ipi),
	    T(test_bind_vcpu),
	    T(test_send_errors),
	    T(test_close_errors),
	    T(test_close_interdomain),
	    T(test_status),
	    T(test_pending_protocol),
	    T(test_send_virq),
	    T(test_vcpu_info_moved),
	    T(test_reset),
	    T(test_destroy),
	    T(test_ping_pong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
