/*
 * Entry points of mica.elf.
 *
 *  _start        Multiboot2 (GRUB, iPXE): 32-bit protected mode, paging off,
 *                eax = 0x36d76289, ebx = physical address of the boot information.
 *                The image sits at its link-time physical address (2 MiB).
 *  efi_start64   mica.efi: 64-bit mode on the firmware's identity map,
 *                rdi = &struct boot_info, rsi = "MICA". The image may sit at any
 *                2 MiB-aligned physical address.
 *
 * Both reach start64, which runs position independent on the identity map,
 * builds the boot page tables (identity map of the low 4 GiB plus the image at
 * KERNEL_VIRT_BASE), switches to them and calls boot_main() in the higher half.
 */
#include <asm/layout.h>
#include <mica/boot_info.h>

#define PA(x) ((x) - KERNEL_VIRT_BASE)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80
#define BOOT_HIGH_PDES 16 /* 32 MiB of image mapped at boot */

/* ---------------------------------------------------------- Multiboot2 header */
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long 0xe85250d6			/* magic */
	.long 0					/* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(0xe85250d6 + (mb2_header_end - mb2_header))
	.balign 8				/* entry address tag: where to jump */
	.word 3, 0
	.long 12
	.long PA(_start)
	.balign 8				/* module alignment tag: page-align modules */
	.word 6, 0
	.long 8
	.balign 8				/* console flags tag: EGA text is fine too */
	.word 4, 0
	.long 12
	.long 2
	.balign 8				/* framebuffer tag: any linear mode, optional */
	.word 5, 1
	.long 20
	.long 0, 0, 32
	.balign 8				/* end tag */
	.word 0, 0
	.long 8
mb2_header_end:

/* ---------------------------------------------------------- note for mica.efi */
	.section .note.mica, "a"
	.balign 4
	.long 5					/* namesz: "Mica\0" */
	.long 8					/* descsz */
	.long MICA_ELFNOTE_ENTRY64
	.asciz "Mica"
	.balign 4
	.quad PA(efi_start64)

/* ---------------------------------------------------------- 32-bit entry */
	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov	%ebx, %edi			/* boot argument: mbi */
	mov	%eax, %esi			/* magic */
	mov	$PA(boot_stack_top), %esp

	/* Long mode present? CPUID 0x80000001 EDX bit 29. */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	bt	$29, %edx
	jnc	no_long_mode

	/* Identity map of the low 4 GiB with 2 MiB pages, enough to reach start64. */
	call	build_identity32

	mov	%cr4, %eax
	or	$0x20, %eax			/* PAE */
	mov	%eax, %cr4
	mov	$PA(boot_pml4), %eax
	mov	%eax, %cr3
	mov	$0xC0000080, %ecx		/* EFER.LME */
	rdmsr
	or	$0x100, %eax
	wrmsr
	mov	%cr0, %eax
	and	$0x9FFFFFFF, %eax		/* caches on */
	or	$0x80000021, %eax		/* PG | NE | PE */
	mov	%eax, %cr0
	lgdt	PA(boot_gdt_ptr32)
	ljmp	$0x08, $PA(start64_mb2)

build_identity32:
	mov	$PA(boot_pml4), %ebx
	mov	$PA(boot_pdpt_low), %eax
	or	$(PTE_P | PTE_W), %eax
	mov	%eax, (%ebx)
	mov	$PA(boot_pdpt_low), %ebx
	mov	$PA(boot_pd_low), %eax
	or	$(PTE_P | PTE_W), %eax
	mov	$4, %ecx
1:	mov	%eax, (%ebx)
	add	$4096, %eax
	add	$8, %ebx
	loop	1b
	mov	$PA(boot_pd_low), %ebx
	mov	$(PTE_P | PTE_W | PTE_PS), %eax
	xor	%edx, %edx
	mov	$2048, %ecx
2:	mov	%eax, (%ebx)
	mov	%edx, 4(%ebx)
	add	$0x200000, %eax
	adc	$0, %edx
	add	$8, %ebx
	loop	2b
	ret

