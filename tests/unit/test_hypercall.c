/*
 * Unit tests for hypercall dispatch and the argument checks of xen_version,
 * console_io, sched_op and vcpu_op, over a fake guest address space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <asm/hvm.h>
#include <mica/domain.h>
#include <mica/domain_gnttab.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/guest_ram.h>
#include <mica/hypercall.h>

#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/xen.h>

/* ---- fakes: guest memory is GUEST_SIZE bytes at guest-virtual GUEST_BASE ---- */
#define GUEST_BASE 0x10000ULL
#define GUEST_SIZE 0x4000ULL
static uint8_t guest[GUEST_SIZE];
static char console[8192];
static size_t console_len;
static int shutdowns;
static unsigned int last_reason;

void printk(const char *fmt, ...)
{
	(void)fmt;
}

static bool in_guest(uint64_t gva, size_t len)
{
	return gva >= GUEST_BASE && len <= GUEST_SIZE && gva - GUEST_BASE <= GUEST_SIZE - len;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
	if (!in_guest(gva, len))
		return -EFAULT;
	memcpy(dst, guest + (gva - GUEST_BASE), len);
	return 0;
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
	if (!in_guest(gva, len))
		return -EFAULT;
	memcpy(guest + (gva - GUEST_BASE), src, len);
	return 0;
}

void domain_console_write(struct domain *d, const char *buf, size_t len)
{
	if (console_len + len < sizeof(console)) {
		memcpy(console + console_len, buf, len);
		console_len += len;
	}
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
	shutdowns++;
	last_reason = reason;
	d->state = DOMAIN_SHUTDOWN;
}

const char *mica_hypervisor_cmdline(void)
{
	return "console=com1 test";
}

uint64_t domain_ram_end(const struct domain *d)
{
	return 64ULL << 20;
}
static int time_updates;
void domain_update_time(struct domain *d)
{
	time_updates++;
}
struct domain *domain_lookup(domid_t id);

static uint64_t shared_info_gfn;
int arch_map_shared_info(struct domain *d, uint64_t gfn)
{
	shared_info_gfn = gfn;
	return 0;
}

/* dom0's console input. */
static const char *typed = "";
size_t domain_console_read(struct domain *d, char *buf, size_t len)
{
	size_t n = strlen(typed) < len ? strlen(typed) : len;

	memcpy(buf, typed, n);
	typed += n;
	return n;
}

/* Scheduler, timers and guest pages, as the vCPU ops see them. */
static int yields, blocks, polls;
static uint64_t now, timer_deadline;
static bool timer_armed;
static bool poll_ready;
static struct hvm_init_state init_state;
static int init_states;
static uint8_t guest_frame[4096];

void vcpu_pause_flags_set(struct vcpu *v, unsigned int flags)
{
	v->pause_flags |= flags;
}
void vcpu_pause_flags_clear(struct vcpu *v, unsigned int flags)
{
	v->pause_flags &= ~flags;
}
void vcpu_yield(struct vcpu *v)
{
	yields++;
}
void vcpu_block(struct vcpu *v)
{
	blocks++;
}
void vcpu_block_until(struct vcpu *v, bool (*ready)(struct vcpu *v, void *arg), void *arg)
{
	polls++;
	poll_ready = ready(v, arg);
}
uint64_t now_ns(void)
{
	return now;
}
void timer_set(struct timer *t, uint64_t deadline)
{
	timer_deadline = deadline;
	timer_armed = true;
}
void timer_stop(struct timer *t)
{
	timer_armed = false;
}
void hvm_vcpu_set_init_state(struct vcpu *v, const struct hvm_init_state *st)
{
	init_state = *st;
	init_states++;
}
static int held_pages;
void *guest_page_get(struct domain *d, uint64_t gfn, bool write, mfn_t *held)
{
	if (gfn != 0x1234)
		return NULL;
	*held = _mfn(0x5678);
	held_pages++;
	return guest_frame;
}

/* ---- fake guest RAM (kernel/guest_ram.c's contract): gfns below FAKE_GFNS, populated or not ---- */
#define FAKE_GFNS 4096
static bool populated[FAKE_GFNS];
static uint64_t frame_idx[8], frame_gfn[8];
static unsigned int frames_mapped;

int guest_ram_populate(struct domain *d, gfn_t gfn, unsigned int order)
{
	uint64_t g = gfn_x(gfn), n = 1ULL << order;

	if (order > GUEST_RAM_MAX_ORDER || (g & (n - 1)) || g + n > FAKE_GFNS)
		return -EINVAL;
	for (uint64_t i = 0; i < n; i++)
		if (populated[g + i])
			return -EBUSY;
	if (d->mem_pages + n > d->max_pages)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++)
		populated[g + i] = true;
	d->mem_pages += n;
	return 0;
}

int guest_ram_allocate(struct domain *d, unsigned int order)
{
	if (order > GUEST_RAM_MAX_ORDER)
		return -EINVAL;
	if (d->mem_pages + (1ULL << order) > d->max_pages)
		return -ENOMEM;
	d->mem_pages += 1ULL << order;
	return 0;
}

int guest_ram_release(struct domain *d, gfn_t gfn)
{
	if (gfn_x(gfn) >= FAKE_GFNS || !populated[gfn_x(gfn)])
		return -ENOENT;
	populated[gfn_x(gfn)] = false;
	d->mem_pages--;
	return 0;
}

int guest_physmap_remove(struct domain *d, gfn_t gfn)
{
	if (gfn_x(gfn) >= FAKE_GFNS || !populated[gfn_x(gfn)])
		return -ENOENT;
	populated[gfn_x(gfn)] = false; /* the page stays counted */
	return 0;
}

int gnttab_map_frame(struct domain *d, uint64_t idx, gfn_t gfn)
{
	if (idx >= 4 || frames_mapped == 8)
		return -EINVAL;
	frame_idx[frames_mapped] = idx;
	frame_gfn[frames_mapped++] = gfn_x(gfn);
	return 0;
}

uint64_t mm_max_frame(void)
{
	return 0x123456;
}

/* grant_table_op has its own tests (test_grant_table_op.c): here only its table entry. */
long do_grant_table_op(struct vcpu *v, const uint64_t *args)
{
	return 4242;
}

/* The control interface has tests of its own (test_ctl.c): here only its table entry matters. */
long do_ctl(struct vcpu *v, const uint64_t *args)
{
	return 3636;
}

/* ---- fixture ---- */
static struct domain dom;
static struct vcpu vcpu0, vcpu1;
static struct shared_info shared;

static struct evtchn_domain *lookup(domid_t id)
{
	return id == dom.domain_id ? &dom.evtchn : NULL;
}
struct domain *domain_lookup(domid_t id)
{
	return id == dom.domain_id ? &dom : NULL;
}
static void kick(struct evtchn_domain *d, unsigned int vcpu)
{
}
static void *zalloc(size_t size)
{
	return calloc(1, size);
}
static const struct evtchn_hooks hooks = {.lookup_domain = lookup, .kick_vcpu = kick, .alloc = zalloc, .free = free};

static int setup(void **state)
{
	evtchn_domain_free(&dom.evtchn); /* the previous test's ports */
	memset(&dom, 0, sizeof(dom));
	memset(&vcpu0, 0, sizeof(vcpu0));
	memset(&vcpu1, 0, sizeof(vcpu1));
	memset(guest, 0, sizeof(guest));
	console_len = 0;
	shutdowns = 0;
	dom.domain_id = 3;
	dom.max_vcpus = 2;
	dom.vcpus[0] = &vcpu0;
	dom.vcpus[1] = &vcpu1;
	vcpu0.domain = vcpu1.domain = &dom;
	vcpu1.pause_flags = VPF_DOWN;
	vcpu1.vcpu_id = 1;
	memset(&shared, 0, sizeof(shared));
	yields = blocks = polls = init_states = 0;
	now = 1000000;
	timer_armed = false;
	shared_info_gfn = 0;
	dom.shared_info = &shared;
	memset(populated, 0, sizeof(populated));
	frames_mapped = 0;
	dom.max_pages = 100;
	assert_int_equal(evtchn_domain_init(&dom.evtchn, 3, &shared, 64, 2, &hooks), 0);
	evtchn_set_vcpu_info(&dom.evtchn, 0, &shared.vcpu_info[0]);
	return 0;
}

static long call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t args[HYPERCALL_MAX_ARGS] = {a0, a1, a2, 0, 0};

	return hypercall_dispatch(&vcpu0, nr, args);
}

/* ---- dispatch ---- */
static void test_unknown_numbers(void **state)
{
	const uint64_t nrs[] = {0, 1, 16, 23, 40, 63, 64, 1000, 0xffffffffULL, UINT64_MAX};

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		assert_int_equal(call(nrs[i], 0, 0, 0), -ENOSYS);
	assert_int_equal(vcpu0.hypercalls, 0); /* only real calls are counted */
}

static long privileged_only(struct vcpu *v, const uint64_t *args)
{
	return 42;
}

static void test_privilege_check(void **state)
{
	static const struct hypercall_entry table[] = {
	    [1] = {privileged_only, 0, HC_PRIVILEGED, "priv"},
	    [2] = {privileged_only, 0, HC_ANY, "any"},
	};
	uint64_t args[HYPERCALL_MAX_ARGS] = {0};

	assert_int_equal(hypercall_dispatch_table(table, 3, &vcpu0, 1, args), -EPERM);
	assert_int_equal(hypercall_dispatch_table(table, 3, &vcpu0, 2, args), 42);
	assert_int_equal(hypercall_dispatch_table(table, 3, &vcpu0, 0, args), -ENOSYS);
	assert_int_equal(hypercall_dispatch_table(table, 3, &vcpu0, 3, args), -ENOSYS);
	dom.privileged = true;
	assert_int_equal(hypercall_dispatch_table(table, 3, &vcpu0, 1, args), 42);
}

/* The control interface (Xen's domctl number) is for the privileged domain only. */
static void test_ctl_privileged(void **state)
{
	assert_int_equal(call(__HYPERVISOR_domctl, GUEST_BASE, 0, 0), -EPERM);
	assert_int_equal(vcpu0.hypercalls, 0);
	dom.privileged = true;
	assert_int_equal(call(__HYPERVISOR_domctl, GUEST_BASE, 0, 0), 3636);
}

/* ---- xen_version ---- */
static void test_xen_version(void **state)
{
	xen_feature_info_t fi = {.submap_idx = 0};
	char buf[1024];

	assert_int_equal(call(__HYPERVISOR_xen_version, XENVER_version, 0, 0), (4 << 16) | 17);
	assert_int_equal(call(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0), 4096);
	assert_int_equal(call(__HYPERVISOR_xen_version, XENVER_extraversion, GUEST_BASE, 0), 0);
	assert_string_equal((char *)guest, "-mica0.1");
	assert_int_equal(call(__HYPERVISOR_xen_version, XENVER_capabilities, GUEST_BASE, 0), 0);
	assert_non_null(strstr((char *)guest, "hvm-3.0-x86_64"));
	memcpy(guest, &fi, sizeof(fi));
	assert_int_equal(call(__HYPERVISOR_xen_version, XENVER_get_features, GUEST_BASE, 0), 0);
	memcpy(&fi, guest, sizeof(fi));
	assert_int_equal(fi.submap, (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
					(1u << XENFEAT_supervisor_mode_kernel) | (1u << XENFEAT_hvm_callback_vector));
	fi.submap_idx = 7;
	memcpy(guest, &fi, sizeof(fi));
	assert_int_equal(call(__HYPERVISOR_xen_version, XENVER_get_features, GUEST_BASE, 0), 0);
	memcpy(&fi, guest, sizeof(fi));
	assert_int_equal(fi.submap, 0);
	assert_int_equal(call(__HYPERVISOR_xen_version, XENVER_guest_handle, GUEST_BASE, 0), 0);
	assert_int_equal(guest[15], 3);
	assert_int_equal(call(__HYPERVISOR_xen_version, 999, GUEST_BASE, 0), -ENOSYS);
	(void)buf;
}

static void test_xen_version_bad_pointers(void **state)
{
	const uint64_t cmds[] = {XENVER_extraversion,        XENVER_compile_info, XENVER_capabilities, XENVER_changeset,
				 XENVER_platform_parameters, XENVER_get_features, XENVER_guest_handle};
	const uint64_t bad[] = {0, GUEST_BASE - 1, GUEST_BASE + GUEST_SIZE - 4, UINT64_MAX - 8};

	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++)
			assert_int_equal(call(__HYPERVISOR_xen_version, cmds[c], bad[b], 0), -EFAULT);
}

static void test_commandline_privileged(void **state)
{
	assert_int_equal(call(__HYPERVISOR_xen_version, XENVER_commandline, GUEST_BASE, 0), -EPERM);
	dom.privileged = true;
	assert_int_equal(call(__HYPERVISOR_xen_version, XENVER_commandline, GUEST_BASE, 0), 0);
	assert_string_equal((char *)guest, "console=com1 test");
}

/* ---- console_io ---- */
static void test_console_io(void **state)
{
	memcpy(guest, "hello\n", 6);
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_write, 6, GUEST_BASE), 0);
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_write, 0, GUEST_BASE), 0);
	assert_int_equal(console_len, 6);
	memset(guest, 'x', GUEST_SIZE);
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_write, 2000, GUEST_BASE), 0);
	assert_int_equal(console_len, 2006);
	/* runs off the end of guest memory: -EFAULT, never a crash */
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_write, 100, GUEST_BASE + GUEST_SIZE - 50), -EFAULT);
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_write, 10, 0), -EFAULT);
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_write, 0xffffffffULL, GUEST_BASE), -EINVAL);
	/* the count is 32 bits wide, as in Xen: 1 << 40 is a write of nothing */
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_write, 1ULL << 40, GUEST_BASE), 0);
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_read, 10, GUEST_BASE), -EPERM);
	assert_int_equal(call(__HYPERVISOR_console_io, 77, 10, GUEST_BASE), -ENOSYS);
	/* dom0 reads what was typed for it, at most count bytes at a time */
	dom.privileged = true;
	typed = "ls -l\n";
	memset(guest, 0, 16);
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_read, 3, GUEST_BASE), 3);
	assert_memory_equal(guest, "ls ", 3);
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_read, 100, GUEST_BASE), 3);
	assert_memory_equal(guest, "-l\n", 3);
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_read, 100, GUEST_BASE), 0);
	typed = "x";
	assert_int_equal(call(__HYPERVISOR_console_io, CONSOLEIO_read, 1, 0), -EFAULT);
}

/* ---- sched_op ---- */
static void test_sched_op(void **state)
{
	struct sched_shutdown s = {.reason = SHUTDOWN_crash};

	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
	assert_int_equal(yields, 1);
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
	assert_int_equal(blocks, 1);
	assert_int_equal(call(__HYPERVISOR_sched_op, 99, 0, 0), -ENOSYS);
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_shutdown, 0, 0), -EFAULT);
	s.reason = SHUTDOWN_MAX + 1;
	memcpy(guest, &s, sizeof(s));
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_shutdown, GUEST_BASE, 0), -EINVAL);
	assert_int_equal(shutdowns, 0);
	s.reason = SHUTDOWN_crash;
	memcpy(guest, &s, sizeof(s));
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_shutdown, GUEST_BASE, 0), 0);
	assert_int_equal(shutdowns, 1);
	assert_int_equal(last_reason, SHUTDOWN_crash);
}

