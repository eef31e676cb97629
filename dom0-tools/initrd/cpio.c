/*
 * cpio "newc" archives read in place (cpio.h). Every offset and size from the archive is checked
 * against the buffer before it is used: a malformed archive is an error, never a stray read.
 */
#include "initrd/cpio.h"

#include <errno.h>
#include <string.h>

/*
 * An entry: a 110-byte header of ASCII text, "070701" (or "070702": newc with a checksum) then
 * 13 fields of 8 hex digits; the name (namesize bytes, its NUL included), padded with NULs so
 * that the data starts at a multiple of 4 from the archive's start; the data (filesize bytes),
 * padded the same way up to the next header. The entry named "TRAILER!!!" ends the archive.
 */
#define CPIO_HDR_LEN 110
#define CPIO_MAGIC_LEN 6
#define CPIO_FIELD_LEN 8
#define CPIO_TRAILER "TRAILER!!!"

enum cpio_field {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	NR_FIELDS,
};

static int hex_field(const unsigned char *p, uint32_t *value)
{
	uint32_t v = 0;

	for (int i = 0; i < CPIO_FIELD_LEN; i++) {
		unsigned char c = p[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*value = v;
	return 0;
}

/* Moves *pos past the padding to a multiple of 4; false if the buffer ends first. */
static bool skip_padding(size_t *pos, size_t len)
{
	size_t pad = (4 - (*pos & 3)) & 3;

	if (pad > len - *pos)
		return false;
	*pos += pad;
	return true;
}

static bool components_fit(const char *name, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		run = name[i] == '/' ? 0 : run + 1;
		if (run > CPIO_COMPONENT_MAX)
			return false;
	}
	return true;
}

static enum cpio_type type_of(uint32_t mode)
{
	switch (mode & CPIO_S_IFMT) {
	case CPIO_S_IFREG:
		return CPIO_FILE;
	case CPIO_S_IFDIR:
		return CPIO_DIR;
	default:
		return CPIO_OTHER;
	}
}

/* 070702's checksum: the sum of the file's bytes, modulo 2^32. */
static uint32_t data_checksum(const unsigned char *data, size_t size)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < size; i++)
		sum += data[i];
	return sum;
}

void cpio_iter_init(struct cpio_iter *it, const void *buf, size_t len)
{
	it->buf = buf;
	it->len = buf ? len : 0;
	it->off = 0;
	it->state = 0;
}

/* The entry at it->off: 1 (and it->off moved past it), 0 at the trailer, or an error. */
static int parse_entry(struct cpio_iter *it, struct cpio_entry *e)
{
	size_t left = it->len - it->off, pos;
	const unsigned char *h;
	uint32_t f[NR_FIELDS];
	bool with_crc;

	if (left < CPIO_HDR_LEN)
		return -EINVAL;
	h = it->buf + it->off;
	if (!memcmp(h, "070701", CPIO_MAGIC_LEN))
		with_crc = false;
	else if (!memcmp(h, "070702", CPIO_MAGIC_LEN))
		with_crc = true;
	else
		return -EINVAL;
	for (int i = 0; i < NR_FIELDS; i++)
		if (hex_field(h + CPIO_MAGIC_LEN + i * CPIO_FIELD_LEN, &f[i]))
			return -EINVAL;

	uint32_t namesize = f[F_NAMESIZE];
	const char *name = (const char *)h + CPIO_HDR_LEN;

	if (!namesize || namesize > left - CPIO_HDR_LEN)
		return -EINVAL;
	if (namesize > CPIO_NAME_MAX)
		return -ENAMETOOLONG;
	if (name[namesize - 1] != '\0' || memchr(name, '\0', namesize - 1))
		return -EINVAL;
	if (namesize - 1 == strlen(CPIO_TRAILER) && !memcmp(name, CPIO_TRAILER, namesize - 1))
		return 0;
	if (!components_fit(name, namesize - 1))
		return -ENAMETOOLONG;

	pos = it->off + CPIO_HDR_LEN + namesize;
	if (!skip_padding(&pos, it->len) || f[F_FILESIZE] > it->len - pos)
		return -EINVAL;
	e->name = name;
	e->name_len = namesize - 1;
	e->mode = f[F_MODE];
	e->type = type_of(f[F_MODE]);
	e->size = f[F_FILESIZE];
	e->data = e->size ? it->buf + pos : NULL;
	pos += e->size;
	if (!skip_padding(&pos, it->len))
		return -EINVAL;
	if (with_crc && e->type == CPIO_FILE && data_checksum(e->data, e->size) != f[F_CHECK])
		return -EBADMSG;
	it->off = pos;
	return 1;
}

int cpio_next(struct cpio_iter *it, struct cpio_entry *e)
{
	int rc;

	if (it->state)
		return it->state > 0 ? 0 : it->state;
	rc = parse_entry(it, e);
	if (rc <= 0)
		it->state = rc ? rc : 1;
	return rc;
}

int cpio_validate(const void *buf, size_t len)
{
	struct cpio_iter it;
	struct cpio_entry e;
	int n = 0, rc;

	cpio_iter_init(&it, buf, len);
	while ((rc = cpio_next(&it, &e)) > 0)
		n++;
	return rc ? rc : n;
}

/* ---- paths */

