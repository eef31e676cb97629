/*
 * ELF images built in memory for test_pvh.c: a kernel of either class with chosen
 * segments and a blob of notes, as a PT_NOTE and/or an SHT_NOTE section.
 */
#ifndef TEST_PVH_IMAGE_H
#define TEST_PVH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Layout: ELF header, program headers from 0x40, the notes blob at NOTE_OFF, segment
 * bytes from TEXT_OFF (text: 0x100 bytes at 0x100000, data: 0x80 bytes + bss at 0x101000),
 * optional section headers (null + SHT_NOTE over the blob) at SH_OFF. The image ends
 * with checked bytes, so every shorter prefix must fail.
 */
#define NOTE_OFF 0x800
#define TEXT_OFF 0xa00
#define DATA_OFF 0xb00
#define SH_OFF 0xc00
#define IMG_CAP 0x1000

struct seg {
	uint32_t type;
	uint64_t off, paddr, filesz, memsz, align;
};
#define NOTES_CAP 256

extern uint8_t img[IMG_CAP];
extern size_t img_len;
extern uint8_t notes[NOTES_CAP]; /* the blob */
extern size_t notes_len;

/* Text, data + bss, and a PT_NOTE over the blob. */
extern const struct seg std_segs[3];

/* Appends a note with a 4-byte aligned name and desc. */
void note_add(const char *name, uint32_t type, const void *desc, uint32_t descsz);
/* Appends a header with any sizes, followed by the 4 bytes "Xen\0". */
void note_raw(uint32_t namesz, uint32_t descsz, uint32_t type);
void note_entry32(uint32_t e);
void note_entry64(uint64_t e);

/* Builds img from segs (a PT_NOTE at NOTE_OFF gets the blob's size); note_section adds section headers. */
void build(int cls, const struct seg *segs, unsigned int n, bool note_section);
/* build() with std_segs. */
void build_std(int cls);
/* (Re)writes the section headers: a null one and an SHT_NOTE over the blob. */
void put_note_shdrs(int cls, uint64_t align);

#endif
