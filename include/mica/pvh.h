/*
 * The PVH domain builder: checking a guest kernel's ELF image and its Xen notes,
 * placing its segments and laying out struct hvm_start_info in guest memory.
 * Pure logic over caller-supplied guest-memory operations; also built on the host.
 */
#ifndef MICA_PVH_H
#define MICA_PVH_H

#include <mica/types.h>

/* Xen's public headers need the interface version; the hypervisor build passes it too. */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/elfnote.h>

/*
 * Added to xen/include/public/elfnote.h in Xen 4.20, after the 4.17 headers we build
 * against. Its desc holds up to three 32-bit values, in this order: the required
 * alignment of the image start (default: the largest PT_LOAD p_align if >= 4 KiB,
 * else 2 MiB), the lowest address for the image start (default 0) and the highest
 * address for its last byte (default 0xffffffff). Its presence says the kernel can
 * run from any such place.
 */
#ifndef XEN_ELFNOTE_PHYS32_RELOC
#define XEN_ELFNOTE_PHYS32_RELOC 19
#endif

#define PVH_4GIB (1ULL << 32)
#define PVH_MAX_SEGMENTS 16 /* PT_LOAD segments with memory */
#define PVH_MAX_MODULES 16
#define PVH_MAX_MEMMAP 128   /* entries of the guest's memory map */
#define PVH_CMDLINE_MAX 4096 /* bytes, including the NUL */
#define PVH_RELOC_ALIGN_DEFAULT 0x200000

/* One PT_LOAD segment: filesz bytes from the file at offset, then zeroes up to memsz. */
struct pvh_segment {
	uint64_t offset;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
};

/* XEN_ELFNOTE_PHYS32_RELOC, defaults filled in when the note is shorter. */
struct pvh_reloc {
	bool present;
	uint32_t align; /* power of two: the image start must be a multiple */
	uint32_t min;   /* lowest image start */
	uint32_t max;   /* highest address of the image's last byte (inclusive) */
};

struct pvh_elf_info {
	unsigned int elf_class; /* 32 or 64 */
	uint32_t entry;         /* XEN_ELFNOTE_PHYS32_ENTRY: guest-physical, 32-bit mode */
	uint64_t paddr_lo;      /* lowest PT_LOAD paddr */
	uint64_t paddr_hi;      /* end (exclusive) of the highest PT_LOAD, <= 4 GiB */
	struct pvh_reloc reloc;
	unsigned int nr_segments;
	struct pvh_segment segments[PVH_MAX_SEGMENTS];
};

/*
 * Checks image[0, size) and fills *out. Returns 0, or a negative error code with a
 * one-line reason in err (always NUL-terminated when errlen > 0).
 */
int pvh_elf_parse(const void *image, size_t size, struct pvh_elf_info *out, char *err, size_t errlen);

/* How the builder writes guest memory (the hypervisor: over the domain's p2m). 0 or -errno. */
struct pvh_mem_ops {
	int (*copy_to_guest)(void *ctx, uint64_t gpa, const void *src, size_t len);
	int (*zero_guest)(void *ctx, uint64_t gpa, size_t len);
};

/*
 * 0 if the image may be loaded reloc_offset bytes away from its link-time paddrs:
 * always for 0; otherwise the kernel must carry PHYS32_RELOC and the moved image
 * must start aligned, inside [min, max] and below 4 GiB. Else -EINVAL.
 */
int pvh_reloc_check(const struct pvh_elf_info *info, int64_t reloc_offset);

/* Entry point (guest-physical) of an image moved by reloc_offset. */
static inline uint32_t pvh_entry(const struct pvh_elf_info *info, int64_t reloc_offset)
{
	return (uint32_t)(info->entry + (uint64_t)reloc_offset);
}

/*
 * Copies every segment of a parsed image to its paddr + reloc_offset and zeroes
 * its bss. image must be the buffer pvh_elf_parse() accepted for info.
 */
int pvh_load_segments(const void *image, const struct pvh_elf_info *info, int64_t reloc_offset,
		      const struct pvh_mem_ops *ops, void *ctx);

/* A module already in guest memory. */
struct pvh_module {
	uint64_t gpa; /* non-zero */
	uint64_t size;
	const char *cmdline; /* NULL: none */
};

struct pvh_start_params {
	uint64_t area_gpa;                           /* where start info and its tables go: non-zero, */
	uint64_t area_size;                          /* and [area_gpa, area_gpa + area_size) below 4 GiB */
	const char *cmdline;                         /* NULL: none */
	uint64_t rsdp_gpa;                           /* 0: no ACPI */
	const struct hvm_memmap_table_entry *memmap; /* reserved fields are ignored */
	unsigned int nr_memmap;
	const struct pvh_module *modules;
	unsigned int nr_modules;
};

/*
 * Writes struct hvm_start_info (version 1) and what it points to into the area, each
 * piece 8-byte aligned: start info, memory map, module list, command line, module
 * command lines. *start_info_gpa receives the address for the guest's %ebx.
 * -EINVAL for bad parameters, -ENOSPC if the area is too small, or the ops' error.
 */
int pvh_build_start_info(const struct pvh_start_params *p, const struct pvh_mem_ops *ops, void *ctx,
			 uint64_t *start_info_gpa);

#endif
