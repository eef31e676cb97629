/*
 * Checking a PVH guest kernel: its ELF32/ELF64 headers, its PT_LOAD segments and the
 * Xen notes that say where to enter it (PHYS32_ENTRY) and whether it may move (PHYS32_RELOC).
 * Every offset and size in the image is untrusted; nothing is read before it is bounds-checked.
 */
#include <mica/errno.h>
#include <mica/printk.h>
#include <mica/pvh.h>
#include <mica/string.h>

/*
 * System V gABI, ELF-32 and ELF-64 object file formats: the fields used here. The
 * image is ELFDATA2LSB (checked), and so is x86: fields are read with memcpy, which
 * also copes with an image that is not aligned in memory.
 */
#define ELFMAG "\177ELF"
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4
#define PN_XNUM 0xffff
#define SHT_NULL 0
#define SHT_NOTE 7
#define SHT_NOBITS 8

struct elf32_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

struct elf32_shdr {
	uint32_t sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize;
};

struct elf64_shdr {
	uint32_t sh_name, sh_type;
	uint64_t sh_flags, sh_addr, sh_offset, sh_size;
	uint32_t sh_link, sh_info;
	uint64_t sh_addralign, sh_entsize;
};

struct elf_nhdr {
	uint32_t n_namesz, n_descsz, n_type;
};

/* Headers of either class, widened to 64 bits. */
struct pvh_ehdr {
	uint64_t phoff, shoff;
	uint16_t phentsize, phnum, shentsize, shnum;
};

struct pvh_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz, align;
};

struct pvh_shdr {
	uint32_t type;
	uint64_t offset, size, addralign;
};

struct pvh_parse {
	const uint8_t *img;
	size_t size;
	unsigned int elf_class;
	struct pvh_ehdr eh;
	struct pvh_elf_info *out;
	char *err;
	size_t errlen;
	bool have_entry;
	unsigned int reloc_fields; /* values the PHYS32_RELOC note gave */
	uint64_t max_p_align;
};

static const char pvh_no_entry_msg[] =
    "not a PVH kernel: no XEN_ELFNOTE_PHYS32_ENTRY note (Mica boots guests through the Xen PVH entry)";

