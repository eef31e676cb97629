/*
 * PVH entry of every test guest (Xen's PVH boot ABI, docs/misc/pvh.pandoc):
 * 32-bit protected mode, paging off, %ebx = physical address of struct
 * hvm_start_info, CS/DS/ES/SS flat 4 GiB, EFLAGS.IF = 0. We record the entry
 * state before touching it, identity-map the low 4 GiB with 2 MiB pages, enter
 * long mode and call xtf_start() (lib/xtf.c) on our own stack.
 * The XEN_ELFNOTE_PHYS32_ENTRY note lives in pvh_note.S.
 */
#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define PTE_P_W 0x003
#define PTE_P_W_PS 0x083

	.section .text.head, "ax"
	.code32
	.globl pvh_start
pvh_start:
	/* Record the entry state first: only %eax and %esp are ours to clobber. */
	mov	%ebx, pvh_entry_ebx
	mov	%cr0, %eax
	mov	%eax, pvh_entry_cr0
	mov	%cr4, %eax
	mov	%eax, pvh_entry_cr4
	movw	%cs, pvh_entry_cs
	movw	%ds, pvh_entry_ds
	movw	%es, pvh_entry_es
	movw	%ss, pvh_entry_ss
	movw	%fs, pvh_entry_fs
	movw	%gs, pvh_entry_gs
	str	pvh_entry_tr
	mov	$entry_stack_top, %esp		/* in .data: the .bss check below must not see it */
	pushfl
	popl	pvh_entry_eflags
	mov	$MSR_EFER, %ecx
	rdmsr
	mov	%eax, pvh_entry_efer

	/* The loader must zero-fill .bss (p_memsz > p_filesz): note whether it did, then make sure. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	repe	scasb
	setne	pvh_entry_bss_dirty
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	rep	stosb

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories; 2048 x 2 MiB = 4 GiB identity map. */
	movl	$pvh_pdpt + PTE_P_W, pvh_pml4
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$12, %eax
	add	$pvh_pd + PTE_P_W, %eax
	mov	%eax, pvh_pdpt(, %ecx, 8)
	inc	%ecx
	cmp	$4, %ecx
	jb	1b
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$21, %eax
	or	$PTE_P_W_PS, %eax
	mov	%eax, pvh_pd(, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jb	2b

	/* Long mode (SDM vol. 3 §9.8.5): CR4.PAE, CR3, EFER.LME, then CR0.PG; far jump to 64-bit CS. */
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$pvh_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_PE), %eax
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
	mov	$stack_top, %rsp
	xor	%ebp, %ebp
	call	xtf_start
3:	cli
	hlt
	jmp	3b

	/*
	 * Secondary vCPUs, started by VCPUOP_initialise (lib/smp.c). %rsp, %rdi (vCPU id), %rsi
	 * (function) and %rdx (argument) come from the context; interrupts are off.
	 * VCPU_HVM_MODE_64B: long mode on our page tables, but only the hidden parts of the
	 * segment registers are set up (xen/hvm/hvm_vcpu.h): the selectors are null and GDTR and
	 * IDTR are what they were at reset. So load our GDT and reload every selector (CS with a
	 * far return) before anything can fault or return from an interrupt, then join C.
	 */
	.text
	.code64
	.globl ap_entry64
ap_entry64:
	lgdt	gdt_desc(%rip)
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	pushq	$0x08
	lea	1f(%rip), %rax
	push	%rax
	lretq
1:	xor	%ebp, %ebp
	and	$-16, %rsp
	call	ap_start			/* lib/smp.c: does not return */
2:	cli
	hlt
	jmp	2b

	/*
	 * VCPU_HVM_MODE_32B: flat 32-bit protected mode, paging off, as at the PVH entry. Enter
	 * long mode on the boot vCPU's page tables as pvh_start does, then continue as above.
	 * %esp, %edi, %esi and %edx come from the context; rdmsr/wrmsr clobber %edx, so it waits
	 * in %ebp.
	 */
	.code32
	.globl ap_entry32
ap_entry32:
	mov	%edx, %ebp
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$pvh_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_PE), %eax
	mov	%eax, %cr0
	lgdt	gdt_desc
	ljmp	$0x08, $ap_long32
	.code64
ap_long32:
	/* The upper halves of the registers are undefined after the switch: 32-bit moves clear them. */
	mov	%ebp, %edx
	mov	%edi, %edi
	mov	%esi, %esi
	mov	%esp, %esp
	jmp	ap_entry64

	.section .rodata
	.balign 16
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* 0x10: flat data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

	/* Entry state, in .data so that the .bss fill above cannot erase it (struct pvh_entry_state). */
	.section .data
	.balign 8
	.globl pvh_entry
pvh_entry:
pvh_entry_ebx:		.long 0
pvh_entry_cr0:		.long 0
pvh_entry_cr4:		.long 0
pvh_entry_eflags:	.long 0
pvh_entry_efer:		.long 0
pvh_entry_cs:		.word 0
pvh_entry_ds:		.word 0
pvh_entry_es:		.word 0
pvh_entry_ss:		.word 0
pvh_entry_fs:		.word 0
pvh_entry_gs:		.word 0
pvh_entry_tr:		.word 0
pvh_entry_bss_dirty:	.byte 0
	.byte 0
	.balign 16
entry_stack:		.skip 16
entry_stack_top:

	.section .bss
	.balign 4096
	.globl pvh_pml4, pvh_pdpt
pvh_pml4:	.skip 4096
pvh_pdpt:	.skip 4096
pvh_pd:		.skip 4 * 4096
	.balign 16
stack:		.skip 16384
stack_top:
