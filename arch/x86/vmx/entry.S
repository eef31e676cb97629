/*
 * int vmx_enter(uint64_t gpr[16], bool launched): one trip into the guest
 * whose VMCS is current. VM entry loads the guest's RIP, RSP and RFLAGS from
 * the VMCS; the other registers are swapped here. A VM exit loads the
 * host's RSP and RIP from the VMCS (SDM Vol. 3C §28.5.3), so HOST_RSP is
 * written just before entering and points at the saved gpr pointer, and
 * HOST_RIP is vmx_exit_stub, which saves the guest's registers and returns
 * 0 from vmx_enter. If VMLAUNCH/VMRESUME fails instead (§31.2), execution
 * falls through with the guest's registers loaded, which are dropped:
 * 1 = VMfailInvalid (CF), 2 = VMfailValid (ZF).
 */
#define G(r) (r * 8)
#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define RBP 5
#define RSI 6
#define RDI 7
#define HOST_RSP 0x6C14

	.text
	.globl vmx_enter
vmx_enter:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi			/* 0(%rsp): gpr, found again by vmx_exit_stub */

	mov	$HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lfail

	test	%sil, %sil		/* ZF survives the moves below */
	mov	G(RAX)(%rdi), %rax
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
	jnz	1f
	vmlaunch
	jmp	.Lfail
1:	vmresume

.Lfail:
	mov	$1, %eax		/* mov leaves the flags alone */
	jc	.Lout
	mov	$2, %eax
	jmp	.Lout

	.globl vmx_exit_stub
vmx_exit_stub:
	push	%rdi			/* guest rdi; gpr is now at 8(%rsp) */
	mov	8(%rsp), %rdi
	mov	%rax, G(RAX)(%rdi)
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
	xor	%eax, %eax

.Lout:
	add	$8, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.section .note.GNU-stack, "", @progbits
