/* The x86 side of domains: the p2m over the buddy allocator, guest RAM, vCPU control structures. */
#include <asm/cpu.h>
#include <asm/hvm.h>
#include <asm/p2m.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/string.h>

static paddr_t p2m_table_alloc(void *ctx)
{
	paddr_t pa = alloc_pages(0);

	if (pa)
		memset(pa_to_va(pa), 0, PAGE_SIZE);
	return pa;
}

static void p2m_table_free(void *ctx, paddr_t pa)
{
	free_pages(pa, 0);
}

static void *p2m_table_map(void *ctx, paddr_t pa)
{
	return pa_to_va(pa);
}

/*
 * The p2m changed: every CPU may hold translations of it (VMX caches them per
 * EPTP, SVM per ASID, and both outlive the vCPU's visit). Each CPU drops them
 * before it next enters the domain (arch_vcpu_run); the CPUs in the guest
 * right now are made to exit first, and this waits until they have, so that
 * a page taken out of the p2m is unreachable when this returns.
 */
static void p2m_table_flush(void *ctx)
{
	struct domain *d = ctx;
	unsigned int me = smp_processor_id();

	__atomic_fetch_or(&d->arch.flush_pending, cpus_online_mask(), __ATOMIC_SEQ_CST);
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
		if (cpu == me || __atomic_load_n(&cpus[cpu].in_guest, __ATOMIC_SEQ_CST) != d)
			continue;
		smp_kick(cpu);
		while (__atomic_load_n(&cpus[cpu].in_guest, __ATOMIC_SEQ_CST) == d &&
		       (__atomic_load_n(&d->arch.flush_pending, __ATOMIC_SEQ_CST) & (1ULL << cpu)))
			cpu_relax();
	}
}

static const struct p2m_table_ops p2m_tables = {
    .alloc = p2m_table_alloc,
    .free = p2m_table_free,
    .map = p2m_table_map,
    .flush = p2m_table_flush,
};

int arch_domain_create(struct domain *d)
{
	bool allow_2m, allow_1g;

	if (!hvm)
		return -ENODEV;
	hvm->p2m_page_sizes(&allow_2m, &allow_1g);
	/* A new p2m's root may be an old one's page: no CPU may trust what it cached under it. */
	d->arch.flush_pending = ~0ULL;
	return p2m_init(&d->arch.p2m, hvm->p2m_format, &p2m_tables, d, allow_2m, allow_1g);
}

void arch_domain_destroy(struct domain *d)
{
	p2m_destroy(&d->arch.p2m);
}

/* The builder's RAM: 2 MiB extents where the frames line up, else 4 KiB ones. */
int domain_populate_ram(struct domain *d, uint64_t gfn, uint64_t nr)
{
	d->max_pages += nr;
	while (nr) {
		unsigned int order = !(gfn & 511) && nr >= 512 ? 9 : 0;
		int rc = guest_ram_populate(d, _gfn(gfn), order);

		if (rc == -ENOMEM && order) {
			order = 0;
			rc = guest_ram_populate(d, _gfn(gfn), order);
		}
		if (rc < 0)
			return rc;
		gfn += 1ULL << order;
		nr -= 1ULL << order;
		if (gfn > d->arch.ram_end_gfn)
			d->arch.ram_end_gfn = gfn;
	}
	return 0;
}

uint64_t domain_ram_end(const struct domain *d)
{
	return d->arch.ram_end_gfn << PAGE_SHIFT;
}

int arch_map_hyp_page(struct domain *d, uint64_t gfn, void *va)
{
	if (gfn >= d->arch.p2m.max_gfn)
		return -EINVAL;
	return p2m_map(&d->arch.p2m, _gfn(gfn), _mfn(va_to_pa(va) >> PAGE_SHIFT), 1, P2M_ACCESS_R | P2M_ACCESS_W,
		       P2M_MT_WB);
}

int arch_map_shared_info(struct domain *d, uint64_t gfn)
{
	return arch_map_hyp_page(d, gfn, d->shared_info);
}

/* The heap aligns struct vcpu as the FXSAVE area inside it needs. */
_Static_assert(_Alignof(struct vcpu) <= HEAP_MIN_ALIGN, "vCPUs come from the heap");

int arch_vcpu_create(struct vcpu *v)
{
	hvm_fpu_init(&v->arch.hvm.fpu);
	return hvm->vcpu_create(v);
}

void arch_vcpu_destroy(struct vcpu *v)
{
	hvm->vcpu_destroy(v);
}

void arch_vcpu_dump(struct vcpu *v)
{
	const struct guest_regs *r = &v->arch.hvm.regs;
	const uint64_t *g = r->gpr;

	printk("(d%u) vCPU%u: RIP %016lx RFLAGS %016lx after %lu exits (last: %s)\n", v->domain->domain_id, v->vcpu_id,
	       r->rip, r->rflags, v->arch.hvm.exits, hvm_exit_name(v->arch.hvm.exit.reason));
	printk("  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", g[GPR_RAX], g[GPR_RBX], g[GPR_RCX], g[GPR_RDX]);
	printk("  RSI %016lx RDI %016lx RBP %016lx RSP %016lx\n", g[GPR_RSI], g[GPR_RDI], g[GPR_RBP], g[GPR_RSP]);
	printk("  R8  %016lx R9  %016lx R10 %016lx R11 %016lx\n", g[GPR_R8], g[GPR_R9], g[GPR_R10], g[GPR_R11]);
	printk("  R12 %016lx R13 %016lx R14 %016lx R15 %016lx\n", g[GPR_R12], g[GPR_R13], g[GPR_R14], g[GPR_R15]);
	printk("  CR0 %016lx CR3 %016lx CR4 %016lx CPL %u\n", hvm->get_cr(v, 0), hvm->get_cr(v, 3), hvm->get_cr(v, 4),
	       hvm->get_cpl(v));
	hvm->dump(v);
}

unsigned int arch_cpu_id(void)
{
	return smp_processor_id();
}

/*
 * Waits until every other CPU that was inside a hypercall has left it (its
 * sequence number was odd and changed): anything it looked up before then
 * is no longer in use.
 */
void arch_synchronize_hypercalls(void)
{
	uint64_t seen[MAX_CPUS];
	unsigned int me = smp_processor_id();

	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++)
		seen[cpu] = __atomic_load_n(&cpus[cpu].hypercall_seq, __ATOMIC_SEQ_CST);
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++)
		while (cpu != me && (seen[cpu] & 1) &&
		       __atomic_load_n(&cpus[cpu].hypercall_seq, __ATOMIC_SEQ_CST) == seen[cpu])
			cpu_relax();
}
