/*
 * The world dom0's virtio drivers see in the host tests: a PCI function with the modern
 * virtio capabilities, its registers simulated behind the vio_read and vio_write accessors, and the device
 * itself (virtio-blk on a RAM disk or virtio-net capturing frames) working the split queues
 * from the addresses the driver programmed. Threads do not run: schedule() lets the device and
 * then the driver's poll run, and time advances 10 ms per call.
 */
#ifndef VIRTIO_FAKE_H
#define VIRTIO_FAKE_H

#include "../../pv-guest/dom0/virtio/virtio.h"

#include <pv/blkdev.h>
#include <pv/netdev.h>

#define FAKE_QUEUES 3
#define FAKE_HELD 256

struct fake_queue {
	uint16_t max, size, enable, noff;
	uint64_t desc, driver, device;
	uint16_t last_avail;
	unsigned int notifies;
};

struct fake_chain {
	uint16_t queue, head;
};

struct fake_vdev {
	/* Configuration, set between fake_vdev_reset() and the probe. */
	uint16_t pci_device, subsys;
	uint64_t offered;
	bool refuse_features; /* clears FEATURES_OK */
	bool stuck_reset;     /* the status never reads 0 after a reset */
	bool no_modern_caps;  /* a legacy-only function */
	bool bad_notify_cap;  /* the notify structure beyond its BAR */
	uint32_t notify_mult;
	uint8_t config[64]; /* the device-specific configuration */
	uint8_t generation;
	unsigned int gen_bumps; /* config reads that see the generation change first */
	bool hold;              /* chains stay with the device until fake_release() */
	bool reverse;           /* fake_release completes them in reverse order */
	bool flag_no_notify;    /* the device sets VIRTQ_USED_F_NO_NOTIFY */
	bool hung;              /* never completes anything */
	/* virtio-blk */
	uint8_t *disk;
	uint64_t disk_sectors;
	int64_t fail_sector;  /* requests touching it get VIRTIO_BLK_S_IOERR; -1: none */
	uint8_t force_status; /* non-zero: every request gets this status */
	bool short_len;       /* reports one byte fewer written than it did */
	unsigned int reads, writes, flushes, others, max_segs, max_inflight;
	/* virtio-net */
	uint8_t tx_frames[64][2048];
	uint32_t tx_len[64];
	unsigned int nr_tx;
	bool tx_hdr_nonzero; /* a transmitted header was not all zero */

	/* State. */
	uint8_t status, isr;
	uint32_t dfselect, gfselect;
	uint64_t driver_features;
	uint16_t qselect;
	struct fake_queue q[FAKE_QUEUES];
	struct fake_chain held[FAKE_HELD];
	unsigned int nr_held;
	unsigned int resets, violations;
};
extern struct fake_vdev fv;
extern struct pci_dev fake_pci;
extern unsigned long fake_dma_in_use; /* bytes */
extern int64_t fake_now;
extern void (*fake_sched_hook)(void); /* run first by schedule() (another "thread"), once */

/* A function 1af4:device (transitional: subsystem id subsys) with the capabilities in BAR 4. */
void fake_vdev_reset(uint16_t device, uint16_t subsys, uint64_t offered);
void fake_vdev_free(void);
struct pci_dev *fake_probe_dev(void); /* the function built from fv, for the probe */
void fake_device_run(void);           /* the device works every enabled queue */
void fake_release(void);              /* completes the held chains */
/* Pushes a raw used entry on queue qi (the device misbehaving). */
void fake_used_push(unsigned int qi, uint32_t id, uint32_t len);
/* virtio-net: a received frame into the next receive buffer; false if none was there. */
bool fake_net_inject(const void *frame, size_t len, uint8_t gso_type);
unsigned int fake_rx_available(void);                          /* receive buffers the driver has given */
void fake_set_driver_poll(struct blkdev *b, struct netdev *n); /* what schedule() polls */

void blkdev_reset(void);
void netdev_reset(void);

#endif
