/*
 * For backends in dom0: other domains' grants (xen/grant_table.h), mapped into a window of
 * dom0's physical address space above its RAM (identity-mapped, so a mapping's guest-physical
 * address is also its virtual address), or copied with GNTTABOP_copy.
 */
#ifndef PV_GNTMAP_H
#define PV_GNTMAP_H

#include <pv/xen.h>

/* Maps domain dom's grant ref at a free page of the window; 0 or a negative errno (-EIO for a
 * GNTST_* refusal, printed). */
int gntmap_map(domid_t dom, grant_ref_t ref, bool readonly, void **addr, grant_handle_t *handle);
int gntmap_unmap(void *addr, grant_handle_t handle);
/* GNTTABOP_copy of n operations (any n: batched); 0 if the hypercall worked: each op's status
 * says how it went (GNTST_okay). A negative errno if the hypercall itself failed. */
int gntmap_copy(struct gnttab_copy *ops, unsigned int n);

#endif
