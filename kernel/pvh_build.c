/*
 * The PVH domain builder's writes to guest memory: a checked kernel's segments, and
 * struct hvm_start_info with its memory map, module list and command lines
 * (xen/include/public/arch-x86/hvm/start_info.h, version 1).
 */
#include <mica/errno.h>
#include <mica/pvh.h>
#include <mica/string.h>

int pvh_reloc_check(const struct pvh_elf_info *info, int64_t reloc_offset)
{
	const struct pvh_reloc *r = &info->reloc;
	uint64_t off = (uint64_t)reloc_offset, lo, hi;

	if (!reloc_offset)
		return 0;
	if (!r->present || !r->align)
		return -EINVAL;
	if (reloc_offset < 0 ? 0 - off > info->paddr_lo : off >= PVH_4GIB)
		return -EINVAL;
	lo = info->paddr_lo + off;
	hi = info->paddr_hi + off;
	if (hi > PVH_4GIB || lo % r->align || lo < r->min || hi - 1 > r->max)
		return -EINVAL;
	return 0;
}

int pvh_load_segments(const void *image, const struct pvh_elf_info *info, int64_t reloc_offset,
		      const struct pvh_mem_ops *ops, void *ctx)
{
	const struct pvh_segment *s;
	uint64_t gpa;
	int rc = pvh_reloc_check(info, reloc_offset);

	for (unsigned int i = 0; !rc && i < info->nr_segments; i++) {
		s = &info->segments[i];
		gpa = s->paddr + (uint64_t)reloc_offset;
		if (s->filesz)
			rc = ops->copy_to_guest(ctx, gpa, (const uint8_t *)image + s->offset, s->filesz);
		if (!rc && s->memsz > s->filesz)
			rc = ops->zero_guest(ctx, gpa + s->filesz, s->memsz - s->filesz);
	}
	return rc;
}

/* Where each piece goes; 0 for an absent one. end: first byte after the last piece. */
struct pvh_layout {
	uint64_t start_info;
	uint64_t memmap;
	uint64_t modlist;
	uint64_t cmdline;
	uint64_t mod_cmdline[PVH_MAX_MODULES];
	uint64_t end;
};

/* Length with the NUL of a command line within PVH_CMDLINE_MAX, or 0 if it is longer. */
static size_t pvh_cmdline_size(const char *s)
{
	size_t len = strnlen(s, PVH_CMDLINE_MAX);

	return len < PVH_CMDLINE_MAX ? len + 1 : 0;
}

static bool pvh_memmap_ok(const struct hvm_memmap_table_entry *e)
{
	return e->size && e->addr + e->size > e->addr && e->type >= XEN_HVM_MEMMAP_TYPE_RAM &&
	       e->type <= XEN_HVM_MEMMAP_TYPE_PMEM;
}

static bool pvh_module_ok(const struct pvh_start_params *p, const struct pvh_module *m)
{
	uint64_t area_end = p->area_gpa + p->area_size;

	if (!m->gpa || m->gpa + m->size < m->gpa)
		return false;
	if (m->cmdline && !pvh_cmdline_size(m->cmdline))
		return false;
	return !m->size || m->gpa >= area_end || m->gpa + m->size <= p->area_gpa;
}

static int pvh_check_params(const struct pvh_start_params *p)
{
	if (!p->area_gpa || p->area_gpa >= PVH_4GIB || p->area_size > PVH_4GIB - p->area_gpa)
		return -EINVAL;
	if (p->nr_memmap > PVH_MAX_MEMMAP || (p->nr_memmap && !p->memmap))
		return -EINVAL;
	if (p->nr_modules > PVH_MAX_MODULES || (p->nr_modules && !p->modules))
		return -EINVAL;
	if (p->cmdline && !pvh_cmdline_size(p->cmdline))
		return -EINVAL;
	for (unsigned int i = 0; i < p->nr_memmap; i++)
		if (!pvh_memmap_ok(&p->memmap[i]))
			return -EINVAL;
	for (unsigned int i = 0; i < p->nr_modules; i++)
		if (!pvh_module_ok(p, &p->modules[i]))
			return -EINVAL;
	return 0;
}

