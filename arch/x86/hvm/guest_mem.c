/*
 * Guest-virtual to guest-physical translation by walking the guest's page
 * tables (Intel SDM Vol. 3A §4.3-4.5): paging off, 32-bit, PAE and 4-level
 * paging, large pages included. Every table is read through the p2m, so a
 * guest can only point Mica at its own memory.
 */
#include <asm/cpu.h>
#include <asm/hvm.h>
#include <asm/p2m.h>
#include <asm/page.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/mm.h>
#include <mica/string.h>

#define CR0_PG_BIT (1ULL << 31)
#define CR4_PSE (1ULL << 4)
#define EFER_LMA (1ULL << 10)
#define GPTE_P 1ULL
#define GPTE_RW 2ULL
#define GPTE_PS 0x80ULL
#define GPTE_ADDR 0x000ffffffffff000ULL

void *guest_phys_page(struct domain *d, uint64_t gfn, bool write)
{
	unsigned int access, memtype, order;
	mfn_t mfn;

	if (p2m_query(&d->arch.p2m, _gfn(gfn), &mfn, &access, &memtype, &order) < 0)
		return NULL;
	if (!(access & P2M_ACCESS_R) || (write && !(access & P2M_ACCESS_W)))
		return NULL;
	return pa_to_va(mfn_x(mfn) << PAGE_SHIFT);
}

static int read_gpte(struct domain *d, uint64_t gpa, unsigned int size, uint64_t *pte)
{
	const uint8_t *page = guest_phys_page(d, gpa >> PAGE_SHIFT, false);

	if (!page)
		return -EFAULT;
	*pte = size == 8 ? *(const uint64_t *)(page + (gpa & (PAGE_SIZE - 1)))
			 : *(const uint32_t *)(page + (gpa & (PAGE_SIZE - 1)));
	return 0;
}

/* One walk of `levels` levels of 9 (or 10, for 32-bit paging) index bits. */
static int walk(struct domain *d, uint64_t table, uint64_t gva, bool write, bool wp, unsigned int levels,
		unsigned int bits, unsigned int size, bool large_ok, uint64_t *gpa)
{
	bool writable = true;

	for (unsigned int level = levels; level >= 1; level--) {
		unsigned int shift = 12 + bits * (level - 1);
		uint64_t idx = (gva >> shift) & ((1ULL << bits) - 1), pte;

		if (read_gpte(d, (table & GPTE_ADDR) + idx * size, size, &pte) < 0 || !(pte & GPTE_P))
			return -EFAULT;
		writable = writable && (pte & GPTE_RW);
		if (level == 1 || (large_ok && (pte & GPTE_PS) && level <= 3)) {
			uint64_t page_mask = (1ULL << shift) - 1;
			uint64_t base =
			    size == 4 && level == 2 ? (pte & 0xffc00000ULL) : (pte & GPTE_ADDR & ~page_mask);
			if (write && wp && !writable)
				return -EFAULT;
			*gpa = base | (gva & page_mask);
			return 0;
		}
		table = pte;
	}
	return -EFAULT;
}

static int translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
	uint64_t cr0 = hvm->get_cr(v, 0), cr3 = hvm->get_cr(v, 3), cr4 = hvm->get_cr(v, 4), efer = 0;
	struct domain *d = v->domain;
	uint64_t pdpte;

	if (!(cr0 & CR0_PG_BIT)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	hvm->get_msr(v, MSR_EFER, &efer);
	if (efer & EFER_LMA) {
		if (((int64_t)gva << 16 >> 16) != (int64_t)gva) /* non-canonical */
			return -EFAULT;
		return walk(d, cr3, gva, write, cr0 & CR0_WP, 4, 9, 8, true, gpa);
	}
	gva &= 0xffffffffULL;
	if (cr4 & CR4_PAE) { /* four PDPTEs at CR3[31:5] */
		if (read_gpte(d, (cr3 & 0xffffffe0ULL) + (gva >> 30) * 8, 8, &pdpte) < 0 || !(pdpte & GPTE_P))
			return -EFAULT;
		return walk(d, pdpte, gva, write, cr0 & CR0_WP, 2, 9, 8, true, gpa);
	}
	/* 32-bit paging: 4 MiB pages only with CR4.PSE */
	return walk(d, cr3, gva, write, cr0 & CR0_WP, 2, 10, 4, cr4 & CR4_PSE, gpa);
}

/*
 * The guest page at gfn, held for a copy: another vCPU of the domain may
 * balloon it out or unmap a grant meanwhile, and the page must not be freed
 * (and given to someone else) under the copy. A reference is taken and the
 * p2m looked at again: a page still mapped once referenced cannot be freed
 * before page_put. Pages that are not guest RAM (shared_info, the console
 * ring) are the hypervisor's and live as long as the domain.
 */
void *guest_page_get(struct domain *d, uint64_t gfn, bool write, mfn_t *held)
{
	for (int tries = 0; tries < 8; tries++) {
		unsigned int access, memtype, order;
		mfn_t mfn, again;
		bool ref;

		if (p2m_query(&d->arch.p2m, _gfn(gfn), &mfn, &access, &memtype, &order) < 0 ||
		    !(access & P2M_ACCESS_R) || (write && !(access & P2M_ACCESS_W)))
			return NULL;
		ref = page_get_any(mfn);
		if (p2m_query(&d->arch.p2m, _gfn(gfn), &again, &access, &memtype, &order) == 0 &&
		    mfn_x(again) == mfn_x(mfn) && (access & P2M_ACCESS_R) && (!write || (access & P2M_ACCESS_W))) {
			*held = ref ? mfn : _mfn(0);
			return pa_to_va(mfn_x(mfn) << PAGE_SHIFT);
		}
		if (ref)
			page_put(mfn);
	}
	return NULL;
}

void guest_page_put(mfn_t held)
{
	if (mfn_x(held))
		page_put(held);
}

static int copy_guest(struct vcpu *v, uint64_t gva, void *buf, size_t len, bool to_guest)
{
	uint8_t *p = buf;

	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
		uint64_t gpa;
		uint8_t *page;
		mfn_t held;

		if (translate(v, gva, to_guest, &gpa) < 0)
			return -EFAULT;
		page = guest_page_get(v->domain, gpa >> PAGE_SHIFT, to_guest, &held);
		if (!page)
			return -EFAULT;
		if (to_guest)
			memcpy(page + (gpa & (PAGE_SIZE - 1)), p, chunk);
		else
			memcpy(p, page + (gpa & (PAGE_SIZE - 1)), chunk);
		guest_page_put(held);
		p += chunk;
		gva += chunk;
		len -= chunk;
	}
	return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	return copy_guest(v, gva, dst, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
	return copy_guest(v, gva, (void *)src, len, true);
}

static int phys_op(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
	const uint8_t *s = src;

	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		uint8_t *page = guest_phys_page(d, gpa >> PAGE_SHIFT, true);

		if (!page)
			return -EFAULT;
		if (s)
			memcpy(page + (gpa & (PAGE_SIZE - 1)), s, chunk);
		else
			memset(page + (gpa & (PAGE_SIZE - 1)), 0, chunk);
		if (s)
			s += chunk;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

int copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
	return phys_op(d, gpa, src, len);
}

int zero_guest_phys(struct domain *d, uint64_t gpa, size_t len)
{
	return phys_op(d, gpa, NULL, len);
}
