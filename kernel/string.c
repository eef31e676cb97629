/* Freestanding string and memory functions for the hypervisor (the compiler may emit calls to these). */
#include <mica/string.h>

/* Large fills (guest RAM, page tables) go eight bytes at a time: an eighth of the iterations. */
void *memset(void *d, int c, size_t n)
{
	void *ret = d;

	if (n >= 64 && !((uintptr_t)d & 7)) {
		uint64_t pattern = 0x0101010101010101ULL * (uint8_t)c;
		size_t q = n / 8;

		__asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(pattern) : "memory");
		n &= 7;
	}
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return ret;
}

/* Large copies (guest pages, grant copies) go eight bytes at a time when both ends are aligned. */
void *memcpy(void *d, const void *s, size_t n)
{
	void *ret = d;

	if (n >= 64 && !(((uintptr_t)d | (uintptr_t)s) & 7)) {
		size_t q = n / 8;

		__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q) : : "memory");
		n &= 7;
	}
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return ret;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
