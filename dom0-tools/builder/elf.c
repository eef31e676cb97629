/*
 * PVH kernels for the domain builder: an ELF64 x86-64 executable whose PT_LOAD segments are
 * loaded at their physical addresses and whose PT_NOTE segments hold Xen's
 * XEN_ELFNOTE_PHYS32_ENTRY note (xen/elfnote.h; a 4- or 8-byte value, Linux writes 8).
 * Every field is read with memcpy from a checked offset: the image may be unaligned and hostile.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "builder/elf.h"

#define ELF_EHDR_SIZE 64
#define ELF_PHDR_SIZE 56
#define ELF_CLASS64 2
#define ELF_DATA_LSB 1
#define ELF_TYPE_EXEC 2
#define ELF_MACHINE_X86_64 62
#define ELF_PT_LOAD 1
#define ELF_PT_NOTE 4
#define XEN_NOTE_PHYS32_ENTRY 18 /* XEN_ELFNOTE_PHYS32_ENTRY */
#define FOUR_GIB (1ULL << 32)

/* ELF64 header fields the builder uses (offsets from the System V gABI). */
struct elf_header {
	uint16_t type, machine;
	uint64_t phoff;
	uint16_t phentsize, phnum;
};

struct elf_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz, align;
};

struct elf_parse {
	const uint8_t *image;
	size_t len;
	struct builder_elf *out;
	bool have_entry;
	char *err;
	size_t errlen;
};

