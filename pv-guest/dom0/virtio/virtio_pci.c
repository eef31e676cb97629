/*
 * The modern virtio PCI transport (virtio 1.x §4.1): the vendor capabilities that place the
 * common, notify, ISR and device configuration structures in memory BARs; the status handshake
 * (§3.1.1) and feature negotiation; queue setup. Transitional devices (0x1000..0x103f) offer
 * the same capabilities and are driven the same way; a legacy-only device is refused.
 */
#include "virtio.h"

#include <errno.h>
#include <pv/sched.h>
#include <string.h>

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_PTR 0x34
#define PCI_CAP_ID_VNDR 0x09

/* struct virtio_pci_cap (§4.1.4) */
#define VCAP_LEN 2
#define VCAP_TYPE 3
#define VCAP_BAR 4
#define VCAP_OFFSET 8
#define VCAP_LENGTH 12
#define VCAP_NOTIFY_MULT 16
enum { VCAP_COMMON = 1, VCAP_NOTIFY = 2, VCAP_ISR = 3, VCAP_DEVICE = 4 };

/* struct virtio_pci_common_cfg (§4.1.4.3) */
#define VC_DFSELECT 0x00
#define VC_DF 0x04
#define VC_GFSELECT 0x08
#define VC_GF 0x0c
#define VC_MSIX 0x10
#define VC_NUMQ 0x12
#define VC_STATUS 0x14
#define VC_GENERATION 0x15
#define VC_Q_SELECT 0x16
#define VC_Q_SIZE 0x18
#define VC_Q_MSIX 0x1a
#define VC_Q_ENABLE 0x1c
#define VC_Q_NOFF 0x1e
#define VC_Q_DESC 0x20
#define VC_Q_DRIVER 0x28
#define VC_Q_DEVICE 0x30
#define VC_MIN_LEN 0x38
#define VIRTIO_MSI_NO_VECTOR 0xffff

uint16_t virtio_pci_type(const struct pci_dev *p)
{
	if (p->vendor != VIRTIO_PCI_VENDOR)
		return 0;
	if (p->device >= 0x1041 && p->device <= 0x107f)
		return (uint16_t)(p->device - 0x1040);
	if (p->device >= 0x1000 && p->device <= 0x103f)
		return p->subsys_device; /* transitional: the type is the subsystem id */
	return 0;
}

/* One structure of a vendor capability: checked against its BAR, mapped. */
static volatile uint8_t *map_cap(struct virtio_dev *vd, unsigned int pos, uint32_t min_len, uint32_t *len)
{
	struct pci_dev *p = vd->pci;
	uint8_t bar = pci_read8(p, pos + VCAP_BAR);
	uint32_t off = pci_read32(p, pos + VCAP_OFFSET);
	uint32_t length = pci_read32(p, pos + VCAP_LENGTH);
	volatile void *m;

	if (bar >= PCI_MAX_BARS || !p->bar_base[bar] || p->bar_io[bar]) {
		printk("%s: capability at 0x%x: BAR %u is not a memory BAR\n", vd->name, pos, bar);
		return NULL;
	}
	if (length < min_len || (uint64_t)off + length > p->bar_size[bar]) {
		printk("%s: capability at 0x%x: [0x%x, +0x%x) does not fit BAR %u (0x%llx bytes)\n", vd->name, pos, off,
		       length, bar, (unsigned long long)p->bar_size[bar]);
		return NULL;
	}
	m = pci_map_bar(p, bar, off, length);
	if (!m)
		printk("%s: cannot map BAR %u\n", vd->name, bar);
	if (len)
		*len = length;
	return m;
}

