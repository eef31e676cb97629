/* The control interface's unit-test world (ctl_fake.h): fakes of what kernel/ctl.c calls, and the fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_fake.h"
#include <public/mica/ctl.h>
#include <asm/hvm.h>
#include <mica/buddy.h>
#include <mica/console_ring.h>
#include <mica/dma_mem.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/foreign_map.h>
#include <mica/guest_mem.h>
#include <mica/guest_ram.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/iomem.h>
#include <mica/mm.h>
#include <mica/physinfo.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/io/console.h>
#include <xen/xen.h>

/* ---- fake guest memory: GUEST_SIZE bytes at guest-virtual GUEST_BASE; writes to [ro_lo, ro_hi) fail */
uint8_t guest[GUEST_SIZE];
uint64_t ro_lo, ro_hi;

static bool in_guest(uint64_t gva, size_t len)
{
	return gva >= GUEST_BASE && len <= GUEST_SIZE && gva - GUEST_BASE <= GUEST_SIZE - len;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	if (!in_guest(gva, len))
		return -EFAULT;
	memcpy(dst, guest + (gva - GUEST_BASE), len);
	return 0;
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
	if (!in_guest(gva, len) || (gva < ro_hi && gva + len > ro_lo))
		return -EFAULT;
	memcpy(guest + (gva - GUEST_BASE), src, len);
	return 0;
}

/* ---- fakes of the rest of the hypervisor */
void printk(const char *fmt, ...)
{
	(void)fmt;
}

int snprintf_k(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void *xzalloc(size_t size)
{
	return calloc(1, size);
}

void *xmalloc(size_t size)
{
	return malloc(size ? size : 1);
}

void xfree(void *p)
{
	free(p);
}

void heap_trim(void)
{
}

uint64_t fake_now = 5000;

uint64_t now_ns(void)
{
	return fake_now;
}

uint64_t mm_total_bytes(void)
{
	return TOTAL_PAGES << PAGE_SHIFT;
}

uint64_t mm_free_bytes(void)
{
	return FREE_PAGES << PAGE_SHIFT;
}

void arch_physinfo(struct mica_ctl_physinfo *pi)
{
	pi->nr_cpus = 2;
	pi->cpu_online_mask = 3;
	pi->hvm = MICA_CTL_HVM_SVM;
	pi->features = MICA_CTL_PHYS_P2M_2M;
	pi->cpu_khz = 2000000;
}

struct domain *doms[DOMAIN_ID_MAX];
static struct fake_mem mems[DOMAIN_ID_MAX];
int starts, pauses, unpauses, kills, populates, init_states;
bool create_fails;
struct hvm_init_state last_state;
/* Guest RAM extents given (by the fake guest_ram_populate below) */
#define MAX_EXTENTS 4096
static struct extent {
	struct domain *d;
	uint64_t gfn;
	unsigned int order;
} extents[MAX_EXTENTS];
int populate_ok; /* extents that still succeed; negative: all */
unsigned int live_refs;

struct domain *domain_lookup(domid_t id)
{
	return id < DOMAIN_ID_MAX ? doms[id] : NULL;
}

bool torn_down[DOMAIN_ID_MAX];

bool domain_id_torn_down(domid_t id)
{
	return id < DOMAIN_ID_MAX && torn_down[id];
}

unsigned int domain_count(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < DOMAIN_ID_MAX; i++)
		n += doms[i] != NULL;
	return n;
}

struct domain *domain_create(domid_t id, const char *name, unsigned int max_vcpus)
{
	struct domain *d;

	if (create_fails || id >= DOMAIN_ID_MAX || doms[id] || !max_vcpus || max_vcpus > DOMAIN_MAX_VCPUS)
		return NULL;
	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	d->domain_id = id;
	d->created_ns = now_ns();
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->max_vcpus = max_vcpus;
	d->state = DOMAIN_BUILDING;
	d->pause_count = 1;
	d->sched.weight = 256;
	fake_init(&mems[id]);
	assert_int_equal(p2m_init(&d->arch.p2m, &p2m_npt_ops, &fake_table_ops, &mems[id], true, false), 0);
	for (unsigned int i = 0; i < max_vcpus; i++) {
		struct vcpu *v = calloc(1, sizeof(*v));

		assert_non_null(v);
		v->domain = d;
		v->vcpu_id = i;
		v->pause_flags = VPF_DOWN;
		v->runstate.state = RUNSTATE_offline;
		v->sched.affinity = ~0ULL;
		d->vcpus[i] = v;
	}
	doms[id] = d;
	return d;
}

