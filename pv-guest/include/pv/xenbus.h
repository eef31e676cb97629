/*
 * The xenbus client: requests to the store over the ring of xen/io/xs_wire.h
 * (HVM_PARAM_STORE_PFN/EVTCHN), watches, transactions, and the frontend/backend state machine
 * of xen/io/xenbus.h. Calls block the calling thread until the reply; they return 0 or a
 * negative errno (the store's error strings mapped back: "ENOENT" -> -ENOENT ...), or -EIO when
 * the store cannot be reached (no ring, or the ring failed: after that every call is -EIO).
 * A request whose payload exceeds XENSTORE_PAYLOAD_MAX is -E2BIG. Strings handed back are
 * malloc'd: the caller frees them. Calls must come from threads, never from event handlers.
 */
#ifndef PV_XENBUS_H
#define PV_XENBUS_H

#include <pv/sched.h>
#include <pv/xen.h>

#include <xen/io/xenbus.h>

typedef uint32_t xenbus_transaction_t;
#define XBT_NIL ((xenbus_transaction_t)0)

int init_xenbus(void); /* -ENODEV if the domain has no store ring */
bool xenbus_available(void);
/*
 * dom0, which hosts the store: the client on an in-memory ring the store serves; kick tells the
 * store there are requests, and the store calls xenbus_local_notify() when it answered.
 */
struct xenstore_domain_interface;
int xenbus_init_local(struct xenstore_domain_interface *intf, void (*kick)(void));
void xenbus_local_notify(void);
/* From the store's "domid" node, read at the first call and kept; DOMID_SELF until read. */
domid_t xenbus_self_domid(void);

int xenbus_read(xenbus_transaction_t t, const char *path, char **value);
int xenbus_write(xenbus_transaction_t t, const char *path, const char *value);
int xenbus_printf(xenbus_transaction_t t, const char *dir, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int xenbus_mkdir(xenbus_transaction_t t, const char *path);
int xenbus_rm(xenbus_transaction_t t, const char *path);
/* The names under path: *names is a malloc'd array of *n malloc'd strings. */
int xenbus_ls(xenbus_transaction_t t, const char *path, char ***names, unsigned int *n);
void xenbus_free_names(char **names, unsigned int n);
/* Reads dir/node as an unsigned number; def if absent or malformed. */
unsigned long xenbus_read_unsigned(xenbus_transaction_t t, const char *dir, const char *node, unsigned long def);
/* Permissions as text, one space between entries: "n0 r5" (owner 0, no access for others; 5 reads). */
int xenbus_get_perms(xenbus_transaction_t t, const char *path, char **perms);
int xenbus_set_perms(xenbus_transaction_t t, const char *path, const char *perms); /* -EINVAL if empty */

int xenbus_transaction_start(xenbus_transaction_t *t);
/* Ends t (abort: discard). Returns -EAGAIN when the store saw a conflict: start over. */
int xenbus_transaction_end(xenbus_transaction_t t, bool abort);

/*
 * Watches: events for path (and everything under it) are queued on the watch; the first
 * event fires at registration, as the store sends it.
 */
struct xenbus_event {
	struct xenbus_event *next;
	char *path;  /* the node that changed */
	char *token; /* the watch's token */
};
struct xenbus_watch {
	char *path, *token;
	struct xenbus_event *events, **tail; /* queued, oldest first */
	struct wait_queue wq;
	struct xenbus_watch *next;
};
int xenbus_watch(struct xenbus_watch *w, const char *path); /* w zeroed by the caller; token made unique */
int xenbus_unwatch(struct xenbus_watch *w); /* frees queued events, path and token; -EINVAL if not watching */
/* Next event (caller frees with xenbus_free_event), waiting until deadline (0: forever); NULL on timeout. */
struct xenbus_event *xenbus_wait_event(struct xenbus_watch *w, s_time_t deadline);
void xenbus_free_event(struct xenbus_event *e);

/*
 * Waits until path exists (a toolstack may write a domain's devices after it started, as dom0
 * does for boot domains): 0 once it does, -ETIMEDOUT at deadline, or another error.
 */
int xenbus_wait_exists(const char *path, s_time_t deadline);

/* The state machine (xen/io/xenbus.h XenbusState*): reads and writes <dir>/state. */
int xenbus_switch_state(xenbus_transaction_t t, const char *dir, XenbusState state);
XenbusState xenbus_read_state(const char *dir); /* XenbusStateUnknown if unreadable */
/*
 * Waits until <dir>/state differs from *state, or until deadline; stores the new state.
 * Returns 0, -ETIMEDOUT, or an error.
 */
int xenbus_wait_state_change(const char *dir, XenbusState *state, s_time_t deadline);
/*
 * Waits until <dir>/state == want: 0, or -ECONNRESET if want is below XenbusStateClosing and the
 * state became Closing or Closed instead, or -ETIMEDOUT, or an error.
 */
int xenbus_wait_state(const char *dir, XenbusState want, s_time_t deadline);

#endif
