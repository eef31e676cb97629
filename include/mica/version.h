/* Version of Mica, reported in the boot banner and (later) to guests through xen_version. */
#ifndef MICA_VERSION_H
#define MICA_VERSION_H

#define MICA_VERSION_MAJOR 0
#define MICA_VERSION_MINOR 1
#define MICA_VERSION_STRING "0.1"

extern const char mica_banner[];

#endif
