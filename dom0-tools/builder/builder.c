/*
 * The domain builder: checks a PVH kernel, creates a paused domain through the control
 * interface, gives it RAM, loads the kernel and ramdisk, writes struct hvm_start_info, sets up
 * the store ring and vCPU0's PVH entry state. Any failure after DOMAIN_CREATE destroys the domain.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <xen/arch-x86/hvm/start_info.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/hvm/params.h>
#include <xen/xen.h>

#include "builder/builder.h"
#include "builder/elf.h"

#define PAGE_SHIFT 12
#define MIB_PAGES 256u /* 4 KiB pages per MiB */

const char *const builder_phase_names[BUILDER_NR_PHASES] = {
    [BUILDER_PHASE_PARSE] = "parse", [BUILDER_PHASE_CREATE] = "create",         [BUILDER_PHASE_POPULATE] = "populate",
    [BUILDER_PHASE_LOAD] = "load",   [BUILDER_PHASE_START_INFO] = "start info", [BUILDER_PHASE_STORE] = "store",
    [BUILDER_PHASE_VCPU] = "vcpu",
};

/* Where everything goes in the domain's guest-physical memory (docs/builder.md, "Layout"). */
struct builder_layout {
	uint64_t ram_pages;  /* RAM at gfns [0, ram_pages) */
	uint64_t max_pages;  /* DOMAIN_CREATE's: the larger of memory and maxmem, and the store page */
	uint64_t start_info; /* the start info area: page aligned above the image */
	uint64_t memmap, modlist, cmdline;
	uint64_t ramdisk; /* page aligned above the start info area */
	uint64_t end;     /* first byte after the ramdisk */
};

struct build {
	const struct builder_params *p;
	const struct builder_ops *ops;
	void *ctx;
	struct builder_result *res;
	char *err;
	size_t errlen;
	struct builder_elf elf;
	struct builder_layout lay;
	struct mica_ctl_physinfo phys;
	uint16_t dom;
	bool created;
	enum builder_phase phase;
	uint64_t phase_start;
};

/* Keeps the first message: later ones are consequences. */
static int fail(struct build *b, int rc, const char *fmt, ...)
{
	va_list ap;

	if (b->err && b->errlen && !b->err[0]) {
		va_start(ap, fmt);
		vsnprintf(b->err, b->errlen, fmt, ap);
		va_end(ap);
	}
	return rc < 0 ? rc : -EINVAL;
}

static uint64_t now(const struct build *b)
{
	return b->ops->clock ? b->ops->clock(b->ctx) : 0;
}

static void phase_end(struct build *b)
{
	uint64_t t = now(b);

	b->res->timing.total[b->phase] += t - b->phase_start;
	b->phase_start = t;
}

static void phase_begin(struct build *b, enum builder_phase ph)
{
	phase_end(b);
	b->phase = ph;
}

/* The hypervisor's share of the phase: time inside ops calls. */
static void hv_time(struct build *b, uint64_t t0)
{
	b->res->timing.hypervisor[b->phase] += now(b) - t0;
}

/* ---- the hypervisor, through the ops */

static void ctl_init(struct mica_ctl *c, uint32_t cmd, uint16_t dom)
{
	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->interface_version = MICA_CTL_INTERFACE_VERSION;
	c->domain = dom;
}

static int ctl(struct build *b, struct mica_ctl *c)
{
	uint64_t t0 = now(b);
	int rc = b->ops->ctl(b->ctx, c);

	hv_time(b, t0);
	return rc;
}

static void *map(struct build *b, uint64_t gfn, unsigned int nr)
{
	uint64_t t0 = now(b);
	void *p = b->ops->map(b->ctx, b->dom, gfn, nr);

	hv_time(b, t0);
	return p;
}

static void unmap(struct build *b, void *p, unsigned int nr)
{
	uint64_t t0 = now(b);

	b->ops->unmap(b->ctx, p, nr);
	hv_time(b, t0);
}

