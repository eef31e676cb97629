/*
 * dom0's image store: the micafs filesystem (dom0-tools/micafs/, docs/micafs.md) on dom0's
 * disk vda, holding the raw image files blkback serves as `file:` disks.
 */
#ifndef PV_IMAGES_H
#define PV_IMAGES_H

#include <stdbool.h>

struct blkdev;
struct micafs;

/* Mounts micafs from vda if there is one: "micafs: vda mounted, N images", or why not. */
int images_mount(void);
int images_attach(struct blkdev *d); /* mounts micafs from d (images_mount's work; tests) */
void images_detach(void);            /* flushes and unmounts */
struct micafs *images_fs(void);      /* NULL: no image store */
struct blkdev *images_dev(void);     /* the device it lives on */

/* Every micafs call goes between these: callers sleep in device I/O and others may run. */
void images_lock(void);
void images_unlock(void);

/* The shell's ls and cat for paths under /images; -ENOENT when the path is not the store's. */
int images_shell_ls(const char *path);
int images_shell_cat(const char *path);
int images_cmd(int argc, char **argv); /* img ls|info|create|rm */

#endif
