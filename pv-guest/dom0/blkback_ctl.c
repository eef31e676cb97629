/*
 * blkback's configuration: the vbd= option, the toolstack's disks (blkback_set_disk_spec), and
 * domains coming and going. The vbds themselves are in blkback.c; their stores in bb_store.c.
 */
#include "blkback_int.h"

#include <pv/dom0.h>
#include <pv/mm.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bb_prepare(void)
{
	if (!zero_page)
		zero_page = alloc_page();
	return zero_page ? 0 : -ENOMEM;
}

/* A vbd for dom as device/vbd/<vdev> (named dev), served from s (taken over); NULL if no room. */
static struct vbd *blkback_add_vdev(unsigned long dom, unsigned int vdev, const char *dev, struct bb_store *s)
{
	struct vbd *v = NULL;

	for (unsigned int i = 0; i < nr_vbds && !v; i++) /* a detached vbd's slot */
		if (!vbds[i]->dom && !vbds[i]->thread)
			v = vbds[i];
	if (v) {
		memset(v, 0, sizeof(*v));
	} else {
		if (nr_vbds == BB_MAX_VBDS)
			return NULL;
		v = calloc(1, sizeof(*v));
		if (!v)
			return NULL;
		vbds[nr_vbds++] = v;
	}
	v->dom = dom;
	v->vdev = vdev;
	snprintf(v->dev, sizeof(v->dev), "%s", dev);
	v->disk = *s;
	snprintf(v->fe, sizeof(v->fe), "/local/domain/%lu/device/vbd/%u", dom, vdev);
	snprintf(v->be, sizeof(v->be), "/local/domain/0/backend/vbd/%lu/%u", dom, vdev);
	snprintf(v->fe_state, sizeof(v->fe_state), "%s/state", v->fe);
	v->state = XenbusStateUnknown;
	return v;
}

/* The config's disk (xvda) for dom. */
static int blkback_add(unsigned long dom, struct bb_store *s)
{
	return blkback_add_vdev(dom, BB_VDEV, BB_DEV_NAME, s) ? 0 : -ENOSPC;
}

/* One "dom:mib" entry of the vbd= option at *p; moves *p past it (and its comma). */
static int blkback_parse_entry(const char **p, unsigned long *dom, unsigned long *mib)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	*dom = strtoul(*p, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	*mib = strtoul(end + 1, &end, 10);
	if (*end && (*end != ',' || !end[1]))
		return -EINVAL;
	if (!*dom || *dom >= DOMID_FIRST_RESERVED || !*mib || *mib > BB_MAX_MIB)
		return -EINVAL;
	*p = *end ? end + 1 : end;
	return 0;
}

/* "1:8,2:16": domain 1 gets an 8 MiB RAM disk, domain 2 16 MiB. Checked whole before any is added. */
static int blkback_init(const char *config)
{
	unsigned long dom, mib, seen[BB_MAX_VBDS];
	unsigned int n = 0;
	const char *p;

	for (p = config ? config : ""; *p; n++) {
		int err = blkback_parse_entry(&p, &dom, &mib);

		if (err)
			return err;
		if (n + nr_vbds >= BB_MAX_VBDS)
			return -ENOSPC;
		for (unsigned int i = 0; i < n; i++)
			if (seen[i] == dom)
				return -EINVAL;
		if (vbd_find(dom))
			return -EEXIST;
		seen[n] = dom;
	}
	if (bb_prepare())
		return -ENOMEM;
	for (p = config ? config : ""; *p;) {
		struct bb_store s;
		char target[32];
		int err;

		blkback_parse_entry(&p, &dom, &mib);
		snprintf(target, sizeof(target), "ram:%lu", mib);
		err = bb_store_open(&s, target, true, NULL, 0);
		if (!err)
			err = blkback_add(dom, &s);
		if (err) {
			bb_store_close(&s);
			return err;
		}
	}
	return 0;
}

