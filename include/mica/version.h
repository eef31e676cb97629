/* Version of Mica, reported in the boot banner and (later) to guests through xen_version. */
#ifndef MICA_VERSION_H
#define MICA_VERSION_H

#define MICA_VERSION_MAJOR 0
#define MICA_VERSION_MINOR 1
#define MICA_VERSION_STRING "0.1"

/* The Xen interface Mica implements (public headers of Xen 4.17), reported to guests. */
#define XEN_COMPAT_MAJOR 4
#define XEN_COMPAT_MINOR 17

extern const char mica_banner[];

#endif