static int elf_fail(struct elf_parse *ps, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->err && ps->errlen) {
		n = snprintf(ps->err, ps->errlen, "kernel: ");
		va_start(ap, fmt);
		if (n >= 0 && (size_t)n < ps->errlen)
			vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Whether [off, off + size) lies in the image. */
static bool elf_in_file(const struct elf_parse *ps, uint64_t off, uint64_t size)
{
	return off <= ps->len && size <= ps->len - off;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int elf_read_header(struct elf_parse *ps, struct elf_header *h)
{
	const uint8_t *e = ps->image;

	if (ps->len < 4 || memcmp(e,
				  "\x7f"
				  "ELF",
				  4))
		return elf_fail(ps, -EINVAL, "not an ELF file");
	if (ps->len < ELF_EHDR_SIZE)
		return elf_fail(ps, -EINVAL, "ELF header truncated (%zu bytes)", ps->len);
	if (e[4] != ELF_CLASS64 || e[5] != ELF_DATA_LSB)
		return elf_fail(ps, -EINVAL, "not a 64-bit little-endian ELF (class %u, data %u): not x86-64", e[4],
				e[5]);
	h->type = rd16(e + 16);
	h->machine = rd16(e + 18);
	h->phoff = rd64(e + 32);
	h->phentsize = rd16(e + 54);
	h->phnum = rd16(e + 56);
	if (h->machine != ELF_MACHINE_X86_64)
		return elf_fail(ps, -EINVAL, "ELF machine %u is not x86-64 (62)", h->machine);
	if (h->type != ELF_TYPE_EXEC)
		return elf_fail(ps, -EINVAL, "ELF type %u is not an executable (2)", h->type);
	if (!h->phnum || h->phnum == 0xffff)
		return elf_fail(ps, -EINVAL, "no program headers");
	if (h->phentsize != ELF_PHDR_SIZE)
		return elf_fail(ps, -EINVAL, "program header size %u, expected %u", h->phentsize, ELF_PHDR_SIZE);
	if (!elf_in_file(ps, h->phoff, (uint64_t)h->phnum * ELF_PHDR_SIZE))
		return elf_fail(ps, -EINVAL, "program headers outside the file");
	return 0;
}

static void elf_read_phdr(const struct elf_parse *ps, const struct elf_header *h, unsigned int i, struct elf_phdr *ph)
{
	const uint8_t *p = ps->image + h->phoff + (uint64_t)i * ELF_PHDR_SIZE;

	ph->type = rd32(p);
	ph->offset = rd64(p + 8);
	ph->paddr = rd64(p + 24);
	ph->filesz = rd64(p + 32);
	ph->memsz = rd64(p + 40);
	ph->align = rd64(p + 48);
}

static int elf_add_segment(struct elf_parse *ps, unsigned int i, const struct elf_phdr *ph)
{
	struct builder_elf *out = ps->out;
	const struct builder_segment *o;

	if (!ph->memsz)
		return 0;
	if (ph->filesz > ph->memsz)
		return elf_fail(ps, -EINVAL, "segment %u: file size 0x%llx over its memory size 0x%llx", i,
				(unsigned long long)ph->filesz, (unsigned long long)ph->memsz);
	if (!elf_in_file(ps, ph->offset, ph->filesz))
		return elf_fail(ps, -EINVAL, "segment %u: bytes 0x%llx+0x%llx outside the file (%zu bytes)", i,
				(unsigned long long)ph->offset, (unsigned long long)ph->filesz, ps->len);
	if (ph->paddr >= FOUR_GIB || ph->memsz > FOUR_GIB - ph->paddr)
		return elf_fail(ps, -EINVAL, "segment %u: 0x%llx+0x%llx is not below 4 GiB", i,
				(unsigned long long)ph->paddr, (unsigned long long)ph->memsz);
	for (unsigned int j = 0; j < out->nr_segments; j++) {
		o = &out->segments[j];
		if (ph->paddr < o->paddr + o->memsz && o->paddr < ph->paddr + ph->memsz)
			return elf_fail(ps, -EINVAL,
					"segment %u (0x%llx+0x%llx) overlaps an earlier one (0x%llx+0x%llx)", i,
					(unsigned long long)ph->paddr, (unsigned long long)ph->memsz,
					(unsigned long long)o->paddr, (unsigned long long)o->memsz);
	}
	if (out->nr_segments == BUILDER_ELF_MAX_SEGMENTS)
		return elf_fail(ps, -E2BIG, "more than %u loadable segments", BUILDER_ELF_MAX_SEGMENTS);
	out->segments[out->nr_segments++] = (struct builder_segment){
	    .paddr = ph->paddr, .offset = ph->offset, .filesz = ph->filesz, .memsz = ph->memsz};
	if (out->nr_segments == 1 || ph->paddr < out->paddr_lo)
		out->paddr_lo = ph->paddr;
	if (out->nr_segments == 1 || ph->paddr + ph->memsz > out->paddr_hi)
		out->paddr_hi = ph->paddr + ph->memsz;
	return 0;
}

static int elf_entry_note(struct elf_parse *ps, const uint8_t *desc, uint32_t descsz)
{
	uint64_t entry;

	if (descsz == 4)
		entry = rd32(desc);
	else if (descsz == 8)
		entry = rd64(desc);
	else
		return elf_fail(ps, -EINVAL, "PHYS32_ENTRY note of %u bytes (4 or 8 expected)", descsz);
	if (entry >= FOUR_GIB)
		return elf_fail(ps, -EINVAL, "PHYS32_ENTRY 0x%llx is not below 4 GiB", (unsigned long long)entry);
	if (ps->have_entry && ps->out->entry != entry)
		return elf_fail(ps, -EINVAL, "two PHYS32_ENTRY notes disagree (0x%x, 0x%llx)", ps->out->entry,
				(unsigned long long)entry);
	ps->out->entry = (uint32_t)entry;
	ps->have_entry = true;
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/*
 * The notes of a PT_NOTE segment: name and description each padded to the segment's note
 * alignment (4, or 8 when it says so). Only "Xen" notes count; a short tail is ignored.
 */
static int elf_walk_notes(struct elf_parse *ps, unsigned int i, const struct elf_phdr *ph)
{
	uint64_t a = ph->align == 8 ? 8 : 4, off = 0, namesz, descsz, need;
	const uint8_t *seg, *n;
	int rc;

	if (!elf_in_file(ps, ph->offset, ph->filesz))
		return elf_fail(ps, -EINVAL, "note segment %u outside the file", i);
	seg = ps->image + ph->offset;
	while (ph->filesz - off >= 12) {
		n = seg + off;
		namesz = rd32(n);
		descsz = rd32(n + 4);
		need = 12 + align_up(namesz, a) + align_up(descsz, a);
		if (need > ph->filesz - off)
			return elf_fail(ps, -EINVAL, "note segment %u: a note runs past its end", i);
		if (namesz == 4 && !memcmp(n + 12, "Xen", 4) && rd32(n + 8) == XEN_NOTE_PHYS32_ENTRY) {
			rc = elf_entry_note(ps, n + 12 + align_up(namesz, a), (uint32_t)descsz);
			if (rc)
				return rc;
		}
		off += need;
	}
	return 0;
}

static bool elf_entry_loaded(const struct builder_elf *out)
{
	const struct builder_segment *s;

	for (unsigned int i = 0; i < out->nr_segments; i++) {
		s = &out->segments[i];
		if (out->entry >= s->paddr && out->entry - s->paddr < s->memsz)
			return true;
	}
	return false;
}

int builder_elf_parse(const void *image, size_t len, struct builder_elf *out, char *err, size_t errlen)
{
	struct elf_parse ps = {.image = image, .len = image ? len : 0, .out = out, .err = err, .errlen = errlen};
	struct elf_header h = {0};
	struct elf_phdr ph;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = elf_read_header(&ps, &h);
	for (unsigned int i = 0; !rc && i < h.phnum; i++) {
		elf_read_phdr(&ps, &h, i, &ph);
		if (ph.type == ELF_PT_LOAD)
			rc = elf_add_segment(&ps, i, &ph);
		else if (ph.type == ELF_PT_NOTE)
			rc = elf_walk_notes(&ps, i, &ph);
	}
	if (rc)
		return rc;
	if (!out->nr_segments)
		return elf_fail(&ps, -EINVAL, "no loadable segment");
	if (!ps.have_entry)
		return elf_fail(&ps, -EINVAL, "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): not a PVH kernel");
	if (!elf_entry_loaded(out))
		return elf_fail(&ps, -EINVAL, "PVH entry 0x%x is outside the loaded segments", out->entry);
	return 0;
}
