/*
 * cpio "newc" archives (magic 070701, or 070702 with a checksum) read in place from memory: the
 * format of dom0's initrd. Portable C: the pv-guest kernel and the host unit tests use it alike.
 */
#ifndef MICA_INITRD_CPIO_H
#define MICA_INITRD_CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Limits. An entry past them makes the archive malformed (-EINVAL or -ENAMETOOLONG).
 */
#define CPIO_NAME_MAX 4096     /* bytes in an entry's name, with its NUL */
#define CPIO_COMPONENT_MAX 255 /* bytes in one component of a name ("a/b": "a" and "b") */

/* The file-type bits of an entry's mode, as in st_mode. */
#define CPIO_S_IFMT 0170000
#define CPIO_S_IFDIR 0040000
#define CPIO_S_IFREG 0100000

enum cpio_type {
	CPIO_FILE,  /* a regular file: data and size are its contents */
	CPIO_DIR,   /* a directory, listed in the archive or implied by the names under it */
	CPIO_OTHER, /* a symbolic link (data: its target), device, fifo or socket */
};

struct cpio_entry {
	const char *name; /* NUL-terminated; as stored ("./etc/x", "etc/x") for cpio_next */
	size_t name_len;  /* strlen(name) */
	uint32_t mode;    /* permissions and type bits (CPIO_S_IF*); 0 for an implied directory */
	enum cpio_type type;
	const void *data; /* inside the archive; NULL if size is 0 */
	size_t size;
};

/* A walk through the entries; set up by cpio_iter_init, advanced by cpio_next. */
struct cpio_iter {
	const unsigned char *buf;
	size_t len;
	size_t off; /* of the next header */
	int state;  /* 0: walking, 1: at the trailer, < 0: the error met */
};

void cpio_iter_init(struct cpio_iter *it, const void *buf, size_t len);

/*
 * The next entry: 1 and *e filled in; 0 at the trailer ("TRAILER!!!", which is not returned);
 * -EINVAL if the archive is malformed or truncated (the bytes end before the trailer),
 * -ENAMETOOLONG past the limits above, -EBADMSG if a 070702 file's checksum is wrong.
 * Once it has returned 0 or an error, it returns the same again.
 */
int cpio_next(struct cpio_iter *it, struct cpio_entry *e);

/* Walks the whole archive: the number of entries (without the trailer) or cpio_next's error. */
int cpio_validate(const void *buf, size_t len);

/*
 * Finds path: "/etc/mica/demo.cfg", "etc/mica/demo.cfg" and "./etc//mica/demo.cfg" are the same;
 * so are "/", "" and "." (the root, always a directory). Empty and "." components are dropped on
 * both sides; ".." is an ordinary name. If the archive lists a name twice, the last one counts
 * (as when it is extracted). A directory need not be listed: one implied by the names under it
 * is returned with type CPIO_DIR, mode 0 and no data; e->name is then path as given.
 * 0, -ENOENT, or cpio_next's error for a malformed archive.
 */
int cpio_find(const void *buf, size_t len, const char *path, struct cpio_entry *e);

/*
 * Calls fn once for each direct child of the directory dir (as in cpio_find), in archive order of
 * first appearance. child->name is the child's own name (no "/"), a copy valid during the call;
 * implied directories come as in cpio_find.
 * The number of children, -ENOENT, -ENOTDIR if dir is not a directory, or cpio_next's error.
 */
typedef void (*cpio_list_fn)(const struct cpio_entry *child, void *arg);
int cpio_list(const void *buf, size_t len, const char *dir, cpio_list_fn fn, void *arg);

#endif
