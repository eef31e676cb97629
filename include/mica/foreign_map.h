/*
 * Foreign mappings: frames of one domain's RAM in a privileged domain's
 * physical map (MICA_CTL_MAP_FOREIGN), as a domain builder and device
 * backends need them. Every mapping is recorded and holds a reference on
 * each page, so a mapped page is never freed: it outlives a balloon or its
 * owner's destruction until the caller unmaps it or is destroyed itself.
 */
#ifndef MICA_FOREIGN_MAP_H
#define MICA_FOREIGN_MAP_H

#include <mica/mm_types.h>
#include <mica/types.h>

struct domain;

#define FOREIGN_MAP_MAX_PAGES 1024    /* per mapping */
#define FOREIGN_MAP_MAX_MAPPINGS 4096 /* in all, so that no caller can eat the hypervisor's heap */

/*
 * Maps d's frames [gfn, gfn + nr) at the caller's [caller_gfn, caller_gfn + nr),
 * read-only or read-write, never executable. All or nothing: -EINVAL (d is the
 * caller, nr or a range out of bounds), -ENOENT (a frame that is not d's own
 * RAM: a hole, a hypervisor page, another domain's page), -EBUSY (a caller frame
 * already mapped), -ENOSPC (too many mappings), -ENOMEM.
 */
int foreign_map(struct domain *caller, struct domain *d, gfn_t gfn, gfn_t caller_gfn, unsigned int nr, bool readonly);
/* Unmaps the whole mapping of domain domid's frames that starts at caller_gfn; -ENOENT if none does. */
int foreign_unmap(struct domain *caller, uint16_t domid, gfn_t caller_gfn);
/*
 * d is being torn down (its vCPUs no longer run, no hypercall uses it): the
 * mappings it made are removed and their references dropped. Mappings of
 * d's pages stay, with their references.
 */
void foreign_map_domain_gone(struct domain *d);

#endif
