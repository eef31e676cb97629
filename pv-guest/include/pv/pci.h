/*
 * dom0's PCI: configuration space through ports 0xCF8/0xCFC (Mica carries dom0's accesses out
 * on the real ports), the bus enumerated once at start, and BARs mapped 1:1 on request
 * (MICA_CTL_IOMEM_MAP). Drivers register by vendor/device id and get probe() per match.
 */
#ifndef PV_PCI_H
#define PV_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_MAX_BARS 6

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device, subsys_vendor, subsys_device;
	uint8_t class, subclass, prog_if, revision;
	uint64_t bar_base[PCI_MAX_BARS]; /* physical address (memory) or port (I/O); 0: none */
	uint64_t bar_size[PCI_MAX_BARS];
	bool bar_io[PCI_MAX_BARS]; /* an I/O-port BAR */
	bool bar_64[PCI_MAX_BARS]; /* the upper half is in the next slot, which stays 0 */
	const char *driver;        /* the driver that took it, or NULL */
};

uint32_t pci_read32(const struct pci_dev *p, unsigned int off);
uint16_t pci_read16(const struct pci_dev *p, unsigned int off);
uint8_t pci_read8(const struct pci_dev *p, unsigned int off);
void pci_write32(const struct pci_dev *p, unsigned int off, uint32_t v);
void pci_write16(const struct pci_dev *p, unsigned int off, uint16_t v);
void pci_write8(const struct pci_dev *p, unsigned int off, uint8_t v);

/*
 * The first capability of this id after the one at offset `start` (0: from the list's head), so
 * that `for (o = pci_find_cap(p, id, 0); o; o = pci_find_cap(p, id, o))` visits each; 0 if none.
 */
unsigned int pci_find_cap(const struct pci_dev *p, uint8_t cap_id, unsigned int start);
/* Memory and bus-master decoding on. */
void pci_enable(const struct pci_dev *p);
/*
 * A memory BAR's window (or a part of it) mapped 1:1 and uncached, reachable by its physical
 * address as a pointer (dom0's page tables map it); NULL on error. Maps are remembered.
 */
volatile void *pci_map_bar(struct pci_dev *p, unsigned int bar, uint64_t off, uint64_t len);

struct pci_driver {
	const char *name;
	uint16_t vendor, device;         /* device 0xffff: any of the vendor's */
	int (*probe)(struct pci_dev *p); /* 0: the driver took it */
};

int pci_init(void);                           /* enumerate buses 0..255 once; the number of functions found */
void pci_probe(const struct pci_driver *drv); /* offer every unclaimed matching function */
struct pci_dev *pci_get(unsigned int i);      /* the i-th function found, NULL past the last */

/*
 * DMA memory (MICA_CTL_DMA_ALLOC): zeroed, contiguous, physical == machine address, so the
 * pointer's value is the bus address. At least `bytes`: above 2 KiB page aligned (above a
 * page, a block of a power of two pages aligned to its size); below, a piece aligned to its
 * size rounded up to a power of two (64 bytes at least). NULL when none is left (at most 4 MiB
 * at once). dma_free takes the same `bytes`.
 */
void *dma_alloc(size_t bytes);
void dma_free(void *p, size_t bytes);
uint64_t dma_pages_in_use(void); /* pages dom0 holds from the hypervisor for DMA */

#endif
