/* A vCPU start state from Xen's struct vcpu_hvm_context (VCPUOP_initialise, the control interface). */
#ifndef MICA_VCPU_CONTEXT_H
#define MICA_VCPU_CONTEXT_H

struct vcpu_hvm_context;
struct hvm_init_state;

/*
 * Checks a guest's context and converts it: 0, or -EINVAL for a mode or
 * register values Mica does not start a vCPU from.
 */
int vcpu_context_to_init_state(const struct vcpu_hvm_context *c, struct hvm_init_state *st);

#endif
