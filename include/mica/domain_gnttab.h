/*
 * Domains' grant tables (kernel/grant_table_domain.c): the memory behind each domain's v1 table
 * (include/mica/grant_table.h), the hooks that reach pages and physical maps, the table frames a
 * guest maps with add_to_physmap, and tables that outlive their domain.
 *
 * Lifetime: a pinned grant holds a reference on the granted page (page_get), so a page another
 * domain maps survives its owner's destruction. The owner's table itself (its active entries,
 * which say what is pinned) then stays too, on a list of tables without a domain, and is freed
 * once the last mapping of it is gone. A destroyed mapper's mappings are dropped first.
 */
#ifndef MICA_DOMAIN_GNTTAB_H
#define MICA_DOMAIN_GNTTAB_H

#include <mica/grant_table.h>
#include <mica/mm_types.h>
#include <mica/types.h>

struct domain;

/* Maxima; a table starts with one shared frame and grows as its guest asks (grant_table.h). */
#define DOMAIN_GNTTAB_FRAMES 32     /* shared frames per domain: 16384 grant entries */
#define DOMAIN_GNTTAB_MAPTRACK 1024 /* grant mappings a domain may hold at once */

int domain_gnttab_create(struct domain *d);
/* d's mappings of others' grants are dropped (d's p2m must still exist); d's own table is
 * freed now, or when no other domain maps its grants any more. Safe on a domain without one. */
void domain_gnttab_destroy(struct domain *d);
/* Frees the tables of destroyed domains that nobody maps any more. */
void gnttab_reap(void);

/* The v1 table of d (NULL while it has none). */
struct gnttab_domain *domain_gnttab(struct domain *d);
/* XENMAPSPACE_grant_table: shared frame idx (the table grows to hold it) at gfn, read-write. */
int gnttab_map_frame(struct domain *d, uint64_t idx, gfn_t gfn);
/* Where shared frame i is mapped in d's physical map, or INVALID_GFN (setup_table's frame_list). */
gfn_t gnttab_frame_gfn(struct domain *d, unsigned int i);

#endif
