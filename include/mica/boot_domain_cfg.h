/*
 * Boot-time domains (like Xen's dom0less or Bao's static partitions): the
 * parameters of a domain written in its boot module's command line, between
 * the file name and the guest's own arguments:
 *
 *     ping.elf name=ping memory=16M vcpus=2 cpus=0-1 on_crash=restart -- arg1 arg2
 *
 * After the file name, leading `key=value` words whose key is a domain
 * parameter are parameters; a word `--` ends them (and is dropped); the first
 * other word ends them too. The rest is the guest's command line, unchanged.
 * Words are read as on the hypervisor command line (mica/cmdline.h): in keys
 * '-' and '_' are the same, values may hold double-quoted parts.
 * Pure parsing, no hypervisor state: it runs in the hypervisor and in host
 * unit tests. See docs/boot.md, "Boot-time domains".
 */
#ifndef MICA_BOOT_DOMAIN_CFG_H
#define MICA_BOOT_DOMAIN_CFG_H

#include <mica/boot_info.h>
#include <mica/types.h>

#define BOOT_DOMAIN_NAME_MAX 32 /* with the NUL; = DOMAIN_NAME_MAX */
#define BOOT_DOMAIN_FILE_MAX BOOT_MODULE_CMDLINE_MAX
#define BOOT_DOMAIN_MEM_MIN (2ULL << 20)
#define BOOT_DOMAIN_MEM_MAX (1ULL << 40)
#define BOOT_DOMAIN_CPUS_MAX 64 /* cpus= takes CPU numbers below this */
#define BOOT_DOMAIN_WEIGHT_DEFAULT 256
#define BOOT_DOMAIN_WEIGHT_MAX 65535
#define BOOT_DOMAIN_CAP_MAX 6400 /* percent of one CPU */

/* What happens when the guest powers off, reboots or crashes (xl's names). */
enum boot_domain_action {
	BOOT_DOMAIN_DESTROY,
	BOOT_DOMAIN_RESTART,
	BOOT_DOMAIN_PRESERVE,
};

/* The parameters, as bit numbers of boot_domain_cfg.given. */
enum boot_domain_param {
	BOOT_DOMAIN_PARAM_NAME,
	BOOT_DOMAIN_PARAM_MEMORY,
	BOOT_DOMAIN_PARAM_MAXMEM,
	BOOT_DOMAIN_PARAM_VCPUS,
	BOOT_DOMAIN_PARAM_CPUS,
	BOOT_DOMAIN_PARAM_WEIGHT,
	BOOT_DOMAIN_PARAM_CAP,
	BOOT_DOMAIN_PARAM_ON_POWEROFF,
	BOOT_DOMAIN_PARAM_ON_REBOOT,
	BOOT_DOMAIN_PARAM_ON_CRASH,
	BOOT_DOMAIN_PARAM_DOMID,
	BOOT_DOMAIN_NR_PARAMS,
};

#define BOOT_DOMAIN_GIVEN(param) (1u << (param))

struct boot_domain_cfg {
	char file[BOOT_DOMAIN_FILE_MAX];     /* the module's file name (first word) */
	const char *args;                    /* the guest's command line: points into the parsed line */
	char name[BOOT_DOMAIN_NAME_MAX];     /* default: the file name, cut to 31 characters */
	uint64_t memory;                     /* bytes, page aligned; default: the caller's */
	uint64_t maxmem;                     /* bytes, page aligned, >= memory; default: memory */
	uint64_t cpus;                       /* hard affinity, bit n = CPU n; default: all */
	unsigned int vcpus;                  /* 1..DOMAIN_MAX_VCPUS; default 1 */
	unsigned int weight;                 /* 1..65535; default 256 */
	unsigned int cap;                    /* 0..6400 % of one CPU, 0 = none; default 0 */
	enum boot_domain_action on_poweroff; /* default destroy */
	enum boot_domain_action on_reboot;   /* default restart */
	enum boot_domain_action on_crash;    /* default destroy */
	uint16_t domid;                      /* 1..DOMAIN_ID_MAX-1; 0 (default): any free id */
	uint32_t given;                      /* BOOT_DOMAIN_GIVEN(param) for each parameter written */
};

/*
 * Parses a module command line (NUL terminated, any length) into *cfg.
 * default_mem is the memory of a domain without memory= (page aligned up,
 * and checked like memory=). Returns 0, or -EINVAL with a message naming the
 * key and the bad value in err (always terminated when errlen > 0; err may
 * be NULL when errlen is 0); then *cfg holds only the defaults (file, name
 * from the file, default memory, args ""), nothing of the line's parameters,
 * and the domain must not start.
 * cfg->args points into line, which must outlive it.
 */
int boot_domain_cfg_parse(const char *line, uint64_t default_mem, struct boot_domain_cfg *cfg, char *err,
			  size_t errlen);

/* "destroy", "restart", "preserve" (or "?"). */
const char *boot_domain_action_name(enum boot_domain_action action);

#endif
