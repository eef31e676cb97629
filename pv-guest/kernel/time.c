/*
 * Time: Xen system time from the vCPU's pvclock (xen.h vcpu_time_info: the hypervisor makes the
 * version odd, rewrites the fields, makes it even; a reader retries until it read one even
 * version before and after), wall-clock time from shared_info's wc_* fields, and the one-shot
 * vCPU timer (VCPUOP_set_singleshot_timer), whose VIRQ_TIMER events wake the idle loop.
 */
#include <pv/arch.h>
#include <pv/events.h>
#include <pv/hypercall.h>
#include <pv/time.h>

static s_time_t boot_ns;
static s_time_t armed; /* deadline the vCPU timer is set for; 0: none */
unsigned long timer_events;

s_time_t NOW(void)
{
	volatile struct vcpu_time_info *t = &HYPERVISOR_shared_info->vcpu_info[0].time;
	uint32_t version;
	uint64_t ns;

	do {
		version = t->version;
		rmb();
		uint64_t delta = rdtsc() - t->tsc_timestamp;
		int8_t shift = t->tsc_shift;

		delta = shift < 0 ? delta >> -shift : delta << shift;
		ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		rmb();
	} while ((version & 1) || version != t->version);
	return (s_time_t)ns;
}

s_time_t boot_time(void)
{
	return boot_ns;
}

void wall_time(int64_t *sec, long *nsec)
{
	volatile struct shared_info *s = HYPERVISOR_shared_info;
	uint32_t version;
	uint64_t wsec;
	uint32_t wnsec;

	do {
		version = s->wc_version;
		rmb();
		wsec = s->wc_sec | ((uint64_t)s->wc_sec_hi << 32);
		wnsec = s->wc_nsec;
		rmb();
	} while ((version & 1) || version != s->wc_version);
	uint64_t total = wnsec + (uint64_t)NOW();

	*sec = (int64_t)(wsec + total / 1000000000ULL);
	*nsec = (long)(total % 1000000000ULL);
}

static void on_timer(evtchn_port_t port, void *data)
{
	(void)port;
	(void)data;
	timer_events++;
	armed = 0; /* fired: the scheduler re-arms for the next deadline */
}

void timer_arm(s_time_t deadline)
{
	struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = (uint64_t)deadline, .flags = 0};

	if (armed && armed <= deadline && armed > NOW())
		return;
	armed = deadline;
	(void)HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
}

void init_time(void)
{
	evtchn_port_t port;
	int rc;

	boot_ns = NOW();
	(void)HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	rc = evtchn_bind_virq(VIRQ_TIMER, on_timer, NULL, &port);
	if (rc)
		panic("time: cannot bind VIRQ_TIMER (%d)", rc);
}
