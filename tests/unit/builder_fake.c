/*
 * The control interface as the builder's tests see it: domains whose RAM is host memory behind
 * a p2m array, and every argument checked the way kernel/ctl.c checks it (a breach is counted
 * as a violation and refused). Any failable call can be made to fail (fail_at).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder_fake.h"

#define PAGE 4096u

static int violation(struct fake *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->violations++) {
		va_start(ap, fmt);
		vsnprintf(f->violation, sizeof(f->violation), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool inject(struct fake *f)
{
	return ++f->calls == f->fail_at;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

long fake_slot(uint64_t gfn)
{
	if (gfn < FAKE_LOW)
		return (long)gfn;
	if (gfn >= FAKE_HIGH && gfn < FAKE_P2M)
		return (long)(FAKE_LOW + gfn - FAKE_HIGH);
	return -1;
}

static struct fake_dom *live_dom(struct fake *f, uint16_t id)
{
	return id && id < FAKE_DOMS && f->dom[id].live ? &f->dom[id] : NULL;
}

#define U_SIZE(member) sizeof(((struct mica_ctl *)0)->u.member)

static const size_t member_size[] = {
    [MICA_CTL_PHYSINFO] = U_SIZE(physinfo),
    [MICA_CTL_DOMAIN_CREATE] = U_SIZE(create),
    [MICA_CTL_DOMAIN_DESTROY] = 0,
    [MICA_CTL_POPULATE] = U_SIZE(populate),
    [MICA_CTL_VCPU_SET_CONTEXT] = U_SIZE(vcpu_context),
    [MICA_CTL_VCPU_SET_AFFINITY] = U_SIZE(affinity),
};

static int fake_create(struct fake *f, struct mica_ctl *c)
{
	const struct mica_ctl_create *cr = &c->u.create;
	size_t len = strnlen(cr->name, sizeof(cr->name));
	struct fake_dom *d;
	uint16_t id;

	if (c->domain || !cr->max_vcpus || cr->max_vcpus > FAKE_VCPUS || cr->flags ||
	    !all_zero(cr->pad, sizeof(cr->pad)) || cr->max_pages > f->total_pages || cr->on_poweroff == 1 ||
	    cr->on_poweroff > 2 || cr->on_reboot == 1 || cr->on_reboot > 2 || cr->on_crash == 1 || cr->on_crash > 2 ||
	    len == sizeof(cr->name))
		return violation(f, "create: bad arguments");
	for (size_t i = 0; i < len; i++)
		if (cr->name[i] < 0x20 || cr->name[i] > 0x7e)
			return violation(f, "create: bad name");
	for (id = 1; id < FAKE_DOMS && f->dom[id].live; id++)
		;
	if (id == FAKE_DOMS)
		return -ENOSPC;
	d = &f->dom[id];
	memset(d, 0, sizeof(*d));
	d->live = true;
	d->max_vcpus = cr->max_vcpus;
	d->max_pages = cr->max_pages;
	d->on_poweroff = cr->on_poweroff;
	d->on_reboot = cr->on_reboot;
	d->on_crash = cr->on_crash;
	if (len)
		memcpy(d->name, cr->name, len + 1);
	else
		snprintf(d->name, sizeof(d->name), "d%u", id);
	d->populated = calloc(FAKE_SLOTS, 1);
	d->page = calloc(FAKE_SLOTS, sizeof(*d->page));
	for (unsigned int v = 0; v < FAKE_VCPUS; v++)
		d->affinity[v] = ~0ULL;
	d->params[17] = 0xfefff; /* HVM_PARAM_CONSOLE_PFN, as the hypervisor sets it */
	d->params[18] = 1;       /* HVM_PARAM_CONSOLE_EVTCHN */
	d->next_port = 2;
	c->domain = id;
	return id;
}

void fake_destroy(struct fake *f, uint16_t id)
{
	struct fake_dom *d = live_dom(f, id);

	if (!d)
		return;
	for (uint64_t g = 0; g < FAKE_SLOTS; g++)
		free(d->page[g]);
	free(d->page);
	free(d->populated);
	f->free_pages += d->pages;
	memset(d, 0, sizeof(*d));
}

static int fake_populate(struct fake *f, struct fake_dom *d, const struct mica_ctl_populate *p)
{
	if (!p->nr_pages || p->nr_pages > MICA_CTL_POPULATE_MAX || p->gfn >= FAKE_P2M ||
	    p->nr_pages > FAKE_P2M - p->gfn)
		return violation(f, "populate: range 0x%llx+%llu", (unsigned long long)p->gfn,
				 (unsigned long long)p->nr_pages);
	for (uint64_t g = p->gfn; g < p->gfn + p->nr_pages; g++)
		if (fake_slot(g) < 0 || d->populated[fake_slot(g)])
			return violation(f, "populate: gfn 0x%llx is mapped or not backed", (unsigned long long)g);
	if (d->pages + p->nr_pages > d->max_pages)
		return violation(f, "populate: over max_pages");
	if (p->nr_pages > f->free_pages)
		return -ENOMEM;
	for (uint64_t g = p->gfn; g < p->gfn + p->nr_pages; g++)
		d->populated[fake_slot(g)] = 1;
	d->pages += p->nr_pages;
	f->free_pages -= p->nr_pages;
	return 0;
}

