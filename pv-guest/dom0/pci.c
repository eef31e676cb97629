/*
 * dom0's PCI bus (pv/pci.h): enumeration of buses 0-255 once at start, BAR sizing, the
 * capability list, and drivers matched by vendor/device id. Only configuration space is
 * touched here (through pci_read* / pci_write*, pci_io.c), so the host tests run it over a fake.
 */
#include <pv/pci.h>

#include <stdio.h>
#include <string.h>

#define PCI_MAX_FUNCS 256
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS 0x2c
#define PCI_CAP_PTR 0x34
#define PCI_CAPS_MAX 48 /* (256 - 64) / 4: a longer list loops */

static struct pci_dev funcs[PCI_MAX_FUNCS];
static unsigned int nr_funcs;
static bool scanned;

/*
 * A BAR's size from what it read back after all ones were written (PCI spec 3.0 §6.2.5.1):
 * the lowest address bit that stuck at 0 is the size. I/O BARs decode 16 bits at most.
 */
static uint64_t bar_size(uint32_t orig, uint32_t lo, uint32_t hi, bool is64)
{
	uint64_t mask;

	if (orig & 1) {
		mask = lo & ~3u;
		if (!(mask & 0xffff0000u))
			mask |= 0xffff0000u;
		return mask & 0xffff ? (uint32_t)(~mask + 1) : 0;
	}
	mask = (is64 ? (uint64_t)hi << 32 : 0xffffffff00000000ULL) | (lo & ~0xfu);
	return mask == 0xffffffff00000000ULL && !is64 ? 0 : (mask ? ~mask + 1 : 0);
}

/* Writes all ones, reads back, restores: the value read back. */
static uint32_t probe_reg(const struct pci_dev *p, unsigned int off, uint32_t orig)
{
	uint32_t v;

	pci_write32(p, off, 0xffffffffu);
	v = pci_read32(p, off);
	pci_write32(p, off, orig);
	return v;
}

/* Header type 0's six BARs, with I/O and memory decoding off meanwhile (the device must not answer a half-written BAR). */
static void size_bars(struct pci_dev *p)
{
	uint16_t cmd = pci_read16(p, PCI_COMMAND);

	pci_write16(p, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned int i = 0; i < PCI_MAX_BARS; i++) {
		unsigned int off = PCI_BAR0 + 4 * i;
		uint32_t orig = pci_read32(p, off), lo = probe_reg(p, off, orig), orig_hi = 0, hi = 0;
		bool io = orig & 1, is64 = !io && ((orig >> 1) & 3) == 2 && i + 1 < PCI_MAX_BARS;

		if (is64) {
			orig_hi = pci_read32(p, off + 4);
			hi = probe_reg(p, off + 4, orig_hi);
		}
		p->bar_size[i] = bar_size(orig, lo, hi, is64);
		p->bar_io[i] = io;
		p->bar_64[i] = is64;
		p->bar_base[i] = p->bar_size[i] ? (io ? orig & ~3u : ((uint64_t)orig_hi << 32 | (orig & ~0xfu))) : 0;
		if (!p->bar_size[i])
			p->bar_64[i] = false;
		if (is64)
			i++; /* the upper half: its slot stays 0 */
	}
	pci_write16(p, PCI_COMMAND, cmd);
}

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn, uint32_t id)
{
	struct pci_dev *p;
	uint32_t class;

	if (nr_funcs >= PCI_MAX_FUNCS) {
		printf("pci: more than %u functions: %02x:%02x.%x and later ones ignored\n", PCI_MAX_FUNCS, bus, dev,
		       fn);
		return;
	}
	p = &funcs[nr_funcs++];
	memset(p, 0, sizeof(*p));
	p->bus = bus;
	p->dev = dev;
	p->fn = fn;
	p->vendor = id & 0xffff;
	p->device = id >> 16;
	class = pci_read32(p, 0x08);
	p->revision = class & 0xff;
	p->prog_if = (class >> 8) & 0xff;
	p->subclass = (class >> 16) & 0xff;
	p->class = class >> 24;
	if ((pci_read8(p, PCI_HEADER_TYPE) & 0x7f) == 0) { /* bridges (types 1, 2) are only listed */
		uint32_t ss = pci_read32(p, PCI_SUBSYS);

		p->subsys_vendor = ss & 0xffff;
		p->subsys_device = ss >> 16;
		size_bars(p);
	}
}

int pci_init(void)
{
	if (scanned)
		return (int)nr_funcs;
	scanned = true;
	for (unsigned int bus = 0; bus < 256; bus++) {
		for (unsigned int dev = 0; dev < 32; dev++) {
			struct pci_dev probe = {.bus = (uint8_t)bus, .dev = (uint8_t)dev};
			uint32_t id = pci_read32(&probe, 0);
			unsigned int nfn;

			if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
				continue;
			nfn = pci_read8(&probe, PCI_HEADER_TYPE) & 0x80 ? 8 : 1;
			for (unsigned int fn = 0; fn < nfn; fn++) {
				probe.fn = (uint8_t)fn;
				id = fn ? pci_read32(&probe, 0) : id;
				if ((id & 0xffff) != 0xffff && (id & 0xffff) != 0)
					add_function((uint8_t)bus, (uint8_t)dev, (uint8_t)fn, id);
			}
		}
	}
	return (int)nr_funcs;
}

struct pci_dev *pci_get(unsigned int i)
{
	return i < nr_funcs ? &funcs[i] : NULL;
}

unsigned int pci_find_cap(const struct pci_dev *p, uint8_t cap_id, unsigned int start)
{
	unsigned int off;

	if (!(pci_read16(p, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	off = start ? pci_read8(p, start + 1) : pci_read8(p, PCI_CAP_PTR);
	for (unsigned int n = 0; n < PCI_CAPS_MAX && (off &= 0xfc) >= 0x40; n++) {
		if (pci_read8(p, off) == cap_id)
			return off;
		off = pci_read8(p, off + 1);
	}
	return 0;
}

void pci_enable(const struct pci_dev *p)
{
	uint16_t cmd = pci_read16(p, PCI_COMMAND);

	pci_write16(p, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
}

void pci_probe(const struct pci_driver *drv)
{
	for (unsigned int i = 0; i < nr_funcs; i++) {
		struct pci_dev *p = &funcs[i];

		if (p->driver || p->vendor != drv->vendor || (drv->device != 0xffff && p->device != drv->device))
			continue;
		if (drv->probe(p) == 0)
			p->driver = drv->name;
	}
}
