/*
 * The guest's control registers under VMX. CR0 and CR4 bits that VMX fixes
 * belong to Mica through the guest/host masks (SDM Vol. 3C §25.6.6): the
 * guest reads its own values from the read shadows while the real registers
 * keep what VMX operation needs. Writes that touch those bits exit (§26.1.3)
 * and are emulated here, with the mode changes that come with them.
 */
#include "vmx.h"
#include <asm/cpu.h>
#include <mica/domain.h>
#include <mica/guest_mem.h>

#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR3_PDPT_MASK 0xffffffe0ULL
#define CR3_NO_FLUSH (1ULL << 63)
#define CR4_PCIDE (1ULL << 17)
#define PDPTE_P 1ULL
#define PDPTE_RESERVED 0xfff00000000001e6ULL /* bits 2:1, 8:5, 63:52 */
#define TSS_BUSY_32_64 11                    /* TR type required for IA-32e mode */
#define VEC_GP 13

/* Exit qualification of control-register accesses (§28.2.1, Table 28-3). */
#define CRQ_CR(q) ((unsigned int)(q)&0xf)
#define CRQ_TYPE(q) ((unsigned int)((q) >> 4) & 3)
#define CRQ_GPR(q) ((unsigned int)((q) >> 8) & 0xf)
#define CRQ_LMSW_DATA(q) (((q) >> 16) & 0xffff)
enum { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW };

static uint64_t guest_view(uint64_t real, uint64_t shadow, uint64_t owned)
{
	return (shadow & owned) | (real & ~owned);
}

/* The value the real register gets: the guest's, plus what VMX fixes (PE and PG exempt, §27.3.1.1). */
static uint64_t real_cr0(uint64_t cr0)
{
	return (cr0 | (vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG))) & vmx_caps.cr0_fixed1;
}

static uint64_t real_cr4(uint64_t cr4)
{
	return (cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
}

/*
 * CR2 is not part of the VMCS: the guest's stays in the register across
 * exits, since the host takes no page faults it survives. (With several
 * vCPUs on one CPU it will have to be switched.)
 */
uint64_t vmx_get_cr(struct vcpu *v, unsigned int cr)
{
	vmx_load_vmcs(v);
	switch (cr) {
	case 0:
		return guest_view(vmcs_readnat(GUEST_CR0), vmcs_readnat(CR0_READ_SHADOW), vmx_caps.cr0_owned);
	case 2:
		return read_cr2();
	case 3:
		return vmcs_readnat(GUEST_CR3);
	case 4:
		return guest_view(vmcs_readnat(GUEST_CR4), vmcs_readnat(CR4_READ_SHADOW), vmx_caps.cr4_owned);
	default:
		return 0;
	}
}

void vmx_cr_reset(struct vcpu *v, uint64_t cr0, uint64_t cr4)
{
	vmcs_writenat(CR0_GUEST_HOST_MASK, vmx_caps.cr0_owned);
	vmcs_writenat(CR4_GUEST_HOST_MASK, vmx_caps.cr4_owned);
	vmcs_writenat(CR0_READ_SHADOW, cr0);
	vmcs_writenat(CR4_READ_SHADOW, cr4);
	vmcs_writenat(GUEST_CR0, real_cr0(cr0));
	vmcs_writenat(GUEST_CR4, real_cr4(cr4));
	vmcs_writenat(GUEST_CR3, 0);
}

static bool guest_long_mode(void)
{
	return vmcs_read64(GUEST_IA32_EFER) & EFER_LMA;
}

static bool guest_64bit_code(void)
{
	return guest_long_mode() && (vmcs_read32(GUEST_CS_AR_BYTES) & AR_L);
}

/*
 * With EPT, PAE paging (not IA-32e) takes its four PDPTEs from the VMCS at
 * VM entry (§27.3.2.4) instead of from memory. When Mica itself turns PAE
 * paging on or loads CR3 under it, it reads them as MOV to CR would, and
 * refuses reserved bits as the CPU does (#GP). The 32-byte aligned PDPT
 * never crosses a page.
 */
static bool load_pdptes(struct vcpu *v, uint64_t cr3)
{
	uint64_t gpa = cr3 & CR3_PDPT_MASK, pdpte[4] = {0, 0, 0, 0};
	const uint64_t *page = guest_phys_page(v->domain, gpa >> PAGE_SHIFT, false);

	for (unsigned int i = 0; page && i < 4; i++) {
		pdpte[i] = page[(gpa & (PAGE_SIZE - 1)) / 8 + i];
		if ((pdpte[i] & PDPTE_P) && (pdpte[i] & PDPTE_RESERVED))
			return false;
	}
	for (unsigned int i = 0; i < 4; i++)
		vmcs_write64(guest_pdpte(i), pdpte[i]);
	return true;
}

/*
 * MOV to CR0 (Vol. 3A §2.5, and §10.8.5 for entering and leaving IA-32e
 * mode). The guest runs with the "IA-32e mode guest" entry control equal to
 * its EFER.LMA (§27.3.1.1): when paging goes on with EFER.LME set, Mica sets
 * both, as the CPU would set LMA; when it goes off, it clears both.
 */
static bool emulate_write_cr0(struct vcpu *v, uint64_t val)
{
	uint64_t old = vmx_get_cr(v, 0), cr4 = vmx_get_cr(v, 4), efer = vmcs_read64(GUEST_IA32_EFER);
	uint32_t entry = vmcs_read32(VM_ENTRY_CONTROLS), cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);

	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD)))
		return false;
	if ((val & CR0_PG) && !(old & CR0_PG)) {
		if (efer & EFER_LME) {
			if (!(cr4 & CR4_PAE) || (cs_ar & AR_L) || (vmcs_read32(seg_ar(SEG_TR)) & 0xf) != TSS_BUSY_32_64)
				return false;
			efer |= EFER_LMA;
			entry |= ENTRY_IA32E_MODE;
		} else if ((cr4 & CR4_PAE) && !load_pdptes(v, vmcs_readnat(GUEST_CR3))) {
			return false;
		}
	} else if (!(val & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
		if (cs_ar & AR_L)
			return false;
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E_MODE;
	}
	vmcs_write64(GUEST_IA32_EFER, efer);
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
	vmcs_writenat(CR0_READ_SHADOW, val);
	vmcs_writenat(GUEST_CR0, real_cr0(val));
	if ((val ^ old) & (CR0_PG | CR0_PE | CR0_WP))
		vmx_flush_guest_tlb(v);
	return true;
}

