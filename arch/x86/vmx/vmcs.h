/*
 * The VMCS (Intel SDM Vol. 3C ch. 25 "Virtual Machine Control Structures"):
 * field encodings from Appendix B, control bits from §25.6-25.8, exit
 * reasons from Appendix C, and the VMX instructions as small inline
 * functions. Each field is a constant of a type that carries its width, so
 * vmcs_read32(GUEST_RIP) does not compile. Section numbers in arch/x86/vmx/
 * follow the SDM's current numbering (Vol. 3C: ch. 24 VMX operation, 25
 * VMCS, 26 non-root operation, 27 VM entries, 28 VM exits, 29 EPT and VPID,
 * 31 VMX instructions); older editions number these one lower.
 */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include <mica/types.h>

struct vmcs_field16 {
	uint32_t enc;
};
struct vmcs_field32 {
	uint32_t enc;
};
struct vmcs_field64 {
	uint32_t enc;
};
struct vmcs_fieldnat { /* natural width: 64 bits on a 64-bit host */
	uint32_t enc;
};

#define F16(e) ((struct vmcs_field16){e})
#define F32(e) ((struct vmcs_field32){e})
#define F64(e) ((struct vmcs_field64){e})
#define FNAT(e) ((struct vmcs_fieldnat){e})

/* 16-bit fields (SDM App. B.1) */
#define VIRTUAL_PROCESSOR_ID F16(0x0000)
#define GUEST_ES_SELECTOR F16(0x0800)
#define GUEST_CS_SELECTOR F16(0x0802)
#define GUEST_SS_SELECTOR F16(0x0804)
#define GUEST_DS_SELECTOR F16(0x0806)
#define GUEST_FS_SELECTOR F16(0x0808)
#define GUEST_GS_SELECTOR F16(0x080A)
#define GUEST_LDTR_SELECTOR F16(0x080C)
#define GUEST_TR_SELECTOR F16(0x080E)
#define HOST_ES_SELECTOR F16(0x0C00)
#define HOST_CS_SELECTOR F16(0x0C02)
#define HOST_SS_SELECTOR F16(0x0C04)
#define HOST_DS_SELECTOR F16(0x0C06)
#define HOST_FS_SELECTOR F16(0x0C08)
#define HOST_GS_SELECTOR F16(0x0C0A)
#define HOST_TR_SELECTOR F16(0x0C0C)

/* 64-bit fields (App. B.2) */
#define IO_BITMAP_A F64(0x2000)
#define IO_BITMAP_B F64(0x2002)
#define MSR_BITMAP F64(0x2004)
#define VM_EXIT_MSR_STORE_ADDR F64(0x2006)
#define VM_EXIT_MSR_LOAD_ADDR F64(0x2008)
#define VM_ENTRY_MSR_LOAD_ADDR F64(0x200A)
#define TSC_OFFSET F64(0x2010)
#define EPT_POINTER F64(0x201A)
#define GUEST_PHYSICAL_ADDRESS F64(0x2400)
#define VMCS_LINK_POINTER F64(0x2800)
#define GUEST_IA32_DEBUGCTL F64(0x2802)
#define GUEST_IA32_PAT F64(0x2804)
#define GUEST_IA32_EFER F64(0x2806)
#define GUEST_PDPTE0 F64(0x280A) /* PDPTE n is at 0x280A + 2n */
#define HOST_IA32_PAT F64(0x2C00)
#define HOST_IA32_EFER F64(0x2C02)

