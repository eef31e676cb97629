/*
 * Device hot-plug (drivers/hotplug.c): vifs and vbds the toolstack attaches to the running
 * domain are connected as they appear in device/, and closed when their backend closes.
 */
#ifndef PV_HOTPLUG_H
#define PV_HOTPLUG_H

#include <pv/os.h>

int hotplug_start(void); /* the watching thread; -ENODEV without a store */
/* One line per hot-plugged device (kind, id, state, backend); the length written. */
int hotplug_status(char *buf, size_t size);
/*
 * The blk command's access to a hot-plugged vbd (by its number, "51728"): NULL if there is none.
 * While borrowed it is not closed; hotplug_blk_put gives it back.
 */
struct blkdev;
struct blkdev *hotplug_blk_get(const char *id);
void hotplug_blk_put(struct blkdev *dev);

#endif
