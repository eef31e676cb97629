/*
 * The on_poweroff / on_reboot / on_crash actions of the domains `mica create` built. The
 * hypervisor destroys or preserves a stopped domain itself; for restart and rename-restart it
 * keeps the domain, stopped (MICA_CTL_ACTION_RESTART), and this "restarter" thread, which lists
 * the domains every RESTART_SCAN_MS, builds it again from the config it was created from: as a
 * new domain (new id, same name and devices), the old one, renamed "<name>-d<id>" first,
 * destroyed afterwards (restart) or kept (rename-restart). A domain that stops again and again within QUICK_NS of its start
 * is not restarted after QUICK_MAX such restarts in a row, as xl refuses a restart loop.
 */
#include <pv/dom0.h>
#include <pv/os.h>
#include <pv/sched.h>
#include <pv/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/sched.h>

#include "toolstack.h"

#define RESTART_SCAN_MS 200
#define QUICK_NS SECONDS(10)
#define QUICK_MAX 3
#define MAX_DOMS 64

struct kept {
	uint16_t domid;
	uint64_t generation;
	bool handled;   /* its stop was acted on */
	unsigned quick; /* restarts in a row that came within QUICK_NS of the start */
	char path[XLCFG_PATH_MAX];
	struct xl_domain_config cfg;
	struct kept *next;
};

static struct kept *kept;
static bool restarter_running;

static const char *const action_names[] = {
    [XLCFG_ACTION_DESTROY] = "destroy",
    [XLCFG_ACTION_RESTART] = "restart",
    [XLCFG_ACTION_RENAME_RESTART] = "rename-restart",
    [XLCFG_ACTION_PRESERVE] = "preserve",
};

static void check_action(enum xlcfg_action *a, const char *key)
{
	if (*a == XLCFG_ACTION_COREDUMP_DESTROY || *a == XLCFG_ACTION_COREDUMP_RESTART ||
	    *a == XLCFG_ACTION_SOFT_RESET) {
		enum xlcfg_action to =
		    *a == XLCFG_ACTION_COREDUMP_RESTART ? XLCFG_ACTION_RESTART : XLCFG_ACTION_DESTROY;

		fprintf(stderr, "warning: %s=\"%s\": Mica takes no coredumps and does no soft reset: %s instead\n", key,
			xlcfg_action_name(*a), action_names[to]);
		*a = to;
	}
}

void toolstack_check_actions(struct xl_domain_config *cfg)
{
	check_action(&cfg->on_poweroff, "on_poweroff");
	check_action(&cfg->on_reboot, "on_reboot");
	check_action(&cfg->on_crash, "on_crash");
}

uint8_t toolstack_ctl_action(enum xlcfg_action a)
{
	if (a == XLCFG_ACTION_RESTART || a == XLCFG_ACTION_RENAME_RESTART)
		return MICA_CTL_ACTION_RESTART;
	return a == XLCFG_ACTION_PRESERVE ? MICA_CTL_ACTION_PRESERVE : MICA_CTL_ACTION_DESTROY;
}

static int list_domains(struct mica_ctl_dominfo *info, unsigned max)
{
	struct mica_ctl c = {.cmd = MICA_CTL_DOMAIN_LIST, .domain = 1};
	int rc;

	c.u.list.buffer = (uint64_t)(uintptr_t)info;
	c.u.list.max_entries = max;
	rc = dom0_ctl(&c);
	return rc ? rc : (int)c.u.list.nr_entries;
}

/* The action its config gives for how it stopped (Xen's SHUTDOWN_*), as the hypervisor decides. */
static enum xlcfg_action action_for(const struct xl_domain_config *cfg, const struct mica_ctl_dominfo *d)
{
	if (d->state == MICA_CTL_STATE_CRASHED)
		return cfg->on_crash;
	switch (d->shutdown_reason) {
	case SHUTDOWN_poweroff:
		return cfg->on_poweroff;
	case SHUTDOWN_reboot:
	case SHUTDOWN_soft_reset:
		return cfg->on_reboot;
	case SHUTDOWN_suspend:
		return XLCFG_ACTION_PRESERVE;
	default:
		return cfg->on_crash;
	}
}

static const char *stop_word(const struct mica_ctl_dominfo *d)
{
	if (d->state == MICA_CTL_STATE_CRASHED)
		return "crashed";
	switch (d->shutdown_reason) {
	case SHUTDOWN_poweroff:
		return "powered off";
	case SHUTDOWN_reboot:
		return "rebooted";
	default:
		return "crashed";
	}
}

static int ctl_simple(uint32_t cmd, uint16_t dom)
{
	struct mica_ctl c = {.cmd = cmd, .domain = dom};

	return dom0_ctl(&c);
}

static struct kept *find_kept(uint16_t domid, uint64_t generation)
{
	for (struct kept *k = kept; k; k = k->next)
		if (k->domid == domid && k->generation == generation)
			return k;
	return NULL;
}

