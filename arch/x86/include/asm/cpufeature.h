/* What the boot CPU is and which virtualization features it offers. */
#ifndef ASM_CPUFEATURE_H
#define ASM_CPUFEATURE_H

#include <mica/types.h>

enum cpu_vendor { VENDOR_UNKNOWN, VENDOR_INTEL, VENDOR_AMD };

struct cpu_info {
	enum cpu_vendor vendor;
	char vendor_id[13];
	char brand[49];
	uint32_t family, model, stepping;
	/* AMD-V */
	bool svm;          /* CPUID says SVM */
	bool svm_disabled; /* VM_CR.SVMDIS: turned off by firmware */
	bool npt, nrips, vmcb_clean, decode_assists;
	uint32_t nr_asids;
	/* VT-x */
	bool vmx;          /* CPUID says VMX */
	bool vmx_disabled; /* IA32_FEATURE_CONTROL locked without VMX outside SMX */
	bool ept, vpid, unrestricted_guest, ept_1g, ept_2m;
	/* other */
	bool x2apic, tsc_deadline, invariant_tsc, pdpe1gb, hypervisor_bit;
};

extern struct cpu_info boot_cpu;

void cpu_identify(struct cpu_info *ci);
void cpu_print_info(const struct cpu_info *ci);
/* True when the hardware container features Mica needs are there and enabled. */
bool cpu_virt_usable(const struct cpu_info *ci);

#endif
