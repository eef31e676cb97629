/* br0 (br0.c): dom0's own interface on its bridge. */
#ifndef PV_DOM0_BR0_H
#define PV_DOM0_BR0_H

#include <stdbool.h>
#include <stddef.h>

/*
 * mode: "internal" (10.0.0.1/24, dom0's DHCP server serves the vifs), "uplink" (the NIC nic,
 * default "eth0", joins the bridge; br0 by DHCP from the LAN; dom0's DHCP server off), or
 * NULL/"auto" (uplink if the NIC exists). 0, -EINVAL (bad mode), -EBUSY, -ENOMEM.
 */
int br0_start(const char *mode, const char *nic);
bool br0_running(void);
bool br0_configured(void);              /* it has an address */
int br0_status(char *buf, size_t size); /* snprintf-style */
void br0_stop(void);                    /* br0 down, the ports off the bridge */
void br0_poll(void);                    /* one round of the br0 thread's work (host tests) */

#endif
