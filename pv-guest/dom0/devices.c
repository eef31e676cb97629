/*
 * dom0's own devices: the PCI drivers offered the functions pci_init() found, and the shell's
 * view of what they registered (disks, nics, disk-read, disk-write).
 */
#include <pv/blkdev.h>
#include <pv/dom0.h>
#include <pv/netdev.h>
#include <pv/pci.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio.h"

/* Modern ids (0x1040 + type) and transitional ones (QEMU's default), both driven as modern. */
static const struct pci_driver drivers[] = {
    {"virtio-blk", VIRTIO_PCI_VENDOR, 0x1042, virtio_blk_probe},
    {"virtio-blk", VIRTIO_PCI_VENDOR, 0x1001, virtio_blk_probe},
    {"virtio-net", VIRTIO_PCI_VENDOR, 0x1041, virtio_net_probe},
    {"virtio-net", VIRTIO_PCI_VENDOR, 0x1000, virtio_net_probe},
};

void dom0_drivers_init(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(drivers); i++)
		pci_probe(&drivers[i]);
}

static int cmd_disks(void)
{
	struct blkdev *d;

	if (!blkdev_get(0)) {
		printf("no disks\n");
		return 0;
	}
	printf("%-6s %12s %10s %s\n", "name", "sectors", "MiB", "mode");
	for (unsigned int i = 0; (d = blkdev_get(i)) != NULL; i++)
		printf("%-6s %12llu %10llu %s\n", d->name, (unsigned long long)d->sectors,
		       (unsigned long long)(d->sectors / 2048), d->read_only ? "ro" : "rw");
	return 0;
}

static int cmd_nics(void)
{
	struct netdev *n;

	if (!netdev_get(0)) {
		printf("no network devices\n");
		return 0;
	}
	for (unsigned int i = 0; (n = netdev_get(i)) != NULL; i++)
		printf(
		    "%s %02x:%02x:%02x:%02x:%02x:%02x mtu %u link %s rx %llu (dropped %llu) tx %llu (dropped %llu)\n",
		    n->name, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], n->mtu,
		    n->link_up ? "up" : "down", (unsigned long long)n->rx_frames, (unsigned long long)n->rx_dropped,
		    (unsigned long long)n->tx_frames, (unsigned long long)n->tx_dropped);
	return 0;
}

static struct blkdev *disk_arg(const char *cmd, const char *name, const char *num, uint64_t *sector)
{
	struct blkdev *d = blkdev_find(name);
	char *end;

	if (!d) {
		printf("%s: no disk %s\n", cmd, name);
		return NULL;
	}
	*sector = strtoull(num, &end, 0);
	if (!*num || *end || *sector >= d->sectors) {
		printf("%s: %s: sector '%s' is not in 0..%llu\n", cmd, name, num, (unsigned long long)d->sectors - 1);
		return NULL;
	}
	return d;
}

/* disk-read NAME SECTOR: the sector's text up to its first NUL (non-printing bytes as '.'). */
static int cmd_disk_read(int argc, char **argv)
{
	static char buf[512];
	uint64_t sector;
	struct blkdev *d;
	size_t n;
	int rc;

	if (argc != 3) {
		printf("usage: disk-read NAME SECTOR\n");
		return 2;
	}
	d = disk_arg(argv[0], argv[1], argv[2], &sector);
	if (!d)
		return 1;
	rc = d->read(d, sector, buf, 1);
	if (rc) {
		printf("disk-read: %s sector %llu: error %d\n", d->name, (unsigned long long)sector, rc);
		return 1;
	}
	n = strnlen(buf, sizeof(buf));
	for (size_t i = 0; i < n; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			buf[i] = '.';
	printf("%s sector %llu: \"%.*s\"\n", d->name, (unsigned long long)sector, (int)n, buf);
	return 0;
}

/* disk-write NAME SECTOR TEXT...: the words, space-separated and zero-padded, then a flush. */
static int cmd_disk_write(int argc, char **argv)
{
	static char buf[512];
	uint64_t sector;
	struct blkdev *d;
	size_t len = 0;
	int rc;

	if (argc < 4) {
		printf("usage: disk-write NAME SECTOR TEXT...\n");
		return 2;
	}
	d = disk_arg(argv[0], argv[1], argv[2], &sector);
	if (!d)
		return 1;
	memset(buf, 0, sizeof(buf));
	for (int i = 3; i < argc && len < sizeof(buf) - 1; i++) {
		int n = snprintf(buf + len, sizeof(buf) - len, "%s%s", i > 3 ? " " : "", argv[i]);

		if (n < 0)
			break;
		len = MIN(len + (size_t)n, sizeof(buf) - 1); /* longer text is cut at 511 bytes */
	}
	rc = d->write(d, sector, buf, 1);
	if (!rc)
		rc = d->flush(d);
	if (rc) {
		printf("disk-write: %s sector %llu: error %d\n", d->name, (unsigned long long)sector, rc);
		return 1;
	}
	printf("%s sector %llu: %zu bytes written and flushed\n", d->name, (unsigned long long)sector, strlen(buf));
	return 0;
}

int dom0_dev_cmd(int argc, char **argv)
{
	if (!strcmp(argv[0], "disks"))
		return cmd_disks();
	if (!strcmp(argv[0], "nics"))
		return cmd_nics();
	if (!strcmp(argv[0], "disk-read"))
		return cmd_disk_read(argc, argv);
	if (!strcmp(argv[0], "disk-write"))
		return cmd_disk_write(argc, argv);
	return 2;
}