/* The domain is gone and its ring let go: a file or device is flushed and closed (a RAM disk stays). */
void vbd_close_store(struct vbd *v)
{
	if (!v->disk.ops || v->disk.ops->page)
		return;
	bb_store_close(&v->disk);
	v->disabled = true;
}

/*
 * Another vbd with the same image or device: one whose domain is alive keeps it (-EBUSY) unless
 * both are read-only; one whose domain is gone lets go once its thread has dropped the ring.
 */
static int bb_claim(domid_t dom, const char *target, bool writable, char *err, size_t errlen)
{
	for (unsigned int tries = 0;; tries++) {
		struct vbd *h = NULL;

		for (unsigned int i = 0; i < nr_vbds && !h; i++)
			if (vbds[i]->dom != dom && bb_store_same(&vbds[i]->disk, target) &&
			    (writable || vbds[i]->disk.writable))
				h = vbds[i];
		if (!h)
			return 0;
		if (h->up || !h->gone) /* alive, or given to a domain not up yet */
			return bb_refuse(err, errlen, -EBUSY, "%s: in use by domain %u", target, (unsigned int)h->dom);
		if (!h->connected && !h->published) {
			vbd_close_store(h);
			continue;
		}
#ifndef PV_HOST_TEST
		if (tries < 500) { /* the gone domain's vbd thread is dropping the ring */
			h->pending = true;
			wake_up(&h->wq);
			msleep(10);
			continue;
		}
#endif
		return bb_refuse(err, errlen, -EBUSY, "%s: domain %u's disk is still being released; try again", target,
				 (unsigned int)h->dom);
	}
}

/* A file or device is served through a bounce buffer; a RAM disk's pages are copied directly. */
static int vbd_bounce(struct vbd *v)
{
	if (!v->disk.ops->page && !v->bounce)
		v->bounce = alloc_pages(BB_BOUNCE_ORDER);
	return v->disk.ops->page || v->bounce ? 0 : -ENOMEM;
}

int blkback_check_spec(const char *target, bool writable, char *err, size_t errlen)
{
	struct bb_store s;
	int rc = bb_claim(DOMID_INVALID, target ? target : "", writable, err, errlen);

	if (!rc)
		rc = bb_store_open(&s, target, writable, err, errlen);
	if (!rc)
		bb_store_close(&s);
	return rc;
}

int blkback_set_disk_spec(domid_t dom, const char *target, bool writable, char *err, size_t errlen)
{
	struct vbd *v = vbd_find(dom);
	struct bb_store s;
	int rc;

	if (errlen)
		err[0] = '\0';
	if (v && (v->connected || v->up || v->published))
		return bb_refuse(err, errlen, -EBUSY,
				 "domain %u: the last domain with this id is still going; try again",
				 (unsigned int)dom);
	if (!target || !target[0]) {
		if (v) { /* a new domain with this id gets no disk; an earlier RAM disk is gone */
			bb_store_close(&v->disk);
			v->disabled = true;
		}
		return 0;
	}
	if (v)
		vbd_close_store(v); /* before the claim: it may be this id's own earlier image */
	rc = bb_prepare();
	if (!rc)
		rc = bb_claim(dom, target, writable, err, errlen);
	if (!rc)
		rc = bb_store_open(&s, target, writable, err, errlen);
	if (rc && v) { /* the earlier domain's disk is not handed to the next one either */
		bb_store_close(&v->disk);
		v->disabled = true;
	}
	if (rc)
		return rc;
	if (!v) {
		rc = blkback_add(dom, &s);
		if (rc) {
			bb_store_close(&s);
			return bb_refuse(err, errlen, rc, "no room for another vbd (%d)", rc);
		}
		v = vbd_find(dom);
	} else {
		/* A RAM disk belongs to the domain created with it: the next one starts from zeros. */
		bb_store_close(&v->disk);
		v->disk = s;
		v->disabled = false;
		v->gone = false;
	}
	if (vbd_bounce(v)) {
		bb_store_close(&v->disk);
		v->disabled = true;
		return bb_refuse(err, errlen, -ENOMEM, "no memory for the vbd's buffer");
	}
	return 0;
}

