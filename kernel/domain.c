/* Domains: creation, vCPUs, shutdown and crash, console output, destruction. */
#include <stdarg.h>
#include <asm/hvm.h>
#include <mica/domain.h>
#include <mica/domain_gnttab.h>
#include <mica/errno.h>
#include <mica/foreign_map.h>
#include <mica/guest_mem.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/pvclock.h>
#include <mica/spinlock.h>
#include <mica/string.h>
#include <mica/timer.h>
#include <xen/sched.h>

static const char *const shutdown_names[] = {
    [SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",     [SHUTDOWN_suspend] = "suspend",
    [SHUTDOWN_crash] = "crash",       [SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
};

static const char *const state_names[] = {"building", "running", "shut down", "crashed"};

void domain_dump_all(void)
{
	for (unsigned int id = 0; id < DOMAIN_ID_MAX; id++) {
		struct domain *d = domain_lookup((domid_t)id);

		if (!d)
			continue;
		printk("d%u (%s): %s%s%s, %lu KiB, %u vCPUs, pause count %d\n", id, d->name, state_names[d->state],
		       d->state == DOMAIN_SHUTDOWN ? " for " : "",
		       d->state == DOMAIN_SHUTDOWN ? domain_shutdown_reason_name(d->shutdown_reason) : "",
		       d->mem_pages * 4, d->max_vcpus, d->pause_count);
		if (d->dma.pages)
			printk("  DMA memory: %lu KiB in %u blocks (at most %llu KiB)\n", d->dma.pages * 4, d->dma.nr,
			       DMA_MEM_LIMIT_PAGES * 4);
		for (unsigned int i = 0; i < d->max_vcpus; i++) {
			struct vcpu *v = d->vcpus[i];

			if (!v)
				continue;
			printk("  vCPU%u: %s%s%s%s, on CPU %d (last %u), %lu ms run, %lu exits, %lu hypercalls, "
			       "upcall pending %u\n",
			       i, v->pause_flags & VPF_DOWN ? "down" : "up",
			       v->pause_flags & VPF_BLOCKED ? ", blocked" : "",
			       v->pause_flags & VPF_PAUSED ? ", paused" : "", v->polling ? ", polling" : "", v->ctx_cpu,
			       v->sched.cpu, v->sched.run_ns / 1000000, v->arch.hvm.exits, v->hypercalls,
			       vcpu_info_of(v)->evtchn_upcall_pending);
		}
	}
}

const char *domain_shutdown_reason_name(unsigned int reason)
{
	return reason <= SHUTDOWN_MAX ? shutdown_names[reason] : "unknown";
}

static struct domain *domain_table[DOMAIN_ID_MAX];
static bool id_torn_down[DOMAIN_ID_MAX]; /* unpublished, its memory not all back yet */
static spinlock_t domain_table_lock = SPINLOCK_INIT;

struct domain *domain_lookup(domid_t id)
{
	return id < DOMAIN_ID_MAX ? __atomic_load_n(&domain_table[id], __ATOMIC_ACQUIRE) : NULL;
}

bool domain_id_torn_down(domid_t id)
{
	return id < DOMAIN_ID_MAX && __atomic_load_n(&id_torn_down[id], __ATOMIC_ACQUIRE);
}

static struct evtchn_domain *evtchn_lookup(domid_t id)
{
	struct domain *d = domain_lookup(id);

	return d ? &d->evtchn : NULL;
}

/* An event is pending for the vCPU: the scheduler wakes it or makes it look (mica/sched.h). */
static void evtchn_kick(struct evtchn_domain *ed, unsigned int vcpu)
{
	struct domain *d = ed->owner;

	if (vcpu < d->max_vcpus && d->vcpus[vcpu])
		vcpu_kick(d->vcpus[vcpu]);
}

/* A port of the domain became pending, masked or not: its vCPUs in SCHEDOP_poll wake and look. */
static void evtchn_port_set(struct evtchn_domain *ed, evtchn_port_t port)
{
	struct domain *d = ed->owner;

	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		if (v && __atomic_load_n(&v->polling, __ATOMIC_ACQUIRE))
			vcpu_pause_flags_clear(v, VPF_BLOCKED);
	}
}

static const struct evtchn_hooks evtchn_hooks = {
    .lookup_domain = evtchn_lookup,
    .kick_vcpu = evtchn_kick,
    .port_set = evtchn_port_set,
    .alloc = xzalloc,
    .free = xfree,
};

static int domain_evtchn_init(struct domain *d)
{
	unsigned int ports = d->domain_id == 0 ? DOMAIN_EVTCHN_PORTS_DOM0 : DOMAIN_EVTCHN_PORTS;
	int rc;

	d->shared_info = alloc_pages_va(0);
	if (!d->shared_info)
		return -ENOMEM;
	memset(d->shared_info, 0, PAGE_SIZE);
	/* every vCPU's vcpu_info starts in shared_info */
	rc = evtchn_domain_init(&d->evtchn, d->domain_id, d->shared_info, ports, d->max_vcpus, &evtchn_hooks);
	if (rc < 0)
		return rc;
	d->evtchn.owner = d;
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

	pvclock_set_wallclock(d->shared_info, wallclock_at_boot_ns());
	if (pvclock_scale(cycles_hz(), &shift, &mul) < 0)
		return;
	for (unsigned int i = 0; i < d->max_vcpus && i < XEN_LEGACY_MAX_VCPUS; i++)
		if (d->vcpus[i])
			pvclock_update(&vcpu_info_of(d->vcpus[i])->time, tsc, ns, shift, mul,
				       XEN_PVCLOCK_TSC_STABLE_BIT);
}

static void domain_free(struct domain *d)
{
	domain_console_free(d);
	xfree(d->console_line);
	xfree(d->ring_line);
	xfree(d->console_in);
	domain_gnttab_destroy(d); /* only on a failed create: domain_teardown has done it */
	if (d->shared_info)
		free_pages_va(d->shared_info, 0);
	evtchn_domain_free(&d->evtchn);
	xfree(d);
}

static unsigned int domains_alive;

/* The singleshot timer: VIRQ_TIMER to its vCPU (which wakes it if it blocks on it). */
static void vcpu_singleshot_fired(void *arg)
{
	struct vcpu *v = arg;

	evtchn_send_virq(&v->domain->evtchn, VIRQ_TIMER, v->vcpu_id);
}

/* SCHEDOP_poll timed out. */
static void vcpu_poll_timeout(void *arg)
{
	struct vcpu *v = arg;

	if (__atomic_load_n(&v->polling, __ATOMIC_ACQUIRE))
		vcpu_pause_flags_clear(v, VPF_BLOCKED);
}

static struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
	struct vcpu *v = xzalloc(sizeof(*v));

	if (!v)
		return NULL;
	v->domain = d;
	v->vcpu_id = id;
	v->ctx_cpu = -1;
	timer_init(&v->singleshot_timer, vcpu_singleshot_fired, v);
	timer_init(&v->poll_timer, vcpu_poll_timeout, v);
	if (arch_vcpu_create(v) < 0) {
		xfree(v);
		return NULL;
	}
	if (sched_add_vcpu(v, 0) < 0) {
		arch_vcpu_destroy(v);
		xfree(v);
		return NULL;
	}
	d->vcpus[id] = v;
	return v;
}

