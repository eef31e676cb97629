/*
 * Event channels, 2-level ABI: the port state machine of EVTCHNOP_* and the pending protocol on
 * shared_info. Semantics follow Xen's public event_channel.h (and its xen.h VIRQ classes):
 *  - port 0 is reserved; new ports are the lowest free ones; none left: -ENOSPC; no memory for
 *    the bucket the lowest free port lies in: -ENOMEM (as Xen's get_free_port);
 *  - a port number >= max_ports is -EINVAL everywhere; a free or reserved port is -EINVAL for
 *    close, send and bind_vcpu, reads as EVTCHNSTAT_closed for status and may be unmasked;
 *  - send: interdomain raises the peer's port, IPI our own, unbound drops the event and returns 0,
 *    VIRQ/PIRQ/free: -EINVAL;
 *  - bind_interdomain: the remote port must be unbound for us (else -EINVAL), the new local port
 *    starts pending; alloc_unbound does not check that remote_dom exists;
 *  - bind_virq: global VIRQs only on vCPU 0 (-EINVAL), a missing vCPU -ENOENT, a second port for
 *    one (virq, vCPU) -EEXIST; bind_ipi: a missing vCPU -ENOENT;
 *  - bind_vcpu moves unbound, interdomain, global VIRQ and PIRQ ports; IPI and per-vCPU VIRQ: -EINVAL;
 *  - close: an interdomain peer's end goes back to unbound for us; the closed port's pending bit is
 *    cleared and its vCPU reset to 0;
 *  - another domain (alloc_unbound dom, status, reset): missing -ESRCH, unprivileged -EPERM;
 *  - the upcall is kicked only when evtchn_upcall_pending goes 0 -> 1.
 */
#include <mica/errno.h>
#include <mica/event_channel.h>
#include <mica/string.h>

#define WORD_BITS (sizeof(xen_ulong_t) * 8)

_Static_assert(sizeof(struct evtchn) * EVTCHN_BUCKET_PORTS == 256, "a bucket fills a 256-byte heap object");
_Static_assert(EVTCHN_MAX_VCPUS <= 255, "notify_vcpu is 8 bits");

/* A port that was never allocated reads as this one: free, notifying vCPU 0. */
static const struct evtchn port_closed;

static inline xen_ulong_t port_bit(evtchn_port_t port)
{
	return (xen_ulong_t)1 << (port % WORD_BITS);
}

/* ---- Locks: one per domain; two are taken in domain-id order. Interrupts off in the hypervisor,
 * so evtchn_send_virq may be called from interrupt context. */

static unsigned long lock_one(struct evtchn_domain *d)
{
#ifdef MICA_HOST_TEST
	spin_lock(&d->lock);
	return 0;
#else
	return spin_lock_irqsave(&d->lock);
#endif
}

static void unlock_one(struct evtchn_domain *d, unsigned long flags)
{
#ifdef MICA_HOST_TEST
	spin_unlock(&d->lock);
#else
	spin_unlock_irqrestore(&d->lock, flags);
#endif
}

static unsigned long lock_pair(struct evtchn_domain *a, struct evtchn_domain *b)
{
	unsigned long flags;

	if (a == b)
		return lock_one(a);
	if (a->id > b->id) {
		struct evtchn_domain *t = a;
		a = b;
		b = t;
	}
	flags = lock_one(a);
	spin_lock(&b->lock);
	return flags;
}

static void unlock_pair(struct evtchn_domain *a, struct evtchn_domain *b, unsigned long flags)
{
	if (a != b)
		spin_unlock(a->id > b->id ? &a->lock : &b->lock);
	unlock_one(a->id > b->id ? b : a, flags);
}

/* ---- Ports: port p is entry p % EVTCHN_BUCKET_PORTS of bucket p / EVTCHN_BUCKET_PORTS. */

static unsigned int nr_buckets(unsigned int max_ports)
{
	return (max_ports + EVTCHN_BUCKET_PORTS - 1) / EVTCHN_BUCKET_PORTS;
}

/* Port p (< max_ports), or NULL while its bucket was never needed (every port in it is free). */
static struct evtchn *port_entry(const struct evtchn_domain *d, evtchn_port_t p)
{
	struct evtchn *b = __atomic_load_n(&d->buckets[p / EVTCHN_BUCKET_PORTS], __ATOMIC_ACQUIRE);