static int set_param(struct build *b, uint32_t index, uint64_t value)
{
	uint64_t t0 = now(b);
	int rc = b->ops->hvm_set_param(b->ctx, b->dom, index, value);

	hv_time(b, t0);
	return rc < 0 ? fail(b, rc, "store: setting HVM parameter %u of d%u failed (error %d)", index, b->dom, rc) : 0;
}

/*
 * Writes len bytes of src (zeros when src is NULL) at gpa, through mappings of at most
 * BUILDER_MAP_CHUNK pages, each unmapped before the next.
 */
static int guest_write(struct build *b, uint64_t gpa, const void *src, uint64_t len)
{
	const uint8_t *s = src;
	uint64_t gfn, off, n;
	unsigned int pages;
	uint8_t *p;

	while (len) {
		gfn = gpa >> PAGE_SHIFT;
		off = gpa & (BUILDER_PAGE_SIZE - 1);
		pages = (unsigned int)((off + len + BUILDER_PAGE_SIZE - 1) >> PAGE_SHIFT);
		if (pages > BUILDER_MAP_CHUNK)
			pages = BUILDER_MAP_CHUNK;
		n = (uint64_t)pages * BUILDER_PAGE_SIZE - off;
		if (n > len)
			n = len;
		p = map(b, gfn, pages);
		if (!p)
			return fail(b, -EFAULT, "cannot map %u pages of d%u at gfn 0x%llx", pages, b->dom,
				    (unsigned long long)gfn);
		if (s)
			memcpy(p + off, s, n);
		else
			memset(p + off, 0, n);
		unmap(b, p, pages);
		gpa += n;
		len -= n;
		if (s)
			s += n;
	}
	return 0;
}

/* ---- checks before anything is created */

static bool name_ok(const char *name)
{
	size_t len;

	if (!name)
		return true;
	len = strnlen(name, MICA_CTL_NAME_LEN);
	if (len >= MICA_CTL_NAME_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			return false;
	return true;
}

static bool action_ok(uint8_t a)
{
	return a == MICA_CTL_ACTION_DESTROY || a == MICA_CTL_ACTION_RESTART || a == MICA_CTL_ACTION_PRESERVE;
}

static int check_params(struct build *b)
{
	const struct builder_params *p = b->p;

	if (!name_ok(p->name))
		return fail(b, -EINVAL, "name: at most %u printable ASCII characters", MICA_CTL_NAME_LEN - 1);
	if (p->memory_mib < BUILDER_MEMORY_MIN_MIB || p->memory_mib > BUILDER_MEMORY_MAX_MIB)
		return fail(b, -EINVAL, "memory: %llu MiB is out of range (%u .. %u MiB)",
			    (unsigned long long)p->memory_mib, BUILDER_MEMORY_MIN_MIB, BUILDER_MEMORY_MAX_MIB);
	if (p->maxmem_mib && (p->maxmem_mib < p->memory_mib || p->maxmem_mib > BUILDER_MEMORY_MAX_MIB))
		return fail(b, -EINVAL, "maxmem: %llu MiB must be between memory (%llu MiB) and %u MiB",
			    (unsigned long long)p->maxmem_mib, (unsigned long long)p->memory_mib,
			    BUILDER_MEMORY_MAX_MIB);
	if (!p->vcpus)
		return fail(b, -EINVAL, "vcpus: at least 1");
	if (!p->kernel || !p->kernel_len)
		return fail(b, -EINVAL, "kernel: none given");
	if (p->ramdisk_len && !p->ramdisk)
		return fail(b, -EINVAL, "ramdisk: %zu bytes but no data", p->ramdisk_len);
	if (p->cmdline && strnlen(p->cmdline, BUILDER_CMDLINE_MAX) >= BUILDER_CMDLINE_MAX)
		return fail(b, -EINVAL, "cmdline: longer than %u bytes", BUILDER_CMDLINE_MAX - 1);
	if (!action_ok(p->on_poweroff) || !action_ok(p->on_reboot) || !action_ok(p->on_crash))
		return fail(b, -EINVAL, "on_poweroff/on_reboot/on_crash: destroy (%u), restart (%u) or preserve (%u)",
			    MICA_CTL_ACTION_DESTROY, MICA_CTL_ACTION_RESTART, MICA_CTL_ACTION_PRESERVE);
	return 0;
}

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~7ULL;
}

