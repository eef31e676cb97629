/*
 * test-cpuid: Xen's CPUID leaves and hypercall page as a guest finds them, and the
 * virtualization extensions hidden from the guest (VMX: CPUID.1:ECX[5], SVM: 0x80000001:ECX[2]).
 */
#include "xtf.h"

const char test_title[] = "CPUID leaves, hypercall page, hidden VMX/SVM";

static const uint8_t vmcall[3] = {0x0f, 0x01, 0xc1}, vmmcall[3] = {0x0f, 0x01, 0xd9};

static bool bytes_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	while (n--)
		if (*a++ != *b++)
			return false;
	return true;
}

/*
 * Every 32-byte slot N starts "mov $N, %eax" (b8 N 0 0 0) then the vendor's instruction.
 * Xen leaves slot 23 (__HYPERVISOR_iret, meaningless for HVM) as ud2 (0f 0b): allowed there.
 */
static void check_hypercall_page(void)
{
	const uint8_t *insn = xen.amd ? vmmcall : vmcall;
	unsigned int bad = 0, first_bad = 0;

	printk("hypercall page slot 17: %02x %02x %02x %02x %02x %02x %02x %02x %02x\n", hypercall_page[17 * 32],
	       hypercall_page[17 * 32 + 1], hypercall_page[17 * 32 + 2], hypercall_page[17 * 32 + 3],
	       hypercall_page[17 * 32 + 4], hypercall_page[17 * 32 + 5], hypercall_page[17 * 32 + 6],
	       hypercall_page[17 * 32 + 7], hypercall_page[17 * 32 + 8]);
	for (unsigned int nr = 0; nr < sizeof(hypercall_page) / 32; nr++) {
		const uint8_t *slot = hypercall_page + nr * 32;
		const uint8_t mov[5] = {0xb8, (uint8_t)nr, 0, 0, 0};
		bool ok = bytes_equal(slot, mov, 5) && bytes_equal(slot + 5, insn, 3);

		if (nr == __HYPERVISOR_iret && slot[0] == 0x0f && slot[1] == 0x0b)
			ok = true;
		if (!ok && bad++ == 0)
			first_bad = nr;
	}
	xtf_check(bad == 0, "all 128 slots hold \"mov $N, %%eax; %s\" (%u bad, first %u)",
		  xen.amd ? "vmmcall" : "vmcall", bad, first_bad);
	xtf_check(HYPERVISOR_xen_version(XENVER_version, NULL) == (long)xen.version,
		  "a hypercall through the page works (xen_version = CPUID version)");
}

void test_main(void)
{
	struct cpuid_regs base = cpuid(xen.cpuid_base);
	struct cpuid_regs r;

	printk("leaf 0x%x: max leaf 0x%x, signature \"%.4s%.4s%.4s\"\n", xen.cpuid_base, base.eax,
	       (const char *)&base.ebx, (const char *)&base.ecx, (const char *)&base.edx);
	xtf_check(xen.cpuid_base == 0x40000000, "signature at 0x40000000 (found at 0x%x)", xen.cpuid_base);
	xtf_check(base.eax >= xen.cpuid_base + 2 && base.eax < xen.cpuid_base + 0x100,
		  "max leaf 0x%x within the range, covers base+2", base.eax);
	xtf_check((xen.version >> 16) != 0, "version leaf: %u.%u", xen.version >> 16, xen.version & 0xffff);

	r = cpuid(xen.cpuid_base + 2);
	printk("leaf 0x%x: %u hypercall page(s), MSR 0x%x\n", xen.cpuid_base + 2, r.eax, r.ebx);
	xtf_check(r.eax >= 1, "at least one hypercall page offered");
	xtf_check(r.ebx == xen.hypercall_msr, "hypercall page installed through that MSR");
	check_hypercall_page();

	r = cpuid(1);
	xtf_check(!(r.ecx & (1u << 5)), "VMX hidden (CPUID.1:ECX 0x%08x)", r.ecx);
	xtf_check(r.ecx & (1u << 31), "hypervisor bit set (CPUID.1:ECX[31])");
	if (cpuid(0x80000000).eax >= 0x80000001) {
		r = cpuid(0x80000001);
		xtf_check(!(r.ecx & (1u << 2)), "SVM hidden (CPUID.0x80000001:ECX 0x%08x)", r.ecx);
	}
	if (cpuid(0x80000000).eax >= 0x8000000a) {
		r = cpuid(0x8000000a);
		xtf_check(!r.eax && !r.ebx && !r.edx, "SVM features leaf 0x8000000a reads zero");
	}
	xtf_report();
}