/* The vCPU does not run and will not: its timers stop, the scheduler forgets it, its memory goes. */
static void vcpu_destroy(struct vcpu *v)
{
	timer_kill(&v->singleshot_timer);
	timer_kill(&v->poll_timer);
	sched_remove_vcpu(v); /* waits until no CPU holds its context */
	arch_vcpu_destroy(v);
	guest_page_put(v->vcpu_info_page);
	v->domain->vcpus[v->vcpu_id] = NULL;
	xfree(v);
}

/*
 * Event channels go first: closing them waits for any other domain in the
 * middle of raising one of d's ports (which may kick d's vCPUs), and no event
 * reaches d afterwards. Then its vCPUs, timers first.
 */
static void domain_teardown(struct domain *d)
{
	evtchn_domain_destroy(&d->evtchn);
	foreign_map_domain_gone(d); /* what it mapped of others': references dropped */
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			vcpu_destroy(d->vcpus[i]);
	sched_remove_domain(d);
	domain_gnttab_destroy(d); /* before the RAM and the p2m: it unmaps what d maps of others */
	guest_ram_destroy(d);
	dma_mem_destroy(d); /* device memory and MMIO mappings go with the p2m below */
	arch_domain_destroy(d);
	domain_free(d);
	heap_trim(); /* give the heap's cached empty pages back, so all of the domain's memory returns */
}

