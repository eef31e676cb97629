/* dom0's bridge (bridge.c): the learning table and checksum completion, for netback. */
#ifndef PV_DOM0_BRIDGE_H
#define PV_DOM0_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#define BRIDGE_FDB_SIZE 256
#define ETH_ALEN 6

void fdb_reset(void);
void fdb_learn(const uint8_t *mac, uint16_t vlan, unsigned int port); /* mac is behind port */
int fdb_lookup(const uint8_t *mac, uint16_t vlan);                    /* its port, or -1 */
void fdb_flush_port(unsigned int port);                               /* forget what is behind port */
unsigned int fdb_count(void);                                         /* live entries */
/*
 * NETTXF_csum_blank: completes an IPv4 TCP or UDP checksum whose field holds only the
 * pseudo-header sum. false if the frame is not one it can complete.
 */
bool csum_complete(uint8_t *f, unsigned int len);

#endif
