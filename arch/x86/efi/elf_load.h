/*
 * Checking and placing the hypervisor ELF (mica.elf) in mica.efi: portable
 * C, also built on the host for unit tests. The ELF structures follow the
 * System V gABI (ELF-64 Object File Format); only the fields we need.
 */
#ifndef MICA_EFI_ELF_LOAD_H
#define MICA_EFI_ELF_LOAD_H

#include <mica/types.h>

#define ELF_MAG \
	"\x7f"  \
	"ELF"
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4
#define SHT_NOTE 7

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

struct elf64_shdr {
	uint32_t sh_name;
	uint32_t sh_type;
	uint64_t sh_flags;
	uint64_t sh_addr;
	uint64_t sh_offset;
	uint64_t sh_size;
	uint32_t sh_link;
	uint32_t sh_info;
	uint64_t sh_addralign;
	uint64_t sh_entsize;
};

struct elf64_nhdr {
	uint32_t n_namesz;
	uint32_t n_descsz;
	uint32_t n_type;
};

#define MICA_ELF_MAX_PHDRS 64
#define MICA_ELF_MAX_SPAN (1ULL << 30) /* sanity limit on the image size */

/* What the checks learnt about a valid image. */
struct mica_elf_image {
	uint64_t paddr_lo;    /* lowest PT_LOAD p_paddr */
	uint64_t paddr_hi;    /* highest PT_LOAD p_paddr + p_memsz */
	uint64_t entry;       /* physical (link-time) entry from the "Mica" note */
	uint64_t alloc_size;  /* span rounded up to MICA_IMAGE_ALIGN */
	unsigned int nr_load; /* number of PT_LOAD segments */
};

/*
 * Checks that file[0..size) is an x86-64 little-endian ET_EXEC ELF whose
 * program headers and PT_LOAD segments lie inside the file, and that it has a
 * "Mica" MICA_ELFNOTE_ENTRY64 note with an entry inside the loaded span.
 * Returns 0, or -1 with *why set to a static description of the problem.
 */
int mica_elf_check(const void *file, size_t size, struct mica_elf_image *img, const char **why);

/*
 * Places a checked image at dst (img->alloc_size bytes): zeroes everything,
 * then copies each PT_LOAD segment to dst + (p_paddr - paddr_lo).
 */
void mica_elf_place(const void *file, const struct mica_elf_image *img, void *dst);

/* Physical entry address once the image sits at load_base. */
static inline uint64_t mica_elf_entry_at(const struct mica_elf_image *img, uint64_t load_base)
{
	return load_base + (img->entry - img->paddr_lo);
}

#endif