static void vbd_start(struct vbd *v)
{
	if (!v->thread) {
		char name[24];

		snprintf(name, sizeof(name), "blkback-%u.%u", (unsigned int)v->dom, v->vdev);
		v->thread = create_thread(name, vbd_thread, v);
		if (!v->thread) {
			printk("blkback: vbd %u/%u: no thread\n", (unsigned int)v->dom, v->vdev);
			return;
		}
	}
	v->up = true;
	v->gone = false;
	v->gen++;
	v->pending = true;
	wake_up(&v->wq);
}

static void blkback_domain_up(domid_t dom)
{
	struct vbd *v = vbd_find(dom);

	if (v && !v->disabled && v->disk.ops)
		vbd_start(v);
}

/* A RAM disk stays for the same domain id's next domain_up; a file or device is flushed and let go. */
static void blkback_domain_down(domid_t dom)
{
	for (unsigned int i = 0; i < nr_vbds; i++) {
		struct vbd *v = vbds[i];

		if (v->dom != dom || !v->up)
			continue;
		v->up = false;
		v->gone = true;
		v->pending = true;
		wake_up(&v->wq);
	}
}

int blkback_attach_spec(domid_t dom, unsigned int vdev, const char *dev, const char *target, bool writable, char *err,
			size_t errlen)
{
	struct bb_store s;
	struct vbd *v;
	int rc;

	if (errlen)
		err[0] = '\0';
	if (!dom || dom >= DOMID_FIRST_RESERVED || !vdev || !dev || strlen(dev) >= sizeof(v->dev) || !target ||
	    !target[0])
		return bb_refuse(err, errlen, -EINVAL, "bad domain, vdev or target");
	v = vbd_find_vdev(dom, vdev);
	if (v && (v->up || v->connected || v->published || vdev != BB_VDEV))
		return bb_refuse(err, errlen, -EEXIST, "domain %u has %s already", (unsigned int)dom, dev);
	if (v) /* the config's xvda, given up: its old store goes */
		vbd_close_store(v);
	rc = bb_prepare();
	if (!rc)
		rc = bb_claim(dom, target, writable, err, errlen);
	if (!rc)
		rc = bb_store_open(&s, target, writable, err, errlen);
	if (rc)
		return rc;
	if (v) {
		bb_store_close(&v->disk);
		v->disk = s;
		v->disabled = false;
	} else {
		v = blkback_add_vdev(dom, vdev, dev, &s);
		if (!v) {
			bb_store_close(&s);
			return bb_refuse(err, errlen, -ENOSPC, "no free vbd");
		}
	}
	v->hotplug = true;
	if (vbd_bounce(v)) {
		bb_store_close(&v->disk);
		v->dom = 0;
		return bb_refuse(err, errlen, -ENOMEM, "no memory for the vbd's buffer");
	}
	vbd_start(v);
	return v->thread ? 0 : bb_refuse(err, errlen, -ENOMEM, "no thread for the vbd");
}

int blkback_attach(domid_t dom, unsigned int vdev, const char *dev, unsigned long mib)
{
	char target[32];

	if (!mib || mib > BB_MAX_MIB)
		return -EINVAL;
	snprintf(target, sizeof(target), "ram:%lu", mib);
	return blkback_attach_spec(dom, vdev, dev, target, true, NULL, 0);
}

int blkback_detach(domid_t dom, unsigned int vdev)
{
	struct vbd *v = vbd_find_vdev(dom, vdev);

	if (!v || !v->up)
		return -ENODEV;
	if (v->detach)
		return -EBUSY;
	v->detach = true;
	v->pending = true;
	wake_up(&v->wq);
	return 0;
}

const struct dom0_backend blkback_backend = {
    .name = "vbd",
    .init = blkback_init,
    .domain_up = blkback_domain_up,
    .domain_down = blkback_domain_down,
};