static void test_sched_poll(void **state)
{
	struct sched_poll sp = {.nr_ports = 2, .timeout = 0};
	evtchn_port_t ports_[2] = {5, 9};

	set_xen_guest_handle(sp.ports, (evtchn_port_t *)(uintptr_t)(GUEST_BASE + 0x100));
	memcpy(guest, &sp, sizeof(sp));
	memcpy(guest + 0x100, ports_, sizeof(ports_));
	/* nothing pending, no timeout: blocks until one of them is */
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_poll, GUEST_BASE, 0), 0);
	assert_int_equal(polls, 1);
	assert_false(poll_ready);
	assert_true(vcpu0.polling);
	assert_false(timer_armed);
	/* one pending (masked or not): returns at once */
	vcpu0.polling = false;
	shared.evtchn_pending[0] = 1ULL << 9;
	shared.evtchn_mask[0] = 1ULL << 9;
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_poll, GUEST_BASE, 0), 0);
	assert_int_equal(polls, 1);
	assert_false(vcpu0.polling);
	shared.evtchn_pending[0] = 0;
	/* a timeout in the future arms the poll timer; one in the past returns */
	sp.timeout = now + 5000;
	memcpy(guest, &sp, sizeof(sp));
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_poll, GUEST_BASE, 0), 0);
	assert_true(timer_armed);
	assert_int_equal(timer_deadline, now + 5000);
	assert_int_equal(polls, 2);
	vcpu0.polling = false;
	sp.timeout = now - 1;
	memcpy(guest, &sp, sizeof(sp));
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_poll, GUEST_BASE, 0), 0);
	assert_int_equal(polls, 2);
	/* bad arguments */
	sp.nr_ports = 129;
	memcpy(guest, &sp, sizeof(sp));
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_poll, GUEST_BASE, 0), -EINVAL);
	sp.nr_ports = 2;
	ports_[1] = 64; /* the domain has 64 ports */
	memcpy(guest, &sp, sizeof(sp));
	memcpy(guest + 0x100, ports_, sizeof(ports_));
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_poll, GUEST_BASE, 0), -EINVAL);
	set_xen_guest_handle(sp.ports, (evtchn_port_t *)(uintptr_t)(GUEST_BASE + GUEST_SIZE - 4));
	memcpy(guest, &sp, sizeof(sp));
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_poll, GUEST_BASE, 0), -EFAULT);
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_poll, 0, 0), -EFAULT);
	/* remote shutdown is for the privileged */
	assert_int_equal(call(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, GUEST_BASE, 0), -EPERM);
}

/* ---- vcpu_op ---- */
static void put_context(const struct vcpu_hvm_context *c)
{
	memcpy(guest, c, sizeof(*c));
}

static void test_vcpu_up_down(void **state)
{
	struct vcpu_hvm_context c = {.mode = VCPU_HVM_MODE_64B};

	c.cpu_regs.x86_64.cr0 = 0x80000011;
	c.cpu_regs.x86_64.cr4 = 0x20;
	c.cpu_regs.x86_64.cr3 = 0x1000;
	c.cpu_regs.x86_64.rip = 0x100000;
	c.cpu_regs.x86_64.rsp = 0x200000;
	c.cpu_regs.x86_64.rdi = 7;
	/* up before initialise: refused */
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), -EINVAL);
	/* bad contexts: not copied, wrong mode, paging off in 64-bit mode, non-canonical RIP */
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, 0), -EFAULT);
	c.mode = 7;
	put_context(&c);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GUEST_BASE), -EINVAL);
	c.mode = VCPU_HVM_MODE_64B;
	c.cpu_regs.x86_64.cr0 = 0x11;
	put_context(&c);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GUEST_BASE), -EINVAL);
	c.cpu_regs.x86_64.cr0 = 0x80000011;
	c.cpu_regs.x86_64.rip = 0x0000800000000000ULL;
	put_context(&c);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GUEST_BASE), -EINVAL);
	assert_int_equal(init_states, 0);
	/* a good one: long mode, the registers given */
	c.cpu_regs.x86_64.rip = 0x100000;
	put_context(&c);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GUEST_BASE), 0);
	assert_int_equal(init_states, 1);
	assert_int_equal(init_state.regs.rip, 0x100000);
	assert_int_equal(init_state.regs.gpr[GPR_RSP], 0x200000);
	assert_int_equal(init_state.regs.gpr[GPR_RDI], 7);
	assert_int_equal(init_state.efer & 0x500, 0x500);  /* LME and LMA */
	assert_int_equal(init_state.cs.ar & 0x200, 0x200); /* L */
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GUEST_BASE), -EEXIST);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 0);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), 0);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 1);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_down, 1, 0), 0);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 0);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_up, 2, 0), -ENOENT);
}

static void test_vcpu_context_32(void **state)
{
	struct vcpu_hvm_context c = {.mode = VCPU_HVM_MODE_32B};
	struct vcpu_hvm_x86_32 *r = &c.cpu_regs.x86_32;

	r->cr0 = 1;
	r->eip = 0x8000;
	r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = 0xffffffff;
	r->cs_ar = 0xc9b;
	r->ds_ar = r->ss_ar = r->es_ar = 0xc93;
	r->tr_ar = 0x8b;
	r->tr_limit = 0x67;
	/* PAE paging without long mode is refused (the PDPTEs would not be loaded) */
	r->cr0 = 0x80000001;
	r->cr4 = 0x20;
	put_context(&c);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GUEST_BASE), -EINVAL);
	/* attribute bits above 11 are not Xen's layout */
	r->cr0 = 1;
	r->cr4 = 0;
	r->cs_ar = 0xf09b;
	put_context(&c);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GUEST_BASE), -EINVAL);
	r->cs_ar = 0xc9b;
	put_context(&c);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, GUEST_BASE), 0);
	assert_int_equal(init_state.cs.ar, 0xc9b);
	assert_int_equal(init_state.regs.rip, 0x8000);
	assert_int_equal(init_state.efer, 0);
}