static uint64_t page_align(uint64_t v)
{
	return (v + BUILDER_PAGE_SIZE - 1) & ~(uint64_t)(BUILDER_PAGE_SIZE - 1);
}

/*
 * The kernel where it is linked; above it, page aligned, a 64 KiB area with the start info,
 * the memory map, the module list and the command line (8-byte aligned, in that order); then
 * the ramdisk, page aligned. All of it within the domain's memory.
 */
static int plan_layout(struct build *b)
{
	const struct builder_params *p = b->p;
	struct builder_layout *l = &b->lay;
	uint64_t mem = p->memory_mib << 20, at;
	const struct builder_segment *s;

	for (unsigned int i = 0; i < b->elf.nr_segments; i++) {
		s = &b->elf.segments[i];
		if (s->paddr + s->memsz > mem)
			return fail(b, -EINVAL,
				    "kernel: segment at 0x%llx-0x%llx is above the domain's memory (%llu MiB)",
				    (unsigned long long)s->paddr, (unsigned long long)(s->paddr + s->memsz),
				    (unsigned long long)p->memory_mib);
	}
	l->ram_pages = p->memory_mib * MIB_PAGES;
	l->max_pages = (p->maxmem_mib > p->memory_mib ? p->maxmem_mib : p->memory_mib) * MIB_PAGES + 1;
	l->start_info = page_align(b->elf.paddr_hi);
	at = l->start_info + sizeof(struct hvm_start_info);
	l->memmap = align8(at);
	at = l->memmap + sizeof(struct hvm_memmap_table_entry);
	if (p->ramdisk) {
		l->modlist = align8(at);
		at = l->modlist + sizeof(struct hvm_modlist_entry);
	}
	if (p->cmdline)
		l->cmdline = align8(at);
	l->ramdisk = l->start_info + BUILDER_START_INFO_AREA;
	l->end = l->ramdisk + (p->ramdisk ? page_align(p->ramdisk_len) : 0);
	if (l->end > mem || l->end < l->ramdisk)
		return fail(b, -ENOSPC, "memory: the kernel%s need %llu KiB, more than memory=%llu MiB",
			    p->ramdisk ? ", its start info and ramdisk" : " and its start info",
			    (unsigned long long)(l->end >> 10), (unsigned long long)p->memory_mib);
	return 0;
}

/* What the machine offers: enough free memory, the vCPUs, online CPUs for the mask. */
static int check_machine(struct build *b)
{
	const struct builder_params *p = b->p;
	struct mica_ctl c;
	uint64_t need;
	int rc;

	ctl_init(&c, MICA_CTL_PHYSINFO, 0);
	rc = ctl(b, &c);
	if (rc < 0)
		return fail(b, rc, "physinfo: the control interface refused (error %d)", rc);
	b->phys = c.u.physinfo;
	need = b->lay.ram_pages + 1;
	if (need > b->phys.free_pages)
		return fail(b, -ENOMEM, "memory: %llu MiB is more than the %llu MiB free",
			    (unsigned long long)p->memory_mib, (unsigned long long)(b->phys.free_pages / MIB_PAGES));
	if (b->lay.max_pages > b->phys.total_pages)
		return fail(b, -EINVAL, "maxmem: %llu pages is more than the machine's %llu",
			    (unsigned long long)b->lay.max_pages, (unsigned long long)b->phys.total_pages);
	if (p->vcpus > b->phys.max_vcpus)
		return fail(b, -EINVAL, "vcpus: %u is more than the %u a domain may have", p->vcpus, b->phys.max_vcpus);
	if (p->cpumask && !(p->cpumask & b->phys.cpu_online_mask))
		return fail(b, -EINVAL, "cpus: mask 0x%llx names no online CPU (online: 0x%llx)",
			    (unsigned long long)p->cpumask, (unsigned long long)b->phys.cpu_online_mask);
	return 0;
}

