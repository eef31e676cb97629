/*
 * Assembly macros shared by the SVM and VMX entry stubs: load or save the
 * guest general-purpose registers that both vendors leave to software, from
 * or to a uint64_t gpr[16] in x86 encoding order (struct guest_regs). RAX,
 * RSP and RDI are left to each stub: RSP is always in the VMCB/VMCS, RAX is
 * in the VMCB on SVM, and RDI holds the array's address.
 */
#ifndef ASM_GUEST_GPRS_H
#define ASM_GUEST_GPRS_H

#define GPR_OFF_RAX (0 * 8)
#define GPR_OFF_RDI (7 * 8)

/* clang-format off */
.macro GUEST_GPRS_LOAD base
	mov	1*8(\base), %rcx
	mov	2*8(\base), %rdx
	mov	3*8(\base), %rbx
	mov	5*8(\base), %rbp
	mov	6*8(\base), %rsi
	mov	8*8(\base), %r8
	mov	9*8(\base), %r9
	mov	10*8(\base), %r10
	mov	11*8(\base), %r11
	mov	12*8(\base), %r12
	mov	13*8(\base), %r13
	mov	14*8(\base), %r14
	mov	15*8(\base), %r15
.endm

.macro GUEST_GPRS_SAVE base
	mov	%rcx, 1*8(\base)
	mov	%rdx, 2*8(\base)
	mov	%rbx, 3*8(\base)
	mov	%rbp, 5*8(\base)
	mov	%rsi, 6*8(\base)
	mov	%r8, 8*8(\base)
	mov	%r9, 9*8(\base)
	mov	%r10, 10*8(\base)
	mov	%r11, 11*8(\base)
	mov	%r12, 12*8(\base)
	mov	%r13, 13*8(\base)
	mov	%r14, 14*8(\base)
	mov	%r15, 15*8(\base)
.endm
/* clang-format on */

#endif
