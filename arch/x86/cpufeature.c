/* CPU identification and the virtualization features found (CPUID, SDM Vol. 3C App. A, APM Vol. 2 §15). */
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <mica/printk.h>
#include <mica/string.h>

#define MSR_VMX_PROCBASED_CTLS 0x482
#define MSR_VMX_PROCBASED_CTLS2 0x48B
#define MSR_VMX_EPT_VPID_CAP 0x48C
#define FEATURE_CONTROL_LOCK (1ULL << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ULL << 2)
#define VM_CR_SVMDIS (1ULL << 4)

struct cpu_info boot_cpu;

static void identify_vmx(struct cpu_info *ci)
{
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	uint64_t proc, proc2, cap;

	ci->vmx_disabled = (fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	proc = rdmsr(MSR_VMX_PROCBASED_CTLS);
	if (!(proc >> 32 & (1u << 31))) /* allowed-1: activate secondary controls */
		return;
	proc2 = rdmsr(MSR_VMX_PROCBASED_CTLS2) >> 32;
	ci->ept = proc2 & (1u << 1);
	ci->vpid = proc2 & (1u << 5);
	ci->unrestricted_guest = proc2 & (1u << 7);
	if (ci->ept) {
		cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
		ci->ept_2m = cap & (1u << 16);
		ci->ept_1g = cap & (1u << 17);
	}
}

static void identify_svm(struct cpu_info *ci)
{
	struct cpuid_regs r;

	ci->svm_disabled = rdmsr(MSR_VM_CR) & VM_CR_SVMDIS;
	if (cpuid(0x80000000).eax < 0x8000000A)
		return;
	r = cpuid(0x8000000A);
	ci->nr_asids = r.ebx;
	ci->npt = r.edx & (1u << 0);
	ci->nrips = r.edx & (1u << 3);
	ci->vmcb_clean = r.edx & (1u << 5);
	ci->decode_assists = r.edx & (1u << 7);
}

static void identify_brand(struct cpu_info *ci)
{
	uint32_t *b = (uint32_t *)ci->brand;
	char *s = ci->brand;

	if (cpuid(0x80000000).eax < 0x80000004) {
		mica_strlcpy(ci->brand, "unknown model", sizeof(ci->brand));
		return;
	}
	for (uint32_t leaf = 0; leaf < 3; leaf++) {
		struct cpuid_regs r = cpuid(0x80000002 + leaf);
		b[leaf * 4 + 0] = r.eax;
		b[leaf * 4 + 1] = r.ebx;
		b[leaf * 4 + 2] = r.ecx;
		b[leaf * 4 + 3] = r.edx;
	}
	ci->brand[48] = '\0';
	while (*s == ' ')
		s++;
	memmove(ci->brand, s, strlen(s) + 1);
}

void cpu_identify(struct cpu_info *ci)
{
	struct cpuid_regs r = cpuid(0), f1, ext;
	uint32_t fam;

	memset(ci, 0, sizeof(*ci));
	memcpy(ci->vendor_id + 0, &r.ebx, 4);
	memcpy(ci->vendor_id + 4, &r.edx, 4);
	memcpy(ci->vendor_id + 8, &r.ecx, 4);
	if (!strcmp(ci->vendor_id, "GenuineIntel"))
		ci->vendor = VENDOR_INTEL;
	else if (!strcmp(ci->vendor_id, "AuthenticAMD") || !strcmp(ci->vendor_id, "HygonGenuine"))
		ci->vendor = VENDOR_AMD;

	f1 = cpuid(1);
	fam = (f1.eax >> 8) & 0xf;
	ci->family = fam == 0xf ? fam + ((f1.eax >> 20) & 0xff) : fam;
	ci->model = ((f1.eax >> 4) & 0xf) | ((fam == 6 || fam == 0xf) ? ((f1.eax >> 12) & 0xf0) : 0);
	ci->stepping = f1.eax & 0xf;
	ci->vmx = f1.ecx & (1u << 5);
	ci->x2apic = f1.ecx & (1u << 21);
	ci->tsc_deadline = f1.ecx & (1u << 24);
	ci->hypervisor_bit = f1.ecx & (1u << 31);
	ext = cpuid(0x80000001);
	ci->svm = ext.ecx & (1u << 2);
	ci->pdpe1gb = ext.edx & (1u << 26);
	if (cpuid(0x80000000).eax >= 0x80000007)
		ci->invariant_tsc = cpuid(0x80000007).edx & (1u << 8);
	identify_brand(ci);
	if (ci->vmx)
		identify_vmx(ci);
	if (ci->svm)
		identify_svm(ci);
}

bool cpu_virt_usable(const struct cpu_info *ci)
{
	if (ci->svm && !ci->svm_disabled && ci->npt)
		return true;
	return ci->vmx && !ci->vmx_disabled && ci->ept && ci->unrestricted_guest;
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

void cpu_print_info(const struct cpu_info *ci)
{
	printk("CPU: %s, %s (family 0x%x model 0x%x stepping %u)\n", ci->vendor_id, ci->brand, ci->family, ci->model,
	       ci->stepping);
	if (ci->svm)
		printk("Virtualization: AMD-V (SVM)%s, NPT %s, nRIP-save %s, VMCB clean bits %s, decode assists "
		       "%s, %u ASIDs\n",
		       ci->svm_disabled ? " DISABLED by firmware (VM_CR.SVMDIS)" : "", yn(ci->npt), yn(ci->nrips),
		       yn(ci->vmcb_clean), yn(ci->decode_assists), ci->nr_asids);
	if (ci->vmx)
		printk("Virtualization: Intel VT-x (VMX)%s, EPT %s, VPID %s, unrestricted guest %s\n",
		       ci->vmx_disabled ? " DISABLED by firmware (IA32_FEATURE_CONTROL)" : "", yn(ci->ept),
		       yn(ci->vpid), yn(ci->unrestricted_guest));
	if (!ci->svm && !ci->vmx)
		printk("Virtualization: NONE — this CPU offers neither AMD-V nor VT-x; guests cannot run\n");
	else if (!cpu_virt_usable(ci))
		printk("Virtualization: NOT USABLE — Mica needs SVM with NPT, or VMX with EPT and unrestricted "
		       "guest, enabled in firmware\n");
}