static __printf(3, 4) int pvh_fail(struct pvh_parse *ps, int rc, const char *fmt, ...)
{
	va_list ap;

	if (ps->err && ps->errlen) {
		va_start(ap, fmt);
		vsnprintf_k(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool pvh_in_file(const struct pvh_parse *ps, uint64_t off, uint64_t len)
{
	return len <= ps->size && off <= ps->size - len;
}

static int pvh_read_ident(struct pvh_parse *ps)
{
	const uint8_t *id = ps->img;

	if (ps->size < 16 || memcmp(id, ELFMAG, 4))
		return pvh_fail(ps, -EINVAL, "not an ELF image");
	if (id[4] != ELFCLASS32 && id[4] != ELFCLASS64)
		return pvh_fail(ps, -EINVAL, "ELF: unknown class %u", id[4]);
	if (id[5] != ELFDATA2LSB)
		return pvh_fail(ps, -EINVAL, "ELF: not little-endian");
	if (id[6] != EV_CURRENT)
		return pvh_fail(ps, -EINVAL, "ELF: unknown version %u", id[6]);
	ps->elf_class = id[4] == ELFCLASS64 ? 64 : 32;
	return 0;
}

/* The header fields both classes share. */
static int pvh_check_ehdr(struct pvh_parse *ps, uint16_t type, uint16_t machine, uint32_t version)
{
	if (type != ET_EXEC)
		return pvh_fail(ps, -EINVAL, "ELF: type %u, not an executable (ET_EXEC)", type);
	if (machine != EM_386 && machine != EM_X86_64)
		return pvh_fail(ps, -EINVAL, "ELF: machine %u, not x86 (EM_386 or EM_X86_64)", machine);
	if (version != EV_CURRENT)
		return pvh_fail(ps, -EINVAL, "ELF: unknown version %u", version);
	return 0;
}

static int pvh_read_ehdr(struct pvh_parse *ps)
{
	struct elf64_ehdr e64;
	struct elf32_ehdr e32;
	int rc = pvh_read_ident(ps);

	if (rc)
		return rc;
	if (ps->elf_class == 64) {
		if (ps->size < sizeof(e64))
			return pvh_fail(ps, -EINVAL, "ELF: file too short for its header");
		memcpy(&e64, ps->img, sizeof(e64));
		ps->eh = (struct pvh_ehdr){e64.e_phoff, e64.e_shoff,     e64.e_phentsize,
					   e64.e_phnum, e64.e_shentsize, e64.e_shnum};
		return pvh_check_ehdr(ps, e64.e_type, e64.e_machine, e64.e_version);
	}
	if (ps->size < sizeof(e32))
		return pvh_fail(ps, -EINVAL, "ELF: file too short for its header");
	memcpy(&e32, ps->img, sizeof(e32));
	ps->eh =
	    (struct pvh_ehdr){e32.e_phoff, e32.e_shoff, e32.e_phentsize, e32.e_phnum, e32.e_shentsize, e32.e_shnum};
	return pvh_check_ehdr(ps, e32.e_type, e32.e_machine, e32.e_version);
}

static int pvh_check_tables(struct pvh_parse *ps)
{
	const struct pvh_ehdr *eh = &ps->eh;
	size_t phsz = ps->elf_class == 64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);
	size_t shsz = ps->elf_class == 64 ? sizeof(struct elf64_shdr) : sizeof(struct elf32_shdr);

	if (eh->phnum == 0 || eh->phnum == PN_XNUM)
		return pvh_fail(ps, -EINVAL, "ELF: %u program headers", eh->phnum);
	if (eh->phentsize != phsz)
		return pvh_fail(ps, -EINVAL, "ELF: program header size %u, expected %zu", eh->phentsize, phsz);
	if (!pvh_in_file(ps, eh->phoff, (uint64_t)eh->phnum * phsz))
		return pvh_fail(ps, -EINVAL, "ELF: program headers outside the file");
	if (!eh->shoff)
		return 0; /* no section headers: fine, notes come from PT_NOTE */
	if (eh->shnum == 0)
		return pvh_fail(ps, -EINVAL, "ELF: extended section numbering is not supported");
	if (eh->shentsize != shsz)
		return pvh_fail(ps, -EINVAL, "ELF: section header size %u, expected %zu", eh->shentsize, shsz);
	if (!pvh_in_file(ps, eh->shoff, (uint64_t)eh->shnum * shsz))
		return pvh_fail(ps, -EINVAL, "ELF: section headers outside the file");
	return 0;
}

static void pvh_read_phdr(const struct pvh_parse *ps, unsigned int i, struct pvh_phdr *ph)
{
	const uint8_t *at = ps->img + ps->eh.phoff + (uint64_t)i * ps->eh.phentsize;
	struct elf64_phdr p64;
	struct elf32_phdr p32;

	if (ps->elf_class == 64) {
		memcpy(&p64, at, sizeof(p64));
		*ph = (struct pvh_phdr){p64.p_type, p64.p_offset, p64.p_paddr, p64.p_filesz, p64.p_memsz, p64.p_align};
		return;
	}
	memcpy(&p32, at, sizeof(p32));
	*ph = (struct pvh_phdr){p32.p_type, p32.p_offset, p32.p_paddr, p32.p_filesz, p32.p_memsz, p32.p_align};
}

static void pvh_read_shdr(const struct pvh_parse *ps, unsigned int i, struct pvh_shdr *sh)
{
	const uint8_t *at = ps->img + ps->eh.shoff + (uint64_t)i * ps->eh.shentsize;
	struct elf64_shdr s64;
	struct elf32_shdr s32;

	if (ps->elf_class == 64) {
		memcpy(&s64, at, sizeof(s64));
		*sh = (struct pvh_shdr){s64.sh_type, s64.sh_offset, s64.sh_size, s64.sh_addralign};
		return;
	}
	memcpy(&s32, at, sizeof(s32));
	*sh = (struct pvh_shdr){s32.sh_type, s32.sh_offset, s32.sh_size, s32.sh_addralign};
}

static int pvh_add_segment(struct pvh_parse *ps, unsigned int i, const struct pvh_phdr *ph)
{
	struct pvh_elf_info *out = ps->out;

	if (!pvh_in_file(ps, ph->offset, ph->filesz))
		return pvh_fail(ps, -EINVAL, "ELF: segment %u: file bytes outside the file", i);
	if (ph->filesz > ph->memsz)
		return pvh_fail(ps, -EINVAL, "ELF: segment %u: file size above memory size", i);
	if (ph->paddr >= PVH_4GIB || ph->memsz > PVH_4GIB - ph->paddr)
		return pvh_fail(ps, -EINVAL, "ELF: segment %u: [0x%llx, +0x%llx) is not below 4 GiB", i,
				(unsigned long long)ph->paddr, (unsigned long long)ph->memsz);
	if (ph->align > ps->max_p_align)
		ps->max_p_align = ph->align;
	if (!ph->memsz)
		return 0;
	if (out->nr_segments == PVH_MAX_SEGMENTS)
		return pvh_fail(ps, -E2BIG, "ELF: more than %u loadable segments", PVH_MAX_SEGMENTS);
	out->segments[out->nr_segments++] = (struct pvh_segment){ph->offset, ph->paddr, ph->filesz, ph->memsz};
	return 0;
}

static int pvh_scan_segments(struct pvh_parse *ps)
{
	struct pvh_phdr ph;
	int rc;

	for (unsigned int i = 0; i < ps->eh.phnum; i++) {
		pvh_read_phdr(ps, i, &ph);
		if (ph.type == PT_LOAD) {
			rc = pvh_add_segment(ps, i, &ph);
			if (rc)
				return rc;
		} else if (ph.type == PT_NOTE && !pvh_in_file(ps, ph.offset, ph.filesz)) {
			return pvh_fail(ps, -EINVAL, "ELF: note segment %u outside the file", i);
		}
	}
	if (!ps->out->nr_segments)
		return pvh_fail(ps, -EINVAL, "ELF: no loadable segment");
	return 0;
}

/* Every section with file bytes lies in the file. */
static int pvh_check_sections(struct pvh_parse *ps)
{
	struct pvh_shdr sh;

	for (unsigned int i = 0; ps->eh.shoff && i < ps->eh.shnum; i++) {
		pvh_read_shdr(ps, i, &sh);
		if (sh.type != SHT_NULL && sh.type != SHT_NOBITS && !pvh_in_file(ps, sh.offset, sh.size))
			return pvh_fail(ps, -EINVAL, "ELF: section %u outside the file", i);
	}
	return 0;
}

/* Loaded segments never overlap; their span gives [paddr_lo, paddr_hi). */
static int pvh_check_span(struct pvh_parse *ps)
{
	struct pvh_elf_info *out = ps->out;
	const struct pvh_segment *a, *b;

	out->paddr_lo = PVH_4GIB;
	for (unsigned int i = 0; i < out->nr_segments; i++) {
		a = &out->segments[i];
		for (unsigned int j = 0; j < i; j++) {
			b = &out->segments[j];
			if (a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz)
				return pvh_fail(ps, -EINVAL, "ELF: loadable segments overlap at 0x%llx",
						(unsigned long long)MAX(a->paddr, b->paddr));
		}
		out->paddr_lo = MIN(out->paddr_lo, a->paddr);
		out->paddr_hi = MAX(out->paddr_hi, a->paddr + a->memsz);
	}
	return 0;
}

static int pvh_note_entry(struct pvh_parse *ps, const uint8_t *desc, uint32_t descsz)
{
	uint64_t entry = 0;

	/* Numeric notes are 4 or 8 bytes; Linux on x86_64 writes the entry as 8. */
	if (descsz != 4 && descsz != 8)
		return pvh_fail(ps, -EINVAL, "PHYS32_ENTRY note: %u-byte value, expected 4 or 8", descsz);
	memcpy(&entry, desc, descsz);
	if (entry >= PVH_4GIB)
		return pvh_fail(ps, -EINVAL, "PHYS32_ENTRY note: entry 0x%llx is not below 4 GiB",
				(unsigned long long)entry);
	if (ps->have_entry && ps->out->entry != entry)
		return pvh_fail(ps, -EINVAL, "PHYS32_ENTRY notes disagree: 0x%x and 0x%llx", ps->out->entry,
				(unsigned long long)entry);
	ps->out->entry = (uint32_t)entry;
	ps->have_entry = true;
	return 0;
}

/* PHYS32_RELOC: up to three 32-bit values (align, min, max); more bytes are ignored, as Xen does. */
static int pvh_note_reloc(struct pvh_parse *ps, const uint8_t *desc, uint32_t descsz)
{
	uint32_t v[3] = {0, 0, 0};

	ps->reloc_fields = MIN(descsz / 4, 3u);
	memcpy(v, desc, ps->reloc_fields * 4);
	ps->out->reloc.present = true;
	if (ps->reloc_fields > 0)
		ps->out->reloc.align = v[0];
	if (ps->reloc_fields > 1)
		ps->out->reloc.min = v[1];
	if (ps->reloc_fields > 2)
		ps->out->reloc.max = v[2];
	return 0;
}

static int pvh_xen_note(struct pvh_parse *ps, uint32_t type, const uint8_t *desc, uint32_t descsz)
{
	switch (type) {
	case XEN_ELFNOTE_PHYS32_ENTRY:
		return pvh_note_entry(ps, desc, descsz);
	case XEN_ELFNOTE_PHYS32_RELOC:
		return pvh_note_reloc(ps, desc, descsz);
	default:
		return 0; /* other Xen notes say nothing a PVH builder needs */
	}
}

/*
 * Walks the notes in image[off, off + len): header, name and desc, each padded to the
 * note alignment (4, or 8 where the segment/section says so). Fewer than a header's
 * bytes at the end are padding.
 */
static int pvh_walk_notes(struct pvh_parse *ps, uint64_t off, uint64_t len, uint64_t align)
{
	const uint8_t *p = ps->img + off;
	uint64_t a = align == 8 ? 8 : 4;
	uint64_t pos = 0, desc;
	struct elf_nhdr nh;
	int rc;

	while (pos < len && len - pos >= sizeof(nh)) {
		memcpy(&nh, p + pos, sizeof(nh));
		desc = ALIGN_UP(sizeof(nh) + (uint64_t)nh.n_namesz, a);
		if (desc > len - pos || nh.n_descsz > len - pos - desc)
			return pvh_fail(ps, -EINVAL, "ELF: malformed note at file offset 0x%llx",
					(unsigned long long)(off + pos));
		if (nh.n_namesz == 4 && !memcmp(p + pos + sizeof(nh), "Xen", 4)) {
			rc = pvh_xen_note(ps, nh.n_type, p + pos + desc, nh.n_descsz);
			if (rc)
				return rc;
		}
		pos += ALIGN_UP(desc + nh.n_descsz, a);
	}
	return 0;
}

/* Xen's order: PT_NOTE segments; only if they hold no entry note, SHT_NOTE sections. */
static int pvh_scan_notes(struct pvh_parse *ps)
{
	struct pvh_phdr ph;
	struct pvh_shdr sh;
	int rc;

	for (unsigned int i = 0; i < ps->eh.phnum; i++) {
		pvh_read_phdr(ps, i, &ph);
		rc = ph.type == PT_NOTE ? pvh_walk_notes(ps, ph.offset, ph.filesz, ph.align) : 0;
		if (rc)
			return rc;
	}
	for (unsigned int i = 0; !ps->have_entry && ps->eh.shoff && i < ps->eh.shnum; i++) {
		pvh_read_shdr(ps, i, &sh);
		rc = sh.type == SHT_NOTE ? pvh_walk_notes(ps, sh.offset, sh.size, sh.addralign) : 0;
		if (rc)
			return rc;
	}
	return 0;
}

static int pvh_check_entry(struct pvh_parse *ps)
{
	const struct pvh_elf_info *out = ps->out;

	if (!ps->have_entry)
		return pvh_fail(ps, -EINVAL, "%s", pvh_no_entry_msg);
	for (unsigned int i = 0; i < out->nr_segments; i++)
		if (out->entry >= out->segments[i].paddr &&
		    out->entry - out->segments[i].paddr < out->segments[i].memsz)
			return 0;
	return pvh_fail(ps, -EINVAL, "PHYS32_ENTRY 0x%x is outside every loadable segment", out->entry);
}

/* Fills PHYS32_RELOC defaults and checks that the image fits the window it gives. */
static int pvh_check_reloc(struct pvh_parse *ps)
{
	struct pvh_reloc *r = &ps->out->reloc;
	uint64_t span = ps->out->paddr_hi - ps->out->paddr_lo, first;
	uint64_t pa = ps->max_p_align;

	if (!r->present)
		return 0;
	if (ps->reloc_fields < 1)
		r->align =
		    pa >= 0x1000 && pa <= 0x80000000 && !(pa & (pa - 1)) ? (uint32_t)pa : PVH_RELOC_ALIGN_DEFAULT;
	if (ps->reloc_fields < 2)
		r->min = 0;
	if (ps->reloc_fields < 3)
		r->max = 0xffffffff;
	if (!r->align || (r->align & (r->align - 1)))
		return pvh_fail(ps, -EINVAL, "PHYS32_RELOC note: alignment 0x%x is not a power of two", r->align);
	first = ALIGN_UP((uint64_t)r->min, (uint64_t)r->align);
	if (r->min > r->max || first + span - 1 > r->max)
		return pvh_fail(ps, -EINVAL, "PHYS32_RELOC note: image of 0x%llx bytes does not fit [0x%x, 0x%x]",
				(unsigned long long)span, r->min, r->max);
	return 0;
}

int pvh_elf_parse(const void *image, size_t size, struct pvh_elf_info *out, char *err, size_t errlen)
{
	struct pvh_parse ps = {.img = image, .size = size, .out = out, .err = err, .errlen = errlen};
	int rc;

	if (err && errlen)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (!image)
		return pvh_fail(&ps, -EINVAL, "no image");
	rc = pvh_read_ehdr(&ps);
	if (!rc)
		rc = pvh_check_tables(&ps);
	if (!rc)
		rc = pvh_scan_segments(&ps);
	if (!rc)
		rc = pvh_check_sections(&ps);
	if (!rc)
		rc = pvh_check_span(&ps);
	if (!rc)
		rc = pvh_scan_notes(&ps);
	if (!rc)
		rc = pvh_check_entry(&ps);
	if (!rc)
		rc = pvh_check_reloc(&ps);
	if (!rc)
		out->elf_class = ps.elf_class;
	else
		memset(out, 0, sizeof(*out));
	return rc;
}
