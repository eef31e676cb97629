/* The x86 part of domains and vCPUs. */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <asm/hvm.h>
#include <asm/p2m.h>

struct arch_domain {
	struct p2m p2m;
	uint64_t hypercall_page_gfn;
	uint64_t ram_end_gfn; /* RAM lies below this guest frame */
	/* CPUs that must drop cached translations of this p2m before entering the domain again */
	uint64_t flush_pending;
};

struct arch_vcpu {
	struct hvm_vcpu hvm;
	uint32_t pci_cf8; /* dom0's PCI address latch (port 0xCF8), per vCPU (hvm/pci_cfg.c) */
};

#endif