/* The rules of kernel/vcpu_context.c for a 32-bit start state. */
static int fake_vcpu_context(struct fake *f, struct fake_dom *d, const struct mica_ctl_vcpu_context *vc)
{
	const struct vcpu_hvm_context *ctx = (const void *)(uintptr_t)vc->context;
	const struct vcpu_hvm_x86_32 *r = &ctx->cpu_regs.x86_32;

	if (vc->flags & ~MICA_CTL_VCPU_UP || vc->vcpu >= d->max_vcpus || !ctx)
		return violation(f, "vcpu context: flags or vCPU");
	if (ctx->pad || ctx->mode != VCPU_HVM_MODE_32B || r->pad1 || r->pad2[0] || r->pad2[1] || r->pad2[2])
		return violation(f, "vcpu context: mode or padding");
	if (!(r->cr0 & 1) || (r->cr0 & 0x80000000u) || r->efer ||
	    ((r->cs_ar | r->ds_ar | r->ss_ar | r->es_ar | r->tr_ar) & 0xf000) || !(r->cs_ar & 0x80) ||
	    !(r->tr_ar & 0x80))
		return violation(f, "vcpu context: registers");
	if (d->up[vc->vcpu])
		return -EBUSY;
	d->vctx[vc->vcpu] = *ctx;
	d->initialised[vc->vcpu] = true;
	d->up[vc->vcpu] = vc->flags & MICA_CTL_VCPU_UP;
	return 0;
}

static int fake_ctl(void *ctx, struct mica_ctl *c)
{
	struct fake *f = ctx;
	struct fake_dom *d = NULL;
	size_t size;

	if (c->interface_version != MICA_CTL_INTERFACE_VERSION || !all_zero(c->pad, sizeof(c->pad)))
		return violation(f, "ctl: version or pad");
	if (c->cmd >= sizeof(member_size) / sizeof(member_size[0]) ||
	    (!member_size[c->cmd] && c->cmd != MICA_CTL_DOMAIN_DESTROY))
		return violation(f, "ctl: command %u is not one the builder needs", c->cmd);
	size = member_size[c->cmd];
	if (!all_zero(c->u.raw + size, sizeof(c->u.raw) - size))
		return violation(f, "ctl %u: bytes past its member", c->cmd);
	f->cmd_count[c->cmd]++;
	if (c->cmd == MICA_CTL_DOMAIN_DESTROY) {
		if (!live_dom(f, c->domain))
			return violation(f, "destroy: no domain %u", c->domain);
		fake_destroy(f, c->domain);
		return 0;
	}
	if (inject(f))
		return -ENOMEM;
	if (c->cmd == MICA_CTL_PHYSINFO) {
		if (c->domain)
			return violation(f, "physinfo: domain %u", c->domain);
		c->u.physinfo = (struct mica_ctl_physinfo){.nr_cpus = 4,
							   .hvm = MICA_CTL_HVM_SVM,
							   .cpu_online_mask = FAKE_ONLINE,
							   .total_pages = f->total_pages,
							   .free_pages = f->free_pages,
							   .cpu_khz = 2000000,
							   .max_domains = 1024,
							   .max_vcpus = FAKE_VCPUS,
							   .nr_domains = 1 + fake_live_domains(f)};
		return 0;
	}
	if (c->cmd == MICA_CTL_DOMAIN_CREATE)
		return fake_create(f, c);
	d = live_dom(f, c->domain);
	if (!d)
		return violation(f, "ctl %u: no domain %u", c->cmd, c->domain);
	switch (c->cmd) {
	case MICA_CTL_POPULATE:
		return fake_populate(f, d, &c->u.populate);
	case MICA_CTL_VCPU_SET_CONTEXT:
		return fake_vcpu_context(f, d, &c->u.vcpu_context);
	default: /* MICA_CTL_VCPU_SET_AFFINITY */
		if (c->u.affinity.pad || c->u.affinity.vcpu >= d->max_vcpus || !(c->u.affinity.cpumask & FAKE_ONLINE))
			return violation(f, "affinity: arguments");
		d->affinity[c->u.affinity.vcpu] = c->u.affinity.cpumask;
		return 0;
	}
}

/* The page of a populated gfn. */
static uint8_t *backing(struct fake *f, struct fake_dom *d, uint64_t gfn)
{
	long s = fake_slot(gfn);

	if (!d->page[s]) {
		d->page[s] = malloc(PAGE);
		memset(d->page[s], f->dirty_ram ? 0xa5 : 0, PAGE);
	}
	return d->page[s];
}

