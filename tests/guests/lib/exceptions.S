/*
 * Entry stubs for all 256 vectors, 16 bytes apart: exceptions 0-31, then
 * interrupts 32-255 (traps.c installs a gate only for a vector that has a
 * handler). Each stub pushes a dummy error code when the CPU does not, then its
 * vector, and joins exception_common, which saves the general registers as a
 * struct cpu_regs (xtf.h) and calls exception_handler(). If that returns, the
 * registers are restored and iretq resumes at regs->rip (a test's hook may have
 * moved it).
 */
	.text

/* Vectors that push an error code: #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30. */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.macro stub vec
	.balign 16
exc_stub_\vec:
	.if HAS_ERRCODE(\vec) == 0
	push	$0
	.endif
	push	$\vec
	jmp	exception_common
	.endm

	.balign 16
	.globl exception_stubs
exception_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stub \v
	.endr
	/* Interrupts: never an error code. At most 2 + 5 + 5 bytes each, so the 16-byte stride holds. */
	.set irq_vec, 32
	.rept 256 - 32
	.balign 16
	push	$0
	push	$irq_vec
	jmp	exception_common
	.set irq_vec, irq_vec + 1
	.endr

exception_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	mov	%rsp, %rbx
	and	$-16, %rsp			/* ABI stack alignment for the C handler */
	call	exception_handler
	mov	%rbx, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp			/* vector and error code */
	iretq
