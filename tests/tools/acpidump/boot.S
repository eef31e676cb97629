/* acpidump: Multiboot1 entry (32-bit protected mode) -> long mode, identity map 4 GiB (2 MiB pages). */
.set MB_MAGIC,    0x1BADB002
.set MB_FLAGS,    0x00000003
.set MB_CHECKSUM, -(MB_MAGIC + MB_FLAGS)

.section .multiboot, "a"
.align 4
.long MB_MAGIC
.long MB_FLAGS
.long MB_CHECKSUM

.section .bss
.align 4096
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd:   .skip 4096*4
.align 16
stack_bottom: .skip 16384
stack_top:

.section .data
.align 16
gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF	/* 0x08 64-bit code */
	.quad 0x00CF92000000FFFF	/* 0x10 data */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt
mb_magic: .long 0
mb_info:  .long 0

.section .text
.code32
.global _start
_start:
	cli
	mov $stack_top, %esp
	mov %eax, mb_magic
	mov %ebx, mb_info
	/* zero the page tables */
	mov $boot_pml4, %edi
	xor %eax, %eax
	mov $(4096*6/4), %ecx
	rep stosl
	/* PML4[0] -> PDPT */
	mov $boot_pdpt, %eax
	or $3, %eax
	mov %eax, boot_pml4
	/* PDPT[0..3] -> PD0..3 */
	mov $boot_pd, %eax
	or $3, %eax
	mov $boot_pdpt, %edi
	mov $4, %ecx
1:	mov %eax, (%edi)
	add $4096, %eax
	add $8, %edi
	loop 1b
	/* 2048 PD entries of 2 MiB: identity map 0..4 GiB */
	mov $boot_pd, %edi
	mov $0x83, %eax
	mov $2048, %ecx
2:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 2b
	/* CR4.PAE, CR3, EFER.LME, CR0.PG */
	mov %cr4, %eax
	or $0x20, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	and $0x9FFFFFFF, %eax
	or $0x80000021, %eax
	mov %eax, %cr0
	lgdt gdt_ptr
	ljmp $0x08, $long_entry

.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $stack_top, %rsp
	mov mb_magic(%rip), %edi
	mov mb_info(%rip), %esi
	call dump_main
3:	cli
	hlt
	jmp 3b
.section .note.GNU-stack,"",@progbits
