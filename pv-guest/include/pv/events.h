/*
 * Event channels (xen/event_channel.h, 2-level ABI). Handlers run in the upcall with interrupts
 * off: they must be short and may only wake threads (pv/sched.h), never block.
 * All functions return 0 or a negative Xen errno.
 */
#ifndef PV_EVENTS_H
#define PV_EVENTS_H

#include <pv/xen.h>

#define NR_EVS 1024 /* ports a pv-guest can hold handlers for */

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *data);

void init_events(void); /* shared_info mapped, upcall vector installed; interrupts still off */

/* Binds a handler to a port this domain already has; the port is unmasked. */
int evtchn_bind(evtchn_port_t port, evtchn_handler_t handler, void *data);
void evtchn_unbind(evtchn_port_t port); /* masks, forgets the handler; does not close */

int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *data, evtchn_port_t *port);
int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_handler_t handler, void *data,
			    evtchn_port_t *local_port);
int evtchn_bind_virq(uint32_t virq, evtchn_handler_t handler, void *data, evtchn_port_t *port);
int evtchn_close(evtchn_port_t port); /* unbinds, then EVTCHNOP_close */
int notify_remote_via_evtchn(evtchn_port_t port);
void mask_evtchn(evtchn_port_t port);
void unmask_evtchn(evtchn_port_t port);
void clear_evtchn(evtchn_port_t port);

extern unsigned long evtchn_upcalls; /* upcall interrupts taken (statistics) */

#endif
