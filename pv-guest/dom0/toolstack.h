/*
 * dom0's toolstack (toolstack.c) and its parts in other files: building a domain from a parsed
 * config, restarting what it built (toolstack_restart.c), the CLI's operations for memory and
 * vCPUs (toolstack_mem.c) and for hot-plugged devices (toolstack_dev.c).
 */
#ifndef PV_DOM0_TOOLSTACK_H
#define PV_DOM0_TOOLSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"
#include "xlcfg/xlcfg.h"

/* Builds (and unless paused starts) the domain of cfg; cfg_path only names it in messages. */
int toolstack_build(const struct xl_domain_config *cfg, const char *cfg_path, bool paused, uint16_t *domid,
		    char *errbuf, size_t errlen);

/* toolstack_restart.c: the on_* actions. */
/* Coredumps and soft resets are not carried out: says so and makes them destroy or restart. */
void toolstack_check_actions(struct xl_domain_config *cfg);
/* The hypervisor's MICA_CTL_ACTION_* for an xl.cfg action (restarts are the toolstack's). */
uint8_t toolstack_ctl_action(enum xlcfg_action a);
/* Remembers what domid was built from, to build it again when its on_* action says restart. */
void toolstack_keep(uint16_t domid, const struct xl_domain_config *cfg, const char *cfg_path);

/* At create, before the unpause: memory/static-max, memory/target (KiB) and cpu/<n>/availability. */
int toolstack_domain_nodes(uint16_t dom, unsigned long memory_mib, unsigned long maxmem_mib, unsigned int vcpus);

int ts_mem_set(void *ctx, uint16_t dom, uint64_t kib);
int ts_vcpu_set(void *ctx, uint16_t dom, uint32_t nr_online);

int ts_net_attach(void *ctx, uint16_t dom, char **spec, unsigned n, char *errbuf, size_t errlen);
int ts_net_list(void *ctx, uint16_t dom, struct mica_cli_nic *buf, unsigned max);
int ts_net_detach(void *ctx, uint16_t dom, const char *dev);
int ts_block_attach(void *ctx, uint16_t dom, char **spec, unsigned n, char *errbuf, size_t errlen);
int ts_block_list(void *ctx, uint16_t dom, struct mica_cli_disk *buf, unsigned max);
int ts_block_detach(void *ctx, uint16_t dom, const char *dev);

/*
 * toolstack_dev.c: a config's devices at create, as xl gives them: vif i is devid i, disk i
 * its spec's vdev. vif 0 and xvda are the backends' config devices (served when the store
 * introduces the domain, again for a later domain with the id only if its config has them);
 * the others are attached once the domain is introduced and go with it.
 */
#define TS_MAX_VIFS 4 /* per domain; pv-guest hot-plugs up to 8 devices besides vif 0 and xvda */
#define TS_MAX_DISKS 4
/* Before building: every vif and disk servable (vdevs[i]: disk i's number), or an error. */
int ts_config_check(const struct xl_domain_config *cfg, unsigned int *vdevs, char *errbuf, size_t errlen);
/* Built, not introduced yet: vif 0 and xvda (or none, replacing an earlier domain's). */
int ts_config_first(uint16_t dom, const struct xl_domain_config *cfg, const unsigned int *vdevs, char *errbuf,
		    size_t errlen);
/* Introduced (and the backends told): vifs 1.. and the disks other than xvda. */
int ts_config_rest(uint16_t dom, const struct xl_domain_config *cfg, const unsigned int *vdevs, char *errbuf,
		   size_t errlen);
/* Until every device's backend state node is written (2 s at most; says which are missing). */
void ts_config_wait(uint16_t dom, const struct xl_domain_config *cfg, const unsigned int *vdevs);

#endif