	return b ? &b[p % EVTCHN_BUCKET_PORTS] : NULL;
}

/* For reading: a port never allocated reads as a closed one. */
static const struct evtchn *port_peek(const struct evtchn_domain *d, evtchn_port_t p)
{
	const struct evtchn *c = port_entry(d, p);

	return c ? c : &port_closed;
}

/* ---- The 2-level pending protocol.
 *
 * The guest clears evtchn_upcall_pending, then exchanges evtchn_pending_sel with 0, then scans
 * evtchn_pending & ~evtchn_mask of each selected word. So we publish in the reverse order:
 * pending bit, then selector bit, then upcall_pending, each a locked read-modify-write.
 * The pending set and the mask read are SEQ_CST: against a guest that clears a mask bit and then
 * reads the pending bit (store then load on both sides), only a full fence keeps one of the two
 * from missing the other. The later steps are ACQ_REL read-modify-writes (LOCK-prefixed on x86,
 * hence ordered after the earlier ones). The mask is only ever read here; the guest owns it.
 */

static void mark_vcpu_pending(struct evtchn_domain *d, unsigned int vcpu, evtchn_port_t port)
{
	struct vcpu_info *vi = evtchn_vcpu_info(d, vcpu);
	xen_ulong_t sel = (xen_ulong_t)1 << (port / WORD_BITS);

	if (__atomic_fetch_or(&vi->evtchn_pending_sel, sel, __ATOMIC_ACQ_REL) & sel)
		return;
	if (__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_ACQ_REL))
		return;
	d->hooks->kick_vcpu(d, vcpu);
}

/* Called with d's lock or, for an interdomain peer, the sender's lock held (the link is stable). */
static void set_pending(struct evtchn_domain *d, evtchn_port_t port)
{
	struct shared_info *s = d->shared;
	unsigned int w = port / WORD_BITS;
	unsigned int vcpu = __atomic_load_n(&port_peek(d, port)->notify_vcpu, __ATOMIC_RELAXED);

	if (__atomic_fetch_or(&s->evtchn_pending[w], port_bit(port), __ATOMIC_SEQ_CST) & port_bit(port))
		return;
	if (!(__atomic_load_n(&s->evtchn_mask[w], __ATOMIC_SEQ_CST) & port_bit(port)))
		mark_vcpu_pending(d, vcpu, port);
	if (d->hooks->port_set)
		d->hooks->port_set(d, port);
}

static void clear_pending(struct evtchn_domain *d, evtchn_port_t port)
{
	__atomic_fetch_and(&d->shared->evtchn_pending[port / WORD_BITS], ~port_bit(port), __ATOMIC_SEQ_CST);
}

/* Clear the mask; if it was set and the port is pending, raise what set_pending skipped. */
static void unmask_port(struct evtchn_domain *d, evtchn_port_t port)
{
	struct shared_info *s = d->shared;
	unsigned int w = port / WORD_BITS;

	if (!(__atomic_fetch_and(&s->evtchn_mask[w], ~port_bit(port), __ATOMIC_SEQ_CST) & port_bit(port)))
		return;
	if (!(__atomic_load_n(&s->evtchn_pending[w], __ATOMIC_SEQ_CST) & port_bit(port)))
		return;
	mark_vcpu_pending(d, __atomic_load_n(&port_peek(d, port)->notify_vcpu, __ATOMIC_RELAXED), port);
}

/* ---- VIRQs and ports. */

bool evtchn_virq_is_global(uint32_t virq)
{
	/* xen.h marks VIRQ_TIMER, DEBUG, XENOPROF, XENPMU per-vCPU ("V."); the rest, including the
	 * x86 arch VIRQs (VIRQ_MCA) and the unnamed numbers, are global, as in Xen. */
	return virq != VIRQ_TIMER && virq != VIRQ_DEBUG && virq != VIRQ_XENOPROF && virq != VIRQ_XENPMU;
}