static uint64_t generations; /* domains created since boot */

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
	d->generation = __atomic_add_fetch(&generations, 1, __ATOMIC_RELAXED);
	d->created_ns = now_ns();
	mica_strlcpy(d->name, name, sizeof(d->name));
	d->max_vcpus = max_vcpus;
	d->state = DOMAIN_BUILDING;
	d->pause_count = 1; /* until domain_start */
	d->console_lock = (spinlock_t)SPINLOCK_INIT;
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
	if (sched_add_domain(d, CSCHED_WEIGHT_DEFAULT, 0) < 0) {
		arch_domain_destroy(d);
		domain_free(d);
		return NULL;
	}
	for (unsigned int i = 0; i < max_vcpus; i++) {
		if (!vcpu_create(d, i)) {
			domain_teardown(d);
			return NULL;
		}
	}
	f = spin_lock_irqsave(&domain_table_lock);
	if (domain_table[id]) {
		spin_unlock_irqrestore(&domain_table_lock, f);
		domain_teardown(d);
		return NULL;
	}
	__atomic_store_n(&domain_table[id], d, __ATOMIC_RELEASE);
	domains_alive++;
	spin_unlock_irqrestore(&domain_table_lock, f);
	return d;
}

void vcpu_start_pvh(struct vcpu *v, uint32_t entry, uint32_t start_info)
{
	struct hvm_init_state st;

	hvm_pvh_init_state(&st, entry, start_info);
	hvm_vcpu_set_init_state(v, &st);
	v->initialised = true;
	vcpu_pause_flags_clear(v, VPF_DOWN);
}

void domain_start(struct domain *d)
{
	d->state = DOMAIN_RUNNING;
	domain_unpause(d);
}

/* Not for a domain's own vCPU: it waits until none of the domain's vCPUs is on a CPU. */
void domain_pause(struct domain *d)
{
	__atomic_fetch_add(&d->pause_count, 1, __ATOMIC_SEQ_CST);
	domain_sched_update(d);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			vcpu_sync_context(d->vcpus[i]);
}

void domain_unpause(struct domain *d)
{
	if (__atomic_sub_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST) < 0)
		__atomic_store_n(&d->pause_count, 0, __ATOMIC_SEQ_CST);
	domain_sched_update(d);
}

/*
 * Callers make sure none of d's vCPUs runs (it stopped, or it is paused).
 * Other CPUs may still be inside a hypercall that found d by its id just
 * before it was unpublished: they are waited for before anything is freed.
 */
static void destroy(struct domain *d, bool last_may_go)
{
	unsigned long f = spin_lock_irqsave(&domain_table_lock);
	domid_t id = d->domain_id;
	bool was_alive = false;
	uint64_t t0;

	if (id < DOMAIN_ID_MAX && domain_table[id] == d) {
		__atomic_store_n(&id_torn_down[id], true, __ATOMIC_SEQ_CST); /* seen by whoever misses d */
		__atomic_store_n(&domain_table[id], NULL, __ATOMIC_SEQ_CST);
		was_alive = true;
		domains_alive--;
	}
	spin_unlock_irqrestore(&domain_table_lock, f);
	t0 = cycles_now();
	arch_synchronize_hypercalls();
	domain_teardown(d);
	if (was_alive)
		__atomic_store_n(&id_torn_down[id], false, __ATOMIC_RELEASE);
	printk("Mica: d%u destroyed (%lu TSC cycles)\n", id, cycles_now() - t0);
	if (was_alive && last_may_go && !__atomic_load_n(&domains_alive, __ATOMIC_ACQUIRE))
		arch_domains_gone();
}

void domain_destroy(struct domain *d)
{
	destroy(d, true);
}

void domain_destroy_keep(struct domain *d)
{
	destroy(d, false);
}

