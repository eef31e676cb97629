/* Domains and their vCPUs. */
#ifndef MICA_DOMAIN_H
#define MICA_DOMAIN_H

#include <asm/domain.h>
#include <mica/dma_mem.h>
#include <mica/event_channel.h>
#include <mica/guest_ram.h>
#include <mica/sched.h>
#include <mica/sched_credit.h>
#include <mica/timer.h>
#include <mica/types.h>
#include <xen/hvm/params.h>
#include <xen/vcpu.h>

#define DOMAIN_MAX_VCPUS 8
#define DOMAIN_NAME_MAX 32
#define DOMAIN_ID_MAX 1024 /* domain ids 0 .. 1023 */
/* Event channel ports: dom0 (backends for everyone) gets many, other domains what a guest needs. */
#define DOMAIN_EVTCHN_PORTS_DOM0 1024
#define DOMAIN_EVTCHN_PORTS 256
/* Where a domain finds its PV console ring: a hypervisor page in the hole below 4 GiB, as Xen's magic pages. */
#define DOMAIN_CONSOLE_GFN 0xfefffULL
#define DOMAIN_STORE_GFN 0xfeffeULL /* a boot domain's store ring, when there is a dom0 (kernel/domain_store.c) */
/* A domain's console buffers (a line of output, dom0's input): 256-byte heap objects each. */
#define DOMAIN_CONSOLE_LINE 254
#define DOMAIN_CONSOLE_INPUT DOMAIN_CONSOLE_LINE

typedef uint16_t domid_t;

struct domain_gnttab;

/* A console buffer, allocated when first used (domain_console_buf). */
struct console_buf {
	uint8_t len;
	uint8_t open; /* output: the line's start was shown already (the focused domain's prompt) */
	char buf[DOMAIN_CONSOLE_LINE];
};

/* What happens when a domain stops (xl.cfg's on_poweroff / on_reboot / on_crash). */
enum domain_action {
	DOMAIN_ACTION_DESTROY,
	DOMAIN_ACTION_RESTART,
	DOMAIN_ACTION_PRESERVE,
};

enum domain_state {
	DOMAIN_BUILDING,
	DOMAIN_RUNNING,
	DOMAIN_SHUTDOWN, /* the guest asked: shutdown_reason says why */
	DOMAIN_CRASHED,  /* the hypervisor stopped it */
};

struct vcpu {
	struct domain *domain;
	unsigned int vcpu_id;
	unsigned int pause_flags;  /* VPF_*: why it may not run (0 = it may); under the scheduler lock */
	volatile int ctx_cpu;      /* the CPU whose registers hold its context, -1 for none */
	bool polling;              /* in SCHEDOP_poll: any event of the domain wakes it */
	bool initialised;          /* has a start state (the builder's, or VCPUOP_initialise) */
	bool vcpu_info_registered; /* VCPUOP_register_vcpu_info was used (once only) */
	mfn_t vcpu_info_page;      /* the page it moved to, held until the vCPU goes */
	uint8_t upcall_vector;     /* HVMOP_set_evtchn_upcall_vector, 0 = the domain's callback vector */
	struct csched_vcpu sched;
	struct timer singleshot_timer; /* VCPUOP_set_singleshot_timer / set_timer_op: VIRQ_TIMER */
	struct timer poll_timer;       /* SCHEDOP_poll's timeout */
	/* RUNSTATE_* and time in each (xen/vcpu.h), under the scheduler lock */
	struct vcpu_runstate_info runstate;
	uint64_t runstate_gva; /* VCPUOP_register_runstate_memory_area, 0 = none */
	bool runstate_dirty;   /* the guest's copy is older: written before the next entry */
	uint64_t hypercalls;
	struct arch_vcpu arch;
};

struct domain {
	domid_t domain_id;
	uint64_t generation; /* a boot-wide creation count: tells a rebuilt domain from its predecessor */
	uint64_t created_ns; /* now_ns() when it was created: its uptime counts from there */
	char name[DOMAIN_NAME_MAX];
	bool privileged;
	enum domain_state state;
	unsigned int shutdown_reason;             /* SHUTDOWN_* from xen/sched.h */
	int pause_count;                          /* > 0: none of its vCPUs runs */
	uint8_t on_poweroff, on_reboot, on_crash; /* enum domain_action */
	/* Rebuilds and starts a stopped domain (its on_* policy said restart); NULL: it cannot be. */
	void (*restart)(struct domain *d);
	bool toolstack_restarts; /* ... or, without one, its toolstack does: it is kept, stopped, for it */
	void *builder;           /* whoever built it (boot domains: their boot module) */
	struct sched_work stop_work;
	struct csched_dom sched;
	uint64_t mem_pages; /* RAM pages the domain owns (current_reservation) */
	uint64_t max_pages; /* how many it may own (maximum_reservation): the builder's RAM by default */
	struct domain_ram ram;
	struct domain_dma dma;        /* dom0's DMA blocks (MICA_CTL_DMA_ALLOC), apart from its RAM */
	unsigned int ctl_pause_count; /* the toolstack's pauses (kernel/ctl.c); its creation counts as one */
	bool dying;                   /* domain_kill: destroyed as soon as the boot CPU gets to it */
	bool stop_handled;            /* its stop policy kept it (preserve): a kill must have it destroyed */
	unsigned int max_vcpus;
	struct vcpu *vcpus[DOMAIN_MAX_VCPUS];
	struct arch_domain arch;
	struct shared_info *shared_info; /* hypervisor page, mapped into the guest on request */
	struct evtchn_domain evtchn;
	struct domain_gnttab *gnttab;       /* kernel/grant_table_domain.c */
	uint64_t hvm_params[HVM_NR_PARAMS]; /* HVMOP_get/set_param */
	/* Console output is collected per line and printed with a "(dN) " prefix; the buffers are
	 * allocated at the first output (most domains use one of the two) and used under console_lock. */
	struct console_buf *console_line;       /* console_io and port 0xe9 */
	struct console_buf *ring_line;          /* the PV console ring */
	spinlock_t console_lock;                /* also orders state changes to SHUTDOWN / CRASHED */
	struct xencons_interface *console_ring; /* PV console (unprivileged domains), served by the hypervisor */
	evtchn_port_t console_port;
	struct console_buf *console_in; /* dom0's input, read with CONSOLEIO_read */
};

