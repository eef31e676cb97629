#!/bin/sh
# Builds the two small real PVH kernels used by tests/unit/test_pvh.c and
# writes them next to this script. Run once; the outputs are committed.
#
#   elf64-pvh.elf  ELF64/EM_X86_64, linked high like Linux (vaddr 0xffffffff81000000,
#                  paddr 0x1000000); PT_NOTE with a "Mica" decoy note, GUEST_OS,
#                  PHYS32_RELOC (align 0x200000, min 0x1000000, max 0x3fffffff) and a
#                  4-byte PHYS32_ENTRY = 0x1000000.
#   elf32-pvh.elf  ELF32/EM_386, vaddr = paddr = 0x200000; PT_NOTE with an 8-byte
#                  PHYS32_ENTRY = 0x200000 (the width Linux uses on x86_64).
#
# Both: text (entry code + a 16-byte pattern), the notes, then data (64 bytes of
# 0x5a) and bss (0x3000 bytes) in a second PT_LOAD. Needs gcc and GNU ld only.
set -eu

out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Note type numbers from xen/include/public/elfnote.h (PHYS32_RELOC: Xen 4.20).
cat >"$tmp/kernel.S" <<'ASM'
#define XEN_ELFNOTE_GUEST_OS 6
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define XEN_ELFNOTE_PHYS32_RELOC 19

/* One ELF note: 4-byte aligned name and desc, as Xen and Linux lay them out. */
#define NOTE(name, type, desc)			\
	.balign 4;				\
	.long 2f - 1f, 4f - 3f, type;		\
1:	.asciz name;				\
2:	.balign 4;				\
3:	desc;					\
4:	.balign 4

	.section .text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
5:	hlt
	jmp 5b
	.balign 16
	.byte 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17
	.byte 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f

	.section .note.Xen, "a", @note
	NOTE("Mica", XEN_ELFNOTE_PHYS32_ENTRY, .long 0xdeadbeef)
	NOTE("Xen", XEN_ELFNOTE_GUEST_OS, .asciz "mica-pvh-test")
#ifdef __x86_64__
	NOTE("Xen", XEN_ELFNOTE_PHYS32_RELOC, .long 0x200000; .long 0x1000000; .long 0x3fffffff)
	NOTE("Xen", XEN_ELFNOTE_PHYS32_ENTRY, .long pvh_start_phys)
#else
	NOTE("Xen", XEN_ELFNOTE_PHYS32_ENTRY, .long pvh_start_phys; .long 0)
#endif

	.section .data, "aw"
	.fill 64, 1, 0x5a

	.section .bss, "aw", @nobits
	.space 0x3000
ASM

link_script() { # $1 = output format, $2 = virtual offset, $3 = physical load address
	cat <<LDS
OUTPUT_FORMAT("$1")
ENTRY(pvh_start)
KVIRT = $2;
PHDRS { text PT_LOAD; data PT_LOAD; note PT_NOTE; }
SECTIONS {
	. = KVIRT + $3;
	.text : AT(ADDR(.text) - KVIRT) { *(.text) } :text
	.notes : AT(ADDR(.notes) - KVIRT) { *(.note.Xen) } :text :note
	. = ALIGN(0x1000);
	.data : AT(ADDR(.data) - KVIRT) { *(.data) } :data
	.bss : AT(ADDR(.bss) - KVIRT) { *(.bss) } :data
	/DISCARD/ : { *(.note.gnu.property) *(.comment) *(.eh_frame) }
}
pvh_start_phys = pvh_start - KVIRT;
LDS
}

gcc -m64 -c -o "$tmp/k64.o" "$tmp/kernel.S"
link_script elf64-x86-64 0xffffffff80000000 0x1000000 >"$tmp/k64.lds"
ld -m elf_x86_64 -n -s --build-id=none -T "$tmp/k64.lds" -o "$out/elf64-pvh.elf" "$tmp/k64.o"

gcc -m32 -c -o "$tmp/k32.o" "$tmp/kernel.S"
link_script elf32-i386 0 0x200000 >"$tmp/k32.lds"
ld -m elf_i386 -n -s --build-id=none -T "$tmp/k32.lds" -o "$out/elf32-pvh.elf" "$tmp/k32.o"

ls -l "$out"/*.elf
