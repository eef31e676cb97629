/*
 * Grant tables v1 (xen/grant_table.h): a frontend grants other domains access to its pages.
 * (Mapping other domains' grants, for backends, comes with dom0.)
 */
#ifndef PV_GNTTAB_H
#define PV_GNTTAB_H

#include <pv/xen.h>

void init_gnttab(void);
/* A fresh reference granting domid access to frame gfn (read-only if readonly); < 0 if none left. */
grant_ref_t gnttab_grant_access(domid_t domid, unsigned long gfn, bool readonly);
/* Ends access; false (and the reference stays in use) if the other side still has it mapped. */
bool gnttab_end_access(grant_ref_t ref);
unsigned int gnttab_free_count(void);
#define GRANT_INVALID_REF ((grant_ref_t)-1)

#endif