/* Where the port bound to (virq, vcpu) is kept; global VIRQs have one slot, on no vCPU. */
static uint16_t *virq_slot(struct evtchn_domain *d, uint32_t virq, unsigned int vcpu)
{
	switch (virq) {
	case VIRQ_TIMER:
		return &d->vcpu[vcpu].virq_port[0];
	case VIRQ_DEBUG:
		return &d->vcpu[vcpu].virq_port[1];
	case VIRQ_XENOPROF:
		return &d->vcpu[vcpu].virq_port[2];
	case VIRQ_XENPMU:
		return &d->vcpu[vcpu].virq_port[3];
	default:
		return &d->virq_port[virq];
	}
}

/*
 * Lowest free port; port 0 is reserved. A bucket never used before is allocated here: its first
 * port is then the lowest free one (bucket 0, with port 0, exists from the start). Called with d's
 * lock held.
 */
static int get_free_port(struct evtchn_domain *d)
{
	if (d->dying)
		return -EINVAL;
	for (unsigned int b = 0, base = 0; base < d->max_ports; b++, base += EVTCHN_BUCKET_PORTS) {
		struct evtchn *bucket = d->buckets[b];

		if (!bucket) {
			bucket = d->hooks->alloc(EVTCHN_BUCKET_PORTS * sizeof(*bucket));
			if (!bucket)
				return -ENOMEM;
			__atomic_store_n(&d->buckets[b], bucket, __ATOMIC_RELEASE);
			return (int)base;
		}
		for (unsigned int i = 0; i < EVTCHN_BUCKET_PORTS && base + i < d->max_ports; i++)
			if (bucket[i].state == EVTCHN_FREE)
				return (int)(base + i);
	}
	return -ENOSPC;
}

static int alloc_port(struct evtchn_domain *d, enum evtchn_state state, unsigned int vcpu)
{
	int port = get_free_port(d);
	struct evtchn *c;

	if (port < 0)
		return port;
	c = port_entry(d, (evtchn_port_t)port);
	memset(&c->u, 0, sizeof(c->u));
	c->peer = NULL;
	c->state = state;
	__atomic_store_n(&c->notify_vcpu, vcpu, __ATOMIC_RELAXED);
	return port;
}

/* DOMID_SELF or our own id: ourselves; another domain needs the privilege. */
static int resolve_domain(struct evtchn_domain *d, domid_t dom, bool privileged, struct evtchn_domain **out)
{
	if (dom == DOMID_SELF || dom == d->id) {
		*out = d;
		return 0;
	}
	*out = d->hooks->lookup_domain(dom);
	if (!*out)
		return -ESRCH;
	return privileged ? 0 : -EPERM;
}

/* Free a port, returning its interdomain peer's end to unbound. Both domains' locks held. */
static int free_port(struct evtchn_domain *d, evtchn_port_t port)
{
	struct evtchn *c = port_entry(d, port);

	if (!c)
		return -EINVAL;
	switch (c->state) {
	case EVTCHN_FREE:
	case EVTCHN_RESERVED:
		return -EINVAL;
	case EVTCHN_VIRQ:
		for (unsigned int v = 0; v < d->max_vcpus; v++)
			if (*virq_slot(d, c->u.virq, v) == port)
				*virq_slot(d, c->u.virq, v) = 0;
		break;
	case EVTCHN_INTERDOMAIN: {
		struct evtchn *r = port_entry(c->peer, c->u.peer_port);

		r->state = EVTCHN_UNBOUND;
		memset(&r->u, 0, sizeof(r->u));
		r->peer = NULL;
		r->u.unbound_remote = d->id;
		break;
	}
	default:
		break;
	}
	clear_pending(d, port); /* a re-bound port must not start pending */
	c->state = EVTCHN_FREE;
	__atomic_store_n(&c->notify_vcpu, 0, __ATOMIC_RELAXED); /* Xen: a reused port notifies vCPU 0 */
	memset(&c->u, 0, sizeof(c->u));
	c->peer = NULL;
	return 0;
}

static struct evtchn_domain *peer_of(struct evtchn_domain *d, evtchn_port_t port)
{
	const struct evtchn *c = port_peek(d, port);

	return c->state == EVTCHN_INTERDOMAIN ? c->peer : d;
}

/* Close with both ends locked: read the peer under our lock, lock both in order, retry if the
 * channel changed in between. */
