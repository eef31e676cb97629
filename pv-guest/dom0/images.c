/*
 * dom0's image store: micafs mounted from vda at start (docs/micafs.md), one lock around it,
 * and the shell's view of it (ls, cat under /images).
 */
#include <pv/blkdev.h>
#include <pv/images.h>
#include <pv/os.h>
#include <pv/sched.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micafs/micafs.h"

static struct micafs *fs;
static struct blkdev *fs_dev;
static bool locked;
static struct wait_queue lock_wq;

struct micafs *images_fs(void)
{
	return fs;
}

struct blkdev *images_dev(void)
{
	return fs_dev;
}

void images_lock(void)
{
#ifndef PV_HOST_TEST
	while (locked) {
		struct waiter w = {current_thread(), NULL};
		unsigned long flags = local_irq_save();

		if (!locked) {
			local_irq_restore(flags);
			break;
		}
		wq_add(&lock_wq, &w);
		block(current_thread());
		local_irq_restore(flags);
		schedule();
		wq_remove(&lock_wq, &w);
	}
#endif
	locked = true;
}

void images_unlock(void)
{
	locked = false;
	wake_up(&lock_wq);
}

int images_attach(struct blkdev *d)
{
	struct micafs_info info;
	char err[160];
	int rc;

	if (fs)
		return -EBUSY;
	images_lock();
	rc = micafs_mount(d, &fs, err, sizeof(err));
	images_unlock();
	if (rc) {
		printk("micafs: %s: not mounted: %s (%d); running without an image store\n", d->name,
		       err[0] ? err : "error", rc);
		return rc;
	}
	fs_dev = d;
	micafs_info(fs, &info);
	printk("micafs: %s mounted, %u images, %llu of %llu MiB free%s\n", d->name, info.files,
	       (unsigned long long)(info.free_blocks * MICAFS_BLOCK >> 20),
	       (unsigned long long)(info.blocks * MICAFS_BLOCK >> 20), info.leaked ? " (leaked blocks reclaimed)" : "");
	return 0;
}

void images_detach(void)
{
	if (!fs)
		return;
	images_lock();
	micafs_unmount(fs);
	fs = NULL;
	fs_dev = NULL;
	images_unlock();
}

int images_mount(void)
{
	struct blkdev *d = blkdev_find("vda");

	if (!d) {
		printk("micafs: no disk vda; running without an image store\n");
		return -ENODEV;
	}
	return images_attach(d);
}

/* ---- the shell ---- */

struct ls_ctx {
	const char *dir;
	size_t len;
	int found;
};

/* A file under dir (or dir itself): its name after dir. */
static int ls_one(const struct micafs_stat *st, void *arg)
{
	struct ls_ctx *c = arg;

	if (strncmp(st->name, c->dir, c->len) || (st->name[c->len] != '/' && st->name[c->len] && c->len > 1))
		return 0;
	if (!c->found++)
		printf("%12s %12s  %s\n", "SIZE", "USED", "NAME");
	printf("%12llu %12llu  %s\n", (unsigned long long)st->size, (unsigned long long)st->used, st->name);
	return 0;
}

int images_shell_ls(const char *path)
{
	struct ls_ctx c = {path, strlen(path), 0};

	while (c.len > 1 && path[c.len - 1] == '/')
		c.len--;
	if (!fs || strncmp(path, "/images", 7) || (path[7] && path[7] != '/'))
		return -ENOENT;
	images_lock();
	micafs_list(fs, ls_one, &c);
	images_unlock();
	if (!c.found && c.len > 7) {
		printf("ls: %s: no such image\n", path);
		return 1;
	}
	if (!c.found)
		printf("(no images on %s)\n", fs_dev->name);
	return 0;
}

/* Text up to the first NUL, at most 4 KiB: enough to see what a guest wrote. */
int images_shell_cat(const char *path)
{
	char *buf;
	struct micafs_stat st;
	int ino, rc;

	if (!fs || strncmp(path, "/images/", 8))
		return -ENOENT;
	buf = calloc(1, 4097);
	if (!buf)
		return 1;
	images_lock();
	ino = micafs_lookup(fs, path);
	rc = ino < 0 ? ino : micafs_stat(fs, (unsigned int)ino, &st);
	if (!rc)
		rc = micafs_read(fs, (unsigned int)ino, 0, buf, st.size < 4096 ? (size_t)st.size : 4096);
	images_unlock();
	if (rc)
		printf("cat: %s: %s\n", path, rc == -ENOENT ? "no such image" : strerror(-rc));
	else
		printf("%s\n", buf);
	free(buf);
	return rc ? 1 : 0;
}

/* "64M", "1G", "4096": bytes. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		v <<= 30, end++;
	if (*end || !v)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The shell's img command: the store from dom0's side (the host tool has the same verbs). */
int images_cmd(int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	struct micafs_info info;
	uint64_t size;
	int rc;

	if (!fs) {
		printf("img: no image store (no micafs on vda)\n");
		return 1;
	}
	if (!strcmp(verb, "ls") && argc <= 3)
		return images_shell_ls(argc == 3 ? argv[2] : "/images") < 0;
	if (!strcmp(verb, "info") && argc == 2) {
		micafs_info(fs, &info);
		printf(
		    "micafs on %s: %u of %u files, %llu of %llu blocks of %u bytes free, %llu leaked blocks reclaimed\n",
		    fs_dev->name, info.files, info.max_files, (unsigned long long)info.free_blocks,
		    (unsigned long long)info.blocks, MICAFS_BLOCK, (unsigned long long)info.leaked);
		return 0;
	}
	if (!strcmp(verb, "create") && argc == 4 && !parse_size(argv[3], &size)) {
		images_lock();
		rc = micafs_create(fs, argv[2], size);
		if (rc >= 0)
			rc = micafs_flush(fs);
		images_unlock();
	} else if (!strcmp(verb, "rm") && argc == 3) {
		images_lock();
		rc = micafs_remove(fs, argv[2]);
		if (!rc)
			rc = micafs_flush(fs);
		images_unlock();
	} else {
		printf("usage: img ls [DIR] | info | create PATH SIZE | rm PATH   (SIZE: bytes, or with K, M, G)\n");
		return 1;
	}
	if (rc < 0)
		printf("img %s %s: %s\n", verb, argv[2],
		       rc == -EINVAL   ? "bad name or size (/images/NAME; whole 512-byte sectors, at most ~3.9 GiB)"
		       : rc == -EBUSY  ? "in use by a domain"
		       : rc == -ENOENT ? "no such image"
				       : strerror(-rc));
	return rc < 0;
}