/* The first capability of each type is the one to use (§4.1.4). */
static int find_caps(struct virtio_dev *vd)
{
	struct pci_dev *p = vd->pci;
	unsigned int pos, guard = 0, isr_len;

	if (!(pci_read16(p, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return -ENODEV;
	for (pos = pci_read8(p, PCI_CAP_PTR) & 0xfc; pos && guard < 48; pos = pci_read8(p, pos + 1) & 0xfc, guard++) {
		uint8_t type;

		if (pos < 0x40 || pci_read8(p, pos) != PCI_CAP_ID_VNDR)
			continue;
		if (pci_read8(p, pos + VCAP_LEN) < 16)
			continue;
		type = pci_read8(p, pos + VCAP_TYPE);
		if (type == VCAP_COMMON && !vd->common) {
			vd->common = map_cap(vd, pos, VC_MIN_LEN, NULL);
		} else if (type == VCAP_NOTIFY && !vd->notify && pci_read8(p, pos + VCAP_LEN) >= 20) {
			vd->notify_mult = pci_read32(p, pos + VCAP_NOTIFY_MULT);
			vd->notify = map_cap(vd, pos, 2, &vd->notify_len);
		} else if (type == VCAP_ISR && !vd->isr) {
			vd->isr = map_cap(vd, pos, 1, &isr_len);
		} else if (type == VCAP_DEVICE && !vd->device) {
			vd->device = map_cap(vd, pos, 1, &vd->device_len);
		}
	}
	if (!vd->common || !vd->notify || !vd->isr)
		return -ENODEV;
	return 0;
}

uint8_t virtio_get_status(struct virtio_dev *vd)
{
	return vio_read8(vd->common + VC_STATUS);
}

static void set_status(struct virtio_dev *vd, uint8_t bits)
{
	vio_write8(vd->common + VC_STATUS, (uint8_t)(virtio_get_status(vd) | bits));
}

int virtio_reset(struct virtio_dev *vd)
{
	/* §4.1.4.3.2: after writing 0 the driver waits until the device reads back 0. */
	vio_write8(vd->common + VC_STATUS, 0);
	for (unsigned int i = 0; i < 1000; i++) {
		if (!virtio_get_status(vd))
			return 0;
		msleep(1);
	}
	printk("%s: the device does not finish its reset\n", vd->name);
	return -ETIMEDOUT;
}

void virtio_fail(struct virtio_dev *vd)
{
	set_status(vd, VIRTIO_STATUS_FAILED);
}

void virtio_driver_ok(struct virtio_dev *vd)
{
	set_status(vd, VIRTIO_STATUS_DRIVER_OK);
}

int virtio_pci_init(struct virtio_dev *vd, struct pci_dev *p, const char *name)
{
	int rc;

	memset(vd, 0, sizeof(*vd));
	vd->pci = p;
	vd->name = name;
	vd->type = virtio_pci_type(p);
	rc = find_caps(vd);
	if (rc) {
		printk("%s: %02x:%02x.%u: no modern virtio interface (legacy-only device?)\n", name, p->bus, p->dev,
		       p->fn);
		return rc;
	}
	pci_enable(p);
	rc = virtio_reset(vd);
	if (rc)
		return rc;
	set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(vd, VIRTIO_STATUS_DRIVER);
	vio_write16(vd->common + VC_MSIX, VIRTIO_MSI_NO_VECTOR);
	vd->num_queues = vio_read16(vd->common + VC_NUMQ);
	vio_write32(vd->common + VC_DFSELECT, 0);
	vd->offered = vio_read32(vd->common + VC_DF);
	vio_write32(vd->common + VC_DFSELECT, 1);
	vd->offered |= (uint64_t)vio_read32(vd->common + VC_DF) << 32;
	return 0;
}

int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted)
{
	uint64_t f = (wanted | 1ULL << VIRTIO_F_VERSION_1) & vd->offered;

	if (!(f >> VIRTIO_F_VERSION_1 & 1)) {
		printk("%s: the device does not offer VIRTIO_F_VERSION_1 (features 0x%llx)\n", vd->name,
		       (unsigned long long)vd->offered);
		virtio_fail(vd);
		return -ENODEV;
	}
	vio_write32(vd->common + VC_GFSELECT, 0);
	vio_write32(vd->common + VC_GF, (uint32_t)f);
	vio_write32(vd->common + VC_GFSELECT, 1);
	vio_write32(vd->common + VC_GF, (uint32_t)(f >> 32));
	set_status(vd, VIRTIO_STATUS_FEATURES_OK);
	/* §3.1.1 step 6: the device keeps FEATURES_OK only if it accepts this subset. */
	if (!(virtio_get_status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
		printk("%s: the device refused features 0x%llx\n", vd->name, (unsigned long long)f);
		virtio_fail(vd);
		return -ENODEV;
	}
	vd->features = f;
	return 0;
}

static void write64(volatile uint8_t *a, uint64_t v)
{
	vio_write32(a, (uint32_t)v);
	vio_write32(a + 4, (uint32_t)(v >> 32));
}

int virtio_setup_queue(struct virtio_dev *vd, struct virtq *q, const char *name, uint16_t index, uint16_t max_size)
{
	uint16_t dev_size, size = 1, noff;
	uint64_t notify_at;
	int rc;

	if (index >= vd->num_queues)
		return -ENOENT;
	vio_write16(vd->common + VC_Q_SELECT, index);
	dev_size = vio_read16(vd->common + VC_Q_SIZE);
	if (!dev_size || vio_read16(vd->common + VC_Q_ENABLE)) {
		printk("%s: queue %u: size %u%s\n", vd->name, index, dev_size, dev_size ? ", already enabled" : "");
		return -ENODEV;
	}
	while ((uint32_t)size * 2 <= MIN(dev_size, max_size))
		size = (uint16_t)(size * 2);
	noff = vio_read16(vd->common + VC_Q_NOFF);
	notify_at = (uint64_t)noff * vd->notify_mult;
	if (notify_at + 2 > vd->notify_len) {
		printk("%s: queue %u: notify offset 0x%llx beyond the notify area (0x%x)\n", vd->name, index,
		       (unsigned long long)notify_at, vd->notify_len);
		return -ENODEV;
	}
	rc = virtq_init(q, name, index, size);
	if (rc)
		return rc;
	q->notify = vd->notify + notify_at;
	vio_write16(vd->common + VC_Q_SIZE, size);
	vio_write16(vd->common + VC_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
	write64(vd->common + VC_Q_DESC, (uint64_t)(uintptr_t)q->desc);
	write64(vd->common + VC_Q_DRIVER, (uint64_t)(uintptr_t)q->avail);
	write64(vd->common + VC_Q_DEVICE, (uint64_t)(uintptr_t)q->used);
	vio_write16(vd->common + VC_Q_ENABLE, 1);
	return 0;
}

/* §4.1.3.1: fields are read at their own width; 64-bit ones as two 32-bit halves, bytes as bytes. */
static void read_fields(volatile uint8_t *a, uint8_t *b, unsigned int len)
{
	uint16_t v16;
	uint32_t v32;

	if (len == 2) {
		v16 = vio_read16(a);
		memcpy(b, &v16, 2);
	} else if (len == 4 || len == 8) {
		for (unsigned int i = 0; i < len; i += 4) {
			v32 = vio_read32(a + i);
			memcpy(b + i, &v32, 4);
		}
	} else {
		for (unsigned int i = 0; i < len; i++)
			b[i] = vio_read8(a + i);
	}
}

int virtio_config_read(struct virtio_dev *vd, unsigned int off, void *buf, unsigned int len)
{
	uint8_t *b = buf, gen;

	if (!vd->device || off > vd->device_len || len > vd->device_len - off)
		return -EINVAL;
	/* §4.1.4.3.1 / §2.4: read again when the generation changed under us. */
	for (unsigned int tries = 0; tries < 100; tries++) {
		gen = vio_read8(vd->common + VC_GENERATION);
		read_fields(vd->device + off, b, len);
		if (vio_read8(vd->common + VC_GENERATION) == gen)
			return 0;
	}
	return -EIO;
}
