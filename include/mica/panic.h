/* Fatal hypervisor errors: panic() prints, dumps a backtrace and stops every CPU. */
#ifndef MICA_PANIC_H
#define MICA_PANIC_H

#include <mica/types.h>

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define BUG_ON(cond)                                                          \
	do {                                                                  \
		if (__builtin_expect(!!(cond), 0))                            \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)
#define ASSERT(cond) BUG_ON(!(cond))

#endif
