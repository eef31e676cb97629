/* Domains: creation, vCPUs, shutdown and crash, console output, destruction. */
#include <mica/domain.h>
#include <mica/domain_gnttab.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/mm.h>
#include <mica/spinlock.h>
#include <mica/hypercall.h>
#include <mica/printk.h>
#include <mica/pvclock.h>
#include <mica/timer.h>
#include <mica/string.h>
#include <stdarg.h>
#include <xen/sched.h>

static const char *const shutdown_names[] = {
	[SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot", [SHUTDOWN_suspend] = "suspend",
	[SHUTDOWN_crash] = "crash",       [SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
};

const char *domain_shutdown_reason_name(unsigned int reason)
{
	return reason <= SHUTDOWN_MAX ? shutdown_names[reason] : "unknown";
}

static struct domain *domain_table[DOMAIN_ID_MAX];
static spinlock_t domain_table_lock = SPINLOCK_INIT;

struct domain *domain_lookup(domid_t id)
{
	return id < DOMAIN_ID_MAX ? __atomic_load_n(&domain_table[id], __ATOMIC_ACQUIRE) : NULL;
}

static struct evtchn_domain *evtchn_lookup(domid_t id)
{
	struct domain *d = domain_lookup(id);

	return d ? &d->evtchn : NULL;
}

/* Guests find pending events by polling or blocking; upcall injection comes with the scheduler glue. */
static void evtchn_kick(struct evtchn_domain *ed, unsigned int vcpu) {}

static const struct evtchn_hooks evtchn_hooks = {
	.lookup_domain = evtchn_lookup,
	.kick_vcpu = evtchn_kick,
};

static int domain_evtchn_init(struct domain *d)
{
	d->shared_info = alloc_pages_va(0);
	d->evtchn_ports = xzalloc_array(DOMAIN_EVTCHN_PORTS, sizeof(struct evtchn));
	if (!d->shared_info || !d->evtchn_ports)
		return -ENOMEM;
	memset(d->shared_info, 0, PAGE_SIZE);
	if (evtchn_domain_init(&d->evtchn, d->domain_id, d->shared_info, d->evtchn_ports, DOMAIN_EVTCHN_PORTS,
			       d->max_vcpus, &evtchn_hooks) < 0)
		return -EINVAL;
	d->evtchn.owner = d;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		evtchn_set_vcpu_info(&d->evtchn, i, &d->shared_info->vcpu_info[i]);
	return 0;
}

/*
 * Publishes system time to every vCPU's vcpu_time_info (pvclock). Guest and
 * host share the TSC (no offsetting), so one (tsc, ns) pair stays valid as
 * long as the TSC rate holds; it is refreshed whenever shared_info is mapped.
 */
void domain_update_time(struct domain *d)
{
	uint64_t tsc = cycles_now(), ns = now_ns();
	uint32_t mul;
	int8_t shift;

	if (pvclock_scale(cycles_hz(), &shift, &mul) < 0)
		return;
	for (unsigned int i = 0; i < d->max_vcpus && i < XEN_LEGACY_MAX_VCPUS; i++)
		pvclock_update(&d->shared_info->vcpu_info[i].time, tsc, ns, shift, mul, XEN_PVCLOCK_TSC_STABLE_BIT);
}

static void domain_free(struct domain *d)
{
	domain_gnttab_destroy(d); /* only on a failed create: domain_destroy has done it */
	if (d->shared_info)
		free_pages_va(d->shared_info, 0);
	xfree(d->evtchn_ports);
	xfree(d);
}

struct domain *domain_create(domid_t id, const char *name, unsigned int max_vcpus)
{
	struct domain *d;
	unsigned long f;

	if (!max_vcpus || max_vcpus > DOMAIN_MAX_VCPUS || id >= DOMAIN_ID_MAX || domain_lookup(id))
		return NULL;
	d = xzalloc(sizeof(*d));
	if (!d)
		return NULL;
	d->domain_id = id;
	mica_strlcpy(d->name, name, sizeof(d->name));
	d->max_vcpus = max_vcpus;
	d->state = DOMAIN_BUILDING;
	d->ram.lock = (spinlock_t)SPINLOCK_INIT;
	if (domain_evtchn_init(d) < 0 || arch_domain_create(d) < 0) {
		domain_free(d);
		return NULL;
	}
	if (domain_gnttab_create(d) < 0) {
		arch_domain_destroy(d);
		domain_free(d);
		return NULL;
	}
	f = spin_lock_irqsave(&domain_table_lock);
	if (domain_table[id]) {
		spin_unlock_irqrestore(&domain_table_lock, f);
		arch_domain_destroy(d);
		domain_free(d);
		return NULL;
	}
	__atomic_store_n(&domain_table[id], d, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&domain_table_lock, f);
	return d;
}

struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
	struct vcpu *v;

	if (id >= d->max_vcpus || d->vcpus[id])
		return NULL;
	v = xzalloc(sizeof(*v));
	if (!v)
		return NULL;
	v->domain = d;
	v->vcpu_id = id;
	if (arch_vcpu_create(v) < 0) {
		xfree(v);
		return NULL;
	}
	d->vcpus[id] = v;
	return v;
}

void domain_destroy_vcpus(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		if (!d->vcpus[i])
			continue;
		arch_vcpu_destroy(d->vcpus[i]);
		xfree(d->vcpus[i]);
		d->vcpus[i] = NULL;
	}
}

/*
 * Callers make sure no CPU still works on d (its vCPUs have stopped and no
 * other domain is inside an event channel operation that reaches it).
 */
void domain_destroy(struct domain *d)
{
	unsigned long f = spin_lock_irqsave(&domain_table_lock);

	if (d->domain_id < DOMAIN_ID_MAX && domain_table[d->domain_id] == d)
		__atomic_store_n(&domain_table[d->domain_id], NULL, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&domain_table_lock, f);
	domain_destroy_vcpus(d);
	evtchn_domain_destroy(&d->evtchn);
	domain_gnttab_destroy(d); /* before the RAM and the p2m: it unmaps what d maps of others */
	guest_ram_destroy(d);
	arch_domain_destroy(d);
	domain_free(d);
	heap_trim(); /* give the heap's cached empty pages back, so all of the domain's memory returns */
}

static void console_flush(struct domain *d)
{
	if (!d->console_len)
		return;
	printk("(d%u) %.*s\n", d->domain_id, (int)d->console_len, d->console_line);
	d->console_len = 0;
}

/* Control characters other than tab and newline are shown as '.', as Xen does. */
void domain_console_write(struct domain *d, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			console_flush(d);
			continue;
		}
		if (c == '\r')
			continue;
		if ((unsigned char)c < 0x20 && c != '\t')
			c = '.';
		if (d->console_len == sizeof(d->console_line))
			console_flush(d);
		d->console_line[d->console_len++] = c;
	}
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
	console_flush(d);
	d->state = DOMAIN_SHUTDOWN;
	d->shutdown_reason = reason;
	printk("Mica: d%u (%s) shut down: %s\n", d->domain_id, d->name, domain_shutdown_reason_name(reason));
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf_k(why, sizeof(why), fmt, ap);
	va_end(ap);
	console_flush(d);
	printk("Mica: d%u (%s) crashed: %s\n", d->domain_id, d->name, why);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			arch_vcpu_dump(d->vcpus[i]);
	d->state = DOMAIN_CRASHED;
}
