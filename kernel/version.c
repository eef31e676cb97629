/* The boot banner. */
#include <mica/version.h>

const char mica_banner[] =
    "Mica " MICA_VERSION_STRING " — a Xen-style type-1 hypervisor for x86_64 (built " __DATE__ " " __TIME__ ")";
