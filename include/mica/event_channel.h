/*
 * Event channels, Xen's 2-level ABI (xen/include/public/event_channel.h): port state per domain and
 * the pending/mask/selector protocol on struct shared_info. The caller provides the shared_info
 * page and hooks (evtchn_hooks); port state is allocated through the hooks, EVTCHN_BUCKET_PORTS
 * ports at a time when the lowest free port lies in a bucket not used before, and freed with the
 * domain (evtchn_domain_free).
 */
#ifndef MICA_EVENT_CHANNEL_H
#define MICA_EVENT_CHANNEL_H

#include <mica/spinlock.h>
#include <mica/types.h>

#include <xen/event_channel.h>
#include <xen/xen.h>

/* vcpu_info lives in shared_info for the first 32 vCPUs; VCPUOP_register_vcpu_info can move it. */
#define EVTCHN_MAX_VCPUS XEN_LEGACY_MAX_VCPUS
#define EVTCHN_MAX_PORTS EVTCHN_2L_NR_CHANNELS /* 4096 with 64-bit xen_ulong_t */
/* Ports come in buckets of this many: 16 * 16 bytes fill one 256-byte heap object exactly (a
 * domU with a few ports needs one bucket; its 256 ports need a 16-pointer directory). */
#define EVTCHN_BUCKET_PORTS 16u
/* VIRQs bound per vCPU (xen.h's "V." ones): TIMER, DEBUG, XENOPROF, XENPMU. */
#define EVTCHN_VCPU_VIRQS 4

enum evtchn_state {
	EVTCHN_FREE,
	EVTCHN_RESERVED, /* port 0: never allocated */
	EVTCHN_UNBOUND,
	EVTCHN_INTERDOMAIN,
	EVTCHN_VIRQ,
	EVTCHN_IPI,
	EVTCHN_PIRQ, /* reserved: no bind_pirq yet */
};

struct evtchn_domain;

/* One port; a zeroed one is free. */
struct evtchn {
	uint8_t state;       /* enum evtchn_state */
	uint8_t notify_vcpu; /* whose selector and upcall a pending event raises */
	union {
		domid_t unbound_remote;  /* UNBOUND: the domain allowed to bind */
		evtchn_port_t peer_port; /* INTERDOMAIN: the other end's port */
		uint32_t virq;
		uint32_t pirq;
	} u;
	struct evtchn_domain *peer; /* INTERDOMAIN: the other end's domain */
};

struct evtchn_hooks {
	/* The domain with this id, or NULL. Its evtchn_domain must outlive any operation using it. */
	struct evtchn_domain *(*lookup_domain)(domid_t id);
	/* vcpu's evtchn_upcall_pending went 0 -> 1: inject the upcall / wake it. Called with evtchn
	 * locks held: must not call back into this file. */
	void (*kick_vcpu)(struct evtchn_domain *d, unsigned int vcpu);
	/* Optional: port's pending bit went 0 -> 1, masked or not (SCHEDOP_poll waiters). Same rules. */
	void (*port_set)(struct evtchn_domain *d, evtchn_port_t port);
	/* Zeroed memory (NULL when there is none) and its release. alloc may run with evtchn locks
	 * held (a new bucket of ports): it must not call back into this file. */
	void *(*alloc)(size_t size);
	void (*free)(void *p);
};

/* Per vCPU: where its events are published, and its per-vCPU VIRQs' ports (0: not bound). */
struct evtchn_vcpu {
	struct vcpu_info *info;
	uint16_t virq_port[EVTCHN_VCPU_VIRQS];
};

/*
 * Locking: one lock per domain covers its ports and VIRQ tables. A bucket, once allocated (under
 * the lock), stays until evtchn_domain_free; its pointer is published with a release store, so a
 * port found through a lock of another domain (an interdomain peer's end) is always there.
 */
struct evtchn_domain {
	domid_t id;
	bool dying; /* set by evtchn_domain_destroy: no new ports */
	spinlock_t lock;
	unsigned int max_ports;       /* <= EVTCHN_MAX_PORTS */
	unsigned int max_vcpus;       /* <= EVTCHN_MAX_VCPUS */
	struct evtchn **buckets;      /* max_ports / EVTCHN_BUCKET_PORTS (rounded up); NULL: never used */
	struct evtchn_vcpu *vcpu;     /* max_vcpus entries */
	uint16_t virq_port[NR_VIRQS]; /* global VIRQs' ports, 0: not bound */
	struct shared_info *shared;
	const struct evtchn_hooks *hooks;
	void *owner; /* the glue's struct domain */
};

/* -EINVAL (bad arguments) or -ENOMEM; on success port 0 is reserved and every vCPU publishes its
 * events in shared's vcpu_info. */
int evtchn_domain_init(struct evtchn_domain *d, domid_t id, struct shared_info *shared, unsigned int max_ports,
		       unsigned int max_vcpus, const struct evtchn_hooks *hooks);
void evtchn_set_vcpu_info(struct evtchn_domain *d, unsigned int vcpu, struct vcpu_info *info);
static inline struct vcpu_info *evtchn_vcpu_info(const struct evtchn_domain *d, unsigned int vcpu)
{
	return __atomic_load_n(&d->vcpu[vcpu].info, __ATOMIC_ACQUIRE);
}
/* Closes every port; the domain takes no new ones. */
void evtchn_domain_destroy(struct evtchn_domain *d);
/* Frees the ports (after destroy, once no other domain can reach d). Safe on a zeroed d. */
void evtchn_domain_free(struct evtchn_domain *d);

/* EVTCHNOP_*: d is the calling domain; privileged is its right to act on other domains. */
int evtchn_op_alloc_unbound(struct evtchn_domain *d, bool privileged, struct evtchn_alloc_unbound *op);
int evtchn_op_bind_interdomain(struct evtchn_domain *d, struct evtchn_bind_interdomain *op);
int evtchn_op_bind_virq(struct evtchn_domain *d, struct evtchn_bind_virq *op);
int evtchn_op_bind_ipi(struct evtchn_domain *d, struct evtchn_bind_ipi *op);
int evtchn_op_bind_vcpu(struct evtchn_domain *d, const struct evtchn_bind_vcpu *op);
int evtchn_op_close(struct evtchn_domain *d, const struct evtchn_close *op);
int evtchn_op_send(struct evtchn_domain *d, const struct evtchn_send *op);
int evtchn_op_status(struct evtchn_domain *d, bool privileged, struct evtchn_status *op);
int evtchn_op_unmask(struct evtchn_domain *d, const struct evtchn_unmask *op);
int evtchn_op_reset(struct evtchn_domain *d, bool privileged, const struct evtchn_reset *op);

/* Raise virq for vcpu (global VIRQs: vcpu is ignored). 0, -EINVAL bad virq/vcpu, -ENOENT not bound. */
int evtchn_send_virq(struct evtchn_domain *d, uint32_t virq, uint32_t vcpu);
/* The hypervisor's end of an unbound port (a ring it serves itself): raise the port. -EINVAL if free. */
int evtchn_raise(struct evtchn_domain *d, evtchn_port_t port);
bool evtchn_virq_is_global(uint32_t virq);

#endif