/* 32-bit fields (App. B.3) */
#define PIN_BASED_VM_EXEC_CONTROL F32(0x4000)
#define CPU_BASED_VM_EXEC_CONTROL F32(0x4002)
#define EXCEPTION_BITMAP F32(0x4004)
#define PAGE_FAULT_ERROR_CODE_MASK F32(0x4006)
#define PAGE_FAULT_ERROR_CODE_MATCH F32(0x4008)
#define CR3_TARGET_COUNT F32(0x400A)
#define VM_EXIT_CONTROLS F32(0x400C)
#define VM_EXIT_MSR_STORE_COUNT F32(0x400E)
#define VM_EXIT_MSR_LOAD_COUNT F32(0x4010)
#define VM_ENTRY_CONTROLS F32(0x4012)
#define VM_ENTRY_MSR_LOAD_COUNT F32(0x4014)
#define VM_ENTRY_INTR_INFO F32(0x4016)
#define VM_ENTRY_EXCEPTION_ERROR_CODE F32(0x4018)
#define VM_ENTRY_INSTRUCTION_LEN F32(0x401A)
#define SECONDARY_VM_EXEC_CONTROL F32(0x401E)
#define VM_INSTRUCTION_ERROR F32(0x4400)
#define VM_EXIT_REASON F32(0x4402)
#define VM_EXIT_INTR_INFO F32(0x4404)
#define VM_EXIT_INTR_ERROR_CODE F32(0x4406)
#define IDT_VECTORING_INFO F32(0x4408)
#define IDT_VECTORING_ERROR_CODE F32(0x440A)
#define VM_EXIT_INSTRUCTION_LEN F32(0x440C)
#define GUEST_ES_LIMIT F32(0x4800) /* segment n (ES CS SS DS FS GS LDTR TR) at +2n */
#define GUEST_CS_LIMIT F32(0x4802)
#define GUEST_GDTR_LIMIT F32(0x4810)
#define GUEST_IDTR_LIMIT F32(0x4812)
#define GUEST_ES_AR_BYTES F32(0x4814) /* segment n at +2n */
#define GUEST_CS_AR_BYTES F32(0x4816)
#define GUEST_SS_AR_BYTES F32(0x4818)
#define GUEST_INTERRUPTIBILITY_INFO F32(0x4824)
#define GUEST_ACTIVITY_STATE F32(0x4826)
#define GUEST_SYSENTER_CS F32(0x482A)
#define HOST_IA32_SYSENTER_CS F32(0x4C00)

/* Natural-width fields (App. B.4) */
#define CR0_GUEST_HOST_MASK FNAT(0x6000)
#define CR4_GUEST_HOST_MASK FNAT(0x6002)
#define CR0_READ_SHADOW FNAT(0x6004)
#define CR4_READ_SHADOW FNAT(0x6006)
#define EXIT_QUALIFICATION FNAT(0x6400)
#define GUEST_LINEAR_ADDRESS FNAT(0x640A)
#define GUEST_CR0 FNAT(0x6800)
#define GUEST_CR3 FNAT(0x6802)
#define GUEST_CR4 FNAT(0x6804)
#define GUEST_ES_BASE FNAT(0x6806) /* segment n at +2n */
#define GUEST_CS_BASE FNAT(0x6808)
#define GUEST_FS_BASE FNAT(0x680E)
#define GUEST_GS_BASE FNAT(0x6810)
#define GUEST_GDTR_BASE FNAT(0x6816)
#define GUEST_IDTR_BASE FNAT(0x6818)
#define GUEST_DR7 FNAT(0x681A)
#define GUEST_RSP FNAT(0x681C)
#define GUEST_RIP FNAT(0x681E)
#define GUEST_RFLAGS FNAT(0x6820)
#define GUEST_PENDING_DBG_EXCEPTIONS FNAT(0x6822)
#define GUEST_SYSENTER_ESP FNAT(0x6824)
#define GUEST_SYSENTER_EIP FNAT(0x6826)
#define HOST_CR0 FNAT(0x6C00)
#define HOST_CR3 FNAT(0x6C02)
#define HOST_CR4 FNAT(0x6C04)
#define HOST_FS_BASE FNAT(0x6C06)
#define HOST_GS_BASE FNAT(0x6C08)
#define HOST_TR_BASE FNAT(0x6C0A)
#define HOST_GDTR_BASE FNAT(0x6C0C)
#define HOST_IDTR_BASE FNAT(0x6C0E)
#define HOST_IA32_SYSENTER_ESP FNAT(0x6C10)
#define HOST_IA32_SYSENTER_EIP FNAT(0x6C12)
#define HOST_RSP_ENCODING 0x6C14 /* written by entry.S only */
#define HOST_RIP FNAT(0x6C16)

/* The guest segment registers in the order of their encodings. */
enum vmx_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

/* Pin-based VM-execution controls (§25.6.1) */
#define PIN_EXTINT_EXITING (1u << 0)
#define PIN_NMI_EXITING (1u << 3)

/* Primary processor-based VM-execution controls (§25.6.2) */
#define CPU_INTR_WINDOW_EXITING (1u << 2)
#define CPU_HLT_EXITING (1u << 7)
#define CPU_CR3_LOAD_EXITING (1u << 15)
#define CPU_CR3_STORE_EXITING (1u << 16)
#define CPU_UNCOND_IO_EXITING (1u << 24)
#define CPU_USE_MSR_BITMAPS (1u << 28)
#define CPU_ACTIVATE_SECONDARY (1u << 31)