/* The next component of [*p, end) that is neither empty nor ".": false if none is left. */
static bool next_component(const char **p, const char *end, const char **comp, size_t *comp_len)
{
	for (;;) {
		while (*p < end && **p == '/')
			(*p)++;
		if (*p == end)
			return false;
		const char *start = *p;

		while (*p < end && **p != '/')
			(*p)++;
		if (*p - start == 1 && start[0] == '.')
			continue;
		*comp = start;
		*comp_len = (size_t)(*p - start);
		return true;
	}
}

enum path_relation {
	PATH_UNRELATED,
	PATH_SAME,
	PATH_BELOW,
};

/*
 * How name lies to dir: the same path, below it, or neither. Below it, *child is the first
 * component past dir and *deeper says whether more follow.
 */
static enum path_relation path_relate(const char *dir, size_t dir_len, const char *name, size_t name_len,
				      const char **child, size_t *child_len, bool *deeper)
{
	const char *dp = dir, *dend = dir + dir_len, *np = name, *nend = name + name_len;
	const char *dc, *nc;
	size_t dn, nn;

	while (next_component(&dp, dend, &dc, &dn))
		if (!next_component(&np, nend, &nc, &nn) || dn != nn || memcmp(dc, nc, dn))
			return PATH_UNRELATED;
	if (!next_component(&np, nend, &nc, &nn))
		return PATH_SAME;
	*child = nc;
	*child_len = nn;
	*deeper = next_component(&np, nend, &nc, &nn);
	return PATH_BELOW;
}

static void implied_dir(struct cpio_entry *e, const char *name, size_t name_len)
{
	e->name = name;
	e->name_len = name_len;
	e->mode = 0;
	e->type = CPIO_DIR;
	e->data = NULL;
	e->size = 0;
}

int cpio_find(const void *buf, size_t len, const char *path, struct cpio_entry *e)
{
	size_t path_len = strlen(path), child_len;
	const char *p = path, *child;
	struct cpio_iter it;
	struct cpio_entry cur;
	bool found = false, implied = !next_component(&p, path + path_len, &child, &child_len), deeper;
	int rc;

	cpio_iter_init(&it, buf, len);
	while ((rc = cpio_next(&it, &cur)) > 0) {
		switch (path_relate(path, path_len, cur.name, cur.name_len, &child, &child_len, &deeper)) {
		case PATH_SAME:
			*e = cur;
			found = true;
			break;
		case PATH_BELOW:
			implied = true;
			break;
		case PATH_UNRELATED:
			break;
		}
	}
	if (rc < 0)
		return rc;
	if (found)
		return 0;
	if (!implied)
		return -ENOENT;
	implied_dir(e, path, path_len);
	return 0;
}

/* Whether an entry before the one at offset `before` has the same child of dir. */
static bool child_seen(const void *buf, size_t len, size_t before, const char *dir, size_t dir_len, const char *name,
		       size_t name_len)
{
	struct cpio_iter it;
	struct cpio_entry cur;
	const char *child;
	size_t child_len;
	bool deeper;

	cpio_iter_init(&it, buf, len);
	while (it.off < before && cpio_next(&it, &cur) > 0)
		if (path_relate(dir, dir_len, cur.name, cur.name_len, &child, &child_len, &deeper) == PATH_BELOW &&
		    child_len == name_len && !memcmp(child, name, name_len))
			return true;
	return false;
}

/* The child of dir called name: its last entry in the archive, else an implied directory. */
static void child_entry(const void *buf, size_t len, const char *dir, size_t dir_len, const char *name, size_t name_len,
			struct cpio_entry *e)
{
	struct cpio_iter it;
	struct cpio_entry cur;
	const char *child;
	size_t child_len;
	bool deeper;

	implied_dir(e, name, name_len);
	cpio_iter_init(&it, buf, len);
	while (cpio_next(&it, &cur) > 0)
		if (path_relate(dir, dir_len, cur.name, cur.name_len, &child, &child_len, &deeper) == PATH_BELOW &&
		    !deeper && child_len == name_len && !memcmp(child, name, name_len))
			*e = cur;
}

int cpio_list(const void *buf, size_t len, const char *dir, cpio_list_fn fn, void *arg)
{
	size_t dir_len = strlen(dir), child_len, off;
	struct cpio_iter it;
	struct cpio_entry d, cur;
	const char *child;
	bool deeper;
	int rc = cpio_find(buf, len, dir, &d), n = 0; /* also checks the whole archive */

	if (rc)
		return rc;
	if (d.type != CPIO_DIR)
		return -ENOTDIR;
	cpio_iter_init(&it, buf, len);
	for (off = it.off; cpio_next(&it, &cur) > 0; off = it.off) {
		char copy[CPIO_COMPONENT_MAX + 1];

		if (path_relate(dir, dir_len, cur.name, cur.name_len, &child, &child_len, &deeper) != PATH_BELOW ||
		    child_seen(buf, len, off, dir, dir_len, child, child_len))
			continue;
		child_entry(buf, len, dir, dir_len, child, child_len, &d);
		memcpy(copy, child, child_len); /* cpio_next keeps components within CPIO_COMPONENT_MAX */
		copy[child_len] = '\0';
		d.name = copy;
		d.name_len = child_len;
		fn(&d, arg);
		n++;
	}
	return n;
}
