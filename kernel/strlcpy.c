/* mica_strlcpy: bounded copy shared by the hypervisor, the UEFI loader and host tests. */
#include <mica/string.h>

size_t mica_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
