/*
 * The console. With a PV console ring (HVM_PARAM_CONSOLE_PFN/EVTCHN, xen/io/console.h) output
 * goes into its out ring and input comes from its in ring, each side moving its index after
 * the data with a barrier between and notifying the other over the event channel. Without one
 * (a dom0, or before init_console) output goes through console_io(CONSOLEIO_write) and input
 * comes from CONSOLEIO_read, with VIRQ_CONSOLE saying when there is some.
 */
#include <pv/console.h>
#include <pv/events.h>
#include <pv/hypercall.h>
#include <pv/sched.h>

#include <string.h>

#include <xen/io/console.h>

static struct xencons_interface *ring;
static evtchn_port_t ring_port;
static struct wait_queue input_wq = WAIT_QUEUE_INIT, output_wq = WAIT_QUEUE_INIT;
static volatile bool io_input; /* console_io: VIRQ_CONSOLE said input may be waiting */
static bool threads_ready;

static void on_console_event(evtchn_port_t port, void *data)
{
	(void)port;
	(void)data;
	io_input = true;
	wake_up(&input_wq);
	wake_up(&output_wq);
}

void init_console(void)
{
	struct xen_hvm_param pfn = {.domid = DOMID_SELF, .index = HVM_PARAM_CONSOLE_PFN};
	struct xen_hvm_param evt = {.domid = DOMID_SELF, .index = HVM_PARAM_CONSOLE_EVTCHN};
	evtchn_port_t virq_port;

	threads_ready = true;
	if (!HYPERVISOR_hvm_op(HVMOP_get_param, &pfn) && !HYPERVISOR_hvm_op(HVMOP_get_param, &evt) && pfn.value &&
	    evt.value) {
		ring_port = (evtchn_port_t)evt.value;
		ring = gfn_to_virt(pfn.value);
		if (evtchn_bind(ring_port, on_console_event, NULL) == 0)
			return;
		ring = NULL;
	}
	/* console_io: input arrives with VIRQ_CONSOLE (a dom0's; others are refused and poll). */
	if (evtchn_bind_virq(VIRQ_CONSOLE, on_console_event, NULL, &virq_port))
		io_input = true;
}

bool console_is_ring(void)
{
	return ring != NULL;
}

/* Whether the caller may sleep: a thread with interrupts on, not the idle loop or a handler. */
static bool can_sleep(void)
{
	return threads_ready && !irqs_disabled() && current_thread() && strcmp(thread_name(current_thread()), "idle");
}

static void ring_put(const char *buf, size_t len)
{
	while (len) {
		XENCONS_RING_IDX cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE), prod = ring->out_prod;
		size_t space = sizeof(ring->out) - (prod - cons);

		if (!space) {
			/* Full: the backend drains it (Mica polls every few ms); wait or let it run. */
			notify_remote_via_evtchn(ring_port);
			if (can_sleep())
				wait_event_deadline(output_wq, ring->out_prod - ring->out_cons < sizeof(ring->out),
						    NOW() + MILLISECS(10));
			else
				(void)HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			continue;
		}
		size_t n = MIN(space, len);

		for (size_t i = 0; i < n; i++)
			ring->out[MASK_XENCONS_IDX(prod + i, ring->out)] = buf[i];
		wmb(); /* data before the index */
		__atomic_store_n(&ring->out_prod, prod + (XENCONS_RING_IDX)n, __ATOMIC_RELEASE);
		buf += n;
		len -= n;
	}
	notify_remote_via_evtchn(ring_port);
}

void console_write(const char *buf, size_t len)
{
	size_t start = 0;

	if (!ring) { /* console_io: the hypervisor's serial driver turns \n into \r\n itself */
		(void)HYPERVISOR_console_io(CONSOLEIO_write, len, buf);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		ring_put(buf + start, i - start);
		ring_put("\r\n", 2);
		start = i + 1;
	}
	ring_put(buf + start, len - start);
}

void console_flush(void)
{
	s_time_t deadline = NOW() + SECONDS(2);

	if (!ring)
		return;
	/* The backend drains the ring on its own schedule (Mica polls it): wait, up to a limit. */
	while (__atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE) != ring->out_prod && NOW() < deadline) {
		notify_remote_via_evtchn(ring_port);
		(void)HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

size_t console_poll(char *buf, size_t len)
{
	size_t n = 0;

	if (ring) {
		XENCONS_RING_IDX prod = __atomic_load_n(&ring->in_prod, __ATOMIC_ACQUIRE), cons = ring->in_cons;

		rmb(); /* the index before the data */
		while (cons != prod && n < len)
			buf[n++] = ring->in[MASK_XENCONS_IDX(cons++, ring->in)];
		mb(); /* data read before the backend may reuse it */
		__atomic_store_n(&ring->in_cons, cons, __ATOMIC_RELEASE);
		if (n)
			notify_remote_via_evtchn(ring_port);
		return n;
	}
	if (!io_input)
		return 0;
	io_input = false;
	long got = HYPERVISOR_console_io(CONSOLEIO_read, len, buf);

	if (got > 0) {
		io_input = true; /* there may be more */
		return (size_t)got;
	}
	return 0;
}

static bool input_ready(void)
{
	return ring ? ring->in_prod != ring->in_cons : io_input;
}

size_t console_read(char *buf, size_t len)
{
	for (;;) {
		size_t n = console_poll(buf, len);

		if (n)
			return n;
		/* Without a ring and without VIRQ_CONSOLE nobody tells us: look again now and then. */
		wait_event_deadline(input_wq, input_ready(), ring ? 0 : NOW() + MILLISECS(50));
		if (!ring)
			io_input = true;
	}
}
