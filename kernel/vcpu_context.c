/*
 * Start states from Xen's struct vcpu_hvm_context (xen/include/public/hvm/hvm_vcpu.h),
 * as VCPUOP_initialise and the control interface's MICA_CTL_VCPU_SET_CONTEXT take them.
 */
#include <asm/hvm.h>
#include <mica/errno.h>
#include <mica/string.h>
#include <mica/vcpu_context.h>
#include <xen/hvm/hvm_vcpu.h>

#define CR0_PE (1ULL << 0)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_ALLOWED ((1ULL << 0) | EFER_LME | EFER_LMA | (1ULL << 11)) /* SCE, LME, LMA, NXE */

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static struct hvm_seg seg32(uint32_t base, uint32_t limit, uint16_t ar, uint16_t sel)
{
	return (struct hvm_seg){sel, ar, limit, base};
}

/*
 * A vcpu_hvm_context as a start state. 64-bit mode starts in long mode with
 * flat segments (Xen's rule); 32-bit mode takes the segments given. Paging
 * in 32-bit mode is refused with PAE (the PDPTEs are not loaded): start with
 * paging off, or in long mode.
 */
int vcpu_context_to_init_state(const struct vcpu_hvm_context *c, struct hvm_init_state *st)
{
	memset(st, 0, sizeof(*st));
	if (c->pad)
		return -EINVAL;
	if (c->mode == VCPU_HVM_MODE_64B) {
		const struct vcpu_hvm_x86_64 *r = &c->cpu_regs.x86_64;

		if ((r->cr0 & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG) || !(r->cr4 & CR4_PAE) ||
		    (r->efer & ~EFER_ALLOWED) || !canonical(r->rip) || !canonical(r->rsp) || (r->cr0 >> 32) ||
		    (r->cr4 >> 32))
			return -EINVAL;
		st->cr0 = r->cr0;
		st->cr3 = r->cr3;
		st->cr4 = r->cr4;
		st->efer = r->efer | EFER_LME | EFER_LMA;
		st->cs = (struct hvm_seg){0x08, 0xa9b, 0xffffffff, 0}; /* 64-bit code */
		st->ds = st->es = st->fs = st->gs = st->ss = (struct hvm_seg){0x10, 0xc93, 0xffffffff, 0};
		st->tr = (struct hvm_seg){0x18, 0x08b, 0x67, 0};
		st->regs.gpr[GPR_RAX] = r->rax;
		st->regs.gpr[GPR_RCX] = r->rcx;
		st->regs.gpr[GPR_RDX] = r->rdx;
		st->regs.gpr[GPR_RBX] = r->rbx;
		st->regs.gpr[GPR_RSP] = r->rsp;
		st->regs.gpr[GPR_RBP] = r->rbp;
		st->regs.gpr[GPR_RSI] = r->rsi;
		st->regs.gpr[GPR_RDI] = r->rdi;
		st->regs.rip = r->rip;
		st->regs.rflags = (r->rflags & 0x3f7fd7) | 0x2;
		return 0;
	}
	if (c->mode == VCPU_HVM_MODE_32B) {
		const struct vcpu_hvm_x86_32 *r = &c->cpu_regs.x86_32;

		if (r->pad1 || r->pad2[0] || r->pad2[1] || r->pad2[2])
			return -EINVAL;
		if (!(r->cr0 & CR0_PE) || ((r->cr0 & CR0_PG) && (r->cr4 & CR4_PAE)) || (r->efer & ~EFER_ALLOWED) ||
		    (r->efer & (EFER_LME | EFER_LMA)) || (r->cs_ar & 0xf000) || (r->ds_ar & 0xf000) ||
		    (r->ss_ar & 0xf000) || (r->es_ar & 0xf000) || (r->tr_ar & 0xf000) || !(r->cs_ar & 0x80) ||
		    !(r->tr_ar & 0x80))
			return -EINVAL;
		st->cr0 = r->cr0;
		st->cr3 = r->cr3;
		st->cr4 = r->cr4;
		st->efer = r->efer;
		st->cs = seg32(r->cs_base, r->cs_limit, r->cs_ar, 0x08);
		st->ds = seg32(r->ds_base, r->ds_limit, r->ds_ar, 0x10);
		st->es = seg32(r->es_base, r->es_limit, r->es_ar, 0x10);
		st->ss = seg32(r->ss_base, r->ss_limit, r->ss_ar, 0x10);
		st->fs = st->gs = st->ds;
		st->tr = seg32(r->tr_base, r->tr_limit, r->tr_ar, 0x18);
		st->regs.gpr[GPR_RAX] = r->eax;
		st->regs.gpr[GPR_RCX] = r->ecx;
		st->regs.gpr[GPR_RDX] = r->edx;
		st->regs.gpr[GPR_RBX] = r->ebx;
		st->regs.gpr[GPR_RSP] = r->esp;
		st->regs.gpr[GPR_RBP] = r->ebp;
		st->regs.gpr[GPR_RSI] = r->esi;
		st->regs.gpr[GPR_RDI] = r->edi;
		st->regs.rip = r->eip;
		st->regs.rflags = (r->eflags & 0x3f7fd7) | 0x2;
		return 0;
	}
	return -EINVAL;
}
