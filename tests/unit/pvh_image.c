/* The in-memory ELF images of test_pvh.c (see pvh_image.h). */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <mica/pvh.h>

#include "pvh_image.h"

uint8_t img[IMG_CAP];
size_t img_len;
uint8_t notes[NOTES_CAP];
size_t notes_len;

const struct seg std_segs[3] = {
    {PT_LOAD, TEXT_OFF, 0x100000, 0x100, 0x100, 0x1000},
    {PT_LOAD, DATA_OFF, 0x101000, 0x80, 0x2000, 0x1000},
    {PT_NOTE, NOTE_OFF, 0x100080, 0, 0, 4}, /* sizes filled with the blob's */
};

void note_add(const char *name, uint32_t type, const void *desc, uint32_t descsz)
{
	uint32_t hdr[3] = {(uint32_t)strlen(name) + 1, descsz, type};

	assert_true(notes_len + 12 + 8 + descsz + 8 <= sizeof(notes));
	memcpy(notes + notes_len, hdr, 12);
	memcpy(notes + notes_len + 12, name, hdr[0]);
	notes_len += 12 + ((hdr[0] + 3) & ~3u);
	if (descsz)
		memcpy(notes + notes_len, desc, descsz);
	notes_len += (descsz + 3) & ~3u;
}

void note_raw(uint32_t namesz, uint32_t descsz, uint32_t type)
{
	uint32_t hdr[3] = {namesz, descsz, type};

	memcpy(notes + notes_len, hdr, 12);
	memcpy(notes + notes_len + 12, "Xen", 4);
	notes_len += 16;
}

void note_entry32(uint32_t e)
{
	note_add("Xen", XEN_ELFNOTE_PHYS32_ENTRY, &e, 4);
}

void note_entry64(uint64_t e)
{
	note_add("Xen", XEN_ELFNOTE_PHYS32_ENTRY, &e, 8);
}

static void put_ehdr(int cls, unsigned int phnum, unsigned int shnum)
{
	unsigned char ident[EI_NIDENT] = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, 0, ELFDATA2LSB, EV_CURRENT};

	ident[EI_CLASS] = cls == 64 ? ELFCLASS64 : ELFCLASS32;
	if (cls == 64) {
		Elf64_Ehdr e = {.e_type = ET_EXEC,
				.e_machine = EM_X86_64,
				.e_version = EV_CURRENT,
				.e_phoff = sizeof(Elf64_Ehdr),
				.e_shoff = shnum ? SH_OFF : 0,
				.e_ehsize = sizeof(e),
				.e_phentsize = sizeof(Elf64_Phdr),
				.e_phnum = phnum,
				.e_shentsize = sizeof(Elf64_Shdr),
				.e_shnum = shnum};
		memcpy(e.e_ident, ident, EI_NIDENT);
		memcpy(img, &e, sizeof(e));
	} else {
		Elf32_Ehdr e = {.e_type = ET_EXEC,
				.e_machine = EM_386,
				.e_version = EV_CURRENT,
				.e_phoff = sizeof(Elf32_Ehdr),
				.e_shoff = shnum ? SH_OFF : 0,
				.e_ehsize = sizeof(e),
				.e_phentsize = sizeof(Elf32_Phdr),
				.e_phnum = phnum,
				.e_shentsize = sizeof(Elf32_Shdr),
				.e_shnum = shnum};
		memcpy(e.e_ident, ident, EI_NIDENT);
		memcpy(img, &e, sizeof(e));
	}
}

static void put_phdr(int cls, unsigned int i, const struct seg *s)
{
	if (cls == 64) {
		Elf64_Phdr p = {s->type, PF_R, s->off, s->paddr, s->paddr, s->filesz, s->memsz, s->align};
		memcpy(img + sizeof(Elf64_Ehdr) + i * sizeof(p), &p, sizeof(p));
	} else {
		Elf32_Phdr p = {s->type, s->off, s->paddr, s->paddr, s->filesz, s->memsz, PF_R, s->align};
		memcpy(img + sizeof(Elf32_Ehdr) + i * sizeof(p), &p, sizeof(p));
	}
}

void put_note_shdrs(int cls, uint64_t align)
{
	if (cls == 64) {
		Elf64_Shdr s[2] = {
		    {0}, {.sh_type = SHT_NOTE, .sh_offset = NOTE_OFF, .sh_size = notes_len, .sh_addralign = align}};
		memcpy(img + SH_OFF, s, sizeof(s));
		img_len = SH_OFF + sizeof(s);
	} else {
		Elf32_Shdr s[2] = {
		    {0}, {.sh_type = SHT_NOTE, .sh_offset = NOTE_OFF, .sh_size = notes_len, .sh_addralign = align}};
		memcpy(img + SH_OFF, s, sizeof(s));
		img_len = SH_OFF + sizeof(s);
	}
}

/* Builds an image from segs (PT_NOTE sizes taken from the blob); notes also as a section if asked. */
void build(int cls, const struct seg *segs, unsigned int n, bool note_section)
{
	memset(img, 0, sizeof(img));
	put_ehdr(cls, n, note_section ? 2 : 0);
	for (unsigned int i = 0; i < n; i++) {
		struct seg s = segs[i];

		if (s.type == PT_NOTE && s.off == NOTE_OFF)
			s.filesz = s.memsz = notes_len;
		put_phdr(cls, i, &s);
	}
	memcpy(img + NOTE_OFF, notes, notes_len);
	for (int i = 0; i < 0x100; i++)
		img[TEXT_OFF + i] = (uint8_t)(i + 1);
	memset(img + DATA_OFF, 0xda, 0x80);
	img_len = DATA_OFF + 0x80;
	if (note_section)
		put_note_shdrs(cls, 4);
}

void build_std(int cls)
{
	build(cls, std_segs, 3, false);
}