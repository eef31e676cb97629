/*
 * Event channels, Xen's 2-level ABI (xen/include/public/event_channel.h): port state per domain and
 * the pending/mask/selector protocol on struct shared_info. No allocation: the caller provides the
 * port array and the shared_info page; the hypervisor glue provides two hooks (evtchn_hooks).
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

struct evtchn {
	uint8_t state;        /* enum evtchn_state */
	uint16_t notify_vcpu; /* whose selector and upcall a pending event raises */
	union {
		domid_t unbound_remote; /* UNBOUND: the domain allowed to bind */
		struct {
			struct evtchn_domain *peer;
			evtchn_port_t port;
		} interdomain;
		uint32_t virq;
		uint32_t pirq;
	} u;
};

struct evtchn_hooks {
	/* The domain with this id, or NULL. Its evtchn_domain must outlive any operation using it. */
	struct evtchn_domain *(*lookup_domain)(domid_t id);
	/* vcpu's evtchn_upcall_pending went 0 -> 1: inject the upcall / wake it. Called with evtchn
	 * locks held: must not call back into this file. */
	void (*kick_vcpu)(struct evtchn_domain *d, unsigned int vcpu);
	/* Optional: port's pending bit went 0 -> 1, masked or not (SCHEDOP_poll waiters). Same rules. */
	void (*port_set)(struct evtchn_domain *d, evtchn_port_t port);
};

struct evtchn_domain {
	domid_t id;
	bool dying; /* set by evtchn_domain_destroy: no new ports */
	spinlock_t lock;
	unsigned int max_ports; /* <= EVTCHN_MAX_PORTS */
	unsigned int max_vcpus; /* <= EVTCHN_MAX_VCPUS */
	struct evtchn *ports;   /* max_ports entries, owned by the caller */
	struct shared_info *shared;
	struct vcpu_info *vcpu_info[EVTCHN_MAX_VCPUS];
	uint16_t virq_to_port[EVTCHN_MAX_VCPUS][NR_VIRQS]; /* 0: not bound; global VIRQs: row 0 */
	const struct evtchn_hooks *hooks;
	void *owner; /* the glue's struct domain */
};

int evtchn_domain_init(struct evtchn_domain *d, domid_t id, struct shared_info *shared, struct evtchn *ports,
		       unsigned int max_ports, unsigned int max_vcpus, const struct evtchn_hooks *hooks);
void evtchn_set_vcpu_info(struct evtchn_domain *d, unsigned int vcpu, struct vcpu_info *info);
void evtchn_domain_destroy(struct evtchn_domain *d);

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
