/*
 * test-smp: a second vCPU (the domain is built with vcpus=2). vCPU0 checks VCPUOP_up,
 * VCPUOP_initialise and VCPUOP_is_up on their error paths, starts vCPU1 in 64-bit mode
 * (VCPU_HVM_MODE_64B, struct vcpu_hvm_context of xen/hvm/hvm_vcpu.h) at a C function on its
 * own stack, and watches it: vCPU1 reports in, takes itself down with VCPUOP_down, resumes
 * after that hypercall when vCPU0 brings it up again (a down vCPU keeps its state), and goes
 * down for good. With a third vCPU, vCPU2 is started in 32-bit mode (VCPU_HVM_MODE_32B) too.
 * Error codes are Xen's (common/domain.c, arch_set_info_hvm_guest): no such vCPU -ENOENT,
 * up before initialise -EINVAL, initialise twice -EEXIST, a bad context -EINVAL.
 */
#include "events.h"
#include "smp.h"

const char test_title[] = "secondary vCPUs: VCPUOP_initialise, up, down, is_up";

#define WAIT_NS (10 * NS_PER_SEC)
#define MAX_VCPUS_PROBED 64

struct ap_state {
	volatile unsigned int arrived, go, resumed;
	volatile long down_rc;
	volatile unsigned int cpuid_vcpu; /* vCPU id from CPUID leaf base+4, as the vCPU sees it */
	volatile uint64_t time;           /* its pvclock time on arrival */
	uint8_t stack[16384] __attribute__((aligned(16)));
};

static struct ap_state aps[3];

/* Runs on the secondary vCPU: interrupts off, our GDT and IDT loaded (lib/smp.c). */
static void ap_main(unsigned int vcpu, void *arg)
{
	struct ap_state *s = arg;

	s->cpuid_vcpu = xen_vcpu_id();
	s->time = now_ns();
	__atomic_store_n(&s->arrived, 1, __ATOMIC_RELEASE);
	printk("smp: vCPU%u: running on its own stack (CPUID says vCPU%u)\n", vcpu, s->cpuid_vcpu);
	while (!__atomic_load_n(&s->go, __ATOMIC_ACQUIRE))
		cpu_relax();
	/* Synchronous when a vCPU downs itself (xen/vcpu.h): returns only once it is up again. */
	s->down_rc = vcpu_down(vcpu);
	__atomic_store_n(&s->resumed, 1, __ATOMIC_RELEASE);
	printk("smp: vCPU%u: resumed after VCPUOP_down (%ld)\n", vcpu, s->down_rc);
	/* Returning downs the vCPU again (ap_start). */
}

/* Waits, yielding the CPU, until *flag is set; false after WAIT_NS. */
static bool wait_flag(volatile unsigned int *flag)
{
	uint64_t deadline = now_ns() + WAIT_NS;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		if (now_ns() > deadline)
			return false;
		else
			sched_yield();
	return true;
}

/* Waits, yielding, until VCPUOP_is_up(vcpu) gives want; returns the last answer. */
static long wait_is_up(unsigned int vcpu, long want)
{
	uint64_t deadline = now_ns() + WAIT_NS;
	long rc;

	while ((rc = vcpu_is_up(vcpu)) != want && now_ns() <= deadline)
		sched_yield();
	return rc;
}

static unsigned int count_vcpus(void)
{
	unsigned int n = 1;

	while (n < MAX_VCPUS_PROBED && vcpu_is_up(n) != -XEN_ENOENT)
		n++;
	return n;
}

/* Contexts Xen refuses (arch_set_info_hvm_guest): none may initialise the vCPU. */
static void bad_contexts(unsigned int vcpu, struct ap_state *s)
{
	struct vcpu_hvm_context ctx;
	long rc;

	vcpu_context_64(&ctx, vcpu, ap_main, s, s->stack + sizeof(s->stack));
	ctx.mode = 2;
	rc = vcpu_initialise(vcpu, &ctx);
	xtf_check(rc == -XEN_EINVAL, "initialise with mode 2 gives -EINVAL (%ld)", rc);

	vcpu_context_64(&ctx, vcpu, ap_main, s, s->stack + sizeof(s->stack));
	ctx.pad = 1;
	rc = vcpu_initialise(vcpu, &ctx);
	xtf_check(rc == -XEN_EINVAL, "initialise with non-zero pad gives -EINVAL (%ld)", rc);

	vcpu_context_64(&ctx, vcpu, ap_main, s, s->stack + sizeof(s->stack));
	ctx.cpu_regs.x86_64.cr0 &= ~(uint64_t)CR0_PG;
	rc = vcpu_initialise(vcpu, &ctx);
	xtf_check(rc == -XEN_EINVAL, "64-bit initialise without CR0.PG gives -EINVAL (%ld)", rc);

	vcpu_context_64(&ctx, vcpu, ap_main, s, s->stack + sizeof(s->stack));
	ctx.cpu_regs.x86_64.rip = 0x0000800000000000ULL;
	rc = vcpu_initialise(vcpu, &ctx);
	xtf_check(rc == -XEN_EINVAL, "64-bit initialise with a non-canonical RIP gives -EINVAL (%ld)", rc);

	rc = vcpu_up(vcpu);
	xtf_check(rc == -XEN_EINVAL, "VCPUOP_up after refused contexts still gives -EINVAL (%ld)", rc);
}

