# dom0's virtio drivers (pv-guest/dom0/virtio/): the split virtqueue with the test as the device,
# the modern PCI transport, virtio-blk and virtio-net against a simulated PCI function.
UNIT_TESTS += virtio
virtio_SRCS := tests/unit/test_virtio.c tests/unit/test_virtio_drivers.c tests/unit/virtio_fake.c \
	tests/unit/virtio_fake_dev.c pv-guest/dom0/virtio/virtqueue.c pv-guest/dom0/virtio/virtio_pci.c \
	pv-guest/dom0/virtio/virtio_blk.c pv-guest/dom0/virtio/virtio_net.c pv-guest/dom0/blkdev.c \
	pv-guest/dom0/netdev.c
virtio_CFLAGS := -Ipv-guest/include -DPV_HOST_TEST
