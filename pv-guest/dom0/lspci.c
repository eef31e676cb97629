/* dom0's shell commands for its PCI devices: lspci, pcimap (a BAR's register), dmatest (DMA memory). */
#include <pv/pci.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_bars(const struct pci_dev *p)
{
	for (unsigned int i = 0; i < PCI_MAX_BARS; i++) {
		if (!p->bar_size[i])
			continue;
		printf("    BAR%u: %s 0x%llx size 0x%llx%s\n", i, p->bar_io[i] ? "io " : "mem",
		       (unsigned long long)p->bar_base[i], (unsigned long long)p->bar_size[i],
		       p->bar_64[i] ? " 64-bit" : "");
	}
}

int lspci_cmd(int argc, char **argv)
{
	bool verbose = argc > 1 && !strcmp(argv[1], "-v");
	struct pci_dev *p;

	if (argc > 2 || (argc == 2 && !verbose)) {
		printf("usage: lspci [-v]\n");
		return 1;
	}
	for (unsigned int i = 0; (p = pci_get(i)) != NULL; i++) {
		printf("%02x:%02x.%x %04x:%04x class %02x.%02x.%02x %s\n", p->bus, p->dev, p->fn, p->vendor, p->device,
		       p->class, p->subclass, p->prog_if, p->driver ? p->driver : "-");
		if (verbose)
			print_bars(p);
	}
	return 0;
}

static struct pci_dev *find_bdf(const char *s)
{
	unsigned int b, d, f;
	struct pci_dev *p;

	if (sscanf(s, "%x:%x.%x", &b, &d, &f) != 3)
		return NULL;
	for (unsigned int i = 0; (p = pci_get(i)) != NULL; i++)
		if (p->bus == b && p->dev == d && p->fn == f)
			return p;
	return NULL;
}

/* pcimap BB:DD.F BAR OFFSET [VALUE]: maps the BAR, writes VALUE (a dword) if given, reads the dword back. */
int pcimap_cmd(int argc, char **argv)
{
	struct pci_dev *p = argc >= 4 ? find_bdf(argv[1]) : NULL;
	char *end;
	unsigned long bar = argc >= 4 ? strtoul(argv[2], &end, 0) : 0;
	unsigned long long off = argc >= 4 ? strtoull(argv[3], &end, 0) : 0;
	volatile uint32_t *reg;

	if (argc < 4 || argc > 5 || !p || bar >= PCI_MAX_BARS || (off & 3)) {
		printf(
		    "usage: pcimap BB:DD.F BAR OFFSET [VALUE]  (a dword of a memory BAR; the function must exist)\n");
		return 1;
	}
	reg = pci_map_bar(p, (unsigned int)bar, off, 4);
	if (!reg) {
		printf("pcimap: BAR%lu of %s: not a memory BAR, offset outside it, or not mappable\n", bar, argv[1]);
		return 1;
	}
	pci_enable(p);
	if (argc == 5)
		*reg = (uint32_t)strtoul(argv[4], NULL, 0);
	printf("pcimap: %s BAR%lu+0x%llx (0x%llx) = 0x%08x\n", argv[1], bar, off, (unsigned long long)(uintptr_t)reg,
	       (unsigned)*reg);
	return 0;
}

/* dmatest: blocks and pieces of DMA memory: zeroed, aligned, distinct, below 4 GiB, writable; then freed. */
int dmatest_cmd(int argc, char **argv)
{
	static const size_t sizes[] = {64, 100, 2048, 4096, 8192, 65536, 4u << 20, 2048, 4096};
	void *blk[sizeof(sizes) / sizeof(sizes[0])];
	uint64_t before = dma_pages_in_use();
	int bad = 0;

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t align = sizes[i] > 2048 ? 4096 : 64;
		uint8_t *b = blk[i] = dma_alloc(sizes[i]);

		if (!b) {
			printf("dmatest: %zu bytes: none\n", sizes[i]);
			bad++;
			continue;
		}
		for (size_t j = 0; j < sizes[i]; j++)
			bad += b[j] != 0;
		if ((uintptr_t)b % align || (uintptr_t)b + sizes[i] > (4ULL << 30))
			bad++;
		memset(b, 0xa5 ^ i, sizes[i]);
		printf("dmatest: %zu bytes at 0x%llx\n", sizes[i], (unsigned long long)(uintptr_t)b);
	}
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) /* no block overwrote another */
		for (size_t j = 0; blk[i] && j < sizes[i]; j++)
			if (((uint8_t *)blk[i])[j] != (uint8_t)(0xa5 ^ i)) {
				bad++;
				break;
			}
	printf("dmatest: %llu pages held from the hypervisor (before: %llu)\n", (unsigned long long)dma_pages_in_use(),
	       (unsigned long long)before);
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		dma_free(blk[i], sizes[i]);
	printf("dmatest: %s; %llu pages held after freeing\n", bad ? "FAILED" : "ok",
	       (unsigned long long)dma_pages_in_use());
	return bad ? 1 : 0;
}
