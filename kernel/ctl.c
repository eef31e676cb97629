/*
 * The control interface (include/public/mica/ctl.h, docs/abi.md): the one
 * privileged hypercall a toolstack builds and runs domains with. Each command
 * is an entry of ctl_cmds[] saying which union member it uses, which domain
 * it acts on and whether the structure goes back to the caller; what all
 * commands share (privilege, version, reserved bytes, the domain, writing
 * back) is checked once in do_ctl() before the command runs.
 */
#include <public/mica/ctl.h>
#include <asm/hvm.h>
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
#include <mica/spinlock.h>
#include <mica/string.h>
#include <mica/timer.h>
#include <mica/vcpu_context.h>
#include <xen/hvm/hvm_vcpu.h>

#include "ctl_int.h"

_Static_assert(sizeof(struct mica_ctl) == 128, "struct mica_ctl is 128 bytes");
_Static_assert(offsetof(struct mica_ctl, u) == 16, "the union starts at byte 16");
_Static_assert(sizeof(struct mica_ctl_dominfo) == 88, "dominfo records are 88 bytes");
_Static_assert(MICA_CTL_MAP_MAX == FOREIGN_MAP_MAX_PAGES, "one limit for foreign mappings");
_Static_assert(MICA_CTL_NAME_LEN == DOMAIN_NAME_MAX, "one length for domain names");
_Static_assert(MICA_CTL_DMA_MAX_PAGES == 1u << DMA_MEM_MAX_ORDER, "one limit for DMA blocks");
_Static_assert(IOMEM_MAX_PAGES == 65536, "docs/abi.md: MICA_CTL_IOMEM_MAP maps at most 65536 pages");
_Static_assert(DOMAIN_MAX_VCPUS <= 64 && DOMAIN_ID_MAX <= 0x7ff0, "fits the ABI");

#define CTL_PAUSE_MAX 255 /* nested toolstack pauses of one domain */

/* What struct mica_ctl.domain names. */
enum ctl_target {
	CTL_SYSTEM, /* nothing: it must be 0 */
	CTL_ID,     /* an id the command interprets itself (create, list, unmap) */
	CTL_DOMAIN, /* a live domain, the caller's own included */
	CTL_OTHER,  /* a live domain other than the caller's */
};

typedef long (*ctl_fn)(struct vcpu *v, struct domain *d, struct mica_ctl *c);

struct ctl_cmd {
	ctl_fn fn;
	uint8_t size;   /* bytes of the union it uses; the rest must be 0 */
	uint8_t target; /* enum ctl_target */
	bool copy_back; /* the structure is written back to the caller */
	bool dying_ok;  /* may act on a domain being destroyed */
};

/* Serializes creation, populating, renaming, device mappings and the toolstack's pause counts. */
spinlock_t ctl_lock = SPINLOCK_INIT;

static uint64_t total_pages(void)
{
	return mm_total_bytes() >> PAGE_SHIFT;
}

bool ctl_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static struct vcpu *vcpu_of(struct domain *d, uint32_t id)
{
	return id < d->max_vcpus ? d->vcpus[id] : NULL;
}

/* ---- the machine */

static long ctl_physinfo(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	struct mica_ctl_physinfo *pi = &c->u.physinfo;

	memset(pi, 0, sizeof(*pi));
	heap_trim(); /* the heap's cached empty pages are free memory too */
	arch_physinfo(pi);
	pi->total_pages = total_pages();
	pi->free_pages = mm_free_bytes() >> PAGE_SHIFT;
	pi->max_domains = DOMAIN_ID_MAX;
	pi->max_vcpus = DOMAIN_MAX_VCPUS;
	pi->nr_domains = domain_count();
	return 0;
}

