/*
 * virtio-net (virtio 1.x §5.1) for dom0: each NIC a struct netdev (eth0, ...). One receive
 * and one transmit queue, no offloads: every buffer starts with the 12-byte virtio_net_hdr
 * (VIRTIO_F_VERSION_1), all zero on transmit. The receive queue is kept full of 2 KiB DMA
 * buffers; the driver's thread polls both queues (dom0 gets no device interrupts yet).
 */
#include "virtio.h"

#include <pv/netdev.h>
#include <pv/sched.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1

/* struct virtio_net_config */
#define VNET_CFG_MAC 0
#define VNET_CFG_STATUS 6
#define VNET_CFG_MTU 10

#define VNET_HDR 12   /* struct virtio_net_hdr with num_buffers */
#define VNET_BUF 2048 /* header + 1514-byte frame + a VLAN tag fit */
#define VNET_RX 64
#define VNET_TX 32
#define ETH_HLEN 14
#define VNET_GSO_NONE 0

struct vnet {
	struct netdev nd;
	struct virtio_dev vd;
	struct virtq rxq, txq;
	uint8_t *rx_bufs, *tx_bufs; /* DMA: rxq.size and txq.size buffers of VNET_BUF */
	uint8_t **tx_free;          /* free transmit buffers, a stack */
	unsigned int nr_tx_free;
	unsigned long bad_rx;
	s_time_t next_link_check;
};

static unsigned int nr_vnet;

static int rx_post(struct vnet *v, uint8_t *buf)
{
	struct virtq_buf b = {(uintptr_t)buf, VNET_BUF, true};

	return virtq_add(&v->rxq, &b, 1, buf);
}

/* One received buffer: the frame to the netdev's user, the buffer back to the device. */
static void rx_one(struct vnet *v, uint8_t *buf, uint32_t len, bool good)
{
	uint8_t gso_type = buf[1];

	if (!good || len < VNET_HDR + ETH_HLEN || gso_type != VNET_GSO_NONE) {
		if (!v->bad_rx++)
			printk("%s: dropped a received buffer (length %u, gso %u)\n", v->nd.name, len, gso_type);
		v->nd.rx_dropped++;
	} else if (!v->nd.rx) {
		v->nd.rx_dropped++;
	} else {
		v->nd.rx_frames++;
		v->nd.rx(&v->nd, buf + VNET_HDR, len - VNET_HDR, v->nd.rx_arg);
	}
	memset(buf, 0, VNET_HDR);
	(void)rx_post(v, buf);
}

static unsigned int tx_reclaim(struct vnet *v)
{
	unsigned int n = 0;
	void *cookie;
	uint32_t len;
	int rc;

	while ((rc = virtq_get_used(&v->txq, &cookie, &len)) != 0) {
		if (rc == -EIO)
			continue;
		v->tx_free[v->nr_tx_free++] = cookie;
		n++;
	}
	return n;
}

/* Both queues once; the number of buffers that came back. */
static unsigned int vnet_poll(struct vnet *v)
{
	unsigned int n = tx_reclaim(v), rx = 0;
	void *cookie;
	uint32_t len;
	int rc;

	while ((rc = virtq_get_used(&v->rxq, &cookie, &len)) != 0) {
		if (rc == -EIO)
			continue;
		rx_one(v, cookie, len, rc == 1);
		rx++;
	}
	if (rx)
		virtq_kick(&v->rxq);
	return n + rx;
}

static void link_check(struct vnet *v)
{
	uint16_t status;

	if (!virtio_has(&v->vd, VIRTIO_NET_F_STATUS) || virtio_config_read(&v->vd, VNET_CFG_STATUS, &status, 2))
		return;
	if (v->nd.link_up != !!(status & VIRTIO_NET_S_LINK_UP)) {
		v->nd.link_up = status & VIRTIO_NET_S_LINK_UP;
		printk("%s: link %s\n", v->nd.name, v->nd.link_up ? "up" : "down");
	}
}

static int vnet_tx(struct netdev *d, const void *frame, size_t len)
{
	struct vnet *v = d->priv;
	struct virtq_buf b;
	uint8_t *buf;
	int rc;

	if (!frame || len < ETH_HLEN || len > (size_t)d->mtu + ETH_HLEN + 4 || len > VNET_BUF - VNET_HDR) {
		d->tx_dropped++;
		return -EINVAL;
	}
	if (v->txq.broken) {
		d->tx_dropped++;
		return -EIO;
	}
	if (!v->nr_tx_free)
		tx_reclaim(v);
	if (!v->nr_tx_free)
		return -EAGAIN;
	buf = v->tx_free[--v->nr_tx_free];
	memset(buf, 0, VNET_HDR); /* no checksum offload, no GSO */
	memcpy(buf + VNET_HDR, frame, len);
	b = (struct virtq_buf){(uintptr_t)buf, (uint32_t)(VNET_HDR + len), false};
	rc = virtq_add(&v->txq, &b, 1, buf);
	if (rc) {
		v->tx_free[v->nr_tx_free++] = buf;
		d->tx_dropped++;
		return rc == -EAGAIN ? -EAGAIN : -EIO;
	}
	virtq_kick(&v->txq);
	d->tx_frames++;
	return 0;
}

/* Busy: every millisecond; after 100 idle rounds every 10 ms. The link is read once a second. */
static void vnet_thread(void *arg)
{
	struct vnet *v = arg;
	unsigned int idle = 0;

	for (;;) {
		idle = vnet_poll(v) ? 0 : idle + 1;
		if (NOW() >= v->next_link_check) {
			link_check(v);
			v->next_link_check = NOW() + SECONDS(1);
		}
		msleep(idle > 100 ? 10 : 1);
	}
}