static void *fake_map(void *ctx, uint16_t dom, uint64_t gfn, unsigned int nr)
{
	struct fake *f = ctx;
	struct fake_dom *d = live_dom(f, dom);
	struct fake_map *m;

	if (!d || !nr || nr > MICA_CTL_MAP_MAX || gfn >= FAKE_P2M || nr > FAKE_P2M - gfn) {
		violation(f, "map: d%u 0x%llx+%u", dom, (unsigned long long)gfn, nr);
		return NULL;
	}
	for (unsigned int i = 0; i < nr; i++)
		if (fake_slot(gfn + i) < 0 || !d->populated[fake_slot(gfn + i)]) {
			violation(f, "map: gfn 0x%llx is not RAM", (unsigned long long)(gfn + i));
			return NULL;
		}
	if (f->nr_maps == FAKE_MAPS) {
		violation(f, "map: too many mappings at once");
		return NULL;
	}
	if (inject(f))
		return NULL;
	m = &f->maps[f->nr_maps++];
	*m = (struct fake_map){malloc((size_t)nr * PAGE), dom, gfn, nr};
	for (unsigned int i = 0; i < nr; i++)
		memcpy(m->buf + (size_t)i * PAGE, backing(f, d, gfn + i), PAGE);
	if (nr > f->max_map_pages)
		f->max_map_pages = nr;
	return m->buf;
}

/* Writes the window back into the domain's pages (the real one is the pages themselves). */
static void fake_unmap(void *ctx, void *p, unsigned int nr)
{
	struct fake *f = ctx;
	struct fake_dom *d;
	struct fake_map *m = NULL;

	for (unsigned int i = 0; i < f->nr_maps; i++)
		if (f->maps[i].buf == p)
			m = &f->maps[i];
	if (!m || m->nr != nr) {
		violation(f, "unmap: %p of %u pages was not mapped so", p, nr);
		return;
	}
	d = live_dom(f, m->dom);
	for (unsigned int i = 0; d && i < nr; i++)
		memcpy(backing(f, d, m->gfn + i), m->buf + (size_t)i * PAGE, PAGE);
	free(m->buf);
	*m = f->maps[--f->nr_maps];
}

static int fake_set_param(void *ctx, uint16_t dom, uint32_t index, uint64_t value)
{
	struct fake *f = ctx;
	struct fake_dom *d = live_dom(f, dom);

	if (!d || index >= FAKE_PARAMS)
		return violation(f, "set_param: d%u index %u", dom, index);
	if (inject(f))
		return -EINVAL;
	d->params[index] = value;
	return 0;
}

static int fake_get_param(void *ctx, uint16_t dom, uint32_t index, uint64_t *value)
{
	struct fake *f = ctx;
	struct fake_dom *d = live_dom(f, dom);

	if (!d || index >= FAKE_PARAMS)
		return violation(f, "get_param: d%u index %u", dom, index);
	if (inject(f))
		return -EINVAL;
	*value = d->params[index];
	return 0;
}

static int fake_alloc_unbound(void *ctx, uint16_t dom, uint16_t remote, uint32_t *port)
{
	struct fake *f = ctx;
	struct fake_dom *d = live_dom(f, dom);

	if (!d || remote != 0)
		return violation(f, "alloc_unbound: d%u remote %u", dom, remote);
	if (inject(f))
		return -ENOSPC;
	*port = d->next_port++;
	return 0;
}

static uint64_t fake_clock(void *ctx)
{
	return ++((struct fake *)ctx)->clock;
}

const struct builder_ops fake_ops = {
    .ctl = fake_ctl,
    .hvm_set_param = fake_set_param,
    .hvm_get_param = fake_get_param,
    .evtchn_alloc_unbound = fake_alloc_unbound,
    .map = fake_map,
    .unmap = fake_unmap,
    .clock = fake_clock,
};

void fake_init(struct fake *f, uint64_t free_pages)
{
	memset(f, 0, sizeof(*f));
	f->total_pages = 1ULL << 20;
	f->free_pages = free_pages;
}

void fake_fini(struct fake *f)
{
	for (uint16_t id = 1; id < FAKE_DOMS; id++)
		fake_destroy(f, id);
	while (f->nr_maps)
		free(f->maps[--f->nr_maps].buf);
}

unsigned int fake_live_domains(const struct fake *f)
{
	unsigned int n = 0;

	for (unsigned int id = 1; id < FAKE_DOMS; id++)
		n += f->dom[id].live;
	return n;
}

bool fake_read(struct fake *f, uint16_t dom, uint64_t gpa, void *buf, uint64_t len)
{
	struct fake_dom *d = live_dom(f, dom);
	uint8_t *out = buf;
	uint64_t gfn;

	for (uint64_t i = 0; i < len; i++) {
		gfn = (gpa + i) / PAGE;
		if (!d || fake_slot(gfn) < 0 || !d->populated[fake_slot(gfn)])
			return false;
		out[i] = backing(f, d, gfn)[(gpa + i) % PAGE];
	}
	return true;
}
