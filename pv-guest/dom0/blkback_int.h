/* blkback's internals, shared by blkback.c (store layout, ring, handshake) and blkback_ctl.c (configuration). */
#ifndef BLKBACK_INT_H
#define BLKBACK_INT_H

#include "bb_store.h"

#include <pv/events.h>
#include <pv/gntmap.h>
#include <pv/sched.h>
#include <pv/xenbus.h>

#include <xen/io/blkif.h>

#define BB_VDEV 768 /* xvda: (202 << 8 | 0) in the old scheme, 768 as Xen's toolstack writes it */
#define BB_DEV_NAME "xvda"
#define BB_SECTORS_PER_PAGE (PAGE_SIZE / BB_SECTOR)
#define BB_MAX_VBDS 16
#define BB_DETACH_S 10    /* seconds a frontend has to close a detached vbd */
#define BB_BOUNCE_ORDER 4 /* 16 pages: a request's 11 segments, for stores that are not RAM */
#define BB_SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST
#define BB_BATCH_REQS 8                            /* requests whose copies go in one gntmap_copy */
#define BB_BATCH_OPS (BB_BATCH_REQS * BB_SEGS * 2) /* a segment straddles at most one disk page boundary */
#define BB_BUDGET 64                               /* requests served before the thread yields */
#define BB_TXN_TRIES 32

/* A request taken off the ring, answered when its batch's copies are done. */
struct bb_pending {
	uint64_t id;
	uint8_t op;
	int16_t status;
	bool write;
	unsigned int first_op, nops;
	uint64_t sectors;
};

struct bb_stats {
	unsigned long reads, writes, flushes, errors, unsupported;
	uint64_t sectors_read, sectors_written;
};

struct vbd {
	domid_t dom;       /* 0: a free slot (a detached vbd's) */
	unsigned int vdev; /* its number under device/vbd/ */
	char dev[8];       /* xvda */
	struct bb_store disk;
	uint8_t *bounce; /* a request's data on its way between the guest and a file or device */
	char fe[64], be[64], fe_state[72];

	/* Set by domain_up/domain_down and the event handler; the thread acts on them. */
	bool up, pending;
	bool disabled; /* removed by the toolstack: a new domain with this id has no disk */
	bool gone;     /* its domain went down (a store set since waits for the next domain) */
	bool hotplug;  /* block-attach's: goes with its domain */
	bool detach;   /* block-detach: Closing, the frontend closes, removed */
	s_time_t detach_deadline;
	unsigned int gen; /* domain_up calls: a new domain behind the same id */
	struct wait_queue wq;
	struct thread *thread;

	/* The thread's. */
	struct xenbus_watch watch; /* the frontend's state; kept for the vbd's lifetime */
	bool watching, published, fe_dirty;
	unsigned int served_gen;
	XenbusState state; /* the backend state last written */
	blkif_back_ring_t ring;
	void *ring_addr;
	grant_handle_t ring_handle;
	evtchn_port_t port;
	bool connected, broken;
	struct bb_pending batch[BB_BATCH_REQS];
	struct gnttab_copy ops[BB_BATCH_OPS];
	unsigned int nreqs, nops;
	struct bb_stats st;
};

extern struct vbd *vbds[BB_MAX_VBDS];
extern unsigned int nr_vbds;
extern void *zero_page; /* the source of reads from never-written RAM disk chunks */

struct vbd *vbd_find_vdev(domid_t dom, unsigned int vdev);
struct vbd *vbd_find(domid_t dom); /* the config's disk (xvda) */
void vbd_thread(void *arg);
void vbd_close_store(struct vbd *v); /* the domain is gone: a file or device is let go (flushed) */

#endif
