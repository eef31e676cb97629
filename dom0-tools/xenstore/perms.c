/* Node permissions: the "n0" / "r1" / "w2" / "b3" text form and the access rule (docs/misc/xenstore.txt). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xenstore/internal.h"

static const char perm_letters[4] = {'n', 'r', 'w', 'b'};

/* strings: len bytes of NUL-terminated entries, each a letter then a domid. */
int xs_perms_parse(const char *strings, size_t len, struct xs_perms *perms)
{
	size_t off = 0;

	perms->num = 0;
	if (len == 0 || strings[len - 1] != '\0')
		return EINVAL;
	while (off < len) {
		const char *s = strings + off;
		size_t slen = strlen(s);
		const char *l = memchr(perm_letters, s[0], sizeof(perm_letters));

		if (slen < 2 || !l)
			return EINVAL;
		if (perms->num == XS_PERMS_MAX)
			return E2BIG;
		if (!xs_parse_domid(s + 1, &perms->p[perms->num].domid))
			return EINVAL;
		perms->p[perms->num].access = (uint32_t)(l - perm_letters);
		perms->num++;
		off += slen + 1;
	}
	return 0;
}

size_t xs_perms_format(const struct xs_perms *perms, char *buf, size_t size)
{
	size_t off = 0;

	for (uint32_t i = 0; i < perms->num && off < size; i++) {
		int n = snprintf(buf + off, size - off, "%c%u", perm_letters[perms->p[i].access & 3],
				 (unsigned)perms->p[i].domid);

		if (n < 0 || (size_t)n + 1 > size - off)
			break;
		off += (size_t)n + 1; /* keep the NUL */
	}
	return off;
}

static bool is_me(const struct xs_who *who, uint32_t domid)
{
	return domid == who->domid || (who->target != XS_NO_TARGET && domid == who->target);
}

/* Privileged domains and owners get everything; then the first ACL entry naming us; then the default. */
uint32_t xs_perms_access(const struct xs_perms *perms, const struct xs_who *who)
{
	if (who->privileged || is_me(who, perms->p[0].domid))
		return XS_PERM_BOTH;
	for (uint32_t i = 1; i < perms->num; i++)
		if (is_me(who, perms->p[i].domid))
			return perms->p[i].access;
	return perms->p[0].access;
}

bool xs_perms_equal(const struct xs_perms *a, const struct xs_perms *b)
{
	return a->num == b->num && memcmp(a->p, b->p, a->num * sizeof(a->p[0])) == 0;
}