/* The stopped domain becomes "<name>-d<id>" (rename-restart keeps it so). */
static void rename_old(const struct mica_ctl_dominfo *d)
{
	struct mica_ctl c = {.cmd = MICA_CTL_DOMAIN_RENAME, .domain = d->domain};
	char suffix[12];
	int keep;

	snprintf(suffix, sizeof(suffix), "-d%u", d->domain);
	keep = (int)MIN(strnlen(d->name, MICA_CTL_NAME_LEN), MICA_CTL_NAME_LEN - 1 - strlen(suffix));
	snprintf(c.u.rename.name, sizeof(c.u.rename.name), "%.*s%s", keep, d->name, suffix);
	if (dom0_ctl(&c))
		ctl_simple(MICA_CTL_DOMAIN_DESTROY, d->domain); /* its name must go to the new one */
}

/* Until the destroyed domain is gone (5 s at most); then the store releases it and its devices. */
static void wait_gone(uint16_t dom, uint64_t generation)
{
	for (int i = 0; i < 100; i++) {
		struct mica_ctl c = {.cmd = MICA_CTL_DOMAIN_INFO, .domain = dom};

		if (dom0_ctl(&c) || c.u.info.generation != generation)
			break;
		msleep(50);
	}
	dom0_store_scan();
}

static void restart(struct kept *k, const struct mica_ctl_dominfo *d, enum xlcfg_action a)
{
	unsigned quick = d->uptime_ns < (uint64_t)QUICK_NS ? k->quick + 1 : 0;
	char errbuf[256] = "";
	uint16_t domid;
	int rc;

	if (quick > QUICK_MAX) {
		printk("mica: domain %u (%s) %s within %lld s of its start %u times in a row: not restarting it\n",
		       d->domain, k->cfg.name, stop_word(d), QUICK_NS / SECONDS(1), quick);
		ctl_simple(MICA_CTL_DOMAIN_DESTROY, d->domain);
		return;
	}
	/*
	 * As xl: restart destroys the old domain first, so that what it held (an image opened for
	 * writing, its vif's MAC) is free for the new one; rename-restart keeps it under another name.
	 */
	if (a == XLCFG_ACTION_RESTART) {
		ctl_simple(MICA_CTL_DOMAIN_DESTROY, d->domain);
		wait_gone(d->domain, d->generation);
	} else {
		rename_old(d);
	}
	rc = toolstack_build(&k->cfg, k->path, false, &domid, errbuf, sizeof(errbuf));
	if (rc) {
		printk("mica: domain %u (%s) %s: restarting it failed: %s\n", d->domain, k->cfg.name, stop_word(d),
		       errbuf);
		return;
	}
	printk("mica: domain %u (%s) %s: restarted as d%u\n", d->domain, k->cfg.name, stop_word(d), domid);
	for (struct kept *n = kept; n; n = n->next)
		if (n->domid == domid && !n->handled)
			n->quick = quick;
}

static void scan(void)
{
	static struct mica_ctl_dominfo info[MAX_DOMS];
	int n = list_domains(info, MAX_DOMS);

	if (n < 0)
		return;
	/* Records of domains that are gone go. */
	for (struct kept **pp = &kept; *pp;) {
		struct kept *k = *pp;
		bool alive = false;

		for (int i = 0; i < n; i++)
			alive |= info[i].domain == k->domid && info[i].generation == k->generation;
		if (alive) {
			pp = &k->next;
			continue;
		}
		*pp = k->next;
		free(k);
	}
	for (int i = 0; i < n; i++) {
		const struct mica_ctl_dominfo *d = &info[i];
		struct kept *k = find_kept(d->domain, d->generation);
		enum xlcfg_action a;

		if (!k || k->handled || (d->flags & MICA_CTL_DOMF_DYING) ||
		    (d->state != MICA_CTL_STATE_SHUTDOWN && d->state != MICA_CTL_STATE_CRASHED))
			continue;
		k->handled = true;
		a = action_for(&k->cfg, d);
		if (a == XLCFG_ACTION_RESTART || a == XLCFG_ACTION_RENAME_RESTART)
			restart(k, d, a); /* adds a record at the head: the ones after k are unchanged */
	}
}

static void restarter(void *arg)
{
	(void)arg;
	for (;;) {
		msleep(RESTART_SCAN_MS);
		scan();
	}
}

void toolstack_keep(uint16_t domid, const struct xl_domain_config *cfg, const char *cfg_path)
{
	struct mica_ctl c = {.cmd = MICA_CTL_DOMAIN_INFO, .domain = domid};
	struct kept *k;

	if (dom0_ctl(&c))
		return;
	k = calloc(1, sizeof(*k));
	if (!k) {
		printk("mica: no memory to remember d%u's config: it will not be restarted\n", domid);
		return;
	}
	k->domid = domid;
	k->generation = c.u.info.generation;
	snprintf(k->path, sizeof(k->path), "%s", cfg_path);
	k->cfg = *cfg;
	k->next = kept;
	kept = k;
	if (!restarter_running)
		restarter_running = create_thread("restarter", restarter, NULL) != NULL;
}
