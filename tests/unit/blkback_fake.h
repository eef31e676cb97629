/*
 * The world of the blkback unit tests: blkfront's fakes (grant table, event channels, pages,
 * time: blkfront_fake_xen.c) plus a fake xenstore with permissions, transactions and watches,
 * the grant-copy and grant-map calls of a backend, and the backend's turn to run
 * (blkback_fake.c). Frontend and backend share the process: fake_caller says which domain a
 * store call comes from.
 */
#ifndef BLKBACK_FAKE_H
#define BLKBACK_FAKE_H

#include "blkfront_fake.h"

extern domid_t fake_caller; /* the domain making store calls; dom0 while the backend runs */

struct blkback_fake_stats {
	unsigned int conflicts;    /* transaction ends to answer -EAGAIN (set by tests) */
	unsigned int transactions; /* committed */
	unsigned int denied;       /* store calls refused for permissions */
	unsigned int copy_calls, copy_ops, copy_failed;
	int maps;                /* grants mapped with gntmap_map, not yet unmapped */
	unsigned int violations; /* misuse: nested transactions, unknown transaction ids */
};
extern struct blkback_fake_stats bbf;

void fake_store_reset(void);                    /* no nodes but /local/domain/{0,1,2}; watches stay registered */
const char *fake_store_perms(const char *path); /* NULL if absent */

#endif
