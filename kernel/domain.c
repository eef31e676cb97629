/* Domains: creation, vCPUs, shutdown and crash, console output, destruction. */
#include <mica/domain.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/printk.h>
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

struct domain *domain_create(domid_t id, const char *name, unsigned int max_vcpus)
{
	struct domain *d;

	if (!max_vcpus || max_vcpus > DOMAIN_MAX_VCPUS)
		return NULL;
	d = xzalloc(sizeof(*d));
	if (!d)
		return NULL;
	d->domain_id = id;
	mica_strlcpy(d->name, name, sizeof(d->name));
	d->max_vcpus = max_vcpus;
	d->state = DOMAIN_BUILDING;
	if (arch_domain_create(d) < 0) {
		xfree(d);
		return NULL;
	}
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

void domain_destroy(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		if (!d->vcpus[i])
			continue;
		arch_vcpu_destroy(d->vcpus[i]);
		xfree(d->vcpus[i]);
	}
	arch_domain_destroy(d);
	xfree(d);
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