static void test_vcpu_timers(void **state)
{
	struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = 500, .flags = VCPU_SSHOTTMR_future};

	memcpy(guest, &t, sizeof(t));
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, GUEST_BASE), -ETIME);
	assert_false(timer_armed);
	t.flags = 0; /* in the past without the flag: fires at once */
	memcpy(guest, &t, sizeof(t));
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, GUEST_BASE), 0);
	assert_true(timer_armed);
	t.timeout_abs_ns = now + 1000;
	t.flags = VCPU_SSHOTTMR_future;
	memcpy(guest, &t, sizeof(t));
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, GUEST_BASE), 0);
	assert_int_equal(timer_deadline, now + 1000);
	/* only the caller's own timer */
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 1, GUEST_BASE), -EINVAL);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, 0), -EFAULT);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0), 0);
	assert_false(timer_armed);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0), 0);
	/* set_timer_op: absolute; 0 stops */
	assert_int_equal(call(__HYPERVISOR_set_timer_op, now + 77, 0, 0), 0);
	assert_true(timer_armed);
	assert_int_equal(timer_deadline, now + 77);
	assert_int_equal(call(__HYPERVISOR_set_timer_op, 0, 0, 0), 0);
	assert_false(timer_armed);
}

static void test_register_vcpu_info(void **state)
{
	struct vcpu_register_vcpu_info r = {.mfn = 0x1234, .offset = 4096 - sizeof(struct vcpu_info) + 1};

	memcpy(guest, &r, sizeof(r));
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GUEST_BASE), -EINVAL);
	r.offset = 64;
	r.mfn = 0x999; /* not guest RAM */
	memcpy(guest, &r, sizeof(r));
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GUEST_BASE), -EINVAL);
	r.mfn = 0x1234;
	memcpy(guest, &r, sizeof(r));
	shared.vcpu_info[0].evtchn_upcall_pending = 1;
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GUEST_BASE), 0);
	assert_ptr_equal(evtchn_vcpu_info(&dom.evtchn, 0), (struct vcpu_info *)(guest_frame + 64));
	assert_int_equal(((struct vcpu_info *)(guest_frame + 64))->evtchn_upcall_pending, 1); /* carried over */
	assert_int_equal(mfn_x(vcpu0.vcpu_info_page), 0x5678); /* held while the vCPU lives */
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, GUEST_BASE), -EINVAL); /* once */
}

static void test_runstate(void **state)
{
	struct vcpu_runstate_info ri;
	struct vcpu_register_runstate_memory_area a = {.addr.p = GUEST_BASE + 0x200};

	vcpu1.runstate.state = RUNSTATE_blocked;
	vcpu1.runstate.time[RUNSTATE_running] = 1234;
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 1, GUEST_BASE), 0);
	memcpy(&ri, guest, sizeof(ri));
	assert_int_equal(ri.state, RUNSTATE_blocked);
	assert_int_equal(ri.time[RUNSTATE_running], 1234);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 1, 0), -EFAULT);
	/* the caller's own area is written at once; another vCPU's before it next runs */
	vcpu0.runstate.state = RUNSTATE_running;
	memcpy(guest, &a, sizeof(a));
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, GUEST_BASE), 0);
	assert_int_equal(vcpu0.runstate_gva, GUEST_BASE + 0x200);
	memcpy(&ri, guest + 0x200, sizeof(ri));
	assert_int_equal(ri.state, RUNSTATE_running);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 1, GUEST_BASE), 0);
	assert_true(vcpu1.runstate_dirty);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 1, 0), -EFAULT);
}

static void test_vcpu_op(void **state)
{
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0), 1);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 0);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 2, 0), -ENOENT);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1000, 0), -ENOENT);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, UINT64_MAX, 0), -ENOENT);
	assert_int_equal(call(__HYPERVISOR_vcpu_op, 12345, 0, 0), -ENOSYS);
}

/* ---- memory_op and event_channel_op: argument copying and checks ---- */
static void test_memory_op(void **state)
{
	struct xen_add_to_physmap xatp = {
	    .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = 0xfe000};

	memcpy(guest, &xatp, sizeof(xatp));
	time_updates = 0;
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, GUEST_BASE, 0), 0);
	assert_int_equal(shared_info_gfn, 0xfe000);
	assert_int_equal(time_updates, 1); /* the guest finds valid time in it */
	xatp.domid = 7;
	memcpy(guest, &xatp, sizeof(xatp));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, GUEST_BASE, 0), -EPERM);
	xatp.domid = DOMID_SELF;
	xatp.space = XENMAPSPACE_grant_table;
	xatp.idx = 2;
	memcpy(guest, &xatp, sizeof(xatp));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, GUEST_BASE, 0), 0);
	assert_int_equal(frames_mapped, 1);
	assert_int_equal(frame_idx[0], 2);
	assert_int_equal(frame_gfn[0], 0xfe000);
	xatp.idx = 1 | XENMAPIDX_grant_table_status; /* v2 only */
	memcpy(guest, &xatp, sizeof(xatp));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, GUEST_BASE, 0), -EINVAL);
	assert_int_equal(frames_mapped, 1);
	xatp.idx = 0;
	xatp.space = XENMAPSPACE_gmfn;
	memcpy(guest, &xatp, sizeof(xatp));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, GUEST_BASE, 0), -ENOSYS);
	xatp.space = XENMAPSPACE_shared_info;
	xatp.idx = 1;
	memcpy(guest, &xatp, sizeof(xatp));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, GUEST_BASE, 0), -EINVAL);
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0, 0), -EFAULT);
	assert_int_equal(call(__HYPERVISOR_memory_op, 1ULL << 40, GUEST_BASE, 0), -EINVAL);
	/* a continuation (start extent 1) of a command that has none */
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap | (1 << 6), GUEST_BASE, 0), -EINVAL);
	assert_int_equal(call(__HYPERVISOR_memory_op, 60, GUEST_BASE, 0), -ENOSYS); /* unknown command */
}

