/* String and memory helpers: libc's on the host (unit tests), kernel/string.c in the hypervisor. */
#ifndef MICA_STRING_H
#define MICA_STRING_H

#include <mica/types.h>

#ifdef MICA_HOST_TEST
#include <string.h>
#else
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

/* Copies at most size-1 bytes and always terminates (when size > 0). Returns strlen(src). */
size_t mica_strlcpy(char *dst, const char *src, size_t size);

#endif