/* ---- building */

static int create(struct build *b)
{
	const struct builder_params *p = b->p;
	struct mica_ctl c;
	int rc;

	ctl_init(&c, MICA_CTL_DOMAIN_CREATE, 0);
	c.u.create.max_vcpus = p->vcpus;
	c.u.create.max_pages = b->lay.max_pages;
	c.u.create.on_poweroff = p->on_poweroff;
	c.u.create.on_reboot = p->on_reboot;
	c.u.create.on_crash = p->on_crash;
	if (p->name)
		memcpy(c.u.create.name, p->name, strnlen(p->name, MICA_CTL_NAME_LEN - 1));
	rc = ctl(b, &c);
	if (rc < 0)
		return fail(b, rc, "create: the hypervisor refused the domain (error %d)", rc);
	b->dom = c.domain;
	b->created = true;
	b->res->domid = c.domain;
	return 0;
}

static int populate(struct build *b, uint64_t gfn, uint64_t nr)
{
	struct mica_ctl c;
	uint64_t n;
	int rc;

	for (uint64_t done = 0; done < nr; done += n) {
		n = nr - done < MICA_CTL_POPULATE_MAX ? nr - done : MICA_CTL_POPULATE_MAX;
		ctl_init(&c, MICA_CTL_POPULATE, b->dom);
		c.u.populate.gfn = gfn + done;
		c.u.populate.nr_pages = n;
		rc = ctl(b, &c);
		if (rc < 0)
			return fail(b, rc, "populate: %llu pages at gfn 0x%llx of d%u failed (error %d)",
				    (unsigned long long)n, (unsigned long long)(gfn + done), b->dom, rc);
	}
	return 0;
}

static int load(struct build *b)
{
	const uint8_t *image = b->p->kernel;
	const struct builder_segment *s;
	int rc = 0;

	for (unsigned int i = 0; !rc && i < b->elf.nr_segments; i++) {
		s = &b->elf.segments[i];
		rc = guest_write(b, s->paddr, image + s->offset, s->filesz);
		if (!rc)
			rc = guest_write(b, s->paddr + s->filesz, NULL, s->memsz - s->filesz);
	}
	if (!rc && b->p->ramdisk)
		rc = guest_write(b, b->lay.ramdisk, b->p->ramdisk, b->p->ramdisk_len);
	return rc;
}

/*
 * struct hvm_start_info version 1 and its tables, written in place through one mapping of the
 * area's first pages (they take at most two: the area is page aligned, the command line 4 KiB).
 */
static int write_start_info(struct build *b)
{
	const struct builder_layout *l = &b->lay;
	const struct builder_params *p = b->p;
	struct hvm_start_info si = {
	    .magic = XEN_HVM_START_MAGIC_VALUE,
	    .version = 1,
	    .nr_modules = p->ramdisk ? 1 : 0,
	    .modlist_paddr = l->modlist,
	    .cmdline_paddr = l->cmdline,
	    .memmap_paddr = l->memmap,
	    .memmap_entries = 1,
	};
	struct hvm_memmap_table_entry ram = {.addr = 0, .size = p->memory_mib << 20, .type = XEN_HVM_MEMMAP_TYPE_RAM};
	struct hvm_modlist_entry mod = {.paddr = l->ramdisk, .size = p->ramdisk_len};
	uint64_t end = l->memmap + sizeof(ram);
	unsigned int pages;
	uint8_t *area;

	if (p->ramdisk)
		end = l->modlist + sizeof(mod);
	if (p->cmdline)
		end = l->cmdline + strlen(p->cmdline) + 1;
	pages = (unsigned int)((page_align(end) - l->start_info) >> PAGE_SHIFT);
	area = map(b, l->start_info >> PAGE_SHIFT, pages);
	if (!area)
		return fail(b, -EFAULT, "start info: cannot map %u pages of d%u at 0x%llx", pages, b->dom,
			    (unsigned long long)l->start_info);
	memset(area, 0, (size_t)pages * BUILDER_PAGE_SIZE);
	memcpy(area, &si, sizeof(si));
	memcpy(area + (l->memmap - l->start_info), &ram, sizeof(ram));
	if (p->ramdisk)
		memcpy(area + (l->modlist - l->start_info), &mod, sizeof(mod));
	if (p->cmdline)
		memcpy(area + (l->cmdline - l->start_info), p->cmdline, strlen(p->cmdline) + 1);
	unmap(b, area, pages);
	b->res->start_info = l->start_info;
	return 0;
}

