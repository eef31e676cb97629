/*
 * pv-guest entry (Xen's PVH boot ABI, docs/misc/pvh.pandoc): 32-bit protected mode, paging
 * off, %ebx = physical address of struct hvm_start_info, flat CS/DS/ES/SS, EFLAGS.IF = 0.
 * We identity-map the low 4 GiB with 2 MiB pages, enter long mode, turn on the FPU and SSE
 * (newlib's printf and libm use SSE) and call start_kernel(start_info) on the boot stack.
 * The XEN_ELFNOTE_PHYS32_ENTRY note is at the end of this file.
 */
#define CR0_PE 0x00000001
#define CR0_MP 0x00000002
#define CR0_EM 0x00000004
#define CR0_TS 0x00000008
#define CR0_NE 0x00000020
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define CR4_OSFXSR 0x00000200
#define CR4_OSXMMEXCPT 0x00000400
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define EFER_NXE 0x00000800
#define PTE_P_W 0x003
#define PTE_P_W_PS 0x083
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .text.head, "ax"
	.code32
	.globl _start
_start:
	mov	%ebx, %esi			/* start info: kept in %esi until C */
	rdtsc					/* for the boot benchmark (bench/pv-guest.sh) */
	mov	%eax, entry_tsc
	mov	%edx, entry_tsc + 4
	mov	$boot_stack_top, %esp

	/* A loader should zero .bss (p_memsz > p_filesz); make sure. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx			/* both ends are 8-byte aligned (link.ld) */
	xor	%eax, %eax
	rep	stosl

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories: 2048 x 2 MiB = 4 GiB identity map. */
	movl	$boot_pdpt + PTE_P_W, boot_pml4
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$12, %eax
	add	$boot_pd + PTE_P_W, %eax
	mov	%eax, boot_pdpt(, %ecx, 8)
	inc	%ecx
	cmp	$4, %ecx
	jb	1b
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$21, %eax
	or	$PTE_P_W_PS, %eax
	mov	%eax, boot_pd(, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jb	2b

	/* Long mode (SDM vol. 3 §9.8.5): CR4.PAE, CR3, EFER.LME, then CR0.PG; far jump to 64-bit CS. */
	mov	%cr4, %eax
	or	$(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	and	$~(CR0_EM | CR0_TS), %eax
	or	$(CR0_PG | CR0_PE | CR0_MP | CR0_NE), %eax
	mov	%eax, %cr0
	lgdt	gdt_desc
	ljmp	$0x08, $long_mode

	.code64
long_mode:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	fninit
	ldmxcsr	mxcsr_default(%rip)
	mov	$boot_stack_top, %rsp
	xor	%ebp, %ebp
	mov	%esi, %edi			/* start_kernel(struct hvm_start_info *) */
	call	start_kernel
3:	cli
	hlt
	jmp	3b

	.section .rodata
	.balign 16
gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff		/* 0x10: flat data */
gdt_end:
	.globl gdt_desc
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt
mxcsr_default:
	.long	0x1f80

	.section .data
	.balign 8
	.globl entry_tsc
entry_tsc:	.quad 0				/* in .data: the .bss fill must not erase it */

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4 * 4096
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:	.skip 16384
boot_stack_top:

	/* The PVH note: name "Xen", type XEN_ELFNOTE_PHYS32_ENTRY, value the 32-bit entry. */
	.section .note.Xen, "a", @note
	.balign 4
	.long	4
	.long	4
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
	.long	_start
	.balign 4