unsigned int domain_count(void)
{
	return __atomic_load_n(&domains_alive, __ATOMIC_ACQUIRE);
}

static void line_flush(struct domain *d, struct console_buf *l)
{
	if (!l || (!l->len && !l->open))
		return;
	if (l->open || domain_console_attached(d)) /* `mica console`: as the domain wrote it */
		printk("%.*s\n", (int)l->len, l->buf);
	else
		printk("(d%u) %.*s\n", d->domain_id, (int)l->len, l->buf);
	l->len = 0;
	l->open = 0;
}

/*
 * The domain that has the console's input is typed at: what it wrote of an unfinished line (a
 * prompt, echoed characters) is shown now, the rest of the line when it comes.
 */
static void line_show_partial(struct domain *d, struct console_buf *l)
{
	if (!l->len)
		return;
	if (l->open || domain_console_attached(d))
		printk("%.*s", (int)l->len, l->buf);
	else
		printk("(d%u) %.*s", d->domain_id, (int)l->len, l->buf);
	l->len = 0;
	l->open = 1;
}

static void console_flush(struct domain *d)
{
	line_flush(d, __atomic_load_n(&d->console_line, __ATOMIC_ACQUIRE));
	line_flush(d, __atomic_load_n(&d->ring_line, __ATOMIC_ACQUIRE));
}

_Static_assert(sizeof(struct console_buf) == 256, "a console buffer is one 256-byte heap object");

struct console_buf *domain_console_buf(struct console_buf **slot)
{
	struct console_buf *b = __atomic_load_n(slot, __ATOMIC_ACQUIRE), *fresh;

	if (b)
		return b;
	fresh = xzalloc(sizeof(*fresh));
	if (!fresh)
		return NULL;
	if (__atomic_compare_exchange_n(slot, &b, fresh, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return fresh;
	xfree(fresh); /* another CPU was first */
	return b;
}

/*
 * Control characters other than tab, backspace (line editing) and newline are shown as '.', as Xen
 * does. Without memory for the line buffer, a buffer on the stack stands in: lines then end where
 * the write does.
 */
static void line_write(struct domain *d, struct console_buf **slot, const char *buf, size_t len)
{
	struct console_buf *l = domain_console_buf(slot), spare = {0};
	unsigned long f = spin_lock_irqsave(&d->console_lock);

	if (!l)
		l = &spare;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			line_flush(d, l);
			continue;
		}
		if (c == '\r')
			continue;
		if ((unsigned char)c < 0x20 && c != '\t' && c != '\b')
			c = '.';
		if (l->len == sizeof(l->buf))
			line_flush(d, l);
		l->buf[l->len++] = c;
	}
	if (l == &spare)
		line_flush(d, l);
	else if (domain_console_has_focus(d))
		line_show_partial(d, l);
	spin_unlock_irqrestore(&d->console_lock, f);
}

void domain_console_write(struct domain *d, const char *buf, size_t len)
{
	line_write(d, &d->console_line, buf, len);
}

void domain_ring_write(struct domain *d, const char *buf, size_t len)
{
	line_write(d, &d->ring_line, buf, len);
}

static enum domain_action stop_action(const struct domain *d)
{
	if (d->state == DOMAIN_CRASHED)
		return d->on_crash;
	switch (d->shutdown_reason) {
	case SHUTDOWN_poweroff:
		return d->on_poweroff;
	case SHUTDOWN_reboot:
	case SHUTDOWN_soft_reset:
		return d->on_reboot;
	case SHUTDOWN_suspend:
		return DOMAIN_ACTION_PRESERVE; /* a toolstack would save it */
	default:                               /* crash, watchdog */
		return d->on_crash;
	}
}

/*
 * On the boot CPU, once a domain stopped: its vCPUs are asleep; when every
 * one is off its CPU, its policy applies. A restart is the builder's (it
 * knows what to build again); a domain nobody can rebuild is destroyed.
 */
