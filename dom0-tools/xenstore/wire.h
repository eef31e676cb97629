/* Xen's xenstore wire protocol (xen/io/xs_wire.h) with what it needs first: fixed-width types, errno names. */
#ifndef MICA_XENSTORE_WIRE_H
#define MICA_XENSTORE_WIRE_H

#include <errno.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#endif
