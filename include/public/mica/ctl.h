/*
 * Mica's control interface: the privileged hypercall a toolstack in dom0 uses to
 * create, build, run and destroy domains (docs/abi.md, "Control interface").
 *
 * Guest-visible ABI: fixed-width types only, and every 64-bit field at an offset
 * that is a multiple of 8 with explicit padding, so that 32- and 64-bit callers
 * see the same layout. Guests and dom0 tools include this file as <mica/ctl.h>.
 */
#ifndef MICA_PUBLIC_CTL_H
#define MICA_PUBLIC_CTL_H

#include <stdint.h>

/* The hypercall: Xen's __HYPERVISOR_domctl number; one argument, the guest address of a struct mica_ctl. */
#define MICA_CTL_HYPERCALL 36

/*
 * Bumped whenever the structure or a command changes meaning. Xen's domctl
 * versions are small numbers, so a Xen toolstack calling here gets -EACCES,
 * just as Xen answers a version it does not speak.
 */
#define MICA_CTL_INTERFACE_VERSION 0x4d430003u /* "MC", version 3 (dominfo gained uptime_ns) */

/* Commands (struct mica_ctl.cmd); the union member each one uses is named after it. */
#define MICA_CTL_PHYSINFO 1           /* -> u.physinfo */
#define MICA_CTL_CONSOLE_READ 2       /* <-> u.console_read */
#define MICA_CTL_DOMAIN_CREATE 3      /* <-> u.create; domain: wanted id (0: any), then the new id */
#define MICA_CTL_DOMAIN_DESTROY 4     /* domain */
#define MICA_CTL_DOMAIN_PAUSE 5       /* domain */
#define MICA_CTL_DOMAIN_UNPAUSE 6     /* domain; the first unpause of a new domain starts it */
#define MICA_CTL_DOMAIN_INFO 7        /* domain -> u.info */
#define MICA_CTL_DOMAIN_LIST 8        /* domain: first id to report; <-> u.list */
#define MICA_CTL_SET_MAX_MEM 9        /* domain <- u.max_mem */
#define MICA_CTL_POPULATE 10          /* domain <- u.populate */
#define MICA_CTL_MAP_FOREIGN 11       /* domain <- u.map_foreign */
#define MICA_CTL_UNMAP_FOREIGN 12     /* domain <- u.unmap_foreign */
#define MICA_CTL_VCPU_SET_CONTEXT 13  /* domain <- u.vcpu_context */
#define MICA_CTL_VCPU_GET_AFFINITY 14 /* domain <-> u.affinity */
#define MICA_CTL_VCPU_SET_AFFINITY 15 /* domain <- u.affinity */
#define MICA_CTL_SCHED_GET 16         /* domain -> u.sched */
#define MICA_CTL_SCHED_SET 17         /* domain <- u.sched */
/* Devices for domain 0 (the hardware domain) only: see docs/abi.md, "dom0's devices". */
#define MICA_CTL_DMA_ALLOC 18 /* <-> u.dma: contiguous RAM at guest-physical == machine address */
#define MICA_CTL_DMA_FREE 19  /* <- u.dma: give back a whole block from MICA_CTL_DMA_ALLOC */
#define MICA_CTL_IOMEM_MAP 20 /* <- u.iomem: a device's MMIO (a PCI BAR) at guest-physical == machine */
/* The toolstack's console and naming: see docs/abi.md, "Consoles and names". */
#define MICA_CTL_CONSOLE_ATTACH 21 /* domain <-> u.console: give it the console's input (or ask who has it) */
#define MICA_CTL_DOMAIN_RENAME 22  /* domain <- u.rename */
/* 23 .. 29 are taken by the toolstack work in progress. */

/* ---- MICA_CTL_PHYSINFO: the machine as the hypervisor sees it */
#define MICA_CTL_HVM_NONE 0
#define MICA_CTL_HVM_SVM 1 /* AMD-V with nested paging */
#define MICA_CTL_HVM_VMX 2 /* Intel VT-x with EPT */

#define MICA_CTL_PHYS_P2M_2M (1u << 0) /* guest memory may be mapped with 2 MiB pages */
#define MICA_CTL_PHYS_P2M_1G (1u << 1) /* ... and with 1 GiB pages */

struct mica_ctl_physinfo {
	uint32_t nr_cpus;         /* online CPUs */
	uint32_t hvm;             /* MICA_CTL_HVM_* */
	uint64_t cpu_online_mask; /* bit n: CPU n is online (affinity masks count CPUs the same way) */
	uint64_t total_pages;     /* RAM the hypervisor manages, in 4 KiB pages */
	uint64_t free_pages;      /* of which free now */
	uint64_t cpu_khz;         /* TSC frequency */
	uint32_t features;        /* MICA_CTL_PHYS_* */
	uint32_t max_domains;     /* domain ids are below this */
	uint32_t max_vcpus;       /* per domain */
	uint32_t nr_domains;      /* live domains now */
};

