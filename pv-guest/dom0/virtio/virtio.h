/*
 * dom0's virtio (virtio 1.x, modern interface only): the PCI transport (virtio_pci.c), split
 * virtqueues (virtqueue.c) and the drivers (virtio_blk.c, virtio_net.c). docs/dom0-virtio.md.
 */
#ifndef DOM0_VIRTIO_H
#define DOM0_VIRTIO_H

#include <pv/os.h>
#include <pv/pci.h>

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Reserved feature bits (§6). */
#define VIRTIO_F_VERSION_1 32

/* Split virtqueue layout (§2.7). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1
#define VIRTQ_MAX_SIZE 256 /* we never use more descriptors than this per queue */

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

/* What the driver keeps per descriptor chain head; nothing here is read back from the device. */
struct virtq_chain {
	void *cookie; /* the driver's token for the buffers; NULL: not in flight */
	uint16_t ndesc;
	uint32_t in_len; /* device-writable bytes offered */
};

struct virtq {
	const char *name;
	uint16_t index, size;
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	void *mem;
	size_t mem_bytes;
	uint16_t *next; /* the driver's own copy of each descriptor's chain link */
	struct virtq_chain *chain;
	uint16_t free_head, num_free;
	uint16_t avail_idx;    /* next avail->idx */
	uint16_t last_used;    /* the next used entry to look at */
	volatile void *notify; /* where the queue's index is written to notify (NULL: host tests) */
	bool broken;           /* the device broke the ring's rules: no more requests */
	unsigned long bad;     /* bad used entries seen (skipped) */
};

/* One buffer of a request: device-readable, or device-writable when write is set. */
struct virtq_buf {
	uint64_t addr; /* bus address (== dma_alloc pointer) */
	uint32_t len;
	bool write;
};

/* size: a power of two, 1 .. VIRTQ_MAX_SIZE. Rings in dma_alloc memory. 0 or -errno. */
int virtq_init(struct virtq *q, const char *name, uint16_t index, uint16_t size);
void virtq_destroy(struct virtq *q);
/* One chain of n buffers (device-readable ones first); -EAGAIN if fewer than n descriptors are free. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned int n, void *cookie);
void virtq_kick(struct virtq *q); /* tell the device about new chains (unless it said not to) */
/*
 * The next completed chain: 1 with its cookie and the bytes the device wrote; 0 if none.
 * A used entry that breaks the rules is counted in q->bad: -EIO for an unknown or duplicate
 * id (skipped, no cookie; call again), -EMSGSIZE for a length beyond what the chain offered
 * (its cookie given back: fail that request). An index jumping past what is in flight marks
 * the queue broken (0 from then on: take the chains back with virtq_detach).
 */
int virtq_get_used(struct virtq *q, void **cookie, uint32_t *len);
void *virtq_detach(struct virtq *q); /* a chain still in flight, taken back (reset or broken queue); NULL: none */
static inline unsigned int virtq_in_flight(const struct virtq *q)
{
	return (unsigned int)q->size - q->num_free;
}

/* The modern PCI transport (§4.1). */
struct virtio_dev {
	struct pci_dev *pci;
	const char *name; /* for messages: "virtio-blk", "virtio-net" */
	uint16_t type;    /* VIRTIO_ID_* */
	volatile uint8_t *common, *isr, *device;
	uint32_t device_len;
	volatile uint8_t *notify;
	uint32_t notify_len, notify_mult;
	uint16_t num_queues;
	uint64_t offered, features; /* the device's features; the negotiated ones */
};

/* The device type of a virtio PCI function (modern 0x1040+type, transitional by subsystem id); 0 if none. */
uint16_t virtio_pci_type(const struct pci_dev *p);
/* Finds and maps the capabilities, resets the device, sets ACKNOWLEDGE and DRIVER. 0 or -errno. */
int virtio_pci_init(struct virtio_dev *vd, struct pci_dev *p, const char *name);
/* wanted & offered, plus VERSION_1 (refused with -ENODEV if not offered); FEATURES_OK checked. */
int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted);
static inline bool virtio_has(const struct virtio_dev *vd, unsigned int bit)
{
	return (vd->features >> bit) & 1;
}
/* Queue index: size min(device's, max_size) rounded down to a power of two; rings given to the device. */
int virtio_setup_queue(struct virtio_dev *vd, struct virtq *q, const char *name, uint16_t index, uint16_t max_size);
void virtio_driver_ok(struct virtio_dev *vd);
void virtio_fail(struct virtio_dev *vd); /* FAILED, after an error during initialisation */
int virtio_reset(struct virtio_dev *vd); /* 0, or -ETIMEDOUT if the device never reads 0 */
uint8_t virtio_get_status(struct virtio_dev *vd);
/* Device configuration bytes [off, off+len), consistent (config_generation); -EINVAL out of range. */
int virtio_config_read(struct virtio_dev *vd, unsigned int off, void *buf, unsigned int len);

/* MMIO access (little-endian, like x86); the host tests put a simulated device behind them. */
#ifdef PV_HOST_TEST
uint8_t vio_read8(const volatile void *a);
uint16_t vio_read16(const volatile void *a);
uint32_t vio_read32(const volatile void *a);
void vio_write8(volatile void *a, uint8_t v);
void vio_write16(volatile void *a, uint16_t v);
void vio_write32(volatile void *a, uint32_t v);
#else
static inline uint8_t vio_read8(const volatile void *a)
{
	return *(const volatile uint8_t *)a;
}
static inline uint16_t vio_read16(const volatile void *a)
{
	return *(const volatile uint16_t *)a;
}
static inline uint32_t vio_read32(const volatile void *a)
{
	return *(const volatile uint32_t *)a;
}
static inline void vio_write8(volatile void *a, uint8_t v)
{
	*(volatile uint8_t *)a = v;
}
static inline void vio_write16(volatile void *a, uint16_t v)
{
	*(volatile uint16_t *)a = v;
}
static inline void vio_write32(volatile void *a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}
#endif

/* The drivers (pci_probe hooks), and their threads' work for the host tests. */
int virtio_blk_probe(struct pci_dev *p);
int virtio_net_probe(struct pci_dev *p);
#ifdef PV_HOST_TEST
struct blkdev;
struct netdev;
void virtio_blk_poll(struct blkdev *d);
void virtio_net_poll(struct netdev *d);
void virtio_blk_remove(struct blkdev *d); /* reset the device, free everything (after blkdev_reset) */
void virtio_net_remove(struct netdev *d);
#endif

#endif
