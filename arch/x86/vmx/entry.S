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
#include <asm/guest_gprs.h>

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
	mov	GPR_OFF_RAX(%rdi), %rax
	GUEST_GPRS_LOAD %rdi
	mov	GPR_OFF_RDI(%rdi), %rdi
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
	mov	%rax, GPR_OFF_RAX(%rdi)
	GUEST_GPRS_SAVE %rdi
	pop	%rax
	mov	%rax, GPR_OFF_RDI(%rdi)
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
