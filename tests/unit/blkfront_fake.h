/*
 * The world blkfront sees in the host unit tests: fake grant table, event channels, threads,
 * time and pages (blkfront_fake_xen.c), and a fake xenstore with an in-process block backend
 * serving the ring from a RAM disk (blkfront_fake_backend.c).
 */
#ifndef BLKFRONT_FAKE_H
#define BLKFRONT_FAKE_H

#include <pv/events.h>
#include <pv/gnttab.h>
#include <pv/os.h>

#include <xen/io/blkif.h>

#define FAKE_BACKEND_DOMID 0
#define FAKE_VBD "51712"
#define FAKE_FE "device/vbd/" FAKE_VBD
#define FAKE_BE "/local/domain/0/backend/vbd/1/" FAKE_VBD

/* ---- blkfront_fake_xen.c ---- */
void fake_xen_reset(void);
/* The backend's view of a grant: the page if ref grants dom access (writable when write), else NULL. */
void *fake_gnttab_map(grant_ref_t ref, domid_t dom, bool write);
/* The same, also checking the granting domain (DOMID_SELF: any); peek does not count a mapping. */
void *fake_gnttab_map_owner(domid_t owner, grant_ref_t ref, domid_t dom, bool write);
void *fake_gnttab_peek(domid_t owner, grant_ref_t ref, domid_t dom, bool write);
extern domid_t fake_grant_owner; /* the domain gnttab_grant_access grants as (1) */
void fake_gnttab_unmap(grant_ref_t ref);
unsigned int fake_gnttab_in_use(void);
void fake_evtchn_raise(evtchn_port_t port); /* runs the port's handler, as the upcall would */
/* evtchn_bind_interdomain connects two ports of the one table: a notify raises the peer's handler. */
bool fake_evtchn_open(evtchn_port_t port);
extern unsigned long fake_pages_in_use;
extern unsigned long fake_notifies;
extern int64_t fake_now;

/* ---- blkfront_fake_backend.c ---- */
struct fake_backend {
	/* Configuration, set between fake_backend_reset() and blk_open(). */
	uint64_t sectors;
	uint32_t sector_size;
	uint32_t info;               /* VDISK_* */
	bool flush_cache, barrier;   /* advertised */
	bool flush_unsupported;      /* answers BLKIF_OP_FLUSH_DISKCACHE with EOPNOTSUPP */
	bool barrier_unsupported;    /* answers BLKIF_OP_WRITE_BARRIER with EOPNOTSUPP */
	bool never_ready;            /* stays Initialising */
	bool hung;                   /* takes requests but never answers */
	bool detach;                 /* goes away (its state node removed) once the frontend is Closed */
	unsigned int initwait_delay; /* backend steps spent in Initialising first */
	unsigned int max_per_step;   /* requests answered per backend run; 0 = all */
	unsigned int txn_conflicts;  /* transaction ends answered -EAGAIN */
	int64_t fail_sector;         /* requests touching it fail; -1 = none */

	/* State. */
	uint8_t *disk;
	blkif_back_ring_t ring;
	grant_ref_t ring_ref;
	evtchn_port_t port;
	bool mapped, work;
	char protocol[32];

	/* Statistics. */
	unsigned int requests, ops[8], max_inflight, max_segs, violations;
	unsigned int transactions, steps;
};
extern struct fake_backend fb;

/* A store with one vbd in the backend's InitWait, and a zeroed RAM disk of sectors. */
void fake_backend_reset(uint64_t sectors, uint32_t sector_size);
void fake_backend_free(void);
void fake_backend_run(void);                  /* the backend domain gets the CPU: state machine, then the ring */
const char *fake_store_get(const char *path); /* NULL if absent */
void fake_store_set(const char *path, const char *value);
void fake_store_clear(void);

#endif