static void domain_stopped(void *arg)
{
	struct domain *d = arg;
	enum domain_action a;
	uint64_t exits = 0, hypercalls = 0;
	unsigned long f;

	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		if (!d->vcpus[i])
			continue;
		exits += d->vcpus[i]->arch.hvm.exits;
		hypercalls += d->vcpus[i]->hypercalls;
		vcpu_sync_context(d->vcpus[i]);
		timer_kill(&d->vcpus[i]->singleshot_timer);
		timer_kill(&d->vcpus[i]->poll_timer);
	}
	printk("Mica: d%u (%s) stopped after %lu exits and %lu hypercalls\n", d->domain_id, d->name, exits, hypercalls);
	/* Decided under the lock domain_kill takes: either it sees the domain kept, or this sees it dying. */
	f = spin_lock_irqsave(&d->console_lock);
	a = d->dying ? DOMAIN_ACTION_DESTROY : stop_action(d);
	if (a == DOMAIN_ACTION_PRESERVE || (a == DOMAIN_ACTION_RESTART && !d->restart && d->toolstack_restarts))
		d->stop_handled = true;
	spin_unlock_irqrestore(&d->console_lock, f);
	if (a == DOMAIN_ACTION_RESTART && !d->restart && d->toolstack_restarts) {
		printk("Mica: d%u (%s) stopped: kept for its toolstack to restart\n", d->domain_id, d->name);
		return;
	}
	if (a == DOMAIN_ACTION_RESTART && !d->restart) {
		printk("Mica: d%u (%s) cannot be restarted (nothing to rebuild it from); destroying it\n", d->domain_id,
		       d->name);
		a = DOMAIN_ACTION_DESTROY;
	}
	switch (a) {
	case DOMAIN_ACTION_PRESERVE:
		printk("Mica: d%u (%s) preserved: it stays, stopped, until destroyed\n", d->domain_id, d->name);
		break;
	case DOMAIN_ACTION_RESTART:
		d->restart(d);
		break;
	default:
		domain_destroy(d);
		break;
	}
}

/* The first reason wins: a domain that already stopped stays stopped as it was (a dying one too). */
static bool domain_stop(struct domain *d, enum domain_state state, unsigned int reason)
{
	unsigned long f = spin_lock_irqsave(&d->console_lock);
	bool first = !d->dying && (d->state == DOMAIN_RUNNING || d->state == DOMAIN_BUILDING);

	if (first) {
		d->state = state;
		d->shutdown_reason = reason;
	}
	console_flush(d);
	spin_unlock_irqrestore(&d->console_lock, f);
	return first;
}

/*
 * The boot CPU destroys d in domain_stopped(), which only ever runs once per
 * queueing and never concurrently with itself. One queueing suffices: if d
 * stopped and its policy is still to be applied, that pending run destroys
 * it; otherwise (d never stopped, or its policy kept it) the kill queues one.
 * Once dying, d cannot stop any more, so nothing else queues it.
 */
bool domain_kill(struct domain *d)
{
	unsigned long f = spin_lock_irqsave(&d->console_lock);
	bool queue;

	if (d->dying) {
		spin_unlock_irqrestore(&d->console_lock, f);
		return false;
	}
	d->dying = true;
	queue = !domain_is_dead(d) || d->stop_handled;
	console_flush(d);
	spin_unlock_irqrestore(&d->console_lock, f);
	__atomic_fetch_add(&d->pause_count, 1, __ATOMIC_SEQ_CST); /* never runs again */
	domain_sched_update(d);
	if (queue)
		sched_defer(&d->stop_work, domain_stopped, d);
	return true;
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
	if (!domain_stop(d, DOMAIN_SHUTDOWN, reason))
		return;
	printk("Mica: d%u (%s) shut down: %s\n", d->domain_id, d->name, domain_shutdown_reason_name(reason));
	domain_sched_update(d);
	sched_defer(&d->stop_work, domain_stopped, d);
}

/* Only the vCPUs whose context this CPU holds can be dumped (the one that crashed, normally). */
void domain_crash(struct domain *d, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf_k(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!domain_stop(d, DOMAIN_CRASHED, SHUTDOWN_crash))
		return;
	printk("Mica: d%u (%s) crashed: %s\n", d->domain_id, d->name, why);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i] && d->vcpus[i]->ctx_cpu == (int)arch_cpu_id())
			arch_vcpu_dump(d->vcpus[i]);
	domain_sched_update(d);
	sched_defer(&d->stop_work, domain_stopped, d);
}
