/*
 * The simulated virtio PCI function for test_virtio (virtio_fake.h): configuration space with
 * the vendor capabilities, the common configuration's registers, and the device side of the
 * split queues (it reads the driver's descriptors and writes used entries, as QEMU would).
 */
#include "virtio_fake.h"

#include <pv/sched.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAR 4
#define BAR_SIZE 0x4000
#define OFF_COMMON 0x0000
#define OFF_ISR 0x1000
#define OFF_DEVICE 0x2000
#define OFF_NOTIFY 0x3000
#define LEN_DEVICE 64

struct fake_vdev fv;
struct pci_dev fake_pci;
unsigned long fake_dma_in_use;
int64_t fake_now;
void (*fake_sched_hook)(void);
static uint8_t cfg[256];
static uint8_t *bar;
static struct blkdev *poll_blk;
static struct netdev *poll_net;

static void add_cap(unsigned int pos, unsigned int next, uint8_t type, uint32_t off, uint32_t len, unsigned int clen)
{
	cfg[pos] = 0x09;
	cfg[pos + 1] = (uint8_t)next;
	cfg[pos + 2] = (uint8_t)clen;
	cfg[pos + 3] = type;
	cfg[pos + 4] = BAR;
	memcpy(&cfg[pos + 8], &off, 4);
	memcpy(&cfg[pos + 12], &len, 4);
}

void fake_vdev_reset(uint16_t device, uint16_t subsys, uint64_t offered)
{
	fake_vdev_free();
	memset(&fv, 0, sizeof(fv));
	fv.pci_device = device;
	fv.subsys = subsys;
	fv.offered = offered;
	fv.notify_mult = 4;
	fv.fail_sector = -1;
	for (unsigned int i = 0; i < FAKE_QUEUES; i++)
		fv.q[i] = (struct fake_queue){.max = 256, .noff = (uint16_t)i};
	fake_now = SECONDS(100);
	fake_sched_hook = NULL;
	poll_blk = NULL;
	poll_net = NULL;
	bar = aligned_alloc(4096, BAR_SIZE);
	memset(bar, 0, BAR_SIZE);
}

/* The PCI function as the probe sees it; built from fv when the test probes. */
static void build_pci(void)
{
	uint32_t notify_len = fv.bad_notify_cap ? BAR_SIZE : 0x1000;

	memset(cfg, 0, sizeof(cfg));
	memset(&fake_pci, 0, sizeof(fake_pci));
	fake_pci.vendor = VIRTIO_PCI_VENDOR;
	fake_pci.device = fv.pci_device;
	fake_pci.subsys_vendor = VIRTIO_PCI_VENDOR;
	fake_pci.subsys_device = fv.subsys;
	fake_pci.bar_base[BAR] = (uintptr_t)bar;
	fake_pci.bar_size[BAR] = BAR_SIZE;
	fake_pci.bar_64[BAR] = true;
	cfg[0x06] = 0x10; /* capability list */
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x11; /* MSI-X first: the walk skips it */
	cfg[0x41] = fv.no_modern_caps ? 0 : 0x50;
	if (fv.no_modern_caps)
		return;
	add_cap(0x50, 0x60, 1, OFF_COMMON, 0x38, 16);
	add_cap(0x60, 0x78, 2, OFF_NOTIFY, notify_len, 20);
	memcpy(&cfg[0x70], &fv.notify_mult, 4);
	add_cap(0x78, 0x88, 3, OFF_ISR, 4, 16);
	add_cap(0x88, 0x98, 4, OFF_DEVICE, LEN_DEVICE, 16);
	add_cap(0x98, 0, 4, OFF_DEVICE + 0x800, LEN_DEVICE, 16); /* a second one: the first counts */
	if (fv.bad_notify_cap)
		memcpy(&cfg[0x68], &(uint32_t){OFF_NOTIFY}, 4);
}

struct pci_dev *fake_probe_dev(void)
{
	build_pci();
	return &fake_pci;
}

void fake_vdev_free(void)
{
	free(bar);
	bar = NULL;
}

void fake_set_driver_poll(struct blkdev *b, struct netdev *n)
{
	poll_blk = b;
	poll_net = n;
}

/* ---- PCI (pv/pci.h) */