/* ---- MICA_CTL_CONSOLE_READ: the hypervisor console's recent output (a ring of the last bytes) */
#define MICA_CTL_CONSOLE_READ_MAX 65536 /* bytes per call */

struct mica_ctl_console_read {
	uint64_t buffer; /* in: guest address of the caller's buffer */
	uint64_t index; /* in: offset to read from, in bytes written since boot; out: offset after the last byte read */
	uint64_t lost;  /* out: bytes from the offset asked for that the ring no longer holds (skipped) */
	uint32_t size;  /* in: buffer size (at most MICA_CTL_CONSOLE_READ_MAX); out: bytes read */
	uint32_t pad;
};

/* ---- MICA_CTL_DOMAIN_CREATE: a paused domain, being built, with its vCPUs all down and no memory */
#define MICA_CTL_ACTION_DESTROY 0  /* what happens when it stops: it is destroyed ... */
#define MICA_CTL_ACTION_RESTART 1  /* ... or stays, stopped, for the toolstack to build it again ... */
#define MICA_CTL_ACTION_PRESERVE 2 /* ... or stays, stopped, until the toolstack destroys it */
#define MICA_CTL_NAME_LEN 32

struct mica_ctl_create {
	uint32_t max_vcpus;  /* 1 .. physinfo.max_vcpus */
	uint32_t flags;      /* none defined yet: 0 */
	uint64_t max_pages;  /* RAM it may be given, in 4 KiB pages (at most physinfo.total_pages) */
	uint8_t on_poweroff; /* MICA_CTL_ACTION_*, for SHUTDOWN_poweroff */
	uint8_t on_reboot;   /* for SHUTDOWN_reboot (a toolstack restarts a domain by building it again) */
	uint8_t on_crash;    /* for a crash or SHUTDOWN_crash / _watchdog */
	uint8_t pad[5];
	char name[MICA_CTL_NAME_LEN]; /* printable ASCII, NUL-terminated; "" names it dN */
};

/* ---- MICA_CTL_DOMAIN_INFO and the records of MICA_CTL_DOMAIN_LIST */
#define MICA_CTL_STATE_BUILDING 0 /* created, never unpaused */
#define MICA_CTL_STATE_RUNNING 1
#define MICA_CTL_STATE_SHUTDOWN 2 /* it asked to stop: shutdown_reason says why */
#define MICA_CTL_STATE_CRASHED 3  /* the hypervisor stopped it */

#define MICA_CTL_DOMF_PRIVILEGED (1u << 0) /* may use this interface */
#define MICA_CTL_DOMF_PAUSED (1u << 1)     /* paused by the toolstack (or not unpaused since its creation) */
#define MICA_CTL_DOMF_DYING (1u << 2)      /* being destroyed: gone soon */

struct mica_ctl_dominfo {
	uint16_t domain;
	uint8_t state;           /* MICA_CTL_STATE_* */
	uint8_t shutdown_reason; /* Xen's SHUTDOWN_* (xen/sched.h) when SHUTDOWN or CRASHED */
	uint32_t flags;          /* MICA_CTL_DOMF_* */
	uint64_t pages;          /* RAM it owns, in 4 KiB pages */
	uint64_t max_pages;      /* how much it may own */
	uint64_t cpu_time_ns;    /* CPU time its vCPUs used */
	uint32_t max_vcpus;
	uint32_t online_vcpus; /* vCPUs up (not down) */
	char name[MICA_CTL_NAME_LEN];
	uint64_t generation; /* never the same for two domains of one boot, even of one id (a restart) */
	uint64_t uptime_ns;  /* time since it was created */
};

/* ---- MICA_CTL_DOMAIN_LIST: live domains from id `domain` on, in id order */
struct mica_ctl_list {
	uint64_t buffer;      /* in: guest address of max_entries struct mica_ctl_dominfo */
	uint32_t max_entries; /* in */
	uint32_t nr_entries;  /* out: records written (also the return value) */
};

/* ---- MICA_CTL_SET_MAX_MEM: a new limit (below what it has: it just cannot get more) */
struct mica_ctl_max_mem {
	uint64_t max_pages; /* at most physinfo.total_pages */
};

/* ---- MICA_CTL_POPULATE: fresh zeroed RAM at [gfn, gfn + nr_pages), all of it or none */
#define MICA_CTL_POPULATE_MAX (1u << 16) /* pages per call (256 MiB): bounds the time one call takes */

struct mica_ctl_populate {
	uint64_t gfn;      /* first guest frame; the range must be unmapped */
	uint64_t nr_pages; /* 1 .. MICA_CTL_POPULATE_MAX, within the domain's max_pages */
};

/* ---- MICA_CTL_MAP_FOREIGN / MICA_CTL_UNMAP_FOREIGN: the domain's RAM in the caller's physical map */
#define MICA_CTL_MAP_MAX 1024           /* pages per mapping */
#define MICA_CTL_MAP_READONLY (1u << 0) /* else read-write */

