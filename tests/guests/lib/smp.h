/*
 * Starting secondary vCPUs with VCPUOP_initialise and a struct vcpu_hvm_context
 * (xen/hvm/hvm_vcpu.h), then VCPUOP_up. A started vCPU loads our GDT and IDT (head.S
 * ap_entry64/ap_entry32) and calls fn(vcpu, arg) on its own stack; if fn returns, the vCPU
 * takes itself down with VCPUOP_down.
 */
#ifndef XTF_SMP_H
#define XTF_SMP_H

#include "xtf.h"

#include <xen/hvm/hvm_vcpu.h>

typedef void (*vcpu_fn_t)(unsigned int vcpu, void *arg);

/* VCPU_HVM_MODE_64B: straight into long mode on this vCPU's CR0/CR3/CR4/EFER. */
void vcpu_context_64(struct vcpu_hvm_context *ctx, unsigned int vcpu, vcpu_fn_t fn, void *arg, void *stack_top);
/* VCPU_HVM_MODE_32B: flat protected mode, paging off; the vCPU enters long mode itself. */
void vcpu_context_32(struct vcpu_hvm_context *ctx, unsigned int vcpu, vcpu_fn_t fn, void *arg, void *stack_top);

static inline long vcpu_initialise(unsigned int vcpu, struct vcpu_hvm_context *ctx)
{
	return HYPERVISOR_vcpu_op(VCPUOP_initialise, vcpu, ctx);
}

static inline long vcpu_up(unsigned int vcpu)
{
	return HYPERVISOR_vcpu_op(VCPUOP_up, vcpu, NULL);
}

static inline long vcpu_down(unsigned int vcpu)
{
	return HYPERVISOR_vcpu_op(VCPUOP_down, vcpu, NULL);
}

static inline long vcpu_is_up(unsigned int vcpu)
{
	return HYPERVISOR_vcpu_op(VCPUOP_is_up, vcpu, NULL);
}

#endif
