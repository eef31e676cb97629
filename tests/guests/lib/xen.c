/* Finding Xen (or Mica) through CPUID and installing the hypercall page. */
#include "xtf.h"

struct xen_info xen;
uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

/* The hypervisor's leaves sit at 0x40000000 + n * 0x100 (Xen moves them up when it emulates Viridian). */
static bool find_signature(void)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		struct cpuid_regs r = cpuid(base);

		if (r.ebx == 0x566e6558 && r.ecx == 0x65584d4d && r.edx == 0x4d4d566e && /* "XenVMMXenVMM" */
		    r.eax >= base + 2) {
			xen.cpuid_base = base;
			xen.cpuid_max = r.eax;
			return true;
		}
	}
	return false;
}

/* AMD and Hygon CPUs use vmmcall; Intel (and anything else) vmcall. */
static bool vendor_is_amd(void)
{
	struct cpuid_regs r = cpuid(0);

	return (r.ebx == 0x68747541 && r.ecx == 0x444d4163 && r.edx == 0x69746e65) || /* AuthenticAMD */
	       (r.ebx == 0x6f677948 && r.ecx == 0x656e6975 && r.edx == 0x6e65476e);   /* HygonGenuine */
}

bool xen_detect(void)
{
	xen.amd = vendor_is_amd();
	if (!find_signature())
		return false;
	xen.version = cpuid(xen.cpuid_base + 1).eax;
	struct cpuid_regs r = cpuid(xen.cpuid_base + 2);
	xen.hypercall_pages = r.eax;
	xen.hypercall_msr = r.ebx;
	if (xen.hypercall_pages < 1)
		return false;
	/* Identity-mapped: the page's virtual address is its guest-physical address. */
	wrmsr(xen.hypercall_msr, (uint64_t)(uintptr_t)hypercall_page);
	xen.present = true;
	return true;
}

long xen_console_write(const char *s, size_t n)
{
	return HYPERVISOR_console_io(CONSOLEIO_write, n, s);
}
