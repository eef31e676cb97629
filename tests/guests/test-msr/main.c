/*
 * test-msr: the guest MSR and instruction policy. Unknown MSRs, bad values for
 * known ones and the host's virtualization instructions must fault inside the
 * guest (#GP, #UD) and nothing else; the MSRs a PVH kernel needs must work.
 */
#include "xtf.h"

const char test_title[] = "MSR and instruction policy";

#define VEC_UD 6
#define VEC_GP 13
#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_PAT 0x277
#define MSR_MISC_ENABLE 0x1a0

/* The fault the current probe expects and whether it came; the hook skips the instruction. */
static volatile int expect_vector = -1, got_vector = -1;
static volatile unsigned int probe_len;

bool test_exception_hook(struct cpu_regs *regs)
{
	if (expect_vector < 0 || regs->vector != (uint64_t)expect_vector)
		return false;
	got_vector = (int)regs->vector;
	regs->rip += probe_len;
	return true;
}

static int rdmsr_fault(uint32_t msr)
{
	uint32_t lo, hi;

	expect_vector = VEC_GP, got_vector = -1, probe_len = 2;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	expect_vector = -1;
	return got_vector;
}

static int wrmsr_fault(uint32_t msr, uint64_t val)
{
	expect_vector = VEC_GP, got_vector = -1, probe_len = 2;
	asm volatile("wrmsr" ::"c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
	expect_vector = -1;
	return got_vector;
}

/* The other vendor's (and this vendor's host-only) instructions: 3 bytes each. */
static int virt_insn_fault(const char *name)
{
	expect_vector = VEC_UD, got_vector = -1, probe_len = 3;
	if (xen.amd)
		asm volatile("stgi" ::: "memory"); /* 0f 01 dc */
	else
		asm volatile("vmxoff" ::: "memory"); /* 0f 01 c4 */
	expect_vector = -1;
	printk("  %s -> vector %d\n", name, got_vector);
	return got_vector;
}

void test_main(void)
{
	unsigned int bad = 0;
	uint64_t efer = rdmsr(MSR_EFER), pat = rdmsr(MSR_PAT);

	bad += !xtf_check(rdmsr_fault(0x12345678) == VEC_GP, "rdmsr of an unknown MSR gives #GP");
	bad += !xtf_check(wrmsr_fault(0x12345678, 1) == VEC_GP, "wrmsr of an unknown MSR gives #GP");
	bad += !xtf_check(rdmsr_fault(0x1b) == VEC_GP, "IA32_APIC_BASE is not offered (#GP)");
	bad += !xtf_check((efer & 0x500) == 0x500, "EFER shows LME and LMA in long mode (0x%lx)", efer);
	bad += !xtf_check(!(efer & (1u << 12)), "EFER does not show the host's SVME");
	bad += !xtf_check(wrmsr_fault(MSR_EFER, efer | (1ULL << 20)) == VEC_GP, "EFER reserved bit gives #GP");
	bad += !xtf_check(rdmsr(MSR_EFER) == efer, "EFER unchanged by the refused write");
	bad += !xtf_check(wrmsr_fault(MSR_PAT, 0x0007040600070402ULL) == VEC_GP, "PAT with a reserved type gives #GP");
	wrmsr(MSR_PAT, 0x0007010600070106ULL);
	bad += !xtf_check(rdmsr(MSR_PAT) == 0x0007010600070106ULL, "PAT takes a valid value");
	wrmsr(MSR_PAT, pat);
	wrmsr(MSR_FS_BASE, 0x123456789000ULL);
	bad += !xtf_check(rdmsr(MSR_FS_BASE) == 0x123456789000ULL, "FS_BASE belongs to the guest");
	wrmsr(MSR_KERNEL_GS_BASE, 0xabcdef000ULL);
	bad += !xtf_check(rdmsr(MSR_KERNEL_GS_BASE) == 0xabcdef000ULL, "KERNEL_GS_BASE belongs to the guest");
	wrmsr(MSR_FS_BASE, 0);
	bad += !xtf_check(rdmsr_fault(MSR_MISC_ENABLE) == -1, "MISC_ENABLE is readable");
	bad += !xtf_check(rdmsr(xen.hypercall_msr) == (uint64_t)(uintptr_t)hypercall_page,
			  "the hypercall MSR reads back the page (0x%lx)", rdmsr(xen.hypercall_msr));
	bad += !xtf_check(inb(0x80) == 0xff, "a port with no device reads all ones");
	bad += !xtf_check(virt_insn_fault(xen.amd ? "stgi" : "vmxoff") == VEC_UD,
			  "host virtualization instructions give #UD");
	outb(0xe9, 'o');
	outb(0xe9, 'k');
	outb(0xe9, '\n');
	if (bad)
		xtf_failure("%u MSR/instruction checks failed", bad);
	xtf_success();
}