/* Returns the bytes read; a writer that laps the reader only costs it bytes (counted in lost). */
static long ctl_console_read(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	struct mica_ctl_console_read *r = &c->u.console_read;
	uint64_t pos = r->index, lost = 0;
	uint32_t done = 0;
	char chunk[256];

	if (r->pad || r->size > MICA_CTL_CONSOLE_READ_MAX || r->index > console_ring_head())
		return -EINVAL;
	for (unsigned int tries = 0; done < r->size && tries < 2 * MICA_CTL_CONSOLE_READ_MAX / sizeof(chunk); tries++) {
		size_t n = console_ring_read(&pos, chunk, MIN(sizeof(chunk), (size_t)(r->size - done)), &lost);

		if (!n && pos >= console_ring_head())
			break;
		if (copy_to_guest(v, r->buffer + done, chunk, n))
			return -EFAULT;
		done += (uint32_t)n;
	}
	r->index = pos;
	r->lost = lost;
	r->size = done;
	return done;
}

/* ---- creating and destroying */

static bool name_ok(const char *name)
{
	size_t i;

	for (i = 0; i < MICA_CTL_NAME_LEN && name[i]; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			return false;
	return i < MICA_CTL_NAME_LEN;
}

static bool action_ok(uint8_t a)
{
	return a == MICA_CTL_ACTION_DESTROY || a == MICA_CTL_ACTION_RESTART || a == MICA_CTL_ACTION_PRESERVE;
}

static uint8_t action_of(uint8_t a)
{
	if (a == MICA_CTL_ACTION_RESTART)
		return DOMAIN_ACTION_RESTART; /* the toolstack's: d->toolstack_restarts */
	return a == MICA_CTL_ACTION_PRESERVE ? DOMAIN_ACTION_PRESERVE : DOMAIN_ACTION_DESTROY;
}

/* An id nothing uses: no live domain, and none being torn down. */
static bool id_free(domid_t id)
{
	return !domain_lookup(id) && !domain_id_torn_down(id);
}

/* The lowest free id above 0 (dom0's), or 0 if there is none. */
static domid_t free_domid(void)
{
	for (domid_t id = 1; id < DOMAIN_ID_MAX; id++)
		if (id_free(id))
			return id;
	return 0;
}

/*
 * A BUILDING domain, paused once by the toolstack (the first unpause starts
 * it), with the hypervisor's PV console ring as boot domains have it.
 */
static long ctl_create(struct vcpu *v, struct domain *unused, struct mica_ctl *c)
{
	const struct mica_ctl_create *cr = &c->u.create;
	char name[DOMAIN_NAME_MAX];
	domid_t id = c->domain;
	struct domain *d;

	if (!cr->max_vcpus || cr->max_vcpus > DOMAIN_MAX_VCPUS || cr->flags ||
	    !ctl_all_zero(cr->pad, sizeof(cr->pad)) || cr->max_pages > total_pages() || !action_ok(cr->on_poweroff) ||
	    !action_ok(cr->on_reboot) || !action_ok(cr->on_crash) || !name_ok(cr->name) || id >= DOMAIN_ID_MAX)
		return -EINVAL;
	spin_lock(&ctl_lock);
	if (!id)
		id = free_domid();
	if (!id || !id_free(id)) {
		spin_unlock(&ctl_lock);
		return c->domain ? -EEXIST : -ENOSPC;
	}
	if (cr->name[0])
		mica_strlcpy(name, cr->name, sizeof(name));
	else
		snprintf_k(name, sizeof(name), "d%u", id);
	d = domain_create(id, name, cr->max_vcpus);
	if (!d) {
		spin_unlock(&ctl_lock);
		return -ENOMEM;
	}
	d->max_pages = cr->max_pages;
	d->on_poweroff = action_of(cr->on_poweroff);
	d->on_reboot = action_of(cr->on_reboot);
	d->on_crash = action_of(cr->on_crash);
	d->toolstack_restarts = true;
	d->ctl_pause_count = 1;
	spin_unlock(&ctl_lock);
	/* Its console, as boot domains get it, until dom0 serves consoles (kernel/domain_console.c). */
	if (domain_console_setup(d) < 0) {
		domain_kill(d);
		return -ENOMEM;
	}
	c->domain = id;
	printk("Mica: d%u (%s) created by d%u: %u vCPU%s, up to %lu KiB\n", id, d->name, v->domain->domain_id,
	       cr->max_vcpus, cr->max_vcpus == 1 ? "" : "s", cr->max_pages << (PAGE_SHIFT - 10));
	return id;
}

/* Destroying a domain that is already going (or being torn down: d is NULL) is not an error. */
static long ctl_destroy(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	if (d && domain_kill(d))
		printk("Mica: d%u (%s) is being destroyed by d%u\n", d->domain_id, d->name, v->domain->domain_id);
	return 0;
}

/* Returns once none of its vCPUs is on a CPU. */
static long ctl_pause(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	long rc = 0;

	spin_lock(&ctl_lock);
	if (d->ctl_pause_count >= CTL_PAUSE_MAX) {
		rc = -EBUSY;
	} else {
		d->ctl_pause_count++;
		domain_pause(d);
	}
	spin_unlock(&ctl_lock);
	return rc;
}

static long ctl_unpause(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	long rc = 0;

	spin_lock(&ctl_lock);
	if (!d->ctl_pause_count)
		rc = -EINVAL;
	else if (--d->ctl_pause_count == 0 && d->state == DOMAIN_BUILDING)
		domain_start(d); /* drops the creation pause */
	else
		domain_unpause(d);
	spin_unlock(&ctl_lock);
	return rc;
}

/* ---- looking at domains */

static const uint8_t ctl_states[] = {
    [DOMAIN_BUILDING] = MICA_CTL_STATE_BUILDING,
    [DOMAIN_RUNNING] = MICA_CTL_STATE_RUNNING,
    [DOMAIN_SHUTDOWN] = MICA_CTL_STATE_SHUTDOWN,
    [DOMAIN_CRASHED] = MICA_CTL_STATE_CRASHED,
};

/* Time in RUNSTATE_running, the current stretch included (read without the scheduler lock). */
static uint64_t vcpu_cpu_time(const struct vcpu *v)
{
	const struct vcpu_runstate_info *r = &v->runstate;
	uint64_t t = __atomic_load_n(&r->time[RUNSTATE_running], __ATOMIC_RELAXED);
	uint64_t since = __atomic_load_n(&r->state_entry_time, __ATOMIC_RELAXED), now = now_ns();

	if (__atomic_load_n(&r->state, __ATOMIC_RELAXED) == RUNSTATE_running && now > since)
		t += now - since;
	return t;
}

/*
 * A snapshot: the fields are read without a lock. A domain being torn down
 * (d is NULL) is only an id, dying, until its memory is back.
 */
static void fill_info(domid_t id, struct domain *d, struct mica_ctl_dominfo *i)
{
	memset(i, 0, sizeof(*i));
	if (!d) {
		i->domain = id;
		i->state = MICA_CTL_STATE_SHUTDOWN;
		i->flags = MICA_CTL_DOMF_DYING;
		return;
	}
	i->domain = d->domain_id;
	i->state = ctl_states[d->state];
	i->shutdown_reason = domain_is_dead(d) ? (uint8_t)d->shutdown_reason : 0;
	i->flags = (d->privileged ? MICA_CTL_DOMF_PRIVILEGED : 0) |
		   (__atomic_load_n(&d->ctl_pause_count, __ATOMIC_RELAXED) ? MICA_CTL_DOMF_PAUSED : 0) |
		   (__atomic_load_n(&d->dying, __ATOMIC_RELAXED) ? MICA_CTL_DOMF_DYING : 0);
	i->pages = d->mem_pages;
	i->max_pages = d->max_pages;
	i->generation = d->generation;
	i->uptime_ns = now_ns() - d->created_ns;
	i->max_vcpus = d->max_vcpus;
	for (unsigned int n = 0; n < d->max_vcpus; n++) {
		struct vcpu *v = d->vcpus[n];

		if (!v)
			continue;
		i->cpu_time_ns += vcpu_cpu_time(v);
		if (!(__atomic_load_n(&v->pause_flags, __ATOMIC_RELAXED) & VPF_DOWN))
			i->online_vcpus++;
	}
	mica_strlcpy(i->name, d->name, sizeof(i->name));
}

static long ctl_info(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	fill_info(c->domain, d, &c->u.info);
	return 0;
}

/* Live domains from id c->domain on; returns how many records were written. */
static long ctl_list(struct vcpu *v, struct domain *unused, struct mica_ctl *c)
{
	struct mica_ctl_list *l = &c->u.list;
	struct mica_ctl_dominfo rec;
	uint32_t n = 0;

	for (unsigned int id = c->domain; id < DOMAIN_ID_MAX && n < l->max_entries; id++) {
		struct domain *d = domain_lookup((domid_t)id);

		if (!d && !domain_id_torn_down((domid_t)id))
			continue;
		fill_info((domid_t)id, d, &rec);
		if (copy_to_guest(v, l->buffer + (uint64_t)n * sizeof(rec), &rec, sizeof(rec)))
			return -EFAULT;
		n++;
	}
	l->nr_entries = n;
	return n;
}

/* ---- memory */

static long ctl_set_max_mem(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	if (c->u.max_mem.max_pages > total_pages())
		return -EINVAL;
	__atomic_store_n(&d->max_pages, c->u.max_mem.max_pages, __ATOMIC_RELAXED);
	return 0;
}

/* 0 if [gfn, gfn + nr) is all holes; -EBUSY if something is mapped, -EINVAL if it leaves the physical map. */
long ctl_range_unmapped(struct domain *d, uint64_t gfn, uint64_t nr)
{
	for (uint64_t i = 0; i < nr; i++) {
		int rc = arch_physmap_query(d, _gfn(gfn + i), NULL, NULL);

		if (rc != -ENOENT)
			return rc == 0 ? -EBUSY : rc;
	}
	return 0;
}

/*
 * 2 MiB extents where the frames line up, else 4 KiB ones, as the builder
 * does. If one fails, the extents given are taken back (without needing
 * memory; frame by frame only if the domain changed them meanwhile).
 */
static long populate_range(struct domain *d, uint64_t gfn, uint64_t nr)
{
	uint64_t done = 0;
	long rc = 0;

	while (done < nr && rc == 0) {
		unsigned int order = !((gfn + done) & 511) && nr - done >= 512 ? 9 : 0;

		rc = guest_ram_populate(d, _gfn(gfn + done), order);
		if (rc == -ENOMEM && order) {
			order = 0;
			rc = guest_ram_populate(d, _gfn(gfn + done), order);
		}
		if (rc == 0)
			done += 1ULL << order;
	}
	for (uint64_t g = gfn; rc < 0 && g < gfn + done;) {
		unsigned int order = 0;

		if (guest_ram_unpopulate(d, _gfn(g), &order) < 0)
			guest_ram_release(d, _gfn(g));
		g += 1ULL << order;
	}
	return rc;
}

static long ctl_populate(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	const struct mica_ctl_populate *p = &c->u.populate;
	long rc;

	if (!p->nr_pages || p->nr_pages > MICA_CTL_POPULATE_MAX || p->gfn + p->nr_pages < p->gfn)
		return -EINVAL;
	spin_lock(&ctl_lock);
	rc = ctl_range_unmapped(d, p->gfn, p->nr_pages);
	if (rc == 0 && d->mem_pages + p->nr_pages > __atomic_load_n(&d->max_pages, __ATOMIC_RELAXED))
		rc = -ENOMEM;
	if (rc == 0)
		rc = populate_range(d, p->gfn, p->nr_pages);
	spin_unlock(&ctl_lock);
	return rc;
}

static long ctl_map_foreign(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	const struct mica_ctl_map_foreign *m = &c->u.map_foreign;

	if (m->flags & ~MICA_CTL_MAP_READONLY)
		return -EINVAL;
	return foreign_map(v->domain, d, _gfn(m->gfn), _gfn(m->caller_gfn), m->nr_pages,
			   m->flags & MICA_CTL_MAP_READONLY);
}

/* The mapped domain may be gone (its mapped pages outlive it): it is only an id here. */
static long ctl_unmap_foreign(struct vcpu *v, struct domain *unused, struct mica_ctl *c)
{
	return foreign_unmap(v->domain, c->domain, _gfn(c->u.unmap_foreign.caller_gfn));
}

/* ---- vCPUs and scheduling */

/* Only a vCPU that is down gets a new state; the domain is paused meanwhile, so none comes up. */
static long ctl_vcpu_context(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	const struct mica_ctl_vcpu_context *vc = &c->u.vcpu_context;
	struct vcpu *t = vcpu_of(d, vc->vcpu);
	struct vcpu_hvm_context ctx;
	struct hvm_init_state st;
	long rc;

	if (vc->flags & ~MICA_CTL_VCPU_UP)
		return -EINVAL;
	if (!t)
		return -ENOENT;
	if (copy_from_guest(v, &ctx, vc->context, sizeof(ctx)))
		return -EFAULT;
	rc = vcpu_context_to_init_state(&ctx, &st);
	if (rc < 0)
		return rc;
	domain_pause(d);
	if (!(__atomic_load_n(&t->pause_flags, __ATOMIC_ACQUIRE) & VPF_DOWN)) {
		rc = -EBUSY;
	} else {
		hvm_vcpu_set_init_state(t, &st);
		__atomic_store_n(&t->initialised, true, __ATOMIC_RELEASE);
		if (vc->flags & MICA_CTL_VCPU_UP)
			vcpu_pause_flags_clear(t, VPF_DOWN);
	}
	domain_unpause(d);
	return rc;
}

static long ctl_get_affinity(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	struct mica_ctl_affinity *a = &c->u.affinity;
	struct vcpu *t = vcpu_of(d, a->vcpu);

	if (a->pad)
		return -EINVAL;
	if (!t)
		return -ENOENT;
	a->cpumask = __atomic_load_n(&t->sched.affinity, __ATOMIC_RELAXED);
	return 0;
}

static long ctl_set_affinity(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	const struct mica_ctl_affinity *a = &c->u.affinity;
	struct vcpu *t = vcpu_of(d, a->vcpu);

	if (a->pad)
		return -EINVAL;
	if (!t)
		return -ENOENT;
	return vcpu_set_affinity(t, a->cpumask); /* -EINVAL without an online CPU */
}

static long ctl_sched_get(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	c->u.sched.weight = __atomic_load_n(&d->sched.weight, __ATOMIC_RELAXED);
	c->u.sched.cap = __atomic_load_n(&d->sched.cap, __ATOMIC_RELAXED);
	return 0;
}

static long ctl_sched_set(struct vcpu *v, struct domain *d, struct mica_ctl *c)
{
	return sched_set_domain_params(d, c->u.sched.weight, c->u.sched.cap); /* -EINVAL out of range */
}

/* ---- dispatch */

/* Bytes of the union a command's member takes. */
#define U_SIZE(member) sizeof(((struct mica_ctl *)0)->u.member)

static const struct ctl_cmd ctl_cmds[] = {
    [MICA_CTL_PHYSINFO] = {ctl_physinfo, U_SIZE(physinfo), CTL_SYSTEM, true, false},
    [MICA_CTL_CONSOLE_READ] = {ctl_console_read, U_SIZE(console_read), CTL_SYSTEM, true, false},
    [MICA_CTL_DOMAIN_CREATE] = {ctl_create, U_SIZE(create), CTL_ID, true, false},
    [MICA_CTL_DOMAIN_DESTROY] = {ctl_destroy, 0, CTL_OTHER, false, true},
    [MICA_CTL_DOMAIN_PAUSE] = {ctl_pause, 0, CTL_OTHER, false, false},
    [MICA_CTL_DOMAIN_UNPAUSE] = {ctl_unpause, 0, CTL_OTHER, false, false},
    [MICA_CTL_DOMAIN_INFO] = {ctl_info, U_SIZE(info), CTL_DOMAIN, true, true},
    [MICA_CTL_DOMAIN_LIST] = {ctl_list, U_SIZE(list), CTL_ID, true, false},
    [MICA_CTL_SET_MAX_MEM] = {ctl_set_max_mem, U_SIZE(max_mem), CTL_DOMAIN, false, false},
    [MICA_CTL_POPULATE] = {ctl_populate, U_SIZE(populate), CTL_OTHER, false, false},
    [MICA_CTL_MAP_FOREIGN] = {ctl_map_foreign, U_SIZE(map_foreign), CTL_OTHER, false, false},
    [MICA_CTL_UNMAP_FOREIGN] = {ctl_unmap_foreign, U_SIZE(unmap_foreign), CTL_ID, false, false},
    [MICA_CTL_VCPU_SET_CONTEXT] = {ctl_vcpu_context, U_SIZE(vcpu_context), CTL_OTHER, false, false},
    [MICA_CTL_VCPU_GET_AFFINITY] = {ctl_get_affinity, U_SIZE(affinity), CTL_DOMAIN, true, false},
    [MICA_CTL_VCPU_SET_AFFINITY] = {ctl_set_affinity, U_SIZE(affinity), CTL_DOMAIN, false, false},
    [MICA_CTL_SCHED_GET] = {ctl_sched_get, U_SIZE(sched), CTL_DOMAIN, true, false},
    [MICA_CTL_SCHED_SET] = {ctl_sched_set, U_SIZE(sched), CTL_DOMAIN, false, false},
    [MICA_CTL_DMA_ALLOC] = {ctl_dma_alloc, U_SIZE(dma), CTL_SYSTEM, true, false},
    [MICA_CTL_DMA_FREE] = {ctl_dma_free, U_SIZE(dma), CTL_SYSTEM, false, false},
    [MICA_CTL_IOMEM_MAP] = {ctl_iomem_map, U_SIZE(iomem), CTL_SYSTEM, false, false},
    [MICA_CTL_CONSOLE_ATTACH] = {ctl_console_attach, U_SIZE(console), CTL_ID, true, false},
    [MICA_CTL_DOMAIN_RENAME] = {ctl_rename, U_SIZE(rename), CTL_DOMAIN, false, false},
};

/* The domain a command acts on, or why there is none. */
static long ctl_target(struct vcpu *v, const struct ctl_cmd *cmd, const struct mica_ctl *c, struct domain **out)
{
	struct domain *d;

	*out = NULL;
	switch (cmd->target) {
	case CTL_SYSTEM:
		return c->domain ? -EINVAL : 0;
	case CTL_ID:
		return 0;
	default:
		d = domain_lookup(c->domain);
		if (!d && cmd->dying_ok && domain_id_torn_down(c->domain))
			return 0; /* it is being torn down: the command gets NULL */
		if (!d || (d->dying && !cmd->dying_ok))
			return -ESRCH;
		if (cmd->target == CTL_OTHER && d == v->domain)
			return -EINVAL; /* destroying, pausing or building itself */
		*out = d;
		return 0;
	}
}

long do_ctl(struct vcpu *v, const uint64_t *args)
{
	const struct ctl_cmd *cmd;
	struct mica_ctl c;
	struct domain *d;
	long rc;

	if (!v->domain->privileged) /* the hypercall table says so too */
		return -EPERM;
	if (copy_from_guest(v, &c, args[0], sizeof(c)))
		return -EFAULT;
	if (c.interface_version != MICA_CTL_INTERFACE_VERSION)
		return -EACCES; /* what Xen answers a domctl version it does not speak */
	if (c.cmd >= ARRAY_SIZE(ctl_cmds) || !ctl_cmds[c.cmd].fn)
		return -ENOSYS;
	cmd = &ctl_cmds[c.cmd];
	if (!ctl_all_zero(c.pad, sizeof(c.pad)) || !ctl_all_zero(c.u.raw + cmd->size, sizeof(c.u.raw) - cmd->size))
		return -EINVAL;
	rc = ctl_target(v, cmd, &c, &d);
	if (rc < 0)
		return rc;
	/* Whatever is written back must be writable before anything is done. */
	if (cmd->copy_back && copy_to_guest(v, args[0], &c, sizeof(c)))
		return -EFAULT;
	rc = cmd->fn(v, d, &c);
	if (rc >= 0 && cmd->copy_back && copy_to_guest(v, args[0], &c, sizeof(c))) {
		/* The caller unmapped its own structure meanwhile: a new domain is not left behind. */
		if (c.cmd == MICA_CTL_DOMAIN_CREATE && domain_lookup(c.domain))
			domain_kill(domain_lookup(c.domain));
		if (c.cmd == MICA_CTL_DMA_ALLOC) /* ... nor a DMA block it never learnt of */
			dma_mem_free(v->domain, maddr_to_mfn(c.u.dma.base),
				     (unsigned int)ctl_dma_order(c.u.dma.nr_pages));
		rc = -EFAULT;
	}
	return rc;
}
