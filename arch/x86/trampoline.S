/*
 * Application processor startup code. smp.c copies [ap_trampoline_start,
 * ap_trampoline_end) to AP_TRAMPOLINE_PHYS and points the STARTUP IPI at it
 * (vector = page number). The AP arrives in real mode with CS = vector << 8,
 * IP = 0, goes through 32-bit protected mode into long mode on the
 * hypervisor's page tables (whose root smp.c has put below 4 GiB, with the
 * trampoline page identity mapped) and jumps to ap_entry in the higher half.
 */
#include <asm/layout.h>

#define TRAMP(x) (AP_TRAMPOLINE_PHYS + ((x) - ap_trampoline_start))

	.section .rodata
	.balign 16
	.globl ap_trampoline_start, ap_trampoline_end
	.globl ap_tramp_cr3, ap_tramp_stack, ap_tramp_entry, ap_tramp_cpu
	.code16
ap_trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	ap_tramp_gdtr - ap_trampoline_start
	mov	%cr0, %eax
	or	$1, %eax			/* PE */
	mov	%eax, %cr0
	ljmpl	$0x08, $TRAMP(ap_tramp32)

	.code32
ap_tramp32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$0x20, %eax			/* PAE */
	mov	%eax, %cr4
	mov	TRAMP(ap_tramp_cr3), %eax
	mov	%eax, %cr3
	mov	$0xC0000080, %ecx
	rdmsr
	or	$0x900, %eax			/* LME | NXE (our tables use NX) */
	wrmsr
	mov	%cr0, %eax
	and	$0x9FFFFFFF, %eax
	or	$0x80000021, %eax		/* PG | NE | PE */
	mov	%eax, %cr0
	ljmp	$0x18, $TRAMP(ap_tramp64)

	.code64
ap_tramp64:
	mov	TRAMP(ap_tramp_stack), %rsp
	mov	TRAMP(ap_tramp_cpu), %rdi
	mov	TRAMP(ap_tramp_entry), %rax
	xor	%ebp, %ebp
	jmp	*%rax

	.balign 8
ap_tramp_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF		/* 0x08: 32-bit code */
	.quad 0x00CF92000000FFFF		/* 0x10: data */
	.quad 0x00AF9A000000FFFF		/* 0x18: 64-bit code */
ap_tramp_gdtr:
	.word ap_tramp_gdtr - ap_tramp_gdt - 1
	.long TRAMP(ap_tramp_gdt)
	.balign 8
ap_tramp_cr3:	.quad 0
ap_tramp_stack:	.quad 0
ap_tramp_entry:	.quad 0
ap_tramp_cpu:	.quad 0
ap_trampoline_end:
	.section .note.GNU-stack, "", @progbits