struct mica_ctl_map_foreign {
	uint64_t gfn;        /* the domain's first frame: [gfn, gfn + nr_pages) must be its RAM */
	uint64_t caller_gfn; /* where they appear for the caller: [caller_gfn, + nr_pages) must be unmapped */
	uint32_t nr_pages;   /* 1 .. MICA_CTL_MAP_MAX */
	uint32_t flags;      /* MICA_CTL_MAP_* */
};

struct mica_ctl_unmap_foreign {
	uint64_t caller_gfn; /* the caller_gfn of a mapping of the domain; the whole mapping goes */
};

/* ---- MICA_CTL_VCPU_SET_CONTEXT: a down vCPU's start state */
#define MICA_CTL_VCPU_UP (1u << 0) /* and bring it up (it runs once the domain runs unpaused) */

struct mica_ctl_vcpu_context {
	uint64_t context; /* guest address of a struct vcpu_hvm_context (Xen's xen/hvm/hvm_vcpu.h) */
	uint32_t vcpu;
	uint32_t flags; /* MICA_CTL_VCPU_* */
};

/* ---- MICA_CTL_VCPU_GET_AFFINITY / _SET_AFFINITY: the CPUs a vCPU may run on (hard affinity) */
struct mica_ctl_affinity {
	uint64_t cpumask; /* bit n = CPU n; a new mask must name an online CPU */
	uint32_t vcpu;
	uint32_t pad;
};

/* ---- MICA_CTL_SCHED_GET / _SET: the credit scheduler's parameters of the domain */
struct mica_ctl_sched {
	uint32_t weight; /* 1 .. 65535, default 256: its share relative to the others */
	uint32_t cap;    /* % of one CPU it may use at most, 0 = no cap; at most 100 * nr_cpus */
};

/* ---- MICA_CTL_DMA_ALLOC / _FREE: memory a device may DMA to (DESIGN.md: dom0's DMA is 1:1) */
#define MICA_CTL_DMA_MAX_PAGES 1024 /* one block: at most 4 MiB */

struct mica_ctl_dma {
	uint64_t base;     /* out (ALLOC) / in (FREE): guest-physical == machine address, page aligned */
	uint32_t nr_pages; /* in: a power of two, 1 .. MICA_CTL_DMA_MAX_PAGES; the block is aligned to it */
	uint32_t pad;
};

/* ---- MICA_CTL_IOMEM_MAP: machine MMIO frames (never RAM, never the hypervisor's own devices) */
struct mica_ctl_iomem {
	uint64_t mfn;      /* first machine frame; mapped at the same guest frame, uncached */
	uint64_t nr_pages; /* 1 .. 65536 */
};

/* ---- MICA_CTL_CONSOLE_ATTACH: the hypervisor console's input to a domain until Ctrl-] */
#define MICA_CTL_CONSOLE_QUERY (1u << 0) /* only report; the domain must be 0 */
#define MICA_CTL_CONSOLE_NONE 0xffffu    /* focus: the debug keys; attached: none */

struct mica_ctl_console {
	uint32_t flags;    /* in: MICA_CTL_CONSOLE_* */
	uint16_t focus;    /* out: the domain that has the input now, or MICA_CTL_CONSOLE_NONE */
	uint16_t attached; /* out: the domain attached (Ctrl-] gives the input back to the caller), or _NONE */
};

/* ---- MICA_CTL_DOMAIN_RENAME: a live domain's new name */
struct mica_ctl_rename {
	char name[MICA_CTL_NAME_LEN]; /* 1 .. 31 printable ASCII characters other than space, NUL-terminated;
					 no other live domain may have it */
};

struct mica_ctl {
	uint32_t cmd;               /* MICA_CTL_* */
	uint32_t interface_version; /* MICA_CTL_INTERFACE_VERSION */
	uint16_t domain;            /* the domain acted on (0 for system-wide commands) */
	uint16_t pad[3];            /* must be 0 */
	/*
	 * Each command uses the member named after it (or none). Its pad fields and every
	 * byte of the union past that member must be 0; fields it only writes are ignored.
	 */
	union {
		struct mica_ctl_physinfo physinfo;
		struct mica_ctl_console_read console_read;
		struct mica_ctl_create create;
		struct mica_ctl_dominfo info;
		struct mica_ctl_list list;
		struct mica_ctl_max_mem max_mem;
		struct mica_ctl_populate populate;
		struct mica_ctl_map_foreign map_foreign;
		struct mica_ctl_unmap_foreign unmap_foreign;
		struct mica_ctl_vcpu_context vcpu_context;
		struct mica_ctl_affinity affinity;
		struct mica_ctl_sched sched;
		struct mica_ctl_dma dma;
		struct mica_ctl_iomem iomem;
		struct mica_ctl_console console;
		struct mica_ctl_rename rename;
		uint8_t raw[112]; /* the structure is 128 bytes */
	} u;
};

#endif