no_long_mode:
	mov	$PA(msg_no_lm), %esi
1:	lodsb
	test	%al, %al
	jz	2f
	mov	%al, %bl
	mov	$0x3fd, %dx
3:	inb	%dx, %al
	test	$0x20, %al
	jz	3b
	mov	$0x3f8, %dx
	mov	%bl, %al
	outb	%al, %dx
	jmp	1b
2:	cli
	hlt
	jmp	2b

/* ---------------------------------------------------------- 64-bit entries */
	.code64
start64_mb2:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%edi, %edi			/* zero-extend mbi and magic */
	mov	%esi, %esi
	jmp	start64

	.globl efi_start64
efi_start64:
	cli
	cld
	/* fall through */

start64:
	mov	%rdi, %r12			/* boot argument */
	mov	%rsi, %r13			/* magic */
	lea	_image_start(%rip), %r14	/* physical base of the image */
	lea	boot_stack_top(%rip), %rsp

	/*
	 * The boot page tables are in .bss, which both loaders zero. On the
	 * Multiboot2 path they are already live: the identity part is rewritten
	 * with the same values.
	 */
	/* PML4[0] -> PDPT_low[0..3] -> PD_low: identity 0..4 GiB, 2 MiB pages. */
	lea	boot_pml4(%rip), %rbx
	lea	boot_pdpt_low(%rip), %rax
	or	$(PTE_P | PTE_W), %rax
	mov	%rax, (%rbx)
	lea	boot_pdpt_low(%rip), %rbx
	lea	boot_pd_low(%rip), %rax
	or	$(PTE_P | PTE_W), %rax
	mov	$4, %ecx
1:	mov	%rax, (%rbx)
	add	$4096, %rax
	add	$8, %rbx
	loop	1b
	lea	boot_pd_low(%rip), %rbx
	mov	$(PTE_P | PTE_W | PTE_PS), %eax
	mov	$2048, %ecx
2:	mov	%rax, (%rbx)
	add	$0x200000, %rax
	add	$8, %rbx
	loop	2b

	/* PML4[511] -> PDPT_high[510] -> PD_high: KERNEL_VIRT_BASE + 2 MiB * (1 + k) -> image + 2 MiB * k. */
	lea	boot_pml4(%rip), %rbx
	lea	boot_pdpt_high(%rip), %rax
	or	$(PTE_P | PTE_W), %rax
	mov	%rax, 511*8(%rbx)
	lea	boot_pdpt_high(%rip), %rbx
	lea	boot_pd_high(%rip), %rax
	or	$(PTE_P | PTE_W), %rax
	mov	%rax, 510*8(%rbx)
	lea	boot_pd_high(%rip), %rbx
	mov	%r14, %rax
	or	$(PTE_P | PTE_W | PTE_PS), %rax
	mov	$BOOT_HIGH_PDES, %ecx
	add	$((IMAGE_LOAD_PHYS >> 21) * 8), %rbx
3:	mov	%rax, (%rbx)
	add	$0x200000, %rax
	add	$8, %rbx
	loop	3b

	lea	boot_pml4(%rip), %rax
	mov	%rax, %cr3
	movabs	$start64_high, %rax
	jmp	*%rax

start64_high:
	movabs	$boot_stack_top, %rsp
	xor	%ebp, %ebp
	mov	%r12, %rdi
	mov	%r13, %rsi
	mov	%r14, %rdx
	call	boot_main
4:	cli
	hlt
	jmp	4b

/* ---------------------------------------------------------- data */
	.section .rodata
msg_no_lm:
	.asciz "Mica: this CPU does not support 64-bit long mode; cannot boot.\r\n"

	.section .data
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF		/* 0x08: 64-bit code */
	.quad 0x00CF92000000FFFF		/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr32:
	.word boot_gdt_end - boot_gdt - 1
	.long PA(boot_gdt)

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pgtables:
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pd_low:	.skip 4096 * 4
boot_pdpt_high:	.skip 4096
boot_pd_high:	.skip 4096
boot_pgtables_end:
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:	.skip BOOT_STACK_SIZE
boot_stack_top:
