/* What the control interface's files (ctl.c, ctl_dom0.c) share. */
#ifndef KERNEL_CTL_INT_H
#define KERNEL_CTL_INT_H

#include <public/mica/ctl.h>
#include <mica/domain.h>
#include <mica/spinlock.h>
#include <mica/types.h>

extern spinlock_t ctl_lock; /* creation, populating, renaming, device mappings, pause counts */

bool ctl_all_zero(const void *p, size_t n);
/* 0 if [gfn, gfn + nr) is all holes; -EBUSY if something is mapped, -EINVAL if it leaves the physical map. */
long ctl_range_unmapped(struct domain *d, uint64_t gfn, uint64_t nr);

/* ctl_dom0.c: commands 18 .. 22, and the order of a DMA block of nr_pages (-1: not a power of two). */
int ctl_dma_order(uint32_t nr_pages);
long ctl_dma_alloc(struct vcpu *v, struct domain *unused, struct mica_ctl *c);
long ctl_dma_free(struct vcpu *v, struct domain *unused, struct mica_ctl *c);
long ctl_iomem_map(struct vcpu *v, struct domain *unused, struct mica_ctl *c);
long ctl_console_attach(struct vcpu *v, struct domain *unused, struct mica_ctl *c);
long ctl_rename(struct vcpu *v, struct domain *d, struct mica_ctl *c);

#endif
