/*
 * Trap and interrupt entry: stubs for the 32 exceptions and for the event-channel upcall
 * vector. Each pushes a dummy error code when the CPU does not, then its vector, and joins
 * trap_common, which saves the general registers as a struct trap_regs (traps.c) and the
 * FPU/SSE state (handlers may use SSE: an interrupted thread's registers must survive),
 * then calls trap_dispatch().
 *
 * switch_context(from_sp, to_sp): the cooperative thread switch (sched.c). Saves the
 * callee-saved registers on the current stack, stores %rsp in *from_sp, loads to_sp and pops
 * the next thread's registers. A new thread's stack is prepared to "return" into thread_start.
 */
#define UPCALL_VECTOR 0xf3

	.text
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.macro stub vec
	.balign 16
	.if HAS_ERRCODE(\vec) == 0
	push	$0
	.endif
	push	$\vec
	jmp	trap_common
	.endm

	.balign 16
	.globl trap_stubs
trap_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stub \v
	.endr
	.globl upcall_stub
upcall_stub:
	push	$0
	push	$UPCALL_VECTOR
	jmp	trap_common

trap_common:
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
	mov	%rsp, %rbx			/* struct trap_regs */
	sub	$512, %rsp
	and	$-16, %rsp
	fxsave	(%rsp)
	mov	%rbx, %rdi
	call	trap_dispatch
	fxrstor	(%rsp)
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

	.globl switch_context
switch_context:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, (%rdi)
	mov	%rsi, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
