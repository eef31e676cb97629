/*
 * Event channels, upcalls and time for the test guests (lib/evtchn.c, lib/pvclock.c): the Xen
 * shared_info page, the 2-level event channel ABI (xen/event_channel.h), the HVM upcall vector
 * (xen/hvm/params.h HVM_PARAM_CALLBACK_IRQ, xen/hvm/hvm_op.h), pvclock system time and ways to
 * wait. Include this instead of xtf.h.
 */
#ifndef XTF_EVENTS_H
#define XTF_EVENTS_H

#include "xtf.h"

#include <xen/arch-x86/cpuid.h>
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>

#define SHARED_INFO_GFN 0xfe000ULL /* a free guest frame below 4 GiB, above our RAM (identity-mapped) */
#define UPCALL_VECTOR 0xf3         /* the event channel upcall's interrupt vector */
#define EVTCHN_TRACKED 128         /* ports below this get a counter and may get a handler */
#define NS_PER_MS 1000000UL
#define NS_PER_SEC 1000000000UL

/* ---- shared_info and this vCPU */
extern volatile struct shared_info *xen_shared_info;         /* NULL until xen_map_shared_info() */
volatile struct shared_info *xen_map_shared_info(void);      /* XENMEM_add_to_physmap; fails the test on error */
unsigned int xen_vcpu_id(void);                              /* CPUID leaf base+4 EBX; 0 if not offered */
volatile struct vcpu_info *xen_vcpu_info(unsigned int vcpu); /* in shared_info (vCPUs 0-31) */

/* ---- time: pvclock system time in ns (xen.h vcpu_time_info); needs shared_info */
uint64_t pvclock_read(const volatile struct vcpu_time_info *t);
uint64_t now_ns(void);     /* this vCPU's vcpu_time_info */
void spin_ns(uint64_t ns); /* busy-waits (PAUSE) for ns */

/* ---- event channel operations (return Xen's 0 / -errno) */
long evtchn_alloc_unbound(domid_t remote_dom, evtchn_port_t *port);
long evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port, evtchn_port_t *port);
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
long evtchn_send(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port); /* EVTCHNOP_unmask: re-raises the upcall if the port is pending */
long evtchn_close(evtchn_port_t port);
long evtchn_status(evtchn_port_t port, struct evtchn_status *st);
/* The port's bits in shared_info, with atomic operations. */
bool evtchn_is_pending(evtchn_port_t port);
bool evtchn_test_and_clear_pending(evtchn_port_t port);
bool evtchn_is_masked(evtchn_port_t port);
void evtchn_mask(evtchn_port_t port);

/* ---- upcalls */
enum upcall_via {
	UPCALL_VIA_CALLBACK_IRQ, /* HVM_PARAM_CALLBACK_IRQ = (HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | vector */
	UPCALL_VIA_PERCPU,       /* HVMOP_set_evtchn_upcall_vector for this vCPU */
};
typedef void (*evtchn_handler_t)(evtchn_port_t port, void *data);
/*
 * Maps shared_info if needed, installs the upcall handler on vector, clears this vCPU's
 * evtchn_upcall_mask and asks for upcalls on vector. Interrupts stay as they are (off at boot).
 * The handler clears evtchn_upcall_pending, then takes evtchn_pending_sel and, word by word,
 * the pending and unmasked ports, clearing each port's pending bit before dispatching it. It
 * writes no APIC EOI unless this is the per-vCPU vector on a CPU that has a local APIC (real
 * Xen delivers that one through its emulated LAPIC; the CALLBACK_IRQ vector needs none).
 */
void evtchn_upcall_init(uint8_t vector, enum upcall_via via);
void evtchn_set_handler(evtchn_port_t port, evtchn_handler_t fn, void *data); /* runs in the upcall */
unsigned long evtchn_events(evtchn_port_t port); /* events the upcall dispatched on the port */
extern volatile unsigned long evtchn_upcalls;    /* upcall interrupts taken */
extern volatile unsigned long evtchn_untracked;  /* events dispatched on ports >= EVTCHN_TRACKED */

/* ---- scheduling and waiting */
enum block_how {
	BLOCK_HLT,     /* sti; hlt */
	BLOCK_SCHEDOP, /* sti; SCHEDOP_block, skipped if an upcall comes just before it (evtchn.c) */
};
long sched_yield(void);
long sched_block_irq_enable(void); /* returns with interrupts enabled */
/* SCHEDOP_poll: timeout is absolute system time in ns (0: none). Returns 0 on an event or timeout. */
long sched_poll(evtchn_port_t *ports, unsigned int nr_ports, uint64_t timeout);
/*
 * Blocks (how) until the upcall has dispatched target events on port in total, or until
 * deadline (system time; 0: none) has passed at a wake-up: the caller arranges a wake-up source
 * for the deadline (a timer). Returns with interrupts enabled; true if the count was reached.
 */
bool evtchn_wait(evtchn_port_t port, unsigned long target, uint64_t deadline, enum block_how how);

/* ---- timers (xen/vcpu.h; set_timer_op is hypercall 15) */
long vcpu_set_singleshot_timer(uint64_t deadline, uint32_t flags); /* this vCPU */
long vcpu_stop_singleshot_timer(void);

#endif
