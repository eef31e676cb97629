/* Domain configuration files in Xen's xl.cfg(5) syntax: the parser behind `mica create foo.cfg [key=value...]`. */
#ifndef MICA_XLCFG_XLCFG_H
#define MICA_XLCFG_XLCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Limits. Text past them is an error (never truncated silently); see docs/xlcfg.md.
 */
#define XLCFG_TEXT_MAX (64 * 1024) /* bytes in one file */
#define XLCFG_LINE_MAX 2048        /* bytes in one line, without its newline */
#define XLCFG_VALUE_MAX 8192       /* bytes in one setting's strings (a list spanning lines counts whole) */
#define XLCFG_LIST_MAX 32          /* entries in one list */
#define XLCFG_NAME_MAX 31          /* characters in a domain name */
#define XLCFG_PATH_MAX 256         /* kernel, ramdisk, disk target (with the NUL) */
#define XLCFG_CMDLINE_MAX 1024     /* cmdline, extra, root and the composed command line (with the NUL) */
#define XLCFG_MAX_VIFS 8
#define XLCFG_MAX_DISKS 8
#define XLCFG_MAX_CPUS 256
#define XLCFG_MAX_VCPUS 128
#define XLCFG_MAX_MEMORY_MIB (1024 * 1024) /* 1 TiB */
#define XLCFG_DEFAULT_MEMORY_MIB 128

#define XLCFG_MSG_MAX 256
#define XLCFG_MAX_WARNINGS 16

/* What to do when the guest powers off, reboots, crashes... (xl.cfg "on_poweroff" and friends). */
enum xlcfg_action {
	XLCFG_ACTION_DESTROY,
	XLCFG_ACTION_RESTART,
	XLCFG_ACTION_RENAME_RESTART,
	XLCFG_ACTION_PRESERVE,
	XLCFG_ACTION_COREDUMP_DESTROY,
	XLCFG_ACTION_COREDUMP_RESTART,
	XLCFG_ACTION_SOFT_RESET,
};

enum xlcfg_disk_access {
	XLCFG_DISK_RW,
	XLCFG_DISK_RO,
};

/* One vif = [...] entry (xl-network-configuration(5)); empty strings and zeros mean "not given". */
struct xl_vif {
	bool has_mac;
	uint8_t mac[6];
	uint16_t vlan; /* 1..4094, 0 = untagged (a Mica extension) */
	uint32_t mtu;
	char bridge[32];
	char ip[64]; /* space-separated IPv4 addresses, each optionally /prefix */
	char model[16];
	char vifname[16];
	char backend[32];
	char type[8]; /* "vif" or "ioemu" */
	char rate[32];
};

/* One disk = [...] entry (xl-disk-configuration(5)). Only the raw format is accepted. */
struct xl_disk {
	char target[XLCFG_PATH_MAX]; /* empty only for an empty cdrom */
	char vdev[16];
	char backend[32];
	enum xlcfg_disk_access access;
	bool cdrom;
};

/*
 * A parsed domain. Strings are NUL-terminated; the struct holds no pointers (about 9 KiB: allocate it
 * statically or on the heap rather than on a small stack).
 */
struct xl_domain_config {
	char name[XLCFG_NAME_MAX + 1];
	uint64_t memory_mib;
	uint64_t maxmem_mib; /* memory_mib unless maxmem= was given */
	uint32_t vcpus;
	uint32_t maxvcpus;                     /* vcpus unless maxvcpus= was given */
	uint64_t cpumask[XLCFG_MAX_CPUS / 64]; /* cpus=: the physical CPUs the vCPUs may run on */
	bool cpus_all;                         /* cpus= absent or "all": no restriction */
	uint32_t cpu_weight;                   /* credit scheduler weight, 0 = default (256) */
	uint32_t cap;                          /* credit scheduler cap in percent of one CPU, 0 = none */
	char kernel[XLCFG_PATH_MAX];
	char ramdisk[XLCFG_PATH_MAX];
	char cmdline[XLCFG_CMDLINE_MAX]; /* as given in cmdline= */
	char extra[XLCFG_CMDLINE_MAX];
	char root[XLCFG_CMDLINE_MAX];
	char boot_cmdline[XLCFG_CMDLINE_MAX]; /* what the kernel gets: cmdline, else "root=<root> <extra>" */
	enum xlcfg_action on_poweroff, on_reboot, on_crash, on_watchdog, on_soft_reset;
	bool has_uuid;
	uint8_t uuid[16];
	unsigned nr_vifs;
	struct xl_vif vifs[XLCFG_MAX_VIFS];
	unsigned nr_disks;
	struct xl_disk disks[XLCFG_MAX_DISKS];
	uint64_t given; /* private: which keys were set (bit = index in the key table) */
};

struct xlcfg_warning {
	uint32_t line, col; /* 0 when the warning is about the whole file */
	char text[XLCFG_MSG_MAX];
};

/* What went wrong, as "file:line:column: message" texts. */
struct xlcfg_diag {
	char error[XLCFG_MSG_MAX]; /* the first error; "" after success */
	uint32_t error_line, error_col;
	unsigned nr_warnings;
	unsigned warnings_dropped; /* warnings past XLCFG_MAX_WARNINGS */
	struct xlcfg_warning warnings[XLCFG_MAX_WARNINGS];
};

/* Fill cfg with the defaults (no name, 128 MiB, 1 vCPU, all CPUs, xl's on_* defaults). */
void xlcfg_init(struct xl_domain_config *cfg);

/*
 * Parse len bytes of xl.cfg text (need not be NUL-terminated) into cfg, which is initialised first.
 * filename only prefixes messages. diag may be NULL; it is cleared first.
 * Returns 0, -EINVAL (diag->error says why) or -ENOMEM.
 */
int xlcfg_parse(const char *text, size_t len, const char *filename, struct xl_domain_config *cfg,
		struct xlcfg_diag *diag);

/*
 * Apply one command-line override after the file, as `xl create foo.cfg KEY=VALUE`: VALUE in xl.cfg
 * syntax ("str", 12, [..]) or bare (name=web1, cpus=0-3: taken as a string). Several may be joined by
 * ';'. The last value wins without a warning. Re-checks the whole configuration. Returns as xlcfg_parse;
 * warnings are appended to diag.
 */
int xlcfg_apply_override(struct xl_domain_config *cfg, const char *setting, struct xlcfg_diag *diag);

/* A config from settings alone, one a line (`xl create /dev/null KEY=VALUE ...`), as xlcfg_parse. */
int xlcfg_parse_overrides(char *const *settings, unsigned n, struct xl_domain_config *cfg, struct xlcfg_diag *diag);

/* Release what cfg holds (nothing today: kept so callers stay right if that changes) and clear it. */
void xlcfg_free(struct xl_domain_config *cfg);

/*
 * Print cfg in xl.cfg syntax that xlcfg_parse reads back to the same configuration. Returns the length of
 * the full text (as snprintf: the output was truncated if that is >= size; buf is NUL-terminated when
 * size > 0).
 */
int xlcfg_format(const struct xl_domain_config *cfg, char *buf, size_t size);

/* The xl.cfg spelling of an action ("destroy", "rename-restart", ...). */
const char *xlcfg_action_name(enum xlcfg_action action);

#endif /* MICA_XLCFG_XLCFG_H */
