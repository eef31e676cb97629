/* Hypervisor console output. In host unit tests printk is provided by the test. */
#ifndef MICA_PRINTK_H
#define MICA_PRINTK_H

#include <stdarg.h>
#include <mica/types.h>

void printk(const char *fmt, ...) __printf(1, 2);
int vsnprintf_k(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf_k(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