static void test_memory_op_reservation_and_map(void **state)
{
	struct xen_memory_domain md = {.domid = DOMID_SELF};
	struct xen_memory_map map = {.nr_entries = 4};
	uint8_t e820[20];
	uint64_t addr, size;

	dom.mem_pages = 16384;
	dom.max_pages = 20000;
	memcpy(guest, &md, sizeof(md));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_current_reservation, GUEST_BASE, 0), 16384);
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, GUEST_BASE, 0), 20000);
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0, 0), 0x123456);
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_maximum_gpfn, GUEST_BASE, 0), 16383);
	md.domid = 9; /* another domain: not for an unprivileged caller */
	memcpy(guest, &md, sizeof(md));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_current_reservation, GUEST_BASE, 0), -EPERM);
	dom.privileged = true;
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_current_reservation, GUEST_BASE, 0), -ESRCH);
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_current_reservation, 0, 0), -EFAULT);

	set_xen_guest_handle(map.buffer, (void *)(uintptr_t)(GUEST_BASE + 0x100));
	memcpy(guest, &map, sizeof(map));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_memory_map, GUEST_BASE, 0), 0);
	memcpy(&map, guest, sizeof(map));
	assert_int_equal(map.nr_entries, 1);
	memcpy(e820, guest + 0x100, sizeof(e820));
	memcpy(&addr, e820, 8);
	memcpy(&size, e820 + 8, 8);
	assert_int_equal(addr, 0);
	assert_int_equal(size, 64ULL << 20);
	assert_int_equal(e820[16], 1);
	map.nr_entries = 0; /* no room */
	memcpy(guest, &map, sizeof(map));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_memory_map, GUEST_BASE, 0), -EINVAL);
	set_xen_guest_handle(map.buffer, (void *)0x1); /* unmapped buffer */
	map.nr_entries = 1;
	memcpy(guest, &map, sizeof(map));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_memory_map, GUEST_BASE, 0), -EFAULT);
}

/* ---- reservations: extents done, first failure stops, faults, limits ---- */
#define LIST_OFF 0x1000 /* the extent list inside the fake guest memory */

static long reservation(unsigned int cmd, uint64_t list_gva, uint64_t nr, unsigned int order, domid_t domid)
{
	struct xen_memory_reservation r = {.nr_extents = nr, .extent_order = order, .domid = domid};

	set_xen_guest_handle(r.extent_start, (xen_pfn_t *)(uintptr_t)list_gva);
	memcpy(guest, &r, sizeof(r));
	return call(__HYPERVISOR_memory_op, cmd, GUEST_BASE, 0);
}

static void put_list(const xen_pfn_t *gfns, unsigned int n)
{
	memcpy(guest + LIST_OFF, gfns, n * sizeof(*gfns));
}

static void test_populate_and_decrease(void **state)
{
	const xen_pfn_t gfns[] = {10, 11, 10, 12};

	put_list(gfns, 4);
	/* the third extent is already there: two done, and the fourth is not tried */
	assert_int_equal(reservation(XENMEM_populate_physmap, GUEST_BASE + LIST_OFF, 4, 0, DOMID_SELF), 2);
	assert_true(populated[10] && populated[11] && !populated[12]);
	assert_int_equal(dom.mem_pages, 2);
	assert_int_equal(reservation(XENMEM_populate_physmap, GUEST_BASE + LIST_OFF, 0, 0, DOMID_SELF), 0);
	assert_int_equal(reservation(XENMEM_decrease_reservation, GUEST_BASE + LIST_OFF, 2, 0, DOMID_SELF), 2);
	assert_int_equal(dom.mem_pages, 0);
	assert_int_equal(reservation(XENMEM_decrease_reservation, GUEST_BASE + LIST_OFF, 2, 0, 3), 0); /* gone */
	assert_int_equal(reservation(XENMEM_populate_physmap, GUEST_BASE + LIST_OFF, 1, 10, DOMID_SELF), -EINVAL);
	assert_int_equal(reservation(XENMEM_populate_physmap, GUEST_BASE + LIST_OFF, 1, 0, 9), -EPERM);
	dom.privileged = true;
	assert_int_equal(reservation(XENMEM_populate_physmap, GUEST_BASE + LIST_OFF, 1, 0, 9), -ESRCH);
	dom.privileged = false;
	assert_int_equal(reservation(XENMEM_populate_physmap, GUEST_BASE + LIST_OFF, 1, 0, 3), 1); /* own id */
	assert_int_equal(dom.mem_pages, 1);
	/* mem_flags are refused rather than ignored */
	{
		struct xen_memory_reservation r = {
		    .nr_extents = 1, .mem_flags = XENMEMF_address_bits(32), .domid = DOMID_SELF};

		set_xen_guest_handle(r.extent_start, (xen_pfn_t *)(uintptr_t)(GUEST_BASE + LIST_OFF));
		memcpy(guest, &r, sizeof(r));
		assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_populate_physmap, GUEST_BASE, 0), -EINVAL);
	}
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, 0, 0), -EFAULT);
}

