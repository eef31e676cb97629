/*
 * The hypercall table: Xen's numbers and semantics; per entry the handler,
 * how many arguments it takes and who may call it (xen/include/public/xen.h).
 */
#ifndef MICA_HYPERCALL_H
#define MICA_HYPERCALL_H

#include <mica/types.h>

struct vcpu;
struct domain;

#define HYPERCALL_MAX_ARGS 5

enum hypercall_caller {
	HC_ANY,        /* every domain */
	HC_PRIVILEGED, /* the control domain only */
};

typedef long (*hypercall_fn)(struct vcpu *v, const uint64_t *args);

struct hypercall_entry {
	hypercall_fn fn;
	uint8_t nargs;
	uint8_t caller; /* enum hypercall_caller */
	const char *name;
};

/* Runs hypercall nr from table[] with its arguments; unknown numbers get -ENOSYS. */
long hypercall_dispatch_table(const struct hypercall_entry *table, size_t size, struct vcpu *v, uint64_t nr,
			      const uint64_t *args);
/* Mica's table. */
long hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t *args);

/* Handlers (kernel/xen_version.c, console_io.c, sched_op.c, vcpu_op.c, memory_op.c, event_channel_op.c,
 * hvm_op.c, grant_table_op.c). */
long do_xen_version(struct vcpu *v, const uint64_t *args);
long do_console_io(struct vcpu *v, const uint64_t *args);
long do_sched_op(struct vcpu *v, const uint64_t *args);
long do_vcpu_op(struct vcpu *v, const uint64_t *args);
long do_set_timer_op(struct vcpu *v, const uint64_t *args);
long do_memory_op(struct vcpu *v, const uint64_t *args);
long do_event_channel_op(struct vcpu *v, const uint64_t *args);
long do_hvm_op(struct vcpu *v, const uint64_t *args);
long do_grant_table_op(struct vcpu *v, const uint64_t *args);
/* Mica's control interface, in Xen's domctl slot (kernel/ctl.c, include/public/mica/ctl.h). */
long do_ctl(struct vcpu *v, const uint64_t *args);

/* Arch glue: takes the arguments from the vCPU's registers and returns the result there. */
void hvm_hypercall(struct vcpu *v);

/* A domain's console output: collected per line, printed with a "(dN) " prefix. */
void domain_console_write(struct domain *d, const char *buf, size_t len);

#endif
