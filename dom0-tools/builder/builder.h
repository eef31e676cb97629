/*
 * The domain builder of Mica's toolstack: a PVH kernel (and ramdisk) made into a new, paused
 * domain through the control interface (<mica/ctl.h>), as `mica create` asks. See docs/builder.md.
 */
#ifndef DOM0_TOOLS_BUILDER_H
#define DOM0_TOOLS_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include <mica/ctl.h>

#define BUILDER_PAGE_SIZE 4096u
#define BUILDER_STORE_GFN 0xfeffeULL   /* the store ring: one page of the domain's RAM over its memory */
#define BUILDER_CONSOLE_GFN 0xfefffULL /* the hypervisor's console ring of a ctl-created domain */
#define BUILDER_MEMORY_MIN_MIB 2
#define BUILDER_MEMORY_MAX_MIB 4079         /* RAM from gfn 0 stays below the store and console pages */
#define BUILDER_CMDLINE_MAX 4096            /* bytes with the NUL */
#define BUILDER_START_INFO_AREA (64u << 10) /* above the kernel image: start info, memory map, modules, command line */
#define BUILDER_MAP_CHUNK 256u              /* pages mapped at a time while copying (at most MICA_CTL_MAP_MAX) */

struct builder_params {
	const char *name; /* NULL or "": the hypervisor names it dN */
	uint64_t memory_mib;
	uint64_t maxmem_mib; /* 0: memory_mib */
	unsigned int vcpus;
	uint64_t cpumask;   /* hard affinity of every vCPU; 0: all CPUs */
	const void *kernel; /* an ELF64 x86-64 kernel with a XEN_ELFNOTE_PHYS32_ENTRY note */
	size_t kernel_len;
	const void *ramdisk; /* NULL: none */
	size_t ramdisk_len;
	const char *cmdline;                      /* NULL: none */
	uint8_t on_poweroff, on_reboot, on_crash; /* MICA_CTL_ACTION_* */
};

/*
 * Every access to the hypervisor. Pointers inside a struct mica_ctl (a vCPU context) are the
 * caller's own addresses, as the hypercall takes them. clock and hvm_get_param may be NULL.
 */
struct builder_ops {
	int (*ctl)(void *ctx, struct mica_ctl *c); /* 0 or more on success, a negated errno */
	int (*hvm_set_param)(void *ctx, uint16_t dom, uint32_t index, uint64_t value);
	int (*hvm_get_param)(void *ctx, uint16_t dom, uint32_t index, uint64_t *value);
	int (*evtchn_alloc_unbound)(void *ctx, uint16_t dom, uint16_t remote, uint32_t *port);
	/* [gfn, gfn + nr) of dom, read-write, via MICA_CTL_MAP_FOREIGN into a window; NULL on failure */
	void *(*map)(void *ctx, uint16_t dom, uint64_t gfn, unsigned int nr);
	void (*unmap)(void *ctx, void *p, unsigned int nr);
	uint64_t (*clock)(void *ctx); /* any monotonic unit (ns, TSC cycles) */
};

enum builder_phase {
	BUILDER_PHASE_PARSE,      /* parameters, the kernel's ELF, the layout, PHYSINFO */
	BUILDER_PHASE_CREATE,     /* DOMAIN_CREATE */
	BUILDER_PHASE_POPULATE,   /* its RAM */
	BUILDER_PHASE_LOAD,       /* kernel segments and ramdisk copied in */
	BUILDER_PHASE_START_INFO, /* struct hvm_start_info and what it points to */
	BUILDER_PHASE_STORE,      /* store page, event channel, HVM params */
	BUILDER_PHASE_VCPU,       /* vCPU0's context, affinities, console info */
	BUILDER_NR_PHASES
};

/* Clock units per phase; hypervisor: the part spent inside ops calls (the rest is the toolstack's). */
struct builder_timing {
	uint64_t total[BUILDER_NR_PHASES];
	uint64_t hypervisor[BUILDER_NR_PHASES];
};

struct builder_result {
	uint16_t domid;
	uint64_t store_gfn;
	uint32_t store_port;
	uint64_t console_gfn;
	uint32_t console_port;       /* from HVM_PARAM_CONSOLE_EVTCHN when ops->hvm_get_param is given, else 0 */
	uint32_t entry;              /* the PVH entry (vCPU0's %eip) */
	uint64_t start_info;         /* its guest-physical address (vCPU0's %ebx) */
	uint64_t ramdisk_gpa;        /* 0 without a ramdisk */
	uint64_t image_lo, image_hi; /* [lo, hi): the kernel's segments */
	struct builder_timing timing;
};

extern const char *const builder_phase_names[BUILDER_NR_PHASES];

/*
 * Builds the domain and leaves it paused (the caller writes its store entries, then
 * unpauses it). Returns 0, or a negated errno with a message in err; then nothing is left
 * behind: no domain, no mapping.
 */
int builder_build(const struct builder_params *p, const struct builder_ops *ops, void *ctx, struct builder_result *res,
		  char *err, size_t errlen);

#endif