/* A list that faults: -EFAULT before anything is done, else the count done (no page lost). */
static void test_reservation_faulting_list(void **state)
{
	const xen_pfn_t gfns[] = {20, 21};
	uint64_t last = GUEST_BASE + GUEST_SIZE - sizeof(xen_pfn_t);

	assert_int_equal(reservation(XENMEM_populate_physmap, 0x7000000, 2, 0, DOMID_SELF), -EFAULT);
	assert_int_equal(reservation(XENMEM_decrease_reservation, 0x7000000, 2, 0, DOMID_SELF), -EFAULT);
	assert_int_equal(dom.mem_pages, 0);
	memcpy(guest + GUEST_SIZE - sizeof(xen_pfn_t), gfns, sizeof(xen_pfn_t)); /* only the first is readable */
	assert_int_equal(reservation(XENMEM_populate_physmap, last, 2, 0, DOMID_SELF), 1);
	assert_true(populated[20]);
	assert_int_equal(reservation(XENMEM_decrease_reservation, last, 2, 0, DOMID_SELF), 1);
	assert_false(populated[20]);
	assert_int_equal(dom.mem_pages, 0);
}

/* max_pages: populate and increase stop there with the count done; decrease makes room again. */
static void test_reservation_limit(void **state)
{
	xen_pfn_t gfns[4] = {0, 512, 1024, 1536};

	dom.max_pages = 1100;
	put_list(gfns, 4);
	assert_int_equal(reservation(XENMEM_populate_physmap, GUEST_BASE + LIST_OFF, 4, 9, DOMID_SELF), 2);
	assert_int_equal(dom.mem_pages, 1024);
	assert_int_equal(reservation(XENMEM_increase_reservation, 0, 100, 0, DOMID_SELF), 76);
	assert_int_equal(dom.mem_pages, 1100);
	assert_int_equal(reservation(XENMEM_increase_reservation, 0, 1, 0, DOMID_SELF), 0);
	/* an order-9 extent with a hole: the pages before the hole go, the extent is not counted */
	populated[3] = false;
	dom.mem_pages--;
	assert_int_equal(reservation(XENMEM_decrease_reservation, GUEST_BASE + LIST_OFF, 1, 9, DOMID_SELF), 0);
	assert_false(populated[0] || populated[1] || populated[2]);
	assert_true(populated[4]);
	assert_int_equal(dom.mem_pages, 1096);
	gfns[0] = 1024;
	put_list(gfns, 1);
	assert_int_equal(reservation(XENMEM_populate_physmap, GUEST_BASE + LIST_OFF, 1, 0, DOMID_SELF), 1);
	assert_int_equal(dom.mem_pages, 1097);
}

static void test_remove_from_physmap(void **state)
{
	struct xen_remove_from_physmap rm = {.domid = DOMID_SELF, .gpfn = 5};

	populated[5] = true;
	dom.mem_pages = 1;
	memcpy(guest, &rm, sizeof(rm));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_remove_from_physmap, GUEST_BASE, 0), 0);
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_remove_from_physmap, GUEST_BASE, 0), -ENOENT);
	assert_int_equal(dom.mem_pages, 1);
	rm.domid = 4;
	memcpy(guest, &rm, sizeof(rm));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_remove_from_physmap, GUEST_BASE, 0), -EPERM);
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_remove_from_physmap, 0, 0), -EFAULT);
}

static void test_add_to_physmap_batch(void **state)
{
	struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .size = 3};
	const xen_ulong_t idxs[3] = {0, 7, 1 | XENMAPIDX_grant_table_status};
	const xen_pfn_t gpfns[3] = {0x100, 0x101, 0x102};
	int errs[3] = {99, 99, 99};

	memcpy(guest + 0x100, idxs, sizeof(idxs));
	memcpy(guest + 0x200, gpfns, sizeof(gpfns));
	memcpy(guest + 0x300, errs, sizeof(errs));
	set_xen_guest_handle(b.idxs, (xen_ulong_t *)(uintptr_t)(GUEST_BASE + 0x100));
	set_xen_guest_handle(b.gpfns, (xen_pfn_t *)(uintptr_t)(GUEST_BASE + 0x200));
	set_xen_guest_handle(b.errs, (int *)(uintptr_t)(GUEST_BASE + 0x300));
	memcpy(guest, &b, sizeof(b));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, GUEST_BASE, 0), 0);
	memcpy(errs, guest + 0x300, sizeof(errs));
	assert_int_equal(errs[0], 0);
	assert_int_equal(errs[1], -EINVAL); /* beyond the table */
	assert_int_equal(errs[2], -EINVAL); /* a v2 status frame */
	assert_int_equal(frames_mapped, 1);
	assert_int_equal(frame_gfn[0], 0x100);
	b.space = XENMAPSPACE_shared_info;
	b.size = 1;
	memcpy(guest, &b, sizeof(b));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, GUEST_BASE, 0), 0);
	assert_int_equal(shared_info_gfn, 0x100);
	b.u.res0 = 1;
	memcpy(guest, &b, sizeof(b));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, GUEST_BASE, 0), -EINVAL);
	b.u.res0 = 0;
	b.space = XENMAPSPACE_gmfn_foreign;
	memcpy(guest, &b, sizeof(b));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, GUEST_BASE, 0), -ENOSYS);
	b.space = XENMAPSPACE_grant_table;
	set_xen_guest_handle(b.errs, (int *)0x1);
	memcpy(guest, &b, sizeof(b));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, GUEST_BASE, 0), -EFAULT);
	b.domid = 6;
	memcpy(guest, &b, sizeof(b));
	assert_int_equal(call(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, GUEST_BASE, 0), -EPERM);
}

