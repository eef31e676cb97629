/*
 * dom0's toolstack (toolstack.c) and its parts in other files: the CLI's operations for memory
 * and vCPUs (toolstack_mem.c) and for hot-plugged devices (toolstack_dev.c).
 */
#ifndef PV_DOM0_TOOLSTACK_H
#define PV_DOM0_TOOLSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"

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

#endif
