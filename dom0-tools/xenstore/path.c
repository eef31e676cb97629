/* Store paths: validation, relative paths under a domain's home, prefixes (docs/misc/xenstore.txt). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore/wire.h"

#include "xenstore/internal.h"

static bool valid_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '/' ||
	       c == '_' || c == '@';
}

/* Absolute: "/" or "/a/b" — no empty component, no trailing slash, only the allowed characters. */
static bool valid_absolute(const char *p, size_t len)
{
	if (len == 0 || p[0] != '/' || len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (len == 1)
		return true;
	if (p[len - 1] == '/')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!valid_char(p[i]))
			return false;
		if (p[i] == '/' && i + 1 < len && p[i + 1] == '/')
			return false;
	}
	return true;
}

bool xs_path_is_special(const char *path)
{
	return path[0] == '@';
}

void xs_domain_path(uint32_t domid, char *buf, size_t size)
{
	snprintf(buf, size, "/local/domain/%u", (unsigned)domid);
}

char *xs_path_canonical(uint32_t domid, const char *in, int *err)
{
	size_t len = strlen(in);
	char *out;

	*err = EINVAL;
	if (in[0] == '@') {
		if (len < 2 || len > XENSTORE_ABS_PATH_MAX)
			return NULL;
		for (size_t i = 1; i < len; i++)
			if (!valid_char(in[i]) || in[i] == '/')
				return NULL;
		out = strdup(in);
	} else if (in[0] == '/') {
		if (!valid_absolute(in, len))
			return NULL;
		out = strdup(in);
	} else {
		char home[32];
		size_t hlen;

		if (len == 0 || len > XENSTORE_REL_PATH_MAX)
			return NULL;
		xs_domain_path(domid, home, sizeof(home));
		hlen = strlen(home);
		out = malloc(hlen + 1 + len + 1);
		if (out) {
			memcpy(out, home, hlen);
			out[hlen] = '/';
			memcpy(out + hlen + 1, in, len + 1);
			if (!valid_absolute(out, hlen + 1 + len)) {
				free(out);
				return NULL;
			}
		}
	}
	if (!out)
		*err = ENOMEM;
	return out;
}

bool xs_path_is_under(const char *path, const char *ancestor)
{
	size_t alen = strlen(ancestor);

	if (strcmp(ancestor, "/") == 0)
		return path[0] == '/';
	return strncmp(path, ancestor, alen) == 0 && (path[alen] == '\0' || path[alen] == '/');
}

bool xs_parse_domid(const char *s, uint32_t *domid)
{
	uint32_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint32_t)(*s - '0');
		if (v > UINT16_MAX)
			return false;
	}
	*domid = v;
	return true;
}