static uint32_t cfg_read(unsigned int off, unsigned int n)
{
	uint32_t v = 0;

	if (off + n > sizeof(cfg)) {
		fv.violations++;
		return ~0u;
	}
	memcpy(&v, &cfg[off], n);
	return v;
}

uint32_t pci_read32(const struct pci_dev *p, unsigned int off)
{
	return cfg_read(off, 4);
}
uint16_t pci_read16(const struct pci_dev *p, unsigned int off)
{
	return (uint16_t)cfg_read(off, 2);
}
uint8_t pci_read8(const struct pci_dev *p, unsigned int off)
{
	return (uint8_t)cfg_read(off, 1);
}
void pci_write32(const struct pci_dev *p, unsigned int off, uint32_t v)
{
}
void pci_write16(const struct pci_dev *p, unsigned int off, uint16_t v)
{
}
void pci_write8(const struct pci_dev *p, unsigned int off, uint8_t v)
{
}
void pci_enable(const struct pci_dev *p)
{
}

volatile void *pci_map_bar(struct pci_dev *p, unsigned int b, uint64_t off, uint64_t len)
{
	if (b != BAR || off + len > BAR_SIZE) {
		fv.violations++;
		return NULL;
	}
	return bar + off;
}

void *dma_alloc(size_t bytes)
{
	size_t sz = (bytes + 4095) & ~(size_t)4095;
	void *p = aligned_alloc(4096, sz);

	if (p) {
		memset(p, 0, sz);
		fake_dma_in_use += sz;
	}
	return p;
}

void dma_free(void *p, size_t bytes)
{
	if (p) {
		fake_dma_in_use -= (bytes + 4095) & ~(size_t)4095;
		free(p);
	}
}

/* ---- the common configuration's registers */

static void device_reset(void)
{
	fv.status = 0;
	fv.driver_features = 0;
	fv.qselect = 0;
	fv.nr_held = 0;
	for (unsigned int i = 0; i < FAKE_QUEUES; i++)
		fv.q[i] = (struct fake_queue){.max = fv.q[i].max, .noff = fv.q[i].noff, .notifies = fv.q[i].notifies};
	fv.resets++;
}

static struct fake_queue *selq(void)
{
	return fv.qselect < FAKE_QUEUES ? &fv.q[fv.qselect] : NULL;
}

static uint32_t common_read(unsigned int off, unsigned int n)
{
	struct fake_queue *q = selq();

	switch (off) {
	case 0x04:
		return fv.dfselect == 0 ? (uint32_t)fv.offered : fv.dfselect == 1 ? (uint32_t)(fv.offered >> 32) : 0;
	case 0x12:
		return FAKE_QUEUES;
	case 0x14:
		return fv.stuck_reset ? 1 : fv.status;
	case 0x15:
		if (fv.gen_bumps) {
			fv.gen_bumps--;
			fv.generation++;
		}
		return fv.generation;
	case 0x18:
		return q ? (q->size ? q->size : q->max) : 0;
	case 0x1c:
		return q ? q->enable : 0;
	case 0x1e:
		return q ? q->noff : 0;
	default:
		return 0;
	}
}

static void common_write(unsigned int off, unsigned int n, uint32_t v)
{
	struct fake_queue *q = selq();

	switch (off) {
	case 0x00:
		fv.dfselect = v;
		break;
	case 0x08:
		fv.gfselect = v;
		break;
	case 0x0c:
		if (fv.gfselect < 2) {
			fv.driver_features &= ~(0xffffffffULL << (32 * fv.gfselect));
			fv.driver_features |= (uint64_t)v << (32 * fv.gfselect);
		}
		break;
	case 0x14:
		if (!v) {
			device_reset();
			break;
		}
		if ((v & VIRTIO_STATUS_FEATURES_OK) && !(fv.status & VIRTIO_STATUS_FEATURES_OK) &&
		    (fv.refuse_features || (fv.driver_features & ~fv.offered)))
			v &= ~VIRTIO_STATUS_FEATURES_OK;
		fv.status = (uint8_t)v;
		break;
	case 0x16:
		fv.qselect = (uint16_t)v;
		break;
	case 0x18:
		if (q && !q->enable)
			q->size = (uint16_t)v;
		break;
	case 0x1c:
		if (q)
			q->enable = (uint16_t)v;
		break;
	case 0x20:
	case 0x24:
	case 0x28:
	case 0x2c:
	case 0x30:
	case 0x34: {
		uint64_t *f = off < 0x28 ? &q->desc : off < 0x30 ? &q->driver : &q->device;

		if (!q)
			break;
		if (off & 4)
			*f = (*f & 0xffffffffULL) | (uint64_t)v << 32;
		else
			*f = (*f & ~0xffffffffULL) | v;
		break;
	}
	default:
		break;
	}
}

