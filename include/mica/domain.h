/* Domains and their vCPUs. */
#ifndef MICA_DOMAIN_H
#define MICA_DOMAIN_H

#include <asm/domain.h>
#include <mica/event_channel.h>
#include <mica/guest_ram.h>
#include <mica/types.h>
#include <xen/hvm/params.h>

#define DOMAIN_MAX_VCPUS 8
#define DOMAIN_NAME_MAX 32
#define DOMAIN_CONSOLE_LINE 256
#define DOMAIN_ID_MAX 64 /* boot domains for now */
#define DOMAIN_EVTCHN_PORTS 1024

typedef uint16_t domid_t;

struct domain_gnttab;

enum domain_state {
	DOMAIN_BUILDING,
	DOMAIN_RUNNING,
	DOMAIN_SHUTDOWN, /* the guest asked: shutdown_reason says why */
	DOMAIN_CRASHED,  /* the hypervisor stopped it */
};

struct vcpu {
	struct domain *domain;
	unsigned int vcpu_id;
	bool up;
	uint64_t hypercalls;
	struct arch_vcpu arch;
};

struct domain {
	domid_t domain_id;
	char name[DOMAIN_NAME_MAX];
	bool privileged;
	enum domain_state state;
	unsigned int shutdown_reason; /* SHUTDOWN_* from xen/sched.h */
	uint64_t mem_pages; /* RAM pages the domain owns (current_reservation) */
	uint64_t max_pages; /* how many it may own (maximum_reservation): the builder's RAM by default */
	struct domain_ram ram;
	unsigned int max_vcpus;
	struct vcpu *vcpus[DOMAIN_MAX_VCPUS];
	struct arch_domain arch;
	struct shared_info *shared_info; /* hypervisor page, mapped into the guest on request */
	struct evtchn_domain evtchn;
	struct evtchn *evtchn_ports;
	struct domain_gnttab *gnttab; /* kernel/grant_table_domain.c */
	uint64_t hvm_params[HVM_NR_PARAMS]; /* HVMOP_get/set_param */
	/* console_io output is collected per line and printed with a "(dN) " prefix */
	char console_line[DOMAIN_CONSOLE_LINE];
	size_t console_len;
};

static inline bool domain_is_dead(const struct domain *d)
{
	return d->state == DOMAIN_SHUTDOWN || d->state == DOMAIN_CRASHED;
}

struct domain *domain_create(domid_t id, const char *name, unsigned int max_vcpus);
struct vcpu *vcpu_create(struct domain *d, unsigned int id);
/* Frees the vCPUs (each on the CPU it runs on: see domain_destroy_vcpus), every page and the p2m. */
void domain_destroy(struct domain *d);
/* Destroys the vCPUs' control structures; call on the CPU that ran them. */
void domain_destroy_vcpus(struct domain *d);
/* Writes the current system time into every vCPU's vcpu_time_info (pvclock). */
void domain_update_time(struct domain *d);
/* The live domain with this id, or NULL. */
struct domain *domain_lookup(domid_t id);

/* Architecture hooks (arch/x86/hvm/domain.c). */
int arch_domain_create(struct domain *d);
void arch_domain_destroy(struct domain *d);
int arch_vcpu_create(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
void arch_vcpu_dump(struct vcpu *v);
/* End (exclusive, bytes) of the guest RAM the builder gave the domain. */
uint64_t domain_ram_end(const struct domain *d);
/* Maps the domain's shared_info page at guest frame gfn (over whatever was there). */
int arch_map_shared_info(struct domain *d, uint64_t gfn);
/* The builder gives the domain RAM at guest frames [gfn, gfn + nr), 2 MiB pieces where possible,
 * and raises max_pages by as much. */
int domain_populate_ram(struct domain *d, uint64_t gfn, uint64_t nr);

/* Stops a domain because of something it did; prints why (and the vCPU's registers). */
void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);
void domain_shutdown(struct domain *d, unsigned int reason);
const char *domain_shutdown_reason_name(unsigned int reason);

#endif
