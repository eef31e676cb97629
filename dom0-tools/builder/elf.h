/* The domain builder's view of a PVH kernel: its loadable segments and its 32-bit entry. */
#ifndef DOM0_TOOLS_BUILDER_ELF_H
#define DOM0_TOOLS_BUILDER_ELF_H

#include <stddef.h>
#include <stdint.h>

#define BUILDER_ELF_MAX_SEGMENTS 16 /* PT_LOAD segments with memory */

struct builder_segment {
	uint64_t paddr;  /* where it goes in guest-physical memory */
	uint64_t offset; /* its bytes in the file: [offset, offset + filesz) */
	uint64_t filesz;
	uint64_t memsz; /* filesz and then zeros (bss) */
};

struct builder_elf {
	uint32_t entry;              /* XEN_ELFNOTE_PHYS32_ENTRY */
	uint64_t paddr_lo, paddr_hi; /* [lo, hi): all segments */
	unsigned int nr_segments;
	struct builder_segment segments[BUILDER_ELF_MAX_SEGMENTS];
};

/*
 * Checks an ELF64 x86-64 PVH kernel of len bytes and describes it. Returns 0, or -EINVAL (-E2BIG
 * for too many segments) with a message starting "kernel: " in err. Never reads outside the image.
 */
int builder_elf_parse(const void *image, size_t len, struct builder_elf *out, char *err, size_t errlen);

#endif
