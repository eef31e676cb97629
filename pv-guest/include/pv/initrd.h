/*
 * The initrd: the first boot module, a cpio "newc" archive read in place (dom0: the .cfg files in /etc/mica,
 * guest kernels under /boot). Paths as in dom0-tools/initrd/cpio.h: "/etc/x", "etc/x", "./etc/x".
 */
#ifndef PV_INITRD_H
#define PV_INITRD_H

#include <pv/os.h>

/* Finds the module in the start info and checks the archive: 0, -ENOENT if there is none, -EINVAL. */
int initrd_init(void);

/* The file's contents, in place (read-only): 0, -ENOENT, -EISDIR, -EINVAL (a link or device). */
int initrd_open(const char *path, const void **data, size_t *len);

/*
 * Calls fn for each entry directly in dir ("/" for the top): its own name, its size and whether
 * it is a directory. The number of entries, -ENOENT or -ENOTDIR.
 */
int initrd_list(const char *dir, void (*fn)(const char *name, size_t size, bool is_dir, void *arg), void *arg);

#endif
