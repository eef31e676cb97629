/*
 * devprobe: what this domain gets when it reaches for dom0's device interfaces: the PCI
 * configuration ports (00:00.0's id through 0xCF8/0xCFC) and MICA_CTL_DMA_ALLOC /
 * MICA_CTL_IOMEM_MAP. dom0 gets the device and 0s; any other domain all ones and errors.
 */
#include <pv/apps.h>
#include <pv/hypercall.h>

#include <mica/ctl.h>

#include <stdio.h>

static long try_ctl(uint32_t cmd)
{
	struct mica_ctl c = {.cmd = cmd, .interface_version = MICA_CTL_INTERFACE_VERSION};
	long rc;

	if (cmd == MICA_CTL_DMA_ALLOC) {
		c.u.dma.nr_pages = 1;
	} else {
		c.u.iomem.mfn = 0xfe000; /* a frame in the usual PCI window; refused or not, nothing is kept */
		c.u.iomem.nr_pages = 1;
	}
	rc = HYPERVISOR_mica_ctl(&c);
	if (rc == 0 && cmd == MICA_CTL_DMA_ALLOC) { /* give it back */
		c.cmd = MICA_CTL_DMA_FREE;
		HYPERVISOR_mica_ctl(&c);
	}
	return rc;
}

int devprobe_cmd(int argc, char **argv)
{
	uint32_t id;

	__asm__ volatile("outl %0, %1" ::"a"(0x80000000u), "Nd"((uint16_t)0xcf8));
	__asm__ volatile("inl %1, %0" : "=a"(id) : "Nd"((uint16_t)0xcfc));
	printf("devprobe: 00:00.0 id 0x%08x\n", (unsigned)id);
	printf("devprobe: DMA_ALLOC %ld\n", try_ctl(MICA_CTL_DMA_ALLOC));
	printf("devprobe: IOMEM_MAP %ld\n", try_ctl(MICA_CTL_IOMEM_MAP));
	return 0;
}