/* Secondary processor-based VM-execution controls */
#define CPU2_ENABLE_EPT (1u << 1)
#define CPU2_ENABLE_RDTSCP (1u << 3)
#define CPU2_ENABLE_VPID (1u << 5)
#define CPU2_UNRESTRICTED_GUEST (1u << 7)
#define CPU2_ENABLE_INVPCID (1u << 12)

/* VM-exit controls (§25.7.1) */
#define EXIT_HOST_ADDR_SPACE_SIZE (1u << 9)
#define EXIT_SAVE_IA32_PAT (1u << 18)
#define EXIT_LOAD_IA32_PAT (1u << 19)
#define EXIT_SAVE_IA32_EFER (1u << 20)
#define EXIT_LOAD_IA32_EFER (1u << 21)

/* VM-entry controls (§25.8.1) */
#define ENTRY_IA32E_MODE (1u << 9)
#define ENTRY_LOAD_IA32_PAT (1u << 14)
#define ENTRY_LOAD_IA32_EFER (1u << 15)

/* Capability MSRs (SDM App. A) */
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED_CTLS 0x481
#define MSR_VMX_PROCBASED_CTLS 0x482
#define MSR_VMX_EXIT_CTLS 0x483
#define MSR_VMX_ENTRY_CTLS 0x484
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROCBASED_CTLS2 0x48B
#define MSR_VMX_EPT_VPID_CAP 0x48C
#define MSR_VMX_TRUE_PINBASED_CTLS 0x48D
#define MSR_VMX_TRUE_PROCBASED_CTLS 0x48E
#define MSR_VMX_TRUE_EXIT_CTLS 0x48F
#define MSR_VMX_TRUE_ENTRY_CTLS 0x490
#define VMX_BASIC_TRUE_CTLS (1ULL << 55)

/* IA32_VMX_EPT_VPID_CAP (App. A.10) */
#define EPT_CAP_WALK_4 (1ULL << 6)
#define EPT_CAP_WB (1ULL << 14)
#define EPT_CAP_INVEPT (1ULL << 20)
#define EPT_CAP_INVEPT_SINGLE (1ULL << 25)
#define EPT_CAP_INVEPT_ALL (1ULL << 26)
#define VPID_CAP_INVVPID (1ULL << 32)
#define VPID_CAP_INVVPID_SINGLE (1ULL << 41)
#define VPID_CAP_INVVPID_ALL (1ULL << 42)

/* Basic exit reasons (App. C) */
enum vmx_exit_reason {
	EXIT_EXCEPTION_NMI = 0,
	EXIT_EXTERNAL_INTERRUPT = 1,
	EXIT_TRIPLE_FAULT = 2,
	EXIT_INIT_SIGNAL = 3,
	EXIT_INTERRUPT_WINDOW = 7,
	EXIT_CPUID = 10,
	EXIT_GETSEC = 11,
	EXIT_HLT = 12,
	EXIT_VMCALL = 18,
	EXIT_VMCLEAR = 19,
	EXIT_VMLAUNCH = 20,
	EXIT_VMPTRLD = 21,
	EXIT_VMPTRST = 22,
	EXIT_VMREAD = 23,
	EXIT_VMRESUME = 24,
	EXIT_VMWRITE = 25,
	EXIT_VMXOFF = 26,
	EXIT_VMXON = 27,
	EXIT_CR_ACCESS = 28,
	EXIT_IO_INSTRUCTION = 30,
	EXIT_RDMSR = 31,
	EXIT_WRMSR = 32,
	EXIT_INVALID_GUEST_STATE = 33,
	EXIT_MSR_LOADING = 34,
	EXIT_MCE_DURING_VMENTRY = 41,
	EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49,
	EXIT_INVEPT = 50,
	EXIT_INVVPID = 53,
	EXIT_REASON_COUNT = 80,
};
#define EXIT_REASON_ENTRY_FAILED (1u << 31)

/* Interruption-information fields (§25.8.3, §25.9.2) */
#define INTR_INFO_VECTOR_MASK 0xffu
#define INTR_INFO_TYPE_SHIFT 8
#define INTR_INFO_TYPE_MASK (7u << 8)
#define INTR_TYPE_NMI 2u
#define INTR_TYPE_HW_EXCEPTION 3u
#define INTR_TYPE_SW_INTERRUPT 4u
#define INTR_TYPE_PRIV_SW_EXCEPTION 5u
#define INTR_TYPE_SW_EXCEPTION 6u
#define INTR_INFO_DELIVER_CODE (1u << 11)
#define INTR_INFO_VALID (1u << 31)

