/* Helpers for the store daemon's tests: a client that sends requests and collects replies and events. */
#ifndef TEST_XENSTORE_UTIL_H
#define TEST_XENSTORE_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xenstore/ring.h"
#include "xenstore/store.h"
#include "xenstore/wire.h"

struct msg {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

struct event {
	struct xs_conn *conn;
	char path[XENSTORE_PAYLOAD_MAX + 1];
	char token[XENSTORE_PAYLOAD_MAX + 1];
};

#define MAX_EVENTS 256
extern struct event events[MAX_EVENTS];
extern unsigned nevents;

/* Sends payload, moves events to events[], returns the reply. */
struct msg rpc(struct xs_conn *c, uint32_t type, uint32_t tx, const void *payload, size_t len);
/* Payload of NUL-terminated strings, list ends with NULL. */
struct msg rpcs(struct xs_conn *c, uint32_t type, uint32_t tx, ...);
/* Moves queued events of c to events[]. */
void drain(struct xs_conn *c);
void clear_events(void);
/* How many events for c name path with token (token NULL: any). */
unsigned count_events(struct xs_conn *c, const char *path, const char *token);

void expect_ok(struct msg m);
void expect_err(struct msg m, const char *err);

int x_write(struct xs_conn *c, uint32_t tx, const char *path, const char *value); /* 0 or XS_ERROR */
/* Reads into a static buffer; NULL on error (then *err gets the name if err). */
const char *x_read(struct xs_conn *c, uint32_t tx, const char *path, const char **err);
uint32_t x_tx_start(struct xs_conn *c);
struct msg x_tx_end(struct xs_conn *c, uint32_t tx, bool commit);
struct xs_conn *x_introduce(struct xs_conn *dom0, struct xs_store *s, uint32_t domid);

#endif
