/*
 * dom0's network devices: what a NIC driver (virtio-net) offers, and what the bridge's uplink
 * uses. Frames are whole Ethernet frames without the FCS.
 */
#ifndef PV_NETDEV_H
#define PV_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netdev {
	char name[16]; /* "eth0", "eth1", ... */
	uint8_t mac[6];
	uint16_t mtu; /* payload bytes, 1500 */
	bool link_up;
	/* Queue one frame for sending; 0, or -EAGAIN when the device's queue is full. */
	int (*tx)(struct netdev *d, const void *frame, size_t len);
	/*
	 * Set by the device's user before frames flow: called from the driver's thread for each
	 * received frame (the buffer is the driver's, valid during the call only).
	 */
	void (*rx)(struct netdev *d, const void *frame, size_t len, void *arg);
	void *rx_arg;
	uint64_t rx_frames, tx_frames, rx_dropped, tx_dropped;
	void *priv;
};

int netdev_register(struct netdev *d); /* -ENOSPC when the table is full */
struct netdev *netdev_find(const char *name);
struct netdev *netdev_get(unsigned int i); /* the i-th registered device, NULL past the last */

#endif
