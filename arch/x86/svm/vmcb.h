/*
 * The VMCB (AMD APM Vol. 2, Appendix B): a 4 KiB page with the control area
 * at 0x000 and the guest state save area at 0x400. Offsets are checked at
 * compile time against the manual's tables.
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include <mica/types.h>

/* Intercept vector 3 (misc1) and 4 (misc2) bits, APM Table B-1. */
#define SVM_INTERCEPT_INTR (1u << 0)
#define SVM_INTERCEPT_NMI (1u << 1)
#define SVM_INTERCEPT_SMI (1u << 2)
#define SVM_INTERCEPT_INIT (1u << 3)
#define SVM_INTERCEPT_VINTR (1u << 4)
#define SVM_INTERCEPT_CPUID (1u << 18)
#define SVM_INTERCEPT_INVD (1u << 22)
#define SVM_INTERCEPT_HLT (1u << 24)
#define SVM_INTERCEPT_IOIO (1u << 27)
#define SVM_INTERCEPT_MSR (1u << 28)
#define SVM_INTERCEPT_SHUTDOWN (1u << 31)
#define SVM_INTERCEPT_VMRUN (1u << 0)
#define SVM_INTERCEPT_VMMCALL (1u << 1)
#define SVM_INTERCEPT_VMLOAD (1u << 2)
#define SVM_INTERCEPT_VMSAVE (1u << 3)
#define SVM_INTERCEPT_STGI (1u << 4)
#define SVM_INTERCEPT_CLGI (1u << 5)
#define SVM_INTERCEPT_SKINIT (1u << 6)

/* EXITCODE values, APM Appendix C. */
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_IOIO 0x07B
#define SVM_EXIT_MSR 0x07C
#define SVM_EXIT_SHUTDOWN 0x07F
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID ((uint64_t)-1)

/* TLB_CONTROL */
#define SVM_TLB_FLUSH_NONE 0
#define SVM_TLB_FLUSH_ALL 1
#define SVM_TLB_FLUSH_ASID 3

/* EVENTINJ, APM §15.20 */
#define SVM_EVENT_VALID (1ULL << 31)
#define SVM_EVENT_ERROR_VALID (1ULL << 11)
#define SVM_EVENT_TYPE_INTR (0ULL << 8)
#define SVM_EVENT_TYPE_EXCEPTION (3ULL << 8)

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib; /* descriptor bits 47:40 in 7:0, bits 55:52 in 11:8 */
	uint32_t limit;
	uint64_t base;
} __packed;

struct vmcb_control {
	uint32_t intercept_cr;
	uint32_t intercept_dr;
	uint32_t intercept_exceptions;
	uint32_t intercept_misc1;
	uint32_t intercept_misc2;
	uint32_t intercept_misc3;
	uint8_t reserved0[0x3c - 0x18];
	uint16_t pause_filter_threshold;
	uint16_t pause_filter_count;
	uint64_t iopm_base_pa;
	uint64_t msrpm_base_pa;
	uint64_t tsc_offset;
	uint32_t guest_asid;
	uint8_t tlb_control;
	uint8_t reserved1[3];
	uint64_t vintr;
	uint64_t interrupt_shadow;
	uint64_t exitcode;
	uint64_t exitinfo1;
	uint64_t exitinfo2;
	uint64_t exitintinfo;
	uint64_t np_enable;
	uint64_t reserved2[2];
	uint64_t eventinj;
	uint64_t n_cr3;
	uint64_t virt_ext;
	uint32_t clean_bits;
	uint32_t reserved3;
	uint64_t next_rip;
	uint8_t insn_len;
	uint8_t insn_bytes[15];
	uint8_t reserved4[0x400 - 0xe0];
} __packed;

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	uint8_t reserved0[0xcb - 0xa0];
	uint8_t cpl;
	uint32_t reserved1;
	uint64_t efer;
	uint8_t reserved2[0x148 - 0xd8];
	uint64_t cr4, cr3, cr0, dr7, dr6, rflags, rip;
	uint8_t reserved3[0x1d8 - 0x180];
	uint64_t rsp;
	uint64_t s_cet, ssp, isst_addr;
	uint64_t rax;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2;
	uint8_t reserved4[0x268 - 0x248];
	uint64_t g_pat;
	uint64_t dbgctl;
	uint8_t reserved5[0xc00 - 0x278];
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

_Static_assert(__builtin_offsetof(struct vmcb_control, iopm_base_pa) == 0x040, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb_control, guest_asid) == 0x058, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb_control, exitcode) == 0x070, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb_control, np_enable) == 0x090, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb_control, eventinj) == 0x0a8, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb_control, n_cr3) == 0x0b0, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb_control, next_rip) == 0x0c8, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.cpl) == 0x4cb, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.efer) == 0x4d0, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr4) == 0x548, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.rip) == 0x578, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.rsp) == 0x5d8, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.rax) == 0x5f8, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr2) == 0x640, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, save.g_pat) == 0x668, "VMCB layout");
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");

#endif