void fake_destroy(struct domain *d)
{
	foreign_map_domain_gone(d);
	dma_mem_destroy(d);
	for (unsigned int i = 0; i < MAX_EXTENTS; i++)
		if (extents[i].d == d)
			extents[i].d = NULL;
	doms[d->domain_id] = NULL;
	p2m_destroy(&d->arch.p2m);
	assert_int_equal(mems[d->domain_id].live, 0);
	fake_release(&mems[d->domain_id]);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		free(d->vcpus[i]);
	free(d);
}

void domain_start(struct domain *d)
{
	starts++;
	d->state = DOMAIN_RUNNING;
	d->pause_count--;
}

void domain_pause(struct domain *d)
{
	pauses++;
	d->pause_count++;
}

void domain_unpause(struct domain *d)
{
	unpauses++;
	d->pause_count--;
}

bool console_fails;

int domain_console_setup(struct domain *d)
{
	if (console_fails)
		return -ENOMEM;
	static struct xencons_interface ring; /* never touched by the interface */

	d->hvm_params[HVM_PARAM_CONSOLE_PFN] = DOMAIN_CONSOLE_GFN;
	d->console_ring = &ring;
	return 0;
}

/* The console's input (kernel/domain_console.c's contract). */
int fake_focus = -1, fake_attached = -1;
domid_t fake_attach_back;

void domain_console_attach(struct domain *d, domid_t back)
{
	fake_focus = d->domain_id;
	fake_attached = d->domain_id == back ? -1 : d->domain_id;
	fake_attach_back = back;
}

int domain_console_focus_id(void)
{
	return fake_focus;
}

int domain_console_attached_id(void)
{
	return fake_attached;
}

bool domain_kill(struct domain *d)
{
	if (d->dying)
		return false;
	kills++;
	d->dying = true;
	return true;
}

/* Guest RAM (kernel/guest_ram.c's contract) over the real physical map: frame (id + 1) << 24 | gfn. */

uint64_t frame_of(domid_t id, uint64_t gfn)
{
	return ((uint64_t)id + 1) << 24 | gfn;
}

int guest_ram_populate(struct domain *d, gfn_t gfn, unsigned int order)
{
	uint64_t nr = 1ULL << order;

	if (order > GUEST_RAM_MAX_ORDER || (gfn_x(gfn) & (nr - 1)))
		return -EINVAL;
	for (uint64_t i = 0; i < nr; i++)
		if (arch_physmap_query(d, gfn_add(gfn, i), NULL, NULL) != -ENOENT)
			return -EBUSY;
	if (d->mem_pages + nr > d->max_pages || populate_ok == 0)
		return -ENOMEM;
	if (populate_ok > 0)
		populate_ok--;
	populates++;
	assert_int_equal(arch_physmap_map(d, gfn, _mfn(frame_of(d->domain_id, gfn_x(gfn))), nr, PHYSMAP_RAM), 0);
	d->mem_pages += nr;
	for (unsigned int i = 0; i < MAX_EXTENTS; i++)
		if (!extents[i].d) {
			extents[i] = (struct extent){d, gfn_x(gfn), order};
			return 0;
		}
	fail();
	return -ENOMEM;
}

int guest_ram_unpopulate(struct domain *d, gfn_t gfn, unsigned int *order)
{
	for (unsigned int i = 0; i < MAX_EXTENTS; i++) {
		if (extents[i].d != d || extents[i].gfn != gfn_x(gfn))
			continue;
		*order = extents[i].order;
		arch_physmap_unmap(d, gfn, 1ULL << *order);
		d->mem_pages -= 1ULL << *order;
		extents[i].d = NULL;
		return 0;
	}
	return -ENOENT;
}

int guest_ram_release(struct domain *d, gfn_t gfn)
{
	fail(); /* the undo of a populate only needs it when the domain changed its RAM meanwhile */
	return -ENOENT;
}

bool page_get(mfn_t mfn, uint16_t domid)
{
	if ((mfn_x(mfn) >> 24) != (uint64_t)domid + 1)
		return false;
	live_refs++;
	return true;
}

void page_put(mfn_t mfn)
{
	assert_true(live_refs > 0);
	live_refs--;
}

int sched_set_domain_params(struct domain *d, unsigned int weight, unsigned int cap)
{
	if (weight < 1 || weight > 65535 || cap > 200)
		return -EINVAL;
	d->sched.weight = (uint16_t)weight;
	d->sched.cap = cap;
	return 0;
}

int vcpu_set_affinity(struct vcpu *v, uint64_t mask)
{
	if (!(mask & 3))
		return -EINVAL;
	v->sched.affinity = mask;
	return 0;
}

