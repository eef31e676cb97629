/*
 * HYPERVISOR_vcpu_op (xen/include/public/vcpu.h): bringing vCPUs up and down
 * (with a vcpu_hvm_context, as for PVH), their one-shot timers, and where
 * their vcpu_info lives.
 */
#include <asm/hvm.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>
#include <mica/sched.h>
#include <mica/string.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/vcpu.h>

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
static int context_to_state(const struct vcpu_hvm_context *c, struct hvm_init_state *st)
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

static long vcpu_initialise(struct vcpu *v, struct vcpu *target, uint64_t arg)
{
	struct vcpu_hvm_context ctx;
	struct hvm_init_state st;
	int rc;

	if (copy_from_guest(v, &ctx, arg, sizeof(ctx)))
		return -EFAULT;
	if (__atomic_exchange_n(&target->initialised, true, __ATOMIC_ACQ_REL))
		return -EEXIST;
	rc = context_to_state(&ctx, &st);
	if (rc < 0) {
		__atomic_store_n(&target->initialised, false, __ATOMIC_RELEASE);
		return rc;
	}
	hvm_vcpu_set_init_state(target, &st);
	return 0;
}

/*
 * VCPUOP_register_vcpu_info: the vCPU's vcpu_info moves into a guest page
 * (a guest frame for a PVH guest; it may not cross the page). What the old
 * one held comes along; event delivery and the pvclock use the new one.
 */
static long register_vcpu_info(struct vcpu *v, struct vcpu *target, uint64_t arg)
{
	struct vcpu_register_vcpu_info r;
	struct vcpu_info *vi;
	uint8_t *page;

	if (copy_from_guest(v, &r, arg, sizeof(r)))
		return -EFAULT;
	if (r.offset > PAGE_SIZE - sizeof(struct vcpu_info) || r.rsvd)
		return -EINVAL;
	if (target->vcpu_info_registered)
		return -EINVAL; /* once per vCPU, as in Xen */
	/* held until the vCPU goes: the guest cannot balloon the page out from under its vcpu_info */
	page = guest_page_get(v->domain, r.mfn, true, &target->vcpu_info_page);
	if (!page)
		return -EINVAL;
	vi = (struct vcpu_info *)(page + r.offset);
	memcpy(vi, vcpu_info_of(target), sizeof(*vi));
	target->vcpu_info_registered = true;
	evtchn_set_vcpu_info(&v->domain->evtchn, target->vcpu_id, vi);
	domain_update_time(v->domain);
	return 0;
}

/*
 * VCPUOP_register_runstate_memory_area: a guest-virtual address (Xen's rule
 * on x86), written through the vCPU's own page tables whenever its runstate
 * changed, before it next runs. 0 stops the updates.
 */
static long register_runstate(struct vcpu *v, struct vcpu *target, uint64_t arg)
{
	struct vcpu_register_runstate_memory_area a;

	if (copy_from_guest(v, &a, arg, sizeof(a)))
		return -EFAULT;
	target->runstate_gva = a.addr.p;
	target->runstate_dirty = true;
	if (target == v && a.addr.p && copy_to_guest(v, a.addr.p, &v->runstate, sizeof(v->runstate)))
		return -EFAULT;
	return 0;
}

static long set_singleshot(struct vcpu *v, uint64_t arg)
{
	struct vcpu_set_singleshot_timer t;

	if (copy_from_guest(v, &t, arg, sizeof(t)))
		return -EFAULT;
	if ((t.flags & VCPU_SSHOTTMR_future) && t.timeout_abs_ns < now_ns())
		return -ETIME;
	timer_set(&v->singleshot_timer, t.timeout_abs_ns);
	return 0;
}

long do_vcpu_op(struct vcpu *v, const uint64_t *args)
{
	uint64_t cmd = args[0], id = args[1], arg = args[2];
	struct domain *d = v->domain;
	struct vcpu *target;

	if (id >= d->max_vcpus || !d->vcpus[id])
		return -ENOENT;
	target = d->vcpus[id];
	switch (cmd) {
	case VCPUOP_initialise:
		return vcpu_initialise(v, target, arg);
	case VCPUOP_up:
		if (!__atomic_load_n(&target->initialised, __ATOMIC_ACQUIRE))
			return -EINVAL;
		vcpu_pause_flags_clear(target, VPF_DOWN);
		return 0;
	case VCPUOP_down:
		vcpu_pause_flags_set(target, VPF_DOWN);
		return 0;
	case VCPUOP_is_up:
		return !(__atomic_load_n(&target->pause_flags, __ATOMIC_ACQUIRE) & VPF_DOWN);
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, target, arg);
	case VCPUOP_set_singleshot_timer:
		if (target != v)
			return -EINVAL; /* Xen: only the caller's own */
		return set_singleshot(v, arg);
	case VCPUOP_stop_singleshot_timer:
		if (target != v)
			return -EINVAL;
		timer_stop(&v->singleshot_timer);
		return 0;
	case VCPUOP_get_runstate_info:
		return copy_to_guest(v, arg, &target->runstate, sizeof(target->runstate)) ? -EFAULT : 0;
	case VCPUOP_register_runstate_memory_area:
		return register_runstate(v, target, arg);
	case VCPUOP_stop_periodic_timer:
		return 0; /* there is no periodic timer: nothing to stop */
	default:
		/* periodic timers, NMIs, physical ids, vcpu_time areas: not offered */
		return -ENOSYS;
	}
}

/* set_timer_op: the caller's one-shot timer at an absolute system time; 0 stops it. */
long do_set_timer_op(struct vcpu *v, const uint64_t *args)
{
	if (!args[0])
		timer_stop(&v->singleshot_timer);
	else
		timer_set(&v->singleshot_timer, args[0]);
	return 0;
}
