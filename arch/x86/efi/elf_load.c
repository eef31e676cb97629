/*
 * Checks mica.elf before mica.efi copies it anywhere: every offset and size
 * taken from the file is bounds-checked against the file, with 64-bit overflow
 * checks, and headers are copied out with memcpy (the buffer may be unaligned).
 */
#include <mica/boot_info.h>
#include <mica/string.h>

#include "elf_load.h"

static int elf_fail(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

/* [off, off + len) lies inside a buffer of `size` bytes. */
static bool range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static void read_phdr(const void *file, const struct elf64_ehdr *eh, unsigned int i, struct elf64_phdr *ph)
{
	memcpy(ph, (const uint8_t *)file + eh->e_phoff + (uint64_t)i * eh->e_phentsize, sizeof(*ph));
}

static int check_ehdr(const void *file, size_t size, struct elf64_ehdr *eh, const char **why)
{
	if (size < 4 || memcmp(file, ELF_MAG, 4) != 0)
		return elf_fail(why, "not an ELF file (bad magic)");
	if (size < sizeof(*eh))
		return elf_fail(why, "file too small for an ELF header");
	memcpy(eh, file, sizeof(*eh));
	if (eh->e_ident[4] != ELFCLASS64)
		return elf_fail(why, "not a 64-bit ELF (ELFCLASS64 expected)");
	if (eh->e_ident[5] != ELFDATA2LSB)
		return elf_fail(why, "not a little-endian ELF");
	if (eh->e_ident[6] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return elf_fail(why, "unknown ELF version");
	if (eh->e_machine != EM_X86_64)
		return elf_fail(why, "not an x86-64 ELF (EM_X86_64 expected)");
	if (eh->e_type != ET_EXEC)
		return elf_fail(why, "not an executable ELF (ET_EXEC expected)");
	if (eh->e_phentsize < sizeof(struct elf64_phdr))
		return elf_fail(why, "program header entry size too small");
	if (eh->e_phnum == 0 || eh->e_phnum > MICA_ELF_MAX_PHDRS)
		return elf_fail(why, "no or too many program headers");
	if (!range_ok(eh->e_phoff, (uint64_t)eh->e_phnum * eh->e_phentsize, size))
		return elf_fail(why, "program headers outside the file");
	return 0;
}

static bool segments_overlap(const struct elf64_phdr *a, const struct elf64_phdr *b)
{
	return a->p_paddr < b->p_paddr + b->p_memsz && b->p_paddr < a->p_paddr + a->p_memsz;
}

static int check_one_load(const struct elf64_phdr *ph, size_t size, const char **why)
{
	if (ph->p_filesz > ph->p_memsz)
		return elf_fail(why, "PT_LOAD segment with p_filesz > p_memsz");
	if (!range_ok(ph->p_offset, ph->p_filesz, size))
		return elf_fail(why, "PT_LOAD segment outside the file");
	if (ph->p_memsz > UINT64_MAX - ph->p_paddr)
		return elf_fail(why, "PT_LOAD segment wraps around the address space");
	return 0;
}

/* Loadable segments: inside the file, no overlap; computes the span. */
static int check_loads(const void *file, size_t size, const struct elf64_ehdr *eh, struct mica_elf_image *img,
		       const char **why)
{
	struct elf64_phdr ph, other;

	img->paddr_lo = UINT64_MAX;
	img->paddr_hi = 0;
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		read_phdr(file, eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (check_one_load(&ph, size, why))
			return -1;
		for (unsigned int j = 0; j < i; j++) {
			read_phdr(file, eh, j, &other);
			if (other.p_type == PT_LOAD && other.p_memsz && segments_overlap(&ph, &other))
				return elf_fail(why, "PT_LOAD segments overlap");
		}
		img->paddr_lo = MIN(img->paddr_lo, ph.p_paddr);
		img->paddr_hi = MAX(img->paddr_hi, ph.p_paddr + ph.p_memsz);
		img->nr_load++;
	}
	if (!img->nr_load)
		return elf_fail(why, "no PT_LOAD segment");
	if (img->paddr_lo % MICA_IMAGE_ALIGN)
		return elf_fail(why, "lowest PT_LOAD p_paddr is not 2 MiB aligned");
	if (img->paddr_hi - img->paddr_lo > MICA_ELF_MAX_SPAN)
		return elf_fail(why, "image span larger than 1 GiB");
	img->alloc_size = ALIGN_UP(img->paddr_hi - img->paddr_lo, MICA_IMAGE_ALIGN);
	return 0;
}

/*
 * Walks the notes in file[off, off + len), padded to `align` (4 or 8), for
 * "Mica"/MICA_ELFNOTE_ENTRY64. Returns 1 if found, 0 if not, -1 if malformed.
 */
static int scan_notes(const uint8_t *file, uint64_t off, uint64_t len, uint64_t align, uint64_t *entry,
		      const char **why)
{
	static const char name[] = MICA_ELFNOTE_NAME; /* compared with its NUL */
	uint64_t end = off + len;
	struct elf64_nhdr nh;

	while (off <= end && end - off >= sizeof(nh)) {
		uint64_t name_off = off + sizeof(nh), desc_off;

		memcpy(&nh, file + off, sizeof(nh));
		desc_off = name_off + ALIGN_UP((uint64_t)nh.n_namesz, align);
		off = desc_off + ALIGN_UP((uint64_t)nh.n_descsz, align);
		if (desc_off > end || nh.n_descsz > end - desc_off)
			return elf_fail(why, "malformed ELF note");
		if (nh.n_namesz != sizeof(name) || memcmp(file + name_off, name, sizeof(name)) ||
		    nh.n_type != MICA_ELFNOTE_ENTRY64)
			continue;
		if (nh.n_descsz != sizeof(*entry))
			return elf_fail(why, "Mica entry note is not 8 bytes");
		memcpy(entry, file + desc_off, sizeof(*entry));
		return 1;
	}
	return 0;
}

static int find_note_phdrs(const void *file, size_t size, const struct elf64_ehdr *eh, uint64_t *entry,
			   const char **why)
{
	struct elf64_phdr ph;
	int found;

	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		read_phdr(file, eh, i, &ph);
		if (ph.p_type != PT_NOTE)
			continue;
		if (!range_ok(ph.p_offset, ph.p_filesz, size))
			return elf_fail(why, "PT_NOTE segment outside the file");
		found = scan_notes(file, ph.p_offset, ph.p_filesz, ph.p_align == 8 ? 8 : 4, entry, why);
		if (found)
			return found;
	}
	return 0;
}

/* Section headers are optional: an unusable table is ignored, not an error. */
static int find_note_shdrs(const void *file, size_t size, const struct elf64_ehdr *eh, uint64_t *entry,
			   const char **why)
{
	struct elf64_shdr sh;
	int found;

	if (!eh->e_shoff || eh->e_shentsize < sizeof(sh) ||
	    !range_ok(eh->e_shoff, (uint64_t)eh->e_shnum * eh->e_shentsize, size))
		return 0;
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		memcpy(&sh, (const uint8_t *)file + eh->e_shoff + (uint64_t)i * eh->e_shentsize, sizeof(sh));
		if (sh.sh_type != SHT_NOTE || !range_ok(sh.sh_offset, sh.sh_size, size))
			continue;
		found = scan_notes(file, sh.sh_offset, sh.sh_size, sh.sh_addralign == 8 ? 8 : 4, entry, why);
		if (found)
			return found;
	}
	return 0;
}

int mica_elf_check(const void *file, size_t size, struct mica_elf_image *img, const char **why)
{
	struct elf64_ehdr eh;
	int found;

	memset(img, 0, sizeof(*img));
	if (check_ehdr(file, size, &eh, why) || check_loads(file, size, &eh, img, why))
		return -1;
	found = find_note_phdrs(file, size, &eh, &img->entry, why);
	if (found == 0)
		found = find_note_shdrs(file, size, &eh, &img->entry, why);
	if (found < 0)
		return -1;
	if (found == 0)
		return elf_fail(why, "no \"Mica\" entry note (MICA_ELFNOTE_ENTRY64)");
	if (img->entry < img->paddr_lo || img->entry >= img->paddr_hi)
		return elf_fail(why, "Mica entry note points outside the loaded segments");
	return 0;
}

void mica_elf_place(const void *file, const struct mica_elf_image *img, void *dst)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;

	memcpy(&eh, file, sizeof(eh));
	memset(dst, 0, img->alloc_size);
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		read_phdr(file, &eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		memcpy((uint8_t *)dst + (ph.p_paddr - img->paddr_lo), (const uint8_t *)file + ph.p_offset, ph.p_filesz);
	}
}