static unsigned int bar_off(const volatile void *a, unsigned int n)
{
	uintptr_t x = (uintptr_t)a;

	if (!bar || x < (uintptr_t)bar || x + n > (uintptr_t)bar + BAR_SIZE) {
		fprintf(stderr, "fake virtio: MMIO access outside the BAR at %p\n", (const void *)a);
		abort();
	}
	return (unsigned int)(x - (uintptr_t)bar);
}

static uint32_t mmio_read(const volatile void *a, unsigned int n)
{
	unsigned int off = bar_off(a, n);
	uint32_t v = 0;

	if (off < OFF_COMMON + 0x38)
		return common_read(off, n);
	if (off == OFF_ISR) {
		v = fv.isr;
		fv.isr = 0;
		return v;
	}
	if (off >= OFF_DEVICE && off + n <= OFF_DEVICE + LEN_DEVICE) {
		memcpy(&v, &fv.config[off - OFF_DEVICE], n);
		return v;
	}
	fv.violations++;
	return 0;
}

static void mmio_write(volatile void *a, unsigned int n, uint32_t v)
{
	unsigned int off = bar_off(a, n);

	if (off < OFF_COMMON + 0x38) {
		common_write(off, n, v);
	} else if (off >= OFF_NOTIFY && off < OFF_NOTIFY + 0x1000 && n == 2) {
		unsigned int qi = (off - OFF_NOTIFY) / fv.notify_mult;

		if (qi < FAKE_QUEUES && v == qi)
			fv.q[qi].notifies++;
		else
			fv.violations++;
	} else {
		fv.violations++;
	}
}

uint8_t vio_read8(const volatile void *a)
{
	return (uint8_t)mmio_read(a, 1);
}
uint16_t vio_read16(const volatile void *a)
{
	return (uint16_t)mmio_read(a, 2);
}
uint32_t vio_read32(const volatile void *a)
{
	return mmio_read(a, 4);
}
void vio_write8(volatile void *a, uint8_t v)
{
	mmio_write(a, 1, v);
}
void vio_write16(volatile void *a, uint16_t v)
{
	mmio_write(a, 2, v);
}
void vio_write32(volatile void *a, uint32_t v)
{
	mmio_write(a, 4, v);
}

/* ---- threads, wait queues, time, messages */

static struct thread *fake_thread = (struct thread *)&fake_now;

struct thread *current_thread(void)
{
	return fake_thread;
}
void block(struct thread *t)
{
}
void wake(struct thread *t)
{
}
void thread_set_deadline(struct thread *t, s_time_t deadline)
{
}
s_time_t NOW(void)
{
	return fake_now;
}

struct thread *create_thread(const char *name, thread_fn fn, void *arg)
{
	return NULL; /* the drivers start none on the host */
}

/* The device runs; another "thread" may run (the hook, once); the device again; the driver's thread. */
void schedule(void)
{
	void (*hook)(void) = fake_sched_hook;

	fake_now += MILLISECS(10);
	fake_device_run();
	fake_sched_hook = NULL;
	if (hook)
		hook();
	fake_device_run();
	if (poll_blk)
		virtio_blk_poll(poll_blk);
	if (poll_net)
		virtio_net_poll(poll_net);
}

void msleep(uint32_t ms)
{
	fake_now += MILLISECS(ms);
}

void wq_add(struct wait_queue *wq, struct waiter *w)
{
	w->next = wq->head;
	wq->head = w;
}

void wq_remove(struct wait_queue *wq, struct waiter *w)
{
	for (struct waiter **p = &wq->head; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			return;
		}
	}
}

void wake_up(struct wait_queue *wq)
{
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!getenv("VIRTIO_VERBOSE"))
		return 0;
	va_start(ap, fmt);
	n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}