/* Guest interruptibility state (§25.4.2) */
#define INTERRUPTIBILITY_STI (1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)

/* Segment access rights: the descriptor's bits 47:40 in 7:0 and 55:52 in 15:12 (§25.4.1) */
#define AR_UNUSABLE (1u << 16)
#define AR_L (1u << 13)

/*
 * VMX instructions report failure in RFLAGS (§31.2): CF = VMfailInvalid
 * (no current VMCS), ZF = VMfailValid (reason in VM_INSTRUCTION_ERROR).
 * "setna" catches both.
 */
static inline bool vmx_vmxon(paddr_t pa)
{
	bool fail;

	__asm__ volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline bool vmx_vmclear(paddr_t pa)
{
	bool fail;

	__asm__ volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline bool vmx_vmptrld(paddr_t pa)
{
	bool fail;

	__asm__ volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline uint64_t vmx_vmread(uint32_t enc)
{
	uint64_t val = 0;

	__asm__ volatile("vmread %1, %0" : "=rm"(val) : "r"((uint64_t)enc) : "cc");
	return val;
}

/* A failing VMWRITE is a bug in Mica (unsupported or read-only field): it is reported, not ignored. */
void vmx_vmwrite_failed(uint32_t enc, uint64_t val);

static inline void vmx_vmwrite(uint32_t enc, uint64_t val)
{
	bool fail;

	__asm__ volatile("vmwrite %2, %1; setna %0" : "=q"(fail) : "r"((uint64_t)enc), "rm"(val) : "cc", "memory");
	if (fail)
		vmx_vmwrite_failed(enc, val);
}

static inline uint16_t vmcs_read16(struct vmcs_field16 f)
{
	return (uint16_t)vmx_vmread(f.enc);
}
static inline uint32_t vmcs_read32(struct vmcs_field32 f)
{
	return (uint32_t)vmx_vmread(f.enc);
}
static inline uint64_t vmcs_read64(struct vmcs_field64 f)
{
	return vmx_vmread(f.enc);
}
static inline uint64_t vmcs_readnat(struct vmcs_fieldnat f)
{
	return vmx_vmread(f.enc);
}
static inline void vmcs_write16(struct vmcs_field16 f, uint16_t v)
{
	vmx_vmwrite(f.enc, v);
}
static inline void vmcs_write32(struct vmcs_field32 f, uint32_t v)
{
	vmx_vmwrite(f.enc, v);
}
static inline void vmcs_write64(struct vmcs_field64 f, uint64_t v)
{
	vmx_vmwrite(f.enc, v);
}
static inline void vmcs_writenat(struct vmcs_fieldnat f, uint64_t v)
{
	vmx_vmwrite(f.enc, v);
}

/* Per-segment fields: segment n's field is at the ES field's encoding + 2n. */
static inline struct vmcs_field16 seg_selector(enum vmx_seg s)
{
	return F16(GUEST_ES_SELECTOR.enc + 2 * s);
}
static inline struct vmcs_field32 seg_limit(enum vmx_seg s)
{
	return F32(GUEST_ES_LIMIT.enc + 2 * s);
}
static inline struct vmcs_field32 seg_ar(enum vmx_seg s)
{
	return F32(GUEST_ES_AR_BYTES.enc + 2 * s);
}
static inline struct vmcs_fieldnat seg_base(enum vmx_seg s)
{
	return FNAT(GUEST_ES_BASE.enc + 2 * s);
}
static inline struct vmcs_field64 guest_pdpte(unsigned int n)
{
	return F64(GUEST_PDPTE0.enc + 2 * n);
}

/* INVEPT and INVVPID (§31.3, §29.4.3): a 128-bit descriptor in memory and a type in a register. */
#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXT 2
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT 2

static inline bool vmx_invept(uint64_t type, uint64_t eptp)
{
	struct {
		uint64_t eptp, reserved;
	} desc = {eptp, 0};
	bool fail;

	__asm__ volatile("invept %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	return !fail;
}

static inline bool vmx_invvpid(uint64_t type, uint16_t vpid, uint64_t gva)
{
	struct {
		uint64_t vpid, gva;
	} desc = {vpid, gva};
	bool fail;

	__asm__ volatile("invvpid %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"(type) : "cc", "memory");
	return !fail;
}

#endif