/* As Xen's toolstack does: a zeroed page over the RAM, an unbound channel to dom0, two HVM params. */
static int setup_store(struct build *b)
{
	uint64_t t0;
	uint32_t port = 0;
	int rc;

	rc = populate(b, BUILDER_STORE_GFN, 1);
	if (!rc)
		rc = guest_write(b, BUILDER_STORE_GFN << PAGE_SHIFT, NULL, BUILDER_PAGE_SIZE);
	if (rc)
		return rc;
	t0 = now(b);
	rc = b->ops->evtchn_alloc_unbound(b->ctx, b->dom, 0, &port);
	hv_time(b, t0);
	if (rc < 0)
		return fail(b, rc, "store: no event channel for d%u (error %d)", b->dom, rc);
	rc = set_param(b, HVM_PARAM_STORE_PFN, BUILDER_STORE_GFN);
	if (!rc)
		rc = set_param(b, HVM_PARAM_STORE_EVTCHN, port);
	b->res->store_gfn = BUILDER_STORE_GFN;
	b->res->store_port = port;
	return rc;
}

/*
 * vCPU0 at the PVH entry (Xen's docs/misc/pvh.pandoc): 32-bit protected mode, paging off,
 * %ebx = the start info, CS flat 32-bit execute/read code, DS/ES/SS flat 32-bit read/write
 * data, TR a 32-bit busy TSS, CR0 = PE|ET, EFLAGS = 0x2. Attributes are Xen's 12-bit layout
 * (type, S, DPL, P, AVL, L, D/B, G).
 */
static int start_vcpu0(struct build *b)
{
	struct vcpu_hvm_context ctx;
	struct vcpu_hvm_x86_32 *r = &ctx.cpu_regs.x86_32;
	struct mica_ctl c;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.mode = VCPU_HVM_MODE_32B;
	r->eip = b->elf.entry;
	r->ebx = (uint32_t)b->lay.start_info;
	r->eflags = 0x2;
	r->cr0 = 0x11; /* PE | ET */
	r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = 0xffffffff;
	r->cs_ar = 0xc9b;                       /* G, D, P, S, code execute/read accessed */
	r->ds_ar = r->ss_ar = r->es_ar = 0xc93; /* G, D, P, S, data read/write accessed */
	r->tr_limit = 0x67;
	r->tr_ar = 0x8b; /* P, 32-bit busy TSS */
	ctl_init(&c, MICA_CTL_VCPU_SET_CONTEXT, b->dom);
	c.u.vcpu_context.context = (uint64_t)(uintptr_t)&ctx;
	c.u.vcpu_context.vcpu = 0;
	c.u.vcpu_context.flags = MICA_CTL_VCPU_UP;
	rc = ctl(b, &c);
	if (rc < 0)
		return fail(b, rc, "vcpu: the start state of d%u's vCPU0 was refused (error %d)", b->dom, rc);
	b->res->entry = b->elf.entry;
	return 0;
}