/* MOV to CR3 exits only on CPUs that cannot turn CR3-load exiting off. */
static bool emulate_write_cr3(struct vcpu *v, uint64_t val)
{
	uint64_t cr0 = vmx_get_cr(v, 0), cr4 = vmx_get_cr(v, 4);

	if (guest_long_mode() && (cr4 & CR4_PCIDE))
		val &= ~CR3_NO_FLUSH; /* a hint, not part of CR3 */
	if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) && !guest_long_mode() && !load_pdptes(v, val))
		return false;
	vmcs_writenat(GUEST_CR3, val);
	vmx_flush_guest_tlb(v);
	return true;
}

/*
 * MOV to CR4 exits only when it would change a bit Mica owns, and the guest
 * may set none of them: VMXE (no nested VMX) and the bits VMX operation
 * does not allow are all #GP, like unsupported bits on bare metal.
 */
static bool emulate_write_cr4(struct vcpu *v, uint64_t val)
{
	if (val & vmx_caps.cr4_owned)
		return false;
	vmcs_writenat(CR4_READ_SHADOW, val);
	vmcs_writenat(GUEST_CR4, real_cr4(val));
	vmx_flush_guest_tlb(v);
	return true;
}

/*
 * Control-register exits the backend handles itself: MOV to CR0/CR3/CR4,
 * MOV from CR3 and LMSW. Returns false for the others (CR8 on CPUs that
 * force its exiting, CLTS), which the generic code sees as HVM_EXIT_CR_ACCESS.
 * Outside 64-bit code only the low 32 bits of a register are the operand.
 */
bool vmx_handle_cr_access(struct vcpu *v)
{
	uint64_t q = to_vmx(v)->exit_qual, *reg = &v->arch.hvm.regs.gpr[CRQ_GPR(q)];
	bool wide = guest_64bit_code(), ok;
	uint64_t val = wide ? *reg : (uint32_t)*reg;

	switch (CRQ_TYPE(q)) {
	case CR_MOV_TO:
		if (CRQ_CR(q) == 0)
			ok = emulate_write_cr0(v, val);
		else if (CRQ_CR(q) == 3)
			ok = emulate_write_cr3(v, val);
		else if (CRQ_CR(q) == 4)
			ok = emulate_write_cr4(v, val);
		else
			return false;
		break;
	case CR_MOV_FROM:
		if (CRQ_CR(q) != 3)
			return false;
		val = vmcs_readnat(GUEST_CR3);
		*reg = wide ? val : (uint32_t)val;
		ok = true;
		break;
	case CR_LMSW: /* loads PE, MP, EM and TS, and cannot clear PE */
		val = vmx_get_cr(v, 0);
		ok = emulate_write_cr0(v, (val & ~0xeULL) | (CRQ_LMSW_DATA(q) & 0xf));
		break;
	default:
		return false;
	}
	if (ok)
		vmx_advance_rip(v);
	else
		vmx_inject_exception(v, VEC_GP, true, 0);
	return true;
}