static int close_port(struct evtchn_domain *d, evtchn_port_t port)
{
	for (;;) {
		unsigned long flags = lock_one(d);
		struct evtchn_domain *peer = peer_of(d, port);
		int rc;

		unlock_one(d, flags);
		flags = lock_pair(d, peer);
		if (peer_of(d, port) == peer) {
			rc = free_port(d, port);
			unlock_pair(d, peer, flags);
			return rc;
		}
		unlock_pair(d, peer, flags);
	}
}

/* Buckets never used hold no bound port. */
static void close_all(struct evtchn_domain *d)
{
	for (evtchn_port_t p = 1; p < d->max_ports; p++)
		if (port_entry(d, p))
			close_port(d, p); /* -EINVAL for free ports: nothing to do */
}

/* ---- Domains. */

/* The bucket directory, the vCPUs' state and bucket 0 (with the reserved port 0) are allocated now. */
int evtchn_domain_init(struct evtchn_domain *d, domid_t id, struct shared_info *shared, unsigned int max_ports,
		       unsigned int max_vcpus, const struct evtchn_hooks *hooks)
{
	if (!d || !shared || !hooks || !hooks->alloc || !hooks->free || max_ports < 2 || max_ports > EVTCHN_MAX_PORTS ||
	    max_vcpus < 1 || max_vcpus > EVTCHN_MAX_VCPUS)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->id = id;
	d->lock = (spinlock_t)SPINLOCK_INIT;
	d->max_ports = max_ports;
	d->max_vcpus = max_vcpus;
	d->shared = shared;
	d->hooks = hooks;
	d->buckets = hooks->alloc(nr_buckets(max_ports) * sizeof(*d->buckets));
	d->vcpu = hooks->alloc(max_vcpus * sizeof(*d->vcpu));
	if (d->buckets)
		d->buckets[0] = hooks->alloc(EVTCHN_BUCKET_PORTS * sizeof(struct evtchn));
	if (!d->buckets || !d->vcpu || !d->buckets[0]) {
		evtchn_domain_free(d);
		return -ENOMEM;
	}
	for (unsigned int v = 0; v < max_vcpus; v++)
		d->vcpu[v].info = &shared->vcpu_info[v];
	d->buckets[0][0].state = EVTCHN_RESERVED;
	return 0;
}

void evtchn_set_vcpu_info(struct evtchn_domain *d, unsigned int vcpu, struct vcpu_info *info)
{
	if (vcpu < d->max_vcpus && info)
		__atomic_store_n(&d->vcpu[vcpu].info, info, __ATOMIC_RELEASE);
}

/* Peers' memory must stay valid until every CPU has left its evtchn operations (the glue's
 * domain reference counting), since close_port may briefly hold a pointer without a lock. */
void evtchn_domain_destroy(struct evtchn_domain *d)
{
	unsigned long flags = lock_one(d);

	d->dying = true;
	unlock_one(d, flags);
	close_all(d);
}

void evtchn_domain_free(struct evtchn_domain *d)
{
	if (!d->hooks)
		return;
	for (unsigned int b = 0; d->buckets && b < nr_buckets(d->max_ports); b++)
		d->hooks->free(d->buckets[b]);
	d->hooks->free(d->buckets);
	d->hooks->free(d->vcpu);
	d->buckets = NULL;
	d->vcpu = NULL;
}

/* ---- EVTCHNOP_*. */

int evtchn_op_alloc_unbound(struct evtchn_domain *d, bool privileged, struct evtchn_alloc_unbound *op)
{
	struct evtchn_domain *t;
	unsigned long flags;
	int rc = resolve_domain(d, op->dom, privileged, &t);

	if (rc)
		return rc;
	flags = lock_one(t);
	rc = alloc_port(t, EVTCHN_UNBOUND, 0);
	if (rc > 0) {
		/* DOMID_SELF names the caller, who may differ from dom (Xen). Not checked to exist. */
		port_entry(t, (evtchn_port_t)rc)->u.unbound_remote =
		    op->remote_dom == DOMID_SELF ? d->id : op->remote_dom;
		op->port = (evtchn_port_t)rc;
		rc = 0;
	}
	unlock_one(t, flags);
	return rc;
}

