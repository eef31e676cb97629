/*
 * Access to guest memory. Hypercall arguments are guest-virtual addresses:
 * they are translated through the guest's own page tables and then the
 * domain's p2m, page by page, and any failure is -EFAULT to the guest.
 */
#ifndef MICA_GUEST_MEM_H
#define MICA_GUEST_MEM_H

#include <mica/mm_types.h>
#include <mica/types.h>

struct vcpu;
struct domain;

/* Hypervisor pointer to guest frame gfn if it is mapped RAM (writable when asked), else NULL. */
void *guest_phys_page(struct domain *d, uint64_t gfn, bool write);
/*
 * The page at gfn, held so that it is not freed while the hypervisor uses it (ballooning or
 * unmapping by another vCPU meanwhile): *held is what guest_page_put must be given. NULL if
 * gfn is not mapped with the rights asked for.
 */
void *guest_page_get(struct domain *d, uint64_t gfn, bool write, mfn_t *held);
void guest_page_put(mfn_t held);

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len);

/* Guest-physical copies, for the domain builder. */
int copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src, size_t len);
int zero_guest_phys(struct domain *d, uint64_t gpa, size_t len);

#endif
