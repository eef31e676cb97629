/*
 * Consoles of domains, served by the hypervisor itself until a dom0 console
 * backend exists:
 *  - every unprivileged domain gets a PV console ring (xen/io/console.h) in a
 *    hypervisor page mapped at CONSOLE_GFN, and an unbound event channel
 *    (remote domain 0, where a console backend would live), both announced
 *    in HVM_PARAM_CONSOLE_PFN / HVM_PARAM_CONSOLE_EVTCHN;
 *  - dom0 writes with console_io and reads its input with CONSOLEIO_read,
 *    told by VIRQ_CONSOLE that some arrived, as on Xen.
 * The boot CPU polls the rings (every DOMAIN_CONSOLE_POLL_NS): output is
 * printed with the domain's "(dN) " prefix, and the domain is notified when
 * its ring has room again or input arrived.
 *
 * Input from the hypervisor console goes to the debug keys or to one domain:
 * Ctrl-A three times in a row moves it on, from the hypervisor to dom0, to
 * each other domain with a console ring, and back, as Xen does.
 *
 * `mica console` attaches a domain (MICA_CTL_CONSOLE_ATTACH): it gets the
 * input, its lines are printed without their prefix, and Ctrl-] gives the
 * input back to the toolstack's domain, as `xl console` detaches. Any other
 * move of the input (Ctrl-A, the domain going) ends the attachment too.
 */
#include <mica/console.h>
#include <mica/debugkeys.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/string.h>

#include <xen/hvm/params.h>
#include <xen/io/console.h>

#define CTRL_A 0x01
#define CTRL_RBRACKET 0x1d /* Ctrl-]: detach */
#define INPUT_HYPERVISOR (-1)
#define NOT_ATTACHED (-1)

static int input_focus = INPUT_HYPERVISOR; /* a domain id, or INPUT_HYPERVISOR */
static int attached = NOT_ATTACHED;        /* the domain `mica console` attached, or NOT_ATTACHED */
static domid_t attached_back;              /* who gets the input at Ctrl-] */
static unsigned int ctrl_a_run;

int domain_console_setup(struct domain *d)
{
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = 0};
	int rc;

	d->console_ring = alloc_pages_va(0);
	if (!d->console_ring)
		return -ENOMEM;
	memset(d->console_ring, 0, PAGE_SIZE);
	rc = arch_map_hyp_page(d, DOMAIN_CONSOLE_GFN, d->console_ring);
	if (rc < 0)
		return rc;
	rc = evtchn_op_alloc_unbound(&d->evtchn, true, &op);
	if (rc < 0)
		return rc;
	d->console_port = op.port;
	d->hvm_params[HVM_PARAM_CONSOLE_PFN] = DOMAIN_CONSOLE_GFN;
	d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = op.port;
	return 0;
}

void domain_console_free(struct domain *d)
{
	int id = (int)d->domain_id;

	/* A later domain of this id is not attached (nor prints without its prefix). */
	__atomic_compare_exchange_n(&attached, &id, NOT_ATTACHED, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	if (d->console_ring)
		free_pages_va(d->console_ring, 0);
	d->console_ring = NULL;
}

/* Prints what the domain wrote to its ring. True if anything was taken. */
static bool drain_output(struct domain *d)
{
	struct xencons_interface *r = d->console_ring;
	XENCONS_RING_IDX cons = __atomic_load_n(&r->out_cons, __ATOMIC_RELAXED);
	XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
	char buf[sizeof(r->out)];
	size_t n = 0;

	if (prod == cons)
		return false;
	if (prod - cons > sizeof(r->out)) { /* the guest wrote nonsense: drop it, not the hypervisor */
		__atomic_store_n(&r->out_cons, prod, __ATOMIC_RELEASE);
		return true;
	}
	while (cons != prod)
		buf[n++] = r->out[MASK_XENCONS_IDX(cons++, r->out)];
	__atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
	domain_ring_write(d, buf, n);
	return true;
}

/* Puts one input character into the domain's ring or dom0's buffer. */
static void input_to(struct domain *d, char c)
{
	if (d->console_ring) {
		struct xencons_interface *r = d->console_ring;
		XENCONS_RING_IDX prod = __atomic_load_n(&r->in_prod, __ATOMIC_RELAXED);

		if (prod - __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE) >= sizeof(r->in))
			return; /* full: the character is lost, as on a real serial line */
		r->in[MASK_XENCONS_IDX(prod, r->in)] = c;
		__atomic_store_n(&r->in_prod, prod + 1, __ATOMIC_RELEASE);
		evtchn_raise(&d->evtchn, d->console_port);
		return;
	}
	struct console_buf *in = domain_console_buf(&d->console_in);
	bool kept = false;

	if (in) {
		unsigned long f = spin_lock_irqsave(&d->console_lock);

		if (in->len < sizeof(in->buf)) {
			in->buf[in->len++] = c;
			kept = true;
		}
		spin_unlock_irqrestore(&d->console_lock, f);
	}
	if (kept)
		evtchn_send_virq(&d->evtchn, VIRQ_CONSOLE, 0);
}

