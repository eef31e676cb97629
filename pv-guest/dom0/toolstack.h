/* Inside dom0's toolstack: building a domain from a parsed config, and restarting what it built. */
#ifndef DOM0_TOOLSTACK_H
#define DOM0_TOOLSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
