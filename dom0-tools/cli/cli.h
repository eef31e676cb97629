/*
 * The mica (xl-compatible) command line: argument parsing, dispatch and output over a toolstack
 * backend that tests can fake. The reference for operators is docs/cli.md.
 */
#ifndef MICA_CLI_H
#define MICA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mica/ctl.h>

/* Exit codes of mica_cli_main. */
#define MICA_CLI_OK 0     /* done */
#define MICA_CLI_FAILED 1 /* the operation failed, a domain does not exist, or it is not supported here */
#define MICA_CLI_USAGE 2  /* unknown verb or option, missing or malformed argument */

/* Reasons for mica_toolstack.shutdown: Xen's SHUTDOWN_poweroff and SHUTDOWN_reboot. */
#define MICA_CLI_SHUTDOWN_POWEROFF 0
#define MICA_CLI_SHUTDOWN_REBOOT 1

#define MICA_CLI_STR_LEN 64

/* What `info` shows beyond physinfo; strings are NUL-terminated, "" when unknown. */
struct mica_cli_version {
	char host[MICA_CLI_STR_LEN];    /* dom0's host name */
	char release[MICA_CLI_STR_LEN]; /* "Mica 0.1" */
	char version[MICA_CLI_STR_LEN]; /* build description (date, commit) */
	uint32_t xen_major, xen_minor;  /* the Xen interface version Mica answers with */
	char xen_extra[16];             /* ".0" */
	char commandline[256];          /* the hypervisor's command line */
	char cc_compiler[MICA_CLI_STR_LEN];
	char cc_compile_date[MICA_CLI_STR_LEN];
};

/* One vCPU of a domain, for vcpu-list. */
struct mica_cli_vcpu {
	uint32_t vcpu;
	uint32_t cpu; /* the CPU it runs on, or ran on last */
	bool online;
	bool running; /* on a CPU now */
	bool blocked; /* waiting for an event */
	uint64_t cpu_time_ns;
	uint64_t affinity; /* hard affinity: bit n = CPU n */
};

/* A virtual network interface, for network-list. */
struct mica_cli_nic {
	uint32_t devid;
	uint16_t backend; /* backend domain */
	uint8_t mac[6];
	uint32_t state; /* XenbusState of the frontend */
	int32_t evtchn;
	int32_t tx_ring_ref, rx_ring_ref;
	char backend_path[MICA_CLI_STR_LEN];
};

/* A virtual block device, for block-list. */
struct mica_cli_disk {
	uint32_t devid; /* the vdev number (xvda = 51712) */
	uint16_t backend;
	uint16_t frontend;
	uint32_t state;
	int32_t evtchn;
	int32_t ring_ref;
	char backend_path[MICA_CLI_STR_LEN];
};

/*
 * The backend. Every operation returns 0 (list operations: the number of records written) or a
 * negative Xen errno value (-EINVAL, ...); any may be NULL, and the verbs that need it then say
 * that they are not supported here.
 */
struct mica_toolstack {
	void *ctx;
	/* Live domains in id order, at most max of them. */
	int (*list)(void *ctx, struct mica_ctl_dominfo *buf, unsigned max);
	int (*physinfo)(void *ctx, struct mica_ctl_physinfo *info);
	int (*version)(void *ctx, struct mica_cli_version *v);
	/* errbuf gets a message when the configuration is wrong. */
	int (*create)(void *ctx, const char *cfg_path, char **overrides, unsigned n, bool paused, uint16_t *domid,
		      char *errbuf, size_t errlen);
	int (*destroy)(void *ctx, uint16_t dom);
	int (*shutdown)(void *ctx, uint16_t dom, unsigned reason); /* MICA_CLI_SHUTDOWN_* */
	/* Returns once the domain of this id and generation is gone (or has been rebuilt). */
	int (*wait_gone)(void *ctx, uint16_t dom, uint64_t generation);
	int (*pause)(void *ctx, uint16_t dom);
	int (*unpause)(void *ctx, uint16_t dom);
	/* Attaches the console's input and output until the operator detaches. */
	int (*console)(void *ctx, uint16_t dom);
	/* The hypervisor's console ring: returns the bytes written to buf. */
	int (*dmesg)(void *ctx, char *buf, size_t len, bool clear);
	int (*uptime)(void *ctx, uint16_t dom, uint64_t *seconds);
	int (*vcpu_info)(void *ctx, uint16_t dom, struct mica_cli_vcpu *buf, unsigned max);
	int (*vcpu_pin)(void *ctx, uint16_t dom, uint32_t vcpu, uint64_t cpumask);
	int (*vcpu_set)(void *ctx, uint16_t dom, uint32_t nr_online);
	int (*mem_set)(void *ctx, uint16_t dom, uint64_t kib);
	int (*mem_max)(void *ctx, uint16_t dom, uint64_t kib);
	int (*sched_get)(void *ctx, uint16_t dom, struct mica_ctl_sched *s);
	int (*sched_set)(void *ctx, uint16_t dom, const struct mica_ctl_sched *s);
	int (*rename)(void *ctx, uint16_t dom, const char *name);
	/* A key typed within ms milliseconds, or -1 (mica top's 'q'). */
	int (*wait_key)(void *ctx, unsigned ms);
	int (*net_list)(void *ctx, uint16_t dom, struct mica_cli_nic *buf, unsigned max);
	int (*net_attach)(void *ctx, uint16_t dom, char **spec, unsigned n, char *errbuf, size_t errlen);
	int (*net_detach)(void *ctx, uint16_t dom, const char *dev); /* devid or MAC address */
	int (*block_list)(void *ctx, uint16_t dom, struct mica_cli_disk *buf, unsigned max);
	int (*block_attach)(void *ctx, uint16_t dom, char **spec, unsigned n, char *errbuf, size_t errlen);
	int (*block_detach)(void *ctx, uint16_t dom, const char *dev); /* devid or vdev name */
};

/* argv[0] is "mica" or "xl", argv[1] the verb. Returns MICA_CLI_*. */
int mica_cli_main(int argc, char **argv, const struct mica_toolstack *ts, FILE *out, FILE *err);

#endif
