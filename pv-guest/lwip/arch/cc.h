/* lwIP arch/cc.h for pv-guest: a freestanding x86_64 kernel with newlib's headers. */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

/* newlib has ssize_t (long) but no SSIZE_MAX; without it lwIP typedefs ssize_t as int: conflict. */
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		printf x;     \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                 \
	do {                                                                    \
		printf("lwIP assert \"%s\" at %s:%d\n", x, __FILE__, __LINE__); \
		abort();                                                        \
	} while (0)
#define LWIP_ERRNO_STDINCLUDE 1 /* newlib's <errno.h> */
#define LWIP_NO_CTYPE_H 0

#endif