/* Starts vcpu in the given mode and runs it through arrive, down, up again, down. */
static void bring_up(unsigned int vcpu, bool mode64)
{
	struct ap_state *s = &aps[vcpu];
	struct vcpu_hvm_context ctx;
	const char *mode = mode64 ? "64-bit" : "32-bit";
	long rc;

	if (mode64)
		vcpu_context_64(&ctx, vcpu, ap_main, s, s->stack + sizeof(s->stack));
	else
		vcpu_context_32(&ctx, vcpu, ap_main, s, s->stack + sizeof(s->stack));
	rc = vcpu_initialise(vcpu, &ctx);
	if (rc)
		xtf_failure("VCPUOP_initialise(vCPU%u, %s) returned %ld", vcpu, mode, rc);
	rc = vcpu_initialise(vcpu, &ctx);
	xtf_check(rc == -XEN_EEXIST, "vCPU%u: a second initialise gives -EEXIST (%ld)", vcpu, rc);
	rc = vcpu_is_up(vcpu);
	xtf_check(rc == 0, "vCPU%u: initialised but not up: is_up 0 (%ld)", vcpu, rc);

	rc = vcpu_up(vcpu);
	xtf_check(rc == 0, "vCPU%u: VCPUOP_up returns 0 (%ld)", vcpu, rc);
	if (!wait_flag(&s->arrived))
		xtf_failure("vCPU%u (%s entry) never reached its C function within %lu s", vcpu, mode,
			    WAIT_NS / NS_PER_SEC);
	uint64_t mine = now_ns();

	xtf_check(s->cpuid_vcpu == vcpu, "vCPU%u: CPUID leaf base+4 gives its id (%u)", vcpu, s->cpuid_vcpu);
	xtf_check(s->time && s->time < mine + NS_PER_SEC && mine < s->time + WAIT_NS,
		  "vCPU%u: its pvclock agrees with vCPU0's", vcpu);
	rc = vcpu_is_up(vcpu);
	xtf_check(rc == 1, "vCPU%u: running: is_up 1 (%ld)", vcpu, rc);
	rc = vcpu_up(vcpu);
	xtf_check(rc == 0, "vCPU%u: VCPUOP_up of a running vCPU returns 0 (%ld)", vcpu, rc);

	__atomic_store_n(&s->go, 1, __ATOMIC_RELEASE);
	rc = wait_is_up(vcpu, 0);
	xtf_check(rc == 0, "vCPU%u: took itself down: is_up 0 (%ld)", vcpu, rc);
	xtf_check(!s->resumed, "vCPU%u: stays stopped inside VCPUOP_down", vcpu);

	rc = vcpu_up(vcpu);
	xtf_check(rc == 0, "vCPU%u: VCPUOP_up again returns 0 (%ld)", vcpu, rc);
	bool resumed = wait_flag(&s->resumed);

	xtf_check(resumed && s->down_rc == 0, "vCPU%u: resumed after its VCPUOP_down, which returned 0 (%ld)", vcpu,
		  s->down_rc);
	rc = wait_is_up(vcpu, 0);
	xtf_check(rc == 0, "vCPU%u: down for good: is_up 0 (%ld)", vcpu, rc);
	printk("smp: vCPU%u: %s start, down, up, down: done\n", vcpu, mode);
}

void test_main(void)
{
	struct vcpu_hvm_context ctx;
	unsigned int n;
	long rc;

	xen_map_shared_info();
	if (!xen_vcpu_info(0)->time.tsc_to_system_mul)
		xtf_failure("vCPU0's pvclock (vcpu_time_info) is not published");
	n = count_vcpus();
	printk("smp: domain has %u vCPU%s\n", n, n == 1 ? "" : "s");
	if (n < 2) {
		vcpu_context_64(&ctx, 1, ap_main, &aps[1], aps[1].stack + sizeof(aps[1].stack));
		rc = vcpu_initialise(1, &ctx);
		xtf_failure("the domain has one vCPU: VCPUOP_initialise(vCPU1) returned %ld (boot it with vcpus=2)",
			    rc);
	}

	rc = vcpu_is_up(0);
	xtf_check(rc == 1, "VCPUOP_is_up(0) is 1 (%ld)", rc);
	rc = vcpu_is_up(1);
	xtf_check(rc == 0, "VCPUOP_is_up(1) is 0 before it is started (%ld)", rc);
	rc = vcpu_up(1);
	xtf_check(rc == -XEN_EINVAL, "VCPUOP_up of an uninitialised vCPU gives -EINVAL (%ld)", rc);
	vcpu_context_64(&ctx, 0, ap_main, &aps[0], aps[0].stack + sizeof(aps[0].stack));
	rc = vcpu_initialise(0, &ctx);
	xtf_check(rc == -XEN_EEXIST, "VCPUOP_initialise of the running vCPU0 gives -EEXIST (%ld)", rc);
	rc = vcpu_initialise(n, &ctx);
	xtf_check(rc == -XEN_ENOENT, "VCPUOP_initialise of vCPU%u (beyond the last) gives -ENOENT (%ld)", n, rc);
	rc = vcpu_up(n);
	xtf_check(rc == -XEN_ENOENT, "VCPUOP_up of vCPU%u gives -ENOENT (%ld)", n, rc);
	rc = vcpu_is_up(4096);
	xtf_check(rc == -XEN_ENOENT, "VCPUOP_is_up(4096) gives -ENOENT (%ld)", rc);
	rc = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 1, &(struct vcpu_set_singleshot_timer){0, 0});
	xtf_check(rc == -XEN_EINVAL, "a one-shot timer for another vCPU gives -EINVAL (%ld)", rc);
	bad_contexts(1, &aps[1]);

	bring_up(1, true);
	if (n >= 3)
		bring_up(2, false);
	else
		printk("smp: no vCPU2: 32-bit VCPUOP_initialise not tried\n");
	printk("smp: secondary vCPUs started and stopped: %u\n", n >= 3 ? 2 : 1);
	xtf_report();
}
