/*
 * Device hot-plug (docs/pv-guest.md, Devices): a thread watches the domain's device/vif and
 * device/vbd directories. A device the toolstack attaches while the guest runs (a vif other than
 * 0, whose owner is the network stack; a vbd other than xvda, 768, whose owner is the blk
 * command) is connected as it appears: a vif's rings come up (frames it receives are counted
 * and dropped: lwIP runs on vif 0 only), a vbd is opened and checked (its last sector written
 * and read back). When the backend goes Closing (a detach) or its directory goes, the device
 * is closed through the xenbus handshake (Closing, Closed) and forgotten; what is left of its
 * directory is removed. `hotplug` in the shell lists them.
 */
#include <pv/blkfront.h>
#include <pv/hotplug.h>
#include <pv/mm.h>
#include <pv/netfront.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOTPLUG_MAX 8
#define HOTPLUG_POLL_MS 500 /* how often the backends' states are looked at while devices are up */
#define BOOT_VBD "768"      /* xvda: the config's disk, the blk command's */

struct hp_dev {
	bool used, vbd;
	char id[12];
	char node[48]; /* device/vif/1 */
	char *backend;
	struct netfront_dev *nf;
	struct blkdev *bd;
	unsigned int users; /* the blk command's borrows (hotplug_blk_get) */
	unsigned long rx_frames;
};

static struct hp_dev devs[HOTPLUG_MAX];
static struct xenbus_watch watch;

static bool hp_rx(void *arg, const void *frame, size_t len)
{
	struct hp_dev *d = arg;

	(void)frame;
	(void)len;
	d->rx_frames++;
	return true;
}

static struct hp_dev *hp_find(bool vbd, const char *id)
{
	for (unsigned int i = 0; i < HOTPLUG_MAX; i++)
		if (devs[i].used && devs[i].vbd == vbd && !strcmp(devs[i].id, id))
			return &devs[i];
	return NULL;
}

/* A new vbd: open it, then write its last sector and read it back. */
static int hp_open_vbd(struct hp_dev *d)
{
	struct blk_info in;
	uint8_t *buf;
	int rc;

	d->bd = blk_open(d->id);
	if (!d->bd)
		return -errno;
	rc = blk_info(d->bd, &in);
	if (rc)
		return rc;
	buf = malloc(2 * in.sector_size);
	if (!buf)
		return -ENOMEM;
	for (uint32_t i = 0; i < in.sector_size; i++)
		buf[i] = (uint8_t)(i * 7 + in.sectors);
	rc = in.read_only ? 0 : blk_write(d->bd, in.sectors - 1, buf, 1);
	if (!rc)
		rc = blk_read(d->bd, in.sectors - 1, buf + in.sector_size, 1);
	if (!rc && !in.read_only && memcmp(buf, buf + in.sector_size, in.sector_size))
		rc = -EIO;
	free(buf);
	printf("hotplug: vbd %s up: %llu sectors of %u bytes, last sector written and read back: %s\n", d->id,
	       (unsigned long long)in.sectors, in.sector_size, rc ? "FAILED" : "OK");
	return rc;
}

static void hp_add(bool vbd, const char *id)
{
	struct hp_dev *d = NULL;
	char path[64], *end;
	unsigned long n = strtoul(id, &end, 10);
	int rc;

	if (*end || end == id || (vbd ? !strcmp(id, BOOT_VBD) : n == 0) || hp_find(vbd, id))
		return;
	for (unsigned int i = 0; i < HOTPLUG_MAX && !d; i++)
		if (!devs[i].used)
			d = &devs[i];
	if (!d) {
		printf("hotplug: %s %s: no room (%u devices)\n", vbd ? "vbd" : "vif", id, HOTPLUG_MAX);
		return;
	}
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->vbd = vbd;
	snprintf(d->id, sizeof(d->id), "%s", id);
	snprintf(d->node, sizeof(d->node), "device/%s/%s", vbd ? "vbd" : "vif", id);
	snprintf(path, sizeof(path), "%s/backend", d->node);
	if (xenbus_read(XBT_NIL, path, &d->backend)) {
		d->backend = NULL;
		d->used = false; /* not a device yet (or a leftover): looked at again on the next event */
		return;
	}
	if (vbd) {
		rc = hp_open_vbd(d);
	} else {
		rc = netfront_init((unsigned int)n, hp_rx, d, 0, &d->nf);
		if (!rc) {
			uint8_t m[6];

			netfront_get_mac(d->nf, m);
			printf("hotplug: vif %s up: mac %02x:%02x:%02x:%02x:%02x:%02x, backend %s\n", id, m[0], m[1],
			       m[2], m[3], m[4], m[5], d->backend);
		}
	}
	if (rc)
		printf("hotplug: %s %s: cannot connect (%d); closed\n", vbd ? "vbd" : "vif", id, rc);
	if (rc && vbd && d->bd) {
		blk_close(d->bd);
		d->bd = NULL;
	}
	/* A device that failed stays known (so it is not tried again and again) until it goes. */
}