static void test_grant_table_op_entry(void **state)
{
	assert_int_equal(call(__HYPERVISOR_grant_table_op, 0, 0, 0), 4242);
}

static void test_event_channel_op(void **state)
{
	struct evtchn_bind_ipi ipi = {.vcpu = 0};
	struct evtchn_send send;

	memcpy(guest, &ipi, sizeof(ipi));
	assert_int_equal(call(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, GUEST_BASE, 0), 0);
	memcpy(&ipi, guest, sizeof(ipi));
	assert_int_equal(ipi.port, 1); /* port 0 is reserved */
	send.port = ipi.port;
	memcpy(guest, &send, sizeof(send));
	assert_int_equal(call(__HYPERVISOR_event_channel_op, EVTCHNOP_send, GUEST_BASE, 0), 0);
	assert_true(shared.evtchn_pending[0] & 2);
	assert_true(shared.vcpu_info[0].evtchn_upcall_pending);
	send.port = 999;
	memcpy(guest, &send, sizeof(send));
	assert_int_equal(call(__HYPERVISOR_event_channel_op, EVTCHNOP_send, GUEST_BASE, 0), -EINVAL);
	assert_int_equal(call(__HYPERVISOR_event_channel_op, EVTCHNOP_send, 0, 0), -EFAULT);
	assert_int_equal(call(__HYPERVISOR_event_channel_op, EVTCHNOP_init_control, GUEST_BASE, 0), -ENOSYS);
	assert_int_equal(call(__HYPERVISOR_event_channel_op, 0x7fff, GUEST_BASE, 0), -ENOSYS);
}

/* ---- hvm_op: parameters ---- */
static long param(int op, domid_t domid, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = {.domid = domid, .index = index, .value = value ? *value : 0};
	long rc;

	memcpy(guest, &p, sizeof(p));
	rc = call(__HYPERVISOR_hvm_op, op, GUEST_BASE, 0);
	memcpy(&p, guest, sizeof(p));
	if (value)
		*value = p.value;
	return rc;
}

static void test_hvm_params(void **state)
{
	uint64_t v = 0xf3;

	assert_int_equal(param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &v), 0);
	v = 0;
	assert_int_equal(param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &v), 0);
	assert_int_equal(v, 0xf3);
	v = 0x1234; /* the store page is the toolstack's to set */
	assert_int_equal(param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v), -EPERM);
	assert_int_equal(param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(param(HVMOP_get_param, DOMID_SELF, HVM_NR_PARAMS, &v), -EINVAL);
	assert_int_equal(param(HVMOP_get_param, 5, HVM_PARAM_STORE_PFN, &v), -EPERM);
	dom.privileged = true; /* a toolstack: sets another domain's store page; that domain must exist */
	assert_int_equal(param(HVMOP_get_param, 5, HVM_PARAM_STORE_PFN, &v), -ESRCH);
	v = 0x777;
	assert_int_equal(param(HVMOP_set_param, 3, HVM_PARAM_STORE_PFN, &v), 0);
	assert_int_equal(dom.hvm_params[HVM_PARAM_STORE_PFN], 0x777);
	assert_int_equal(call(__HYPERVISOR_hvm_op, HVMOP_get_param, 0, 0), -EFAULT);
	assert_int_equal(call(__HYPERVISOR_hvm_op, 0x7777, GUEST_BASE, 0), -ENOSYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_unknown_numbers, setup),
	    cmocka_unit_test_setup(test_privilege_check, setup),
	    cmocka_unit_test_setup(test_ctl_privileged, setup),
	    cmocka_unit_test_setup(test_xen_version, setup),
	    cmocka_unit_test_setup(test_xen_version_bad_pointers, setup),
	    cmocka_unit_test_setup(test_commandline_privileged, setup),
	    cmocka_unit_test_setup(test_console_io, setup),
	    cmocka_unit_test_setup(test_sched_op, setup),
	    cmocka_unit_test_setup(test_vcpu_op, setup),
	    cmocka_unit_test_setup(test_sched_poll, setup),
	    cmocka_unit_test_setup(test_vcpu_up_down, setup),
	    cmocka_unit_test_setup(test_vcpu_context_32, setup),
	    cmocka_unit_test_setup(test_vcpu_timers, setup),
	    cmocka_unit_test_setup(test_register_vcpu_info, setup),
	    cmocka_unit_test_setup(test_runstate, setup),
	    cmocka_unit_test_setup(test_memory_op, setup),
	    cmocka_unit_test_setup(test_memory_op_reservation_and_map, setup),
	    cmocka_unit_test_setup(test_populate_and_decrease, setup),
	    cmocka_unit_test_setup(test_reservation_faulting_list, setup),
	    cmocka_unit_test_setup(test_reservation_limit, setup),
	    cmocka_unit_test_setup(test_remove_from_physmap, setup),
	    cmocka_unit_test_setup(test_add_to_physmap_batch, setup),
	    cmocka_unit_test_setup(test_grant_table_op_entry, setup),
	    cmocka_unit_test_setup(test_event_channel_op, setup),
	    cmocka_unit_test_setup(test_hvm_params, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