static int link_interdomain(struct evtchn_domain *ld, struct evtchn_domain *rd, evtchn_port_t rport)
{
	struct evtchn *l, *r;
	int lport;

	lport = get_free_port(ld);
	if (lport < 0)
		return lport;
	if (rport >= rd->max_ports)
		return -EINVAL;
	r = port_entry(rd, rport);
	if (!r || r->state != EVTCHN_UNBOUND || r->u.unbound_remote != ld->id)
		return -EINVAL;
	alloc_port(ld, EVTCHN_INTERDOMAIN, 0);
	l = port_entry(ld, (evtchn_port_t)lport);
	l->peer = rd;
	l->u.peer_port = rport;
	r->state = EVTCHN_INTERDOMAIN; /* keeps its notify vCPU */
	r->peer = ld;
	r->u.peer_port = (evtchn_port_t)lport;
	/* The peer may have sent before we bound: Xen always sets the new local port pending. */
	set_pending(ld, (evtchn_port_t)lport);
	return lport;
}

int evtchn_op_bind_interdomain(struct evtchn_domain *d, struct evtchn_bind_interdomain *op)
{
	struct evtchn_domain *rd = d;
	unsigned long flags;
	int rc;

	if (op->remote_dom != DOMID_SELF && op->remote_dom != d->id) {
		rd = d->hooks->lookup_domain(op->remote_dom);
		if (!rd)
			return -ESRCH;
	}
	flags = lock_pair(d, rd);
	rc = link_interdomain(d, rd, op->remote_port);
	unlock_pair(d, rd, flags);
	if (rc < 0)
		return rc;
	op->local_port = (evtchn_port_t)rc;
	return 0;
}

int evtchn_op_bind_virq(struct evtchn_domain *d, struct evtchn_bind_virq *op)
{
	unsigned long flags;
	int rc;

	if (op->virq >= NR_VIRQS || (evtchn_virq_is_global(op->virq) && op->vcpu != 0))
		return -EINVAL;
	if (op->vcpu >= d->max_vcpus)
		return -ENOENT;
	flags = lock_one(d);
	if (*virq_slot(d, op->virq, op->vcpu)) {
		rc = -EEXIST;
	} else {
		rc = alloc_port(d, EVTCHN_VIRQ, op->vcpu);
		if (rc > 0) {
			port_entry(d, (evtchn_port_t)rc)->u.virq = op->virq;
			*virq_slot(d, op->virq, op->vcpu) = (uint16_t)rc;
			op->port = (evtchn_port_t)rc;
			rc = 0;
		}
	}
	unlock_one(d, flags);
	return rc;
}

int evtchn_op_bind_ipi(struct evtchn_domain *d, struct evtchn_bind_ipi *op)
{
	unsigned long flags;
	int rc;

	if (op->vcpu >= d->max_vcpus)
		return -ENOENT;
	flags = lock_one(d);
	rc = alloc_port(d, EVTCHN_IPI, op->vcpu);
	unlock_one(d, flags);
	if (rc < 0)
		return rc;
	op->port = (evtchn_port_t)rc;
	return 0;
}

/* IPI and per-vCPU VIRQ ports keep their vCPU; unbound, interdomain, global VIRQ and PIRQ move. */
static bool may_rebind(const struct evtchn *c)
{
	if (!c)
		return false;
	switch (c->state) {
	case EVTCHN_UNBOUND:
	case EVTCHN_INTERDOMAIN:
	case EVTCHN_PIRQ:
		return true;
	case EVTCHN_VIRQ:
		return evtchn_virq_is_global(c->u.virq);
	default:
		return false;
	}
}

int evtchn_op_bind_vcpu(struct evtchn_domain *d, const struct evtchn_bind_vcpu *op)
{
	unsigned long flags;
	int rc = 0;

	if (op->vcpu >= d->max_vcpus)
		return -ENOENT;
	if (op->port >= d->max_ports)
		return -EINVAL;
	flags = lock_one(d);
	if (may_rebind(port_entry(d, op->port)))
		__atomic_store_n(&port_entry(d, op->port)->notify_vcpu, op->vcpu, __ATOMIC_RELAXED);
	else
		rc = -EINVAL;
	unlock_one(d, flags);
	return rc;
}

int evtchn_op_close(struct evtchn_domain *d, const struct evtchn_close *op)
{
	if (op->port >= d->max_ports)
		return -EINVAL;
	return close_port(d, op->port);
}

