/* Secondary vCPUs (smp.h): their initial contexts, and their first C code. */
#include "smp.h"

#define RFLAGS_RESERVED 0x2 /* bit 1 is always set; IF stays clear */

extern const char ap_entry64[], ap_entry32[]; /* head.S */

void vcpu_context_64(struct vcpu_hvm_context *ctx, unsigned int vcpu, vcpu_fn_t fn, void *arg, void *stack_top)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->mode = VCPU_HVM_MODE_64B;
	ctx->cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
	    .rdi = vcpu,
	    .rsi = (uint64_t)(uintptr_t)fn,
	    .rdx = (uint64_t)(uintptr_t)arg,
	    .rsp = (uint64_t)(uintptr_t)stack_top,
	    .rip = (uint64_t)(uintptr_t)ap_entry64,
	    .rflags = RFLAGS_RESERVED,
	    .cr0 = read_cr0(),
	    .cr3 = read_cr3(),
	    .cr4 = read_cr4(),
	    .efer = rdmsr(MSR_EFER),
	};
}

/*
 * Segment attributes in the _ar layout of xen/hvm/hvm_vcpu.h: type in bits 0-3, S 4, DPL 5-6,
 * P 7, AVL 8, L 9, D/B 10, G 11. TR must be a present 32-bit TSS (Xen refuses a null one).
 */
#define AR_CODE32 0xc9b /* execute/read, accessed, S, P, D/B, G */
#define AR_DATA32 0xc93 /* read/write, accessed, S, P, D/B, G */
#define AR_TSS32 0x08b  /* busy 32-bit TSS, P */

void vcpu_context_32(struct vcpu_hvm_context *ctx, unsigned int vcpu, vcpu_fn_t fn, void *arg, void *stack_top)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->mode = VCPU_HVM_MODE_32B;
	ctx->cpu_regs.x86_32 = (struct vcpu_hvm_x86_32){
	    .edi = vcpu,
	    .esi = (uint32_t)(uintptr_t)fn,
	    .edx = (uint32_t)(uintptr_t)arg,
	    .esp = (uint32_t)(uintptr_t)stack_top,
	    .eip = (uint32_t)(uintptr_t)ap_entry32,
	    .eflags = RFLAGS_RESERVED,
	    .cr0 = CR0_PE | CR0_ET,
	    .cs_limit = 0xffffffff,
	    .ds_limit = 0xffffffff,
	    .ss_limit = 0xffffffff,
	    .es_limit = 0xffffffff,
	    .tr_limit = 0x67,
	    .cs_ar = AR_CODE32,
	    .ds_ar = AR_DATA32,
	    .ss_ar = AR_DATA32,
	    .es_ar = AR_DATA32,
	    .tr_ar = AR_TSS32,
	};
	if ((uintptr_t)stack_top >> 32 || (uintptr_t)fn >> 32 || (uintptr_t)arg >> 32)
		xtf_error("vcpu_context_32: stack, function and argument must lie below 4 GiB");
}

noreturn void ap_start(unsigned int vcpu, vcpu_fn_t fn, void *arg)
{
	traps_load();
	fn(vcpu, arg);
	for (;;)
		vcpu_down(vcpu);
}
