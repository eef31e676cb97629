/*
 * Exception and interrupt entry stubs. Every vector pushes (error code, vector)
 * so that the frame matches struct cpu_regs, then common code saves the general
 * registers and calls trap_dispatch(regs).
 */
	.text
.macro VECTOR n
	.balign 16
vec_\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	/* the CPU pushed an error code */
	.else
	pushq	$0
	.endif
	pushq	$\n
	jmp	trap_common
.endm

	.altmacro
.macro VECTORS from, to
	VECTOR %from
	.if \to - \from
	VECTORS %(from + 1), \to
	.endif
.endm

	.balign 16
	.globl trap_vectors_start
trap_vectors_start:
	VECTORS 0, 63
	VECTORS 64, 127
	VECTORS 128, 191
	VECTORS 192, 255

trap_common:
	cld
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	mov	%rsp, %rdi
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	add	$16, %rsp			/* vector, error code */
	iretq

	.section .rodata
	.balign 8
	.globl trap_vector_table
trap_vector_table:
	.set i, 0
	.rept 256
	.quad trap_vectors_start + i * 16
	.set i, i + 1
	.endr
	.section .note.GNU-stack, "", @progbits