void vcpu_pause_flags_clear(struct vcpu *v, unsigned int flags)
{
	v->pause_flags &= ~flags;
}

void hvm_vcpu_set_init_state(struct vcpu *v, const struct hvm_init_state *st)
{
	init_states++;
	last_state = *st;
}

/* ---- machine memory: a real buddy allocator over frames below and above 4 GiB */
static struct page_info machine_frames[MACHINE_FRAMES];
struct buddy machine;
unsigned int cleared, assigned, released;

paddr_t alloc_pages_range(unsigned int order, paddr_t lo, paddr_t hi)
{
	uint64_t pfn;

	return buddy_alloc_range(&machine, order, lo >> PAGE_SHIFT, hi >> PAGE_SHIFT, &pfn) ? pfn << PAGE_SHIFT : 0;
}

void free_pages(paddr_t pa, unsigned int order)
{
	assert_true(buddy_free(&machine, pa >> PAGE_SHIFT, order));
}

void clear_pages(paddr_t pa, unsigned int order)
{
	cleared += 1u << order;
}

void page_assign(mfn_t mfn, unsigned int order, uint16_t domid)
{
	unsigned int o;

	assert_true(buddy_is_allocated(&machine, mfn_x(mfn), &o));
	assert_int_equal(o, order);
	assigned += 1u << order;
}

void page_release(mfn_t mfn, unsigned int order)
{
	released += 1u << order;
	free_pages(mfn_to_maddr(mfn), order);
}

/* ---- fixture: dom0 (privileged) calls from its vCPU 0 */
struct domain *dom0;
struct vcpu *caller;

int setup(void **state)
{
	memset(guest, 0, sizeof(guest));
	ro_lo = ro_hi = 0;
	starts = pauses = unpauses = kills = populates = init_states = 0;
	create_fails = console_fails = false;
	fake_now = 5000;
	fake_focus = 0;
	fake_attached = -1;
	populate_ok = -1;
	live_refs = 0;
	memset(extents, 0, sizeof(extents));
	memset(torn_down, 0, sizeof(torn_down));
	buddy_init(&machine, machine_frames, 0, MACHINE_FRAMES);
	buddy_add_free_range(&machine, LOW_RAM_FIRST, LOW_RAM_PAGES);
	buddy_add_free_range(&machine, HIGH_RAM_FIRST, HIGH_RAM_PAGES);
	cleared = assigned = released = 0;
	iomem_deny_reset();
	dom0 = domain_create(0, "dom0", 2);
	dom0->privileged = true;
	dom0->state = DOMAIN_RUNNING;
	dom0->pause_count = 0;
	dom0->vcpus[0]->pause_flags = 0;
	caller = dom0->vcpus[0];
	return 0;
}

int teardown(void **state)
{
	for (unsigned int i = DOMAIN_ID_MAX; i-- > 0;)
		if (doms[i])
			fake_destroy(doms[i]);
	return 0;
}

struct mica_ctl req(uint32_t cmd, domid_t domain)
{
	struct mica_ctl c;

	memset(&c, 0, sizeof(c));
	c.cmd = cmd;
	c.interface_version = MICA_CTL_INTERFACE_VERSION;
	c.domain = domain;
	return c;
}

/* Issues c from dom0's vCPU 0 and reads back what the hypervisor wrote. */
long ctl(struct mica_ctl *c)
{
	uint64_t args[HYPERCALL_MAX_ARGS] = {CTL_AT};
	long rc;

	memcpy(guest, c, sizeof(*c));
	rc = do_ctl(caller, args);
	memcpy(c, guest, sizeof(*c));
	return rc;
}

long simple(uint32_t cmd, domid_t domain)
{
	struct mica_ctl c = req(cmd, domain);

	return ctl(&c);
}

/* A new domain through the interface, as a toolstack makes one. */
domid_t create(domid_t want, uint32_t vcpus, uint64_t max_pages)
{
	struct mica_ctl c = req(MICA_CTL_DOMAIN_CREATE, want);
	long rc;

	c.u.create.max_vcpus = vcpus;
	c.u.create.max_pages = max_pages;
	snprintf(c.u.create.name, sizeof(c.u.create.name), "guest");
	rc = ctl(&c);
	assert_true(rc > 0);
	assert_int_equal(c.domain, rc);
	return (domid_t)rc;
}

struct mica_ctl_dominfo info(domid_t id)
{
	struct mica_ctl c = req(MICA_CTL_DOMAIN_INFO, id);

	assert_int_equal(ctl(&c), 0);
	return c.u.info;
}
