/* dom0's block devices: the table the disk drivers fill and the filesystem and blkback read. */
#include <pv/blkdev.h>

#include <errno.h>
#include <string.h>

#define BLKDEV_MAX 8

static struct blkdev *disks[BLKDEV_MAX];
static unsigned int nr_disks;

int blkdev_register(struct blkdev *d)
{
	if (!d || !d->name[0] || !d->read || !d->write || !d->flush)
		return -EINVAL;
	if (blkdev_find(d->name))
		return -EEXIST;
	if (nr_disks == BLKDEV_MAX)
		return -ENOSPC;
	disks[nr_disks++] = d;
	return 0;
}

struct blkdev *blkdev_find(const char *name)
{
	if (!name)
		return NULL;
	if (!strncmp(name, "/dev/", 5))
		name += 5;
	for (unsigned int i = 0; i < nr_disks; i++)
		if (!strcmp(disks[i]->name, name))
			return disks[i];
	return NULL;
}

struct blkdev *blkdev_get(unsigned int i)
{
	return i < nr_disks ? disks[i] : NULL;
}

#ifdef PV_HOST_TEST
void blkdev_reset(void)
{
	nr_disks = 0;
}
#endif
