/*
 * svm_enter(uint64_t gpr[16], paddr_t vmcb, paddr_t host_vmcb): one trip into
 * the guest. VMRUN switches only part of the state (APM Vol. 2 §15.5.1);
 * FS, GS, TR, LDTR and the SYSCALL/SYSENTER MSRs are switched by VMSAVE and
 * VMLOAD: the host's copy goes to host_vmcb first and comes back last. The
 * guest's RAX and RSP live in the VMCB; the other registers are swapped here.
 * The caller has cleared GIF (CLGI) and sets it again afterwards.
 */
#include <asm/guest_gprs.h>

	.text
	.globl svm_enter
svm_enter:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi			/* 16(%rsp): gpr */
	push	%rsi			/*  8(%rsp): vmcb */
	push	%rdx			/*  0(%rsp): host_vmcb */

	mov	%rdx, %rax
	vmsave	%rax			/* host FS/GS/TR/LDTR/MSRs */
	mov	%rsi, %rax
	vmload	%rax			/* guest's */

	GUEST_GPRS_LOAD %rdi
	mov	GPR_OFF_RDI(%rdi), %rdi

	vmrun	%rax			/* rax = vmcb */

	push	%rdi			/* guest rdi; gpr is now at 24(%rsp) */
	mov	24(%rsp), %rdi
	GUEST_GPRS_SAVE %rdi
	pop	%rax
	mov	%rax, GPR_OFF_RDI(%rdi)

	mov	8(%rsp), %rax
	vmsave	%rax			/* guest FS/GS/TR/LDTR/MSRs */
	mov	0(%rsp), %rax
	vmload	%rax			/* host's back */

	add	$24, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.section .note.GNU-stack, "", @progbits