int evtchn_op_send(struct evtchn_domain *d, const struct evtchn_send *op)
{
	const struct evtchn *c;
	unsigned long flags;
	int rc = 0;

	if (op->port >= d->max_ports)
		return -EINVAL;
	flags = lock_one(d);
	c = port_peek(d, op->port);
	switch (c->state) {
	case EVTCHN_INTERDOMAIN:
		/* Our lock pins the link: closing either end takes both locks. */
		set_pending(c->peer, c->u.peer_port);
		break;
	case EVTCHN_IPI:
		set_pending(d, op->port);
		break;
	case EVTCHN_UNBOUND:
		break; /* Xen drops the notification silently and returns 0 */
	default:
		rc = -EINVAL;
		break;
	}
	unlock_one(d, flags);
	return rc;
}

static void fill_status(const struct evtchn *c, struct evtchn_status *op)
{
	static const uint32_t stat[] = {
	    [EVTCHN_FREE] = EVTCHNSTAT_closed,     [EVTCHN_RESERVED] = EVTCHNSTAT_closed,
	    [EVTCHN_UNBOUND] = EVTCHNSTAT_unbound, [EVTCHN_INTERDOMAIN] = EVTCHNSTAT_interdomain,
	    [EVTCHN_VIRQ] = EVTCHNSTAT_virq,       [EVTCHN_IPI] = EVTCHNSTAT_ipi,
	    [EVTCHN_PIRQ] = EVTCHNSTAT_pirq,
	};

	memset(&op->u, 0, sizeof(op->u));
	op->status = stat[c->state];
	op->vcpu = c->notify_vcpu;
	if (c->state == EVTCHN_UNBOUND) {
		op->u.unbound.dom = c->u.unbound_remote;
	} else if (c->state == EVTCHN_INTERDOMAIN) {
		op->u.interdomain.dom = c->peer->id;
		op->u.interdomain.port = c->u.peer_port;
	} else if (c->state == EVTCHN_VIRQ) {
		op->u.virq = c->u.virq;
	} else if (c->state == EVTCHN_PIRQ) {
		op->u.pirq = c->u.pirq;
	}
}

int evtchn_op_status(struct evtchn_domain *d, bool privileged, struct evtchn_status *op)
{
	struct evtchn_domain *t;
	unsigned long flags;
	int rc = resolve_domain(d, op->dom, privileged, &t);

	if (rc)
		return rc;
	if (op->port >= t->max_ports)
		return -EINVAL;
	flags = lock_one(t);
	fill_status(port_peek(t, op->port), op);
	unlock_one(t, flags);
	return 0;
}

int evtchn_op_unmask(struct evtchn_domain *d, const struct evtchn_unmask *op)
{
	unsigned long flags;

	if (op->port >= d->max_ports)
		return -EINVAL;
	flags = lock_one(d);
	unmask_port(d, op->port);
	unlock_one(d, flags);
	return 0;
}

int evtchn_op_reset(struct evtchn_domain *d, bool privileged, const struct evtchn_reset *op)
{
	struct evtchn_domain *t;
	int rc = resolve_domain(d, op->dom, privileged, &t);

	if (rc)
		return rc;
	close_all(t);
	return 0;
}

int evtchn_send_virq(struct evtchn_domain *d, uint32_t virq, uint32_t vcpu)
{
	unsigned long flags;
	unsigned int port;

	if (virq >= NR_VIRQS)
		return -EINVAL;
	if (evtchn_virq_is_global(virq))
		vcpu = 0; /* bound on vCPU 0's row; notifies the port's (re-bindable) vCPU */
	else if (vcpu >= d->max_vcpus)
		return -EINVAL;
	flags = lock_one(d);
	port = *virq_slot(d, virq, vcpu);
	if (port)
		set_pending(d, port);
	unlock_one(d, flags);
	return port ? 0 : -ENOENT;
}

int evtchn_raise(struct evtchn_domain *d, evtchn_port_t port)
{
	unsigned long flags;
	int rc = -EINVAL;

	if (port == 0 || port >= d->max_ports)
		return -EINVAL;
	flags = lock_one(d);
	if (port_peek(d, port)->state != EVTCHN_FREE && port_peek(d, port)->state != EVTCHN_RESERVED) {
		set_pending(d, port);
		rc = 0;
	}
	unlock_one(d, flags);
	return rc;
}