#ifdef PV_HOST_TEST
void virtio_net_poll(struct netdev *d)
{
	struct vnet *v = d->priv;

	vnet_poll(v);
	link_check(v);
}

static void vnet_free(struct vnet *v, bool failed);

void virtio_net_remove(struct netdev *d)
{
	vnet_free(d->priv, false);
	nr_vnet--;
}
#endif

static uint64_t entropy(void)
{
#ifdef PV_HOST_TEST
	return (uint64_t)NOW() * 0x9e3779b97f4a7c15ULL;
#else
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)NOW();
#endif
}

static void vnet_mac(struct vnet *v)
{
	uint64_t r;

	if (virtio_has(&v->vd, VIRTIO_NET_F_MAC) && !virtio_config_read(&v->vd, VNET_CFG_MAC, v->nd.mac, 6))
		return;
	/* A locally administered unicast address (bit 1 set, bit 0 clear in the first byte). */
	r = entropy();
	for (unsigned int i = 0; i < 6; i++)
		v->nd.mac[i] = (uint8_t)(r >> (8 * i));
	v->nd.mac[0] = (uint8_t)((v->nd.mac[0] & 0xfc) | 0x02);
}

static int vnet_setup(struct vnet *v, struct pci_dev *p)
{
	uint64_t wanted = 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS;
	uint16_t mtu = 1500;
	int rc;

	rc = virtio_pci_init(&v->vd, p, "virtio-net");
	if (rc)
		return rc;
	/*
	 * F_MTU obliges us to receive frames of the device's MTU (§5.1.4.1): take it only when it
	 * fits our buffers (at most 1500); the device may still be read before FEATURES_OK.
	 */
	if ((v->vd.offered >> VIRTIO_NET_F_MTU & 1) && !virtio_config_read(&v->vd, VNET_CFG_MTU, &mtu, 2) &&
	    mtu >= 68 && mtu <= 1500)
		wanted |= 1ULL << VIRTIO_NET_F_MTU;
	else
		mtu = 1500;
	rc = virtio_negotiate(&v->vd, wanted);
	if (rc)
		return rc;
	v->nd.mtu = mtu;
	vnet_mac(v);
	v->nd.link_up = true;
	link_check(v);
	rc = virtio_setup_queue(&v->vd, &v->rxq, "virtio-net rx", 0, VNET_RX);
	if (!rc)
		rc = virtio_setup_queue(&v->vd, &v->txq, "virtio-net tx", 1, VNET_TX);
	if (rc)
		return rc;
	v->rx_bufs = dma_alloc((size_t)VNET_BUF * v->rxq.size);
	v->tx_bufs = dma_alloc((size_t)VNET_BUF * v->txq.size);
	v->tx_free = calloc(v->txq.size, sizeof(*v->tx_free));
	if (!v->rx_bufs || !v->tx_bufs || !v->tx_free)
		return -ENOMEM;
	for (unsigned int i = 0; i < v->txq.size; i++)
		v->tx_free[v->nr_tx_free++] = v->tx_bufs + (size_t)VNET_BUF * i;
	for (unsigned int i = 0; i < v->rxq.size; i++)
		if (rx_post(v, v->rx_bufs + (size_t)VNET_BUF * i))
			return -EIO;
	virtio_driver_ok(&v->vd);
	virtq_kick(&v->rxq); /* buffers are there (§3.1.1: after DRIVER_OK the device may use them) */
	return 0;
}

/* The device reset before its rings go (it may be using them); FAILED when we gave up on it. */
static void vnet_free(struct vnet *v, bool failed)
{
	if (v->vd.common) {
		if (v->rxq.mem)
			(void)virtio_reset(&v->vd);
		if (failed)
			virtio_fail(&v->vd);
	}
	if (v->rx_bufs)
		dma_free(v->rx_bufs, (size_t)VNET_BUF * v->rxq.size);
	if (v->tx_bufs)
		dma_free(v->tx_bufs, (size_t)VNET_BUF * v->txq.size);
	if (v->rxq.mem)
		virtq_destroy(&v->rxq);
	if (v->txq.mem)
		virtq_destroy(&v->txq);
	free(v->tx_free);
	free(v);
}

int virtio_net_probe(struct pci_dev *p)
{
	struct vnet *v;
	int rc;

	if (virtio_pci_type(p) != VIRTIO_ID_NET)
		return -ENODEV;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	rc = vnet_setup(v, p);
	if (rc) {
		printk("virtio-net: %02x:%02x.%u not used (%d)\n", p->bus, p->dev, p->fn, rc);
		vnet_free(v, true);
		return rc;
	}
	snprintf(v->nd.name, sizeof(v->nd.name), "eth%u", nr_vnet);
	v->nd.tx = vnet_tx;
	v->nd.priv = v;
	rc = netdev_register(&v->nd);
	if (rc) {
		printk("virtio-net: %s not registered (%d)\n", v->nd.name, rc);
		vnet_free(v, true);
		return rc;
	}
	nr_vnet++;
#ifndef PV_HOST_TEST
	if (!create_thread(v->nd.name, vnet_thread, v))
		printk("virtio-net: %s: no thread: no frames will be received\n", v->nd.name);
#else
	(void)vnet_thread;
#endif
	printk("virtio-net: %s %02x:%02x:%02x:%02x:%02x:%02x%s, mtu %u, link %s\n", v->nd.name, v->nd.mac[0],
	       v->nd.mac[1], v->nd.mac[2], v->nd.mac[3], v->nd.mac[4], v->nd.mac[5],
	       virtio_has(&v->vd, VIRTIO_NET_F_MAC) ? "" : " (random)", v->nd.mtu, v->nd.link_up ? "up" : "down");
	return 0;
}