/* CONSOLEIO_read for dom0: takes what arrived, up to len bytes. */
size_t domain_console_read(struct domain *d, char *buf, size_t len)
{
	struct console_buf *in = __atomic_load_n(&d->console_in, __ATOMIC_ACQUIRE);
	unsigned long f;
	size_t n;

	if (!in)
		return 0; /* nothing was ever typed */
	f = spin_lock_irqsave(&d->console_lock);
	n = MIN(len, in->len);
	memcpy(buf, in->buf, n);
	memmove(in->buf, in->buf + n, in->len - n);
	in->len -= n;
	spin_unlock_irqrestore(&d->console_lock, f);
	return n;
}

/* Where input goes after the current focus: dom0, then the domains with rings, then the hypervisor. */
static int next_focus(int from)
{
	for (int id = from + 1; id < DOMAIN_ID_MAX; id++) {
		struct domain *d = domain_lookup((domid_t)id);

		if (d && (d->console_ring || d->privileged))
			return id;
	}
	return INPUT_HYPERVISOR;
}

bool domain_console_has_focus(const struct domain *d)
{
	return input_focus == (int)d->domain_id;
}

void domain_console_focus(domid_t id)
{
	attached = NOT_ATTACHED;
	input_focus = id;
	printk("Mica: console input goes to d%d (Ctrl-A three times to switch)\n", input_focus);
}

static void switch_focus(void)
{
	int next = next_focus(input_focus);

	if (next != INPUT_HYPERVISOR) {
		domain_console_focus((domid_t)next);
		return;
	}
	attached = NOT_ATTACHED;
	input_focus = INPUT_HYPERVISOR;
	printk("Mica: console input goes to the hypervisor (debug keys; Ctrl-A three times to switch)\n");
}

void domain_console_attach(struct domain *d, domid_t back)
{
	if (d->domain_id == back) {
		domain_console_focus(back);
		return;
	}
	attached_back = back;
	input_focus = d->domain_id;
	__atomic_store_n(&attached, (int)d->domain_id, __ATOMIC_RELEASE);
	printk("Mica: console input goes to d%u (%s) until Ctrl-]\n", d->domain_id, d->name);
}

bool domain_console_attached(const struct domain *d)
{
	return __atomic_load_n(&attached, __ATOMIC_ACQUIRE) == (int)d->domain_id;
}

int domain_console_focus_id(void)
{
	return __atomic_load_n(&input_focus, __ATOMIC_ACQUIRE);
}

int domain_console_attached_id(void)
{
	return __atomic_load_n(&attached, __ATOMIC_ACQUIRE);
}

/* Ctrl-] while attached: the input goes back, and the toolstack's domain hears of it. */
static void detach(void)
{
	struct domain *back = domain_lookup(attached_back);

	printk("\n");
	if (!back) {
		switch_focus();
		return;
	}
	domain_console_focus(attached_back);
	evtchn_send_virq(&back->evtchn, VIRQ_CONSOLE, 0);
}

void console_route_input(char c)
{
	struct domain *d;

	if (c == CTRL_A) {
		if (++ctrl_a_run == 3) {
			ctrl_a_run = 0;
			switch_focus();
		}
		return;
	}
	if (c == CTRL_RBRACKET && attached != NOT_ATTACHED && attached == input_focus) {
		ctrl_a_run = 0;
		detach();
		return;
	}
	d = input_focus == INPUT_HYPERVISOR ? NULL : domain_lookup((domid_t)input_focus);
	if (input_focus != INPUT_HYPERVISOR && !d) {
		printk("Mica: d%d is gone: console input goes to the hypervisor\n", input_focus);
		attached = NOT_ATTACHED;
		input_focus = INPUT_HYPERVISOR;
	}
	/* One or two Ctrl-As that did not make a switch belong to whoever has the input. */
	for (; ctrl_a_run; ctrl_a_run--)
		d ? input_to(d, CTRL_A) : debugkey_handle(CTRL_A);
	d ? input_to(d, c) : debugkey_handle(c);
}

/*
 * On the boot CPU (which is also the only one that destroys domains, so a
 * domain found here stays while this runs): every ring is drained.
 */
void domain_consoles_poll(void)
{
	for (unsigned int id = 0; id < DOMAIN_ID_MAX; id++) {
		struct domain *d = domain_lookup((domid_t)id);

		if (d && d->console_ring && drain_output(d))
			evtchn_raise(&d->evtchn, d->console_port);
	}
}
