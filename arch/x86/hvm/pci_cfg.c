/*
 * PCI configuration mechanism #1 for domain 0 (PCI Local Bus spec 3.0, §3.2.2.3.2): dom0's
 * accesses to the address port 0xCF8 (dword) and the data ports 0xCFC-0xCFF are carried out on
 * the real ports. dom0's address is latched per vCPU and written to the real 0xCF8 together
 * with each data access, under one lock, so that neither another vCPU of dom0 nor a vCPU
 * switch between its two accesses can mix two addresses up. Writes to the host bridge
 * (00:00.0: memory controller, PAM/SMRAM and PCIEXBAR on i440FX and Q35) are dropped: they
 * could move RAM or the ECAM area under the hypervisor.
 */
#include <asm/cpu.h>
#include <asm/hvm.h>
#include <mica/domain.h>
#include <mica/spinlock.h>

#define PCI_CONF_ADDR 0xcf8
#define PCI_CONF_DATA 0xcfc
#define CF8_ENABLE (1u << 31)
#define CF8_VALID_BITS 0x80fffffcu /* enable, bus, device, function, dword register */
#define CF8_BDF(a) (((a) >> 8) & 0xffff)

static spinlock_t pci_cfg_lock = SPINLOCK_INIT;

static uint32_t data_read(uint16_t port, unsigned int size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static void data_write(uint16_t port, unsigned int size, uint32_t v)
{
	if (size == 1)
		outb(port, (uint8_t)v);
	else if (size == 2)
		outw(port, (uint16_t)v);
	else
		outl(port, v);
}

/* A data port access: all ones / dropped while the latch is off or for a write to the host bridge. */
static uint32_t data_access(struct vcpu *v, uint16_t port, unsigned int size, bool in, uint32_t val)
{
	uint32_t addr = v->arch.pci_cf8 & CF8_VALID_BITS;
	unsigned long f;

	if (!(addr & CF8_ENABLE) || (!in && CF8_BDF(addr) == 0))
		return UINT32_MAX;
	f = spin_lock_irqsave(&pci_cfg_lock);
	outl(PCI_CONF_ADDR, addr);
	if (in)
		val = data_read(port, size);
	else
		data_write(port, size, val);
	spin_unlock_irqrestore(&pci_cfg_lock, f);
	return val;
}

bool hvm_pci_cfg_io(struct vcpu *v, uint16_t port, unsigned int size, bool in, uint64_t *rax)
{
	uint64_t mask = size == 4 ? 0xffffffffULL : (1ULL << (size * 8)) - 1;
	uint32_t val;

	if (v->domain->domain_id != 0 || !v->domain->privileged)
		return false;
	if (port == PCI_CONF_ADDR && size == 4) {
		if (in)
			*rax = v->arch.pci_cf8;
		else
			v->arch.pci_cf8 = (uint32_t)*rax;
		return true;
	}
	/* A data access must stay inside the dword at 0xCFC (a word at 0xCFF would cross it). */
	if (port < PCI_CONF_DATA || port > PCI_CONF_DATA + 3 || (port & 3) + size > 4)
		return false;
	val = data_access(v, port, size, in, (uint32_t)*rax);
	if (in)
		*rax = size == 4 ? val : (*rax & ~mask) | (val & mask);
	return true;
}