static int set_affinity(struct build *b)
{
	struct mica_ctl c;
	int rc;

	for (unsigned int v = 0; b->p->cpumask && v < b->p->vcpus; v++) {
		ctl_init(&c, MICA_CTL_VCPU_SET_AFFINITY, b->dom);
		c.u.affinity.cpumask = b->p->cpumask;
		c.u.affinity.vcpu = v;
		rc = ctl(b, &c);
		if (rc < 0)
			return fail(b, rc, "cpus: affinity 0x%llx of d%u's vCPU%u refused (error %d)",
				    (unsigned long long)b->p->cpumask, b->dom, v, rc);
	}
	return 0;
}

/* The hypervisor set up the console ring of a ctl-created domain; report where, when it can be read. */
static int console_info(struct build *b)
{
	uint64_t pfn = BUILDER_CONSOLE_GFN, port = 0, t0;
	int rc = 0;

	if (b->ops->hvm_get_param) {
		t0 = now(b);
		rc = b->ops->hvm_get_param(b->ctx, b->dom, HVM_PARAM_CONSOLE_PFN, &pfn);
		if (rc >= 0)
			rc = b->ops->hvm_get_param(b->ctx, b->dom, HVM_PARAM_CONSOLE_EVTCHN, &port);
		hv_time(b, t0);
		if (rc < 0)
			return fail(b, rc, "console: cannot read d%u's console parameters (error %d)", b->dom, rc);
	}
	b->res->console_gfn = pfn;
	b->res->console_port = (uint32_t)port;
	return 0;
}

static int build_steps(struct build *b)
{
	const struct builder_params *p = b->p;
	int rc;

	rc = check_params(b);
	if (!rc)
		rc = builder_elf_parse(p->kernel, p->kernel_len, &b->elf, b->err, b->errlen);
	if (!rc)
		rc = plan_layout(b);
	if (!rc)
		rc = check_machine(b);
	if (rc)
		return rc;
	b->res->image_lo = b->elf.paddr_lo;
	b->res->image_hi = b->elf.paddr_hi;
	b->res->ramdisk_gpa = p->ramdisk ? b->lay.ramdisk : 0;
	phase_begin(b, BUILDER_PHASE_CREATE);
	rc = create(b);
	phase_begin(b, BUILDER_PHASE_POPULATE);
	if (!rc)
		rc = populate(b, 0, b->lay.ram_pages);
	phase_begin(b, BUILDER_PHASE_LOAD);
	if (!rc)
		rc = load(b);
	phase_begin(b, BUILDER_PHASE_START_INFO);
	if (!rc)
		rc = write_start_info(b);
	phase_begin(b, BUILDER_PHASE_STORE);
	if (!rc)
		rc = setup_store(b);
	phase_begin(b, BUILDER_PHASE_VCPU);
	if (!rc)
		rc = start_vcpu0(b);
	if (!rc)
		rc = set_affinity(b);
	if (!rc)
		rc = console_info(b);
	return rc;
}

int builder_build(const struct builder_params *p, const struct builder_ops *ops, void *ctx, struct builder_result *res,
		  char *err, size_t errlen)
{
	struct build b = {.p = p, .ops = ops, .ctx = ctx, .res = res, .err = err, .errlen = errlen};
	struct mica_ctl c;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!p || !ops || !ops->ctl || !ops->hvm_set_param || !ops->evtchn_alloc_unbound || !ops->map || !ops->unmap ||
	    !res)
		return fail(&b, -EINVAL, "builder: missing parameters or operations");
	memset(res, 0, sizeof(*res));
	b.phase = BUILDER_PHASE_PARSE;
	b.phase_start = now(&b);
	rc = build_steps(&b);
	if (rc && b.created) {
		ctl_init(&c, MICA_CTL_DOMAIN_DESTROY, b.dom);
		ctl(&b, &c); /* it is going; an error here cannot be helped */
		res->domid = 0;
	}
	phase_end(&b);
	return rc;
}