static inline bool domain_is_dead(const struct domain *d)
{
	return d->state == DOMAIN_SHUTDOWN || d->state == DOMAIN_CRASHED;
}

/* May v be given a CPU? (pause flags, its domain's pause count and state) */
static inline bool vcpu_runnable(const struct vcpu *v)
{
	return !__atomic_load_n(&v->pause_flags, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&v->domain->pause_count, __ATOMIC_ACQUIRE) && v->domain->state == DOMAIN_RUNNING;
}

/* The vcpu_info the vCPU's events are published in (shared_info's slot, or a registered one). */
static inline struct vcpu_info *vcpu_info_of(const struct vcpu *v)
{
	return evtchn_vcpu_info(&v->domain->evtchn, v->vcpu_id);
}

/* Is an event waiting for the vCPU (evtchn_upcall_pending)? */
static inline bool vcpu_event_pending(const struct vcpu *v)
{
	return __atomic_load_n(&vcpu_info_of(v)->evtchn_upcall_pending, __ATOMIC_ACQUIRE);
}

/* A paused (pause_count 1), BUILDING domain with max_vcpus vCPUs, all down, known to the scheduler. */
struct domain *domain_create(domid_t id, const char *name, unsigned int max_vcpus);
/* Marks it RUNNING and drops the creation pause. */
void domain_start(struct domain *d);
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
/* Gives vCPU v the PVH entry state and brings it up. */
void vcpu_start_pvh(struct vcpu *v, uint32_t entry, uint32_t start_info);
/*
 * The toolstack's destroy, from any context: d is paused for good and the boot
 * CPU destroys it (whatever its state or stop policy). False if it was dying already.
 */
bool domain_kill(struct domain *d);
/* Frees the vCPUs, every page and the p2m. Its vCPUs must not run (a stopped or paused domain). */
void domain_destroy(struct domain *d);
/* The same, for a domain about to be built again: it does not count as the last one going. */
void domain_destroy_keep(struct domain *d);
/* Writes the current system time into every vCPU's vcpu_time_info (pvclock). */
void domain_update_time(struct domain *d);
/* The live domain with this id, or NULL. */
struct domain *domain_lookup(domid_t id);
/* Is the domain that had this id being torn down (no longer live, its memory not all back yet)? */
bool domain_id_torn_down(domid_t id);

/* Output of the domain's PV console ring, collected per line like console_io's. */
void domain_ring_write(struct domain *d, const char *buf, size_t len);
/* The console buffer in *slot, allocated (zeroed) when there is none yet; NULL without memory.
 * Call without console_lock (the heap lock may not be taken inside it). */
struct console_buf *domain_console_buf(struct console_buf **slot);
/* The PV console (kernel/domain_console.c). */
int domain_console_setup(struct domain *d);
int domain_store_setup(struct domain *d); /* the store page and channel, for a dom0 to serve */
void domain_console_free(struct domain *d);
size_t domain_console_read(struct domain *d, char *buf, size_t len);
void domain_consoles_poll(void);
/* One character typed on the hypervisor console: debug keys, or the domain that has the input. */
void console_route_input(char c);
void domain_console_focus(domid_t id); /* console input to domain id from now on (says so) */
bool domain_console_has_focus(const struct domain *d);
/* `mica console` (MICA_CTL_CONSOLE_ATTACH): input to d until Ctrl-], which gives it back to `back`. */
void domain_console_attach(struct domain *d, domid_t back);
bool domain_console_attached(const struct domain *d);
/* Who has the input now, and the attached domain: a domain id, or -1 for none. */
int domain_console_focus_id(void);
int domain_console_attached_id(void);
/* Debug key dumps. */
void domain_dump_all(void);

/* Live domains (created, not yet destroyed). */
unsigned int domain_count(void);

/* Architecture hooks (arch/x86/hvm/domain.c). */
/* Waits until every other CPU has left any hypercall it was in (domain lookups are done in them). */
void arch_synchronize_hypercalls(void);
/* The last domain was destroyed. */
void arch_domains_gone(void);
unsigned int arch_cpu_id(void);
int arch_domain_create(struct domain *d);
void arch_domain_destroy(struct domain *d);
int arch_vcpu_create(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
void arch_vcpu_dump(struct vcpu *v);
/* End (exclusive, bytes) of the guest RAM the builder gave the domain. */
uint64_t domain_ram_end(const struct domain *d);
/* Maps the domain's shared_info page at guest frame gfn (over whatever was there). */
int arch_map_shared_info(struct domain *d, uint64_t gfn);
/* Maps a hypervisor page (va) into the domain at guest frame gfn, read-write. */
int arch_map_hyp_page(struct domain *d, uint64_t gfn, void *va);
/* The builder gives the domain RAM at guest frames [gfn, gfn + nr), 2 MiB pieces where possible,
 * and raises max_pages by as much. */
int domain_populate_ram(struct domain *d, uint64_t gfn, uint64_t nr);

/* Stops a domain because of something it did; prints why (and the vCPU's registers). */
void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);
void domain_shutdown(struct domain *d, unsigned int reason);
const char *domain_shutdown_reason_name(unsigned int reason);

#endif
