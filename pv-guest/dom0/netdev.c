/* dom0's network devices: the table the NIC drivers fill and the bridge's uplink reads. */
#include <pv/netdev.h>

#include <errno.h>
#include <string.h>

#define NETDEV_MAX 8

static struct netdev *nics[NETDEV_MAX];
static unsigned int nr_nics;

int netdev_register(struct netdev *d)
{
	if (!d || !d->name[0] || !d->tx)
		return -EINVAL;
	if (netdev_find(d->name))
		return -EEXIST;
	if (nr_nics == NETDEV_MAX)
		return -ENOSPC;
	nics[nr_nics++] = d;
	return 0;
}

struct netdev *netdev_find(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned int i = 0; i < nr_nics; i++)
		if (!strcmp(nics[i]->name, name))
			return nics[i];
	return NULL;
}

struct netdev *netdev_get(unsigned int i)
{
	return i < nr_nics ? nics[i] : NULL;
}

#ifdef PV_HOST_TEST
void netdev_reset(void)
{
	nr_nics = 0;
}
#endif