/* Reserves len bytes at the 8-byte aligned cursor. */
static uint64_t pvh_place(struct pvh_layout *l, uint64_t len)
{
	uint64_t at = ALIGN_UP(l->end, 8);

	l->end = at + len;
	return at;
}

static int pvh_plan(const struct pvh_start_params *p, struct pvh_layout *l)
{
	const struct pvh_module *m;

	memset(l, 0, sizeof(*l));
	l->end = p->area_gpa;
	l->start_info = pvh_place(l, sizeof(struct hvm_start_info));
	if (p->nr_memmap)
		l->memmap = pvh_place(l, (uint64_t)p->nr_memmap * sizeof(struct hvm_memmap_table_entry));
	if (p->nr_modules)
		l->modlist = pvh_place(l, (uint64_t)p->nr_modules * sizeof(struct hvm_modlist_entry));
	if (p->cmdline)
		l->cmdline = pvh_place(l, pvh_cmdline_size(p->cmdline));
	for (unsigned int i = 0; i < p->nr_modules; i++) {
		m = &p->modules[i];
		if (m->cmdline)
			l->mod_cmdline[i] = pvh_place(l, pvh_cmdline_size(m->cmdline));
	}
	return l->end > p->area_gpa + p->area_size ? -ENOSPC : 0;
}

static int pvh_write_tables(const struct pvh_start_params *p, const struct pvh_layout *l, const struct pvh_mem_ops *ops,
			    void *ctx)
{
	struct hvm_memmap_table_entry e;
	struct hvm_modlist_entry m;
	int rc = 0;

	for (unsigned int i = 0; !rc && i < p->nr_memmap; i++) {
		e = (struct hvm_memmap_table_entry){p->memmap[i].addr, p->memmap[i].size, p->memmap[i].type, 0};
		rc = ops->copy_to_guest(ctx, l->memmap + i * sizeof(e), &e, sizeof(e));
	}
	for (unsigned int i = 0; !rc && i < p->nr_modules; i++) {
		m = (struct hvm_modlist_entry){p->modules[i].gpa, p->modules[i].size, l->mod_cmdline[i], 0};
		rc = ops->copy_to_guest(ctx, l->modlist + i * sizeof(m), &m, sizeof(m));
	}
	return rc;
}

static int pvh_write_strings(const struct pvh_start_params *p, const struct pvh_layout *l,
			     const struct pvh_mem_ops *ops, void *ctx)
{
	const char *s;
	int rc = 0;

	if (p->cmdline)
		rc = ops->copy_to_guest(ctx, l->cmdline, p->cmdline, pvh_cmdline_size(p->cmdline));
	for (unsigned int i = 0; !rc && i < p->nr_modules; i++) {
		s = p->modules[i].cmdline;
		if (s)
			rc = ops->copy_to_guest(ctx, l->mod_cmdline[i], s, pvh_cmdline_size(s));
	}
	return rc;
}

int pvh_build_start_info(const struct pvh_start_params *p, const struct pvh_mem_ops *ops, void *ctx,
			 uint64_t *start_info_gpa)
{
	struct pvh_layout l;
	struct hvm_start_info si;
	int rc;

	if (!p || !ops || !ops->copy_to_guest || !ops->zero_guest || !start_info_gpa)
		return -EINVAL;
	rc = pvh_check_params(p);
	if (!rc)
		rc = pvh_plan(p, &l);
	/* Zero the whole used area first so padding and reserved fields read as 0. */
	if (!rc)
		rc = ops->zero_guest(ctx, l.start_info, l.end - l.start_info);
	if (!rc)
		rc = pvh_write_tables(p, &l, ops, ctx);
	if (!rc)
		rc = pvh_write_strings(p, &l, ops, ctx);
	if (rc)
		return rc;
	si = (struct hvm_start_info){
	    .magic = XEN_HVM_START_MAGIC_VALUE,
	    .version = 1,
	    .flags = 0,
	    .nr_modules = p->nr_modules,
	    .modlist_paddr = l.modlist,
	    .cmdline_paddr = l.cmdline,
	    .rsdp_paddr = p->rsdp_gpa,
	    .memmap_paddr = l.memmap,
	    .memmap_entries = p->nr_memmap,
	};
	rc = ops->copy_to_guest(ctx, l.start_info, &si, sizeof(si));
	if (!rc)
		*start_info_gpa = l.start_info;
	return rc;
}
