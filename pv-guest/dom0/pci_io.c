/*
 * PCI configuration mechanism #1 (PCI Local Bus spec 3.0 §3.2.2.3.2): the address to 0xCF8,
 * the data through 0xCFC-0xCFF. dom0 runs at CPL 0 in its container; Mica carries its accesses
 * out on the real ports (docs/abi.md, "dom0's devices"). Threads are cooperative: nothing runs
 * between the two accesses.
 */
#include <pv/pci.h>

#define PCI_CONF_ADDR 0xcf8
#define PCI_CONF_DATA 0xcfc

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void select(const struct pci_dev *p, unsigned int off)
{
	outl(PCI_CONF_ADDR,
	     1u << 31 | (uint32_t)p->bus << 16 | (uint32_t)p->dev << 11 | (uint32_t)p->fn << 8 | (off & 0xfc));
}

uint32_t pci_read32(const struct pci_dev *p, unsigned int off)
{
	select(p, off);
	return inl(PCI_CONF_DATA);
}

uint16_t pci_read16(const struct pci_dev *p, unsigned int off)
{
	select(p, off);
	return inw(PCI_CONF_DATA + (off & 2));
}

uint8_t pci_read8(const struct pci_dev *p, unsigned int off)
{
	select(p, off);
	return inb(PCI_CONF_DATA + (off & 3));
}

void pci_write32(const struct pci_dev *p, unsigned int off, uint32_t v)
{
	select(p, off);
	outl(PCI_CONF_DATA, v);
}

void pci_write16(const struct pci_dev *p, unsigned int off, uint16_t v)
{
	select(p, off);
	outw(PCI_CONF_DATA + (off & 2), v);
}

void pci_write8(const struct pci_dev *p, unsigned int off, uint8_t v)
{
	select(p, off);
	outb(PCI_CONF_DATA + (off & 3), v);
}