static void hp_remove(struct hp_dev *d)
{
	if (d->nf)
		netfront_shutdown(d->nf);
	if (d->bd)
		blk_close(d->bd);
	d->nf = NULL;
	d->bd = NULL;
	printf("hotplug: %s %s closed\n", d->vbd ? "vbd" : "vif", d->id);
	/* The backend removed the directory; our last state writes may have left a node behind. */
	if (xenbus_read_state(d->backend) == XenbusStateUnknown)
		xenbus_rm(XBT_NIL, d->node);
	free(d->backend);
	d->backend = NULL;
	d->used = false;
}

/* The devices listed now under device/<type>: new ones connected. */
static void hp_scan(bool vbd)
{
	char **names;
	unsigned int n;

	if (xenbus_ls(XBT_NIL, vbd ? "device/vbd" : "device/vif", &names, &n))
		return;
	for (unsigned int i = 0; i < n; i++)
		hp_add(vbd, names[i]);
	xenbus_free_names(names, n);
}

/* Known devices whose backend is closing or gone, or whose directory went: closed. */
static void hp_check(void)
{
	for (unsigned int i = 0; i < HOTPLUG_MAX; i++) {
		struct hp_dev *d = &devs[i];
		XenbusState s;

		if (!d->used)
			continue;
		if (d->users)
			continue; /* the blk command is using it: closed once it is done */
		s = xenbus_read_state(d->backend);
		if (s == XenbusStateClosing || s == XenbusStateClosed || s == XenbusStateUnknown ||
		    xenbus_read_state(d->node) == XenbusStateUnknown)
			hp_remove(d);
		else if (d->nf)
			netfront_poll(d->nf, 0); /* buffers back to the backend */
	}
}

static bool hp_any(void)
{
	for (unsigned int i = 0; i < HOTPLUG_MAX; i++)
		if (devs[i].used)
			return true;
	return false;
}

static void hotplug_thread(void *arg)
{
	(void)arg;
	for (;;) {
		struct xenbus_event *e = xenbus_wait_event(&watch, hp_any() ? NOW() + MILLISECS(HOTPLUG_POLL_MS) : 0);
		bool changed = e != NULL;

		if (e)
			xenbus_free_event(e);
		while (watch.events && (e = xenbus_wait_event(&watch, 1)))
			xenbus_free_event(e);
		hp_check();
		if (changed) {
			hp_scan(false);
			hp_scan(true);
		}
	}
}

int hotplug_start(void)
{
	int rc;

	if (!xenbus_available())
		return -ENODEV;
	memset(&watch, 0, sizeof(watch));
	rc = xenbus_watch(&watch, "device");
	if (rc)
		return rc;
	if (!create_thread("hotplug", hotplug_thread, NULL)) {
		xenbus_unwatch(&watch);
		return -ENOMEM;
	}
	return 0;
}

struct blkdev *hotplug_blk_get(const char *id)
{
	struct hp_dev *d = hp_find(true, id);

	if (!d || !d->bd)
		return NULL;
	d->users++;
	return d->bd;
}

void hotplug_blk_put(struct blkdev *dev)
{
	for (unsigned int i = 0; i < HOTPLUG_MAX; i++)
		if (devs[i].used && devs[i].bd == dev && devs[i].users)
			devs[i].users--;
}

int hotplug_status(char *buf, size_t size)
{
	size_t len = 0;

	for (unsigned int i = 0; i < HOTPLUG_MAX; i++) {
		const struct hp_dev *d = &devs[i];
		int n;

		if (!d->used)
			continue;
		if (d->nf) {
			const struct netfront_stats *st = netfront_get_stats(d->nf);

			n = snprintf(buf + len, size - len, "vif %s: connected, backend %s, rx %llu frames (dropped)\n",
				     d->id, d->backend, (unsigned long long)st->rx_packets);
		} else {
			n = snprintf(buf + len, size - len, "%s %s: %s, backend %s\n", d->vbd ? "vbd" : "vif", d->id,
				     d->bd ? "open" : "failed", d->backend);
		}
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	return (int)len;
}
