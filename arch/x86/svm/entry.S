/*
 * svm_enter(uint64_t gpr[16], paddr_t vmcb, paddr_t host_vmcb): one trip into
 * the guest. VMRUN switches only part of the state (APM Vol. 2 §15.5.1);
 * FS, GS, TR, LDTR and the SYSCALL/SYSENTER MSRs are switched by VMSAVE and
 * VMLOAD: the host's copy goes to host_vmcb first and comes back last. The
 * guest's RAX and RSP live in the VMCB; the other registers are swapped here.
 * The caller has cleared GIF (CLGI) and sets it again afterwards.
 */
#define G(r) (r * 8)
#define RCX 1
#define RDX 2
#define RBX 3
#define RBP 5
#define RSI 6
#define RDI 7

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

	mov	G(RCX)(%rdi), %rcx
	mov	G(RDX)(%rdi), %rdx
	mov	G(RBX)(%rdi), %rbx
	mov	G(RBP)(%rdi), %rbp
	mov	G(RSI)(%rdi), %rsi
	mov	G(8)(%rdi), %r8
	mov	G(9)(%rdi), %r9
	mov	G(10)(%rdi), %r10
	mov	G(11)(%rdi), %r11
	mov	G(12)(%rdi), %r12
	mov	G(13)(%rdi), %r13
	mov	G(14)(%rdi), %r14
	mov	G(15)(%rdi), %r15
	mov	G(RDI)(%rdi), %rdi

	vmrun	%rax			/* rax = vmcb */

	push	%rdi			/* guest rdi; gpr is now at 24(%rsp) */
	mov	24(%rsp), %rdi
	mov	%rcx, G(RCX)(%rdi)
	mov	%rdx, G(RDX)(%rdi)
	mov	%rbx, G(RBX)(%rdi)
	mov	%rbp, G(RBP)(%rdi)
	mov	%rsi, G(RSI)(%rdi)
	mov	%r8, G(8)(%rdi)
	mov	%r9, G(9)(%rdi)
	mov	%r10, G(10)(%rdi)
	mov	%r11, G(11)(%rdi)
	mov	%r12, G(12)(%rdi)
	mov	%r13, G(13)(%rdi)
	mov	%r14, G(14)(%rdi)
	mov	%r15, G(15)(%rdi)
	pop	%rax
	mov	%rax, G(RDI)(%rdi)

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
