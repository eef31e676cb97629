/*
 * Unit tests for the control interface (kernel/ctl.c): privilege, version,
 * reserved bytes and the argument checks and error paths of every command,
 * over fake domains whose physical maps are real p2m tables in fake memory
 * (ctl_fake.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_fake.h"
#include <public/mica/ctl.h>
#include <asm/hvm.h>
#include <mica/console_ring.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/foreign_map.h>
#include <mica/guest_mem.h>
#include <mica/guest_ram.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/mm.h>
#include <mica/physinfo.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/xen.h>

/* ---- privilege, version, command numbers, reserved bytes */
static void test_privileged_only(void **state)
{
	uint32_t cmd;

	dom0->privileged = false;
	for (cmd = 0; cmd <= MICA_CTL_SCHED_SET + 1; cmd++)
		assert_int_equal(simple(cmd, 0), -EPERM);
	/* before the version or the pointer is even looked at */
	assert_int_equal(do_ctl(caller, (uint64_t[HYPERCALL_MAX_ARGS]){0}), -EPERM);
	assert_int_equal(domain_count(), 1);
}

static void test_version_and_commands(void **state)
{
	const uint32_t versions[] = {0, 0x15, 0x14, MICA_CTL_INTERFACE_VERSION + 1, MICA_CTL_INTERFACE_VERSION - 1};
	const uint32_t unknown[] = {0, 30 /* 18 .. 29 are taken */, 100, 0x80000000u, UINT32_MAX};
	struct mica_ctl c = req(MICA_CTL_PHYSINFO, 0);

	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		c.interface_version = versions[i];
		assert_int_equal(ctl(&c), -EACCES); /* a Xen toolstack's domctl */
	}
	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++)
		assert_int_equal(simple(unknown[i], 0), -ENOSYS);
	/* the structure cannot be read */
	assert_int_equal(do_ctl(caller, (uint64_t[HYPERCALL_MAX_ARGS]){0}), -EFAULT);
	assert_int_equal(do_ctl(caller, (uint64_t[HYPERCALL_MAX_ARGS]){GUEST_BASE + GUEST_SIZE - 100}), -EFAULT);
	assert_int_equal(do_ctl(caller, (uint64_t[HYPERCALL_MAX_ARGS]){UINT64_MAX - 10}), -EFAULT);
}

/* The header's pad and every byte past a command's member are reserved, for every command. */
static void test_reserved_bytes(void **state)
{
	domid_t id = create(0, 1, 16);

	for (uint32_t cmd = MICA_CTL_PHYSINFO; cmd <= MICA_CTL_SCHED_SET; cmd++) {
		struct mica_ctl c = req(cmd, cmd == MICA_CTL_PHYSINFO || cmd == MICA_CTL_CONSOLE_READ ? 0 : id);

		c.pad[1] = 1;
		assert_int_equal(ctl(&c), -EINVAL);
		c = req(cmd, c.domain);
		c.u.raw[sizeof(c.u.raw) - 1] = 0x80;
		assert_int_equal(ctl(&c), -EINVAL);
	}
	/* commands without a member take no byte of the union */
	for (uint32_t cmd = MICA_CTL_DOMAIN_DESTROY; cmd <= MICA_CTL_DOMAIN_UNPAUSE; cmd++) {
		struct mica_ctl c = req(cmd, id);

		c.u.raw[0] = 1;
		assert_int_equal(ctl(&c), -EINVAL);
	}
	assert_int_equal(kills + pauses + unpauses, 0);
	assert_true(doms[id] != NULL);
}

/* Commands that act on another domain: a missing one is -ESRCH, the caller itself -EINVAL. */
static void test_target_domain(void **state)
{
	const uint32_t others[] = {MICA_CTL_DOMAIN_DESTROY, MICA_CTL_DOMAIN_PAUSE, MICA_CTL_DOMAIN_UNPAUSE,
				   MICA_CTL_POPULATE,       MICA_CTL_MAP_FOREIGN,  MICA_CTL_VCPU_SET_CONTEXT};
	const uint32_t any[] = {MICA_CTL_DOMAIN_INFO,       MICA_CTL_SET_MAX_MEM, MICA_CTL_VCPU_GET_AFFINITY,
				MICA_CTL_VCPU_SET_AFFINITY, MICA_CTL_SCHED_GET,   MICA_CTL_SCHED_SET};

	for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
		assert_int_equal(simple(others[i], 7), -ESRCH);
		assert_int_equal(simple(others[i], DOMAIN_ID_MAX), -ESRCH);
		assert_int_equal(simple(others[i], DOMID_SELF), -ESRCH);
		assert_int_equal(simple(others[i], 0), -EINVAL); /* itself */
	}
	for (size_t i = 0; i < ARRAY_SIZE(any); i++)
		assert_int_equal(simple(any[i], 9), -ESRCH);
	/* system-wide commands take no domain */
	assert_int_equal(simple(MICA_CTL_PHYSINFO, 1), -EINVAL);
	assert_int_equal(simple(MICA_CTL_CONSOLE_READ, 2), -EINVAL);
	assert_int_equal(kills + pauses + unpauses + starts, 0);
}

/* ---- the machine */
static void test_physinfo(void **state)
{
	struct mica_ctl c = req(MICA_CTL_PHYSINFO, 0);

	memset(&c.u.physinfo, 0xff, sizeof(c.u.physinfo)); /* output fields: what they held is ignored */
	assert_int_equal(ctl(&c), 0);
	assert_int_equal(c.u.physinfo.nr_cpus, 2);
	assert_int_equal(c.u.physinfo.cpu_online_mask, 3);
	assert_int_equal(c.u.physinfo.hvm, MICA_CTL_HVM_SVM);
	assert_int_equal(c.u.physinfo.total_pages, TOTAL_PAGES);
	assert_int_equal(c.u.physinfo.free_pages, FREE_PAGES);
	assert_int_equal(c.u.physinfo.max_domains, DOMAIN_ID_MAX);
	assert_int_equal(c.u.physinfo.max_vcpus, DOMAIN_MAX_VCPUS);
	assert_int_equal(c.u.physinfo.nr_domains, 1);
	assert_int_equal(c.u.physinfo.cpu_khz, 2000000);
	/* the answer must be writable before anything is done */
	ro_lo = CTL_AT;
	ro_hi = CTL_AT + 1;
	assert_int_equal(ctl(&c), -EFAULT);
}

static void test_console_read(void **state)
{
	struct mica_ctl c = req(MICA_CTL_CONSOLE_READ, 0);
	uint64_t head;

	console_ring_write("(d1) hello\n", 11);
	head = console_ring_head();
	c.u.console_read.buffer = BUF_AT;
	c.u.console_read.index = head - 11;
	c.u.console_read.size = 64;
	assert_int_equal(ctl(&c), 11);
	assert_memory_equal(guest + (BUF_AT - GUEST_BASE), "(d1) hello\n", 11);
	assert_int_equal(c.u.console_read.size, 11);
	assert_int_equal(c.u.console_read.index, head);
	assert_int_equal(c.u.console_read.lost, 0);
	/* in pieces */
	c.u.console_read.index = head - 11;
	c.u.console_read.size = 5;
	assert_int_equal(ctl(&c), 5);
	assert_int_equal(c.u.console_read.index, head - 6);
	/* at the head: nothing; a zero-sized buffer: nothing */
	assert_int_equal(ctl(&c), 5);
	assert_int_equal(ctl(&c), 1);
	assert_int_equal(ctl(&c), 0);
	c.u.console_read.index = 0;
	c.u.console_read.size = 0;
	assert_int_equal(ctl(&c), 0);
	/* bad arguments */
	c.u.console_read.index = head + 1;
	c.u.console_read.size = 8;
	assert_int_equal(ctl(&c), -EINVAL);
	c.u.console_read.index = 0;
	c.u.console_read.size = MICA_CTL_CONSOLE_READ_MAX + 1;
	assert_int_equal(ctl(&c), -EINVAL);
	c.u.console_read.size = 8;
	c.u.console_read.pad = 1;
	assert_int_equal(ctl(&c), -EINVAL);
	c.u.console_read.pad = 0;
	c.u.console_read.buffer = GUEST_BASE + GUEST_SIZE - 4;
	assert_int_equal(ctl(&c), -EFAULT);
}

/* ---- creating */
static struct mica_ctl create_req(domid_t want)
{
	struct mica_ctl c = req(MICA_CTL_DOMAIN_CREATE, want);

	c.u.create.max_vcpus = 2;
	c.u.create.max_pages = 1024;
	snprintf(c.u.create.name, sizeof(c.u.create.name), "vm");
	return c;
}

static void test_create(void **state)
{
	struct mica_ctl c = create_req(0);
	struct mica_ctl_dominfo i;

	c.u.create.on_crash = MICA_CTL_ACTION_PRESERVE;
	assert_int_equal(ctl(&c), 1); /* the lowest free id above dom0 */
	assert_int_equal(c.domain, 1);
	i = info(1);
	assert_int_equal(i.state, MICA_CTL_STATE_BUILDING);
	assert_int_equal(i.flags, MICA_CTL_DOMF_PAUSED);
	assert_int_equal(i.max_pages, 1024);
	assert_int_equal(i.pages, 0);
	assert_int_equal(i.max_vcpus, 2);
	assert_int_equal(i.online_vcpus, 0);
	assert_string_equal(i.name, "vm");
	assert_int_equal(doms[1]->hvm_params[HVM_PARAM_CONSOLE_PFN], DOMAIN_CONSOLE_GFN); /* its console */
	assert_int_equal(doms[1]->on_crash, DOMAIN_ACTION_PRESERVE);
	assert_int_equal(doms[1]->on_poweroff, DOMAIN_ACTION_DESTROY);
	assert_null(doms[1]->restart);
	assert_true(doms[1]->toolstack_restarts);
	/* restart: the domain is kept, stopped, for the toolstack to rebuild */
	c = create_req(0);
	c.u.create.on_reboot = MICA_CTL_ACTION_RESTART;
	c.u.create.name[0] = 'r';
	assert_int_equal(ctl(&c), 2);
	assert_int_equal(doms[2]->on_reboot, DOMAIN_ACTION_RESTART);
	assert_int_equal(doms[2]->on_poweroff, DOMAIN_ACTION_DESTROY);
	fake_destroy(doms[2]);
	/* a wanted id; taken ids are -EEXIST */
	c = create_req(5);
	assert_int_equal(ctl(&c), 5);
	assert_int_equal(ctl(&c), -EEXIST);
	c = create_req(0);
	assert_int_equal(ctl(&c), 2);
	/* an empty name: dN */
	c = create_req(0);
	c.u.create.name[0] = '\0';
	assert_int_equal(ctl(&c), 3);
	assert_string_equal(doms[3]->name, "d3");
}

static void test_create_bad_arguments(void **state)
{
	struct mica_ctl c;

	c = create_req(DOMAIN_ID_MAX);
	assert_int_equal(ctl(&c), -EINVAL);
	c = create_req(0);
	c.u.create.max_vcpus = 0;
	assert_int_equal(ctl(&c), -EINVAL);
	c.u.create.max_vcpus = DOMAIN_MAX_VCPUS + 1;
	assert_int_equal(ctl(&c), -EINVAL);
	c = create_req(0);
	c.u.create.flags = 1;
	assert_int_equal(ctl(&c), -EINVAL);
	c = create_req(0);
	c.u.create.pad[4] = 1;
	assert_int_equal(ctl(&c), -EINVAL);
	c = create_req(0);
	c.u.create.max_pages = TOTAL_PAGES + 1;
	assert_int_equal(ctl(&c), -EINVAL);
	c = create_req(0);
	c.u.create.on_poweroff = 3;
	assert_int_equal(ctl(&c), -EINVAL);
	c = create_req(0);
	memset(c.u.create.name, 'x', sizeof(c.u.create.name)); /* not terminated */
	assert_int_equal(ctl(&c), -EINVAL);
	c = create_req(0);
	c.u.create.name[1] = '\n';
	assert_int_equal(ctl(&c), -EINVAL);
	c = create_req(0);
	c.u.create.name[1] = (char)0xc3;
	assert_int_equal(ctl(&c), -EINVAL);
	/* out of memory: nothing is left behind (a domain without its console is destroyed) */
	create_fails = true;
	c = create_req(0);
	assert_int_equal(ctl(&c), -ENOMEM);
	create_fails = false;
	console_fails = true;
	assert_int_equal(ctl(&c), -ENOMEM);
	console_fails = false;
	assert_int_equal(kills, 1);
	assert_true(doms[1]->dying);
	fake_destroy(doms[1]);
	/* the answer cannot be written back: refused before anything is created */
	ro_lo = CTL_AT + 8;
	ro_hi = CTL_AT + 9;
	assert_int_equal(ctl(&c), -EFAULT);
	ro_lo = ro_hi = 0;
	assert_int_equal(domain_count(), 1);
	/* every id in use */
	for (domid_t id = 1; id < DOMAIN_ID_MAX; id++)
		assert_non_null(domain_create(id, "filler", 1));
	c = create_req(0);
	assert_int_equal(ctl(&c), -ENOSPC);
}

/* ---- destroying, pausing, unpausing */
static void test_destroy(void **state)
{
	domid_t id = create(0, 1, 16);

	assert_int_equal(simple(MICA_CTL_DOMAIN_DESTROY, id), 0);
	assert_int_equal(kills, 1);
	assert_int_equal(info(id).flags & MICA_CTL_DOMF_DYING, MICA_CTL_DOMF_DYING);
	assert_int_equal(simple(MICA_CTL_DOMAIN_DESTROY, id), 0); /* already going: fine, nothing more */
	assert_int_equal(kills, 1);
	/* a dying domain takes no more work */
	assert_int_equal(simple(MICA_CTL_DOMAIN_PAUSE, id), -ESRCH);
	assert_int_equal(simple(MICA_CTL_DOMAIN_UNPAUSE, id), -ESRCH);
	assert_int_equal(simple(MICA_CTL_SCHED_GET, id), -ESRCH);
	assert_int_equal(simple(MICA_CTL_DOMAIN_DESTROY, 0), -EINVAL); /* never itself */
	assert_int_equal(kills, 1);
}

/* Once unpublished, until its memory is back, a domain is only an id, dying. */
static void test_torn_down(void **state)
{
	struct mica_ctl_dominfo recs[3];
	domid_t id = create(0, 1, 16);
	struct mica_ctl c;

	fake_destroy(doms[id]);
	torn_down[id] = true;
	assert_int_equal(info(id).domain, id);
	assert_int_equal(info(id).flags, MICA_CTL_DOMF_DYING);
	assert_int_equal(info(id).pages, 0);
	assert_int_equal(simple(MICA_CTL_DOMAIN_DESTROY, id), 0);
	assert_int_equal(simple(MICA_CTL_DOMAIN_PAUSE, id), -ESRCH);
	assert_int_equal(simple(MICA_CTL_SCHED_GET, id), -ESRCH);
	c = req(MICA_CTL_DOMAIN_LIST, 0);
	c.u.list.buffer = BUF_AT;
	c.u.list.max_entries = 3;
	assert_int_equal(ctl(&c), 2);
	memcpy(recs, guest + (BUF_AT - GUEST_BASE), sizeof(recs));
	assert_int_equal(recs[1].domain, id);
	assert_int_equal(recs[1].flags, MICA_CTL_DOMF_DYING);
	/* its id is not given out again until then */
	c = create_req(id);
	assert_int_equal(ctl(&c), -EEXIST);
	c = create_req(0);
	assert_int_equal(ctl(&c), id + 1);
	torn_down[id] = false;
	assert_int_equal(simple(MICA_CTL_DOMAIN_INFO, id), -ESRCH);
	assert_int_equal(kills, 0);
}

static void test_pause_unpause(void **state)
{
	domid_t id = create(0, 1, 16);
	struct domain *d = doms[id];

	/* the first unpause of a new domain starts it */
	assert_int_equal(simple(MICA_CTL_DOMAIN_UNPAUSE, id), 0);
	assert_int_equal(starts, 1);
	assert_int_equal(d->state, DOMAIN_RUNNING);
	assert_int_equal(d->pause_count, 0);
	assert_int_equal(info(id).flags & MICA_CTL_DOMF_PAUSED, 0);
	assert_int_equal(simple(MICA_CTL_DOMAIN_UNPAUSE, id), -EINVAL); /* not paused */
	/* pauses nest */
	assert_int_equal(simple(MICA_CTL_DOMAIN_PAUSE, id), 0);
	assert_int_equal(simple(MICA_CTL_DOMAIN_PAUSE, id), 0);
	assert_int_equal(d->pause_count, 2);
	assert_int_equal(info(id).flags & MICA_CTL_DOMF_PAUSED, MICA_CTL_DOMF_PAUSED);
	assert_int_equal(simple(MICA_CTL_DOMAIN_UNPAUSE, id), 0);
	assert_int_equal(info(id).flags & MICA_CTL_DOMF_PAUSED, MICA_CTL_DOMF_PAUSED);
	assert_int_equal(simple(MICA_CTL_DOMAIN_UNPAUSE, id), 0);
	assert_int_equal(d->pause_count, 0);
	assert_int_equal(starts, 1);
	/* ... up to a limit */
	for (int i = 0; i < 255; i++)
		assert_int_equal(simple(MICA_CTL_DOMAIN_PAUSE, id), 0);
	assert_int_equal(simple(MICA_CTL_DOMAIN_PAUSE, id), -EBUSY);
	assert_int_equal(d->pause_count, 255);
	/* never the caller itself */
	assert_int_equal(simple(MICA_CTL_DOMAIN_PAUSE, 0), -EINVAL);
	assert_int_equal(simple(MICA_CTL_DOMAIN_UNPAUSE, 0), -EINVAL);
}

static void test_pause_while_building(void **state)
{
	domid_t id = create(0, 1, 16);
	struct domain *d = doms[id];

	assert_int_equal(simple(MICA_CTL_DOMAIN_PAUSE, id), 0);
	assert_int_equal(simple(MICA_CTL_DOMAIN_UNPAUSE, id), 0); /* drops the extra pause only */
	assert_int_equal(d->state, DOMAIN_BUILDING);
	assert_int_equal(starts, 0);
	assert_int_equal(d->pause_count, 1);
	assert_int_equal(simple(MICA_CTL_DOMAIN_UNPAUSE, id), 0); /* now it starts */
	assert_int_equal(starts, 1);
	assert_int_equal(d->pause_count, 0);
}

/* ---- info and list */
static void test_info_and_list(void **state)
{
	struct mica_ctl_dominfo recs[4];
	domid_t a = create(0, 1, 16), b = create(9, 2, 32);
	struct mica_ctl c;

	doms[b]->state = DOMAIN_SHUTDOWN;
	doms[b]->shutdown_reason = 2; /* SHUTDOWN_suspend */
	doms[b]->vcpus[1]->pause_flags = 0;
	doms[b]->vcpus[0]->runstate.time[RUNSTATE_running] = 1000;
	doms[b]->vcpus[1]->runstate.time[RUNSTATE_running] = 200;
	doms[b]->vcpus[1]->runstate.state = RUNSTATE_running; /* since 4966 ns; it is 5000 now */
	doms[b]->vcpus[1]->runstate.state_entry_time = 4966;
	assert_int_equal(info(0).flags, MICA_CTL_DOMF_PRIVILEGED);
	assert_int_equal(info(b).state, MICA_CTL_STATE_SHUTDOWN);
	assert_int_equal(info(b).shutdown_reason, 2);
	assert_int_equal(info(b).online_vcpus, 1);
	assert_int_equal(info(b).cpu_time_ns, 1234);

	c = req(MICA_CTL_DOMAIN_LIST, 0);
	c.u.list.buffer = BUF_AT;
	c.u.list.max_entries = 4;
	assert_int_equal(ctl(&c), 3);
	assert_int_equal(c.u.list.nr_entries, 3);
	memcpy(recs, guest + (BUF_AT - GUEST_BASE), sizeof(recs));
	assert_int_equal(recs[0].domain, 0);
	assert_int_equal(recs[1].domain, a);
	assert_int_equal(recs[2].domain, b);
	assert_int_equal(recs[2].max_pages, 32);
	/* from an id on, at most max_entries */
	c = req(MICA_CTL_DOMAIN_LIST, a);
	c.u.list.buffer = BUF_AT;
	c.u.list.max_entries = 1;
	assert_int_equal(ctl(&c), 1);
	memcpy(recs, guest + (BUF_AT - GUEST_BASE), sizeof(recs[0]));
	assert_int_equal(recs[0].domain, a);
	c = req(MICA_CTL_DOMAIN_LIST, DOMAIN_ID_MAX);
	c.u.list.buffer = BUF_AT;
	c.u.list.max_entries = 4;
	assert_int_equal(ctl(&c), 0);
	c = req(MICA_CTL_DOMAIN_LIST, 0);
	assert_int_equal(ctl(&c), 0); /* no room: nothing written */
	/* a buffer that ends early */
	c.u.list.buffer = GUEST_BASE + GUEST_SIZE - sizeof(recs[0]) - 4;
	c.u.list.max_entries = 2;
	assert_int_equal(ctl(&c), -EFAULT);
	c.u.list.buffer = 0;
	assert_int_equal(ctl(&c), -EFAULT);
}

/* ---- memory */
static long populate(domid_t id, uint64_t gfn, uint64_t nr)
{
	struct mica_ctl c = req(MICA_CTL_POPULATE, id);

	c.u.populate.gfn = gfn;
	c.u.populate.nr_pages = nr;
	return ctl(&c);
}

static void test_max_mem_and_populate(void **state)
{
	domid_t id = create(0, 1, 1024);
	struct mica_ctl c = req(MICA_CTL_SET_MAX_MEM, id);

	assert_int_equal(populate(id, 0, 1025), -ENOMEM); /* over max_pages */
	assert_int_equal(populate(id, 0, 512), 0);
	assert_int_equal(info(id).pages, 512);
	assert_int_equal(populate(id, 256, 512), -EBUSY); /* overlaps what it has */
	assert_int_equal(populate(id, 1000, 513), -ENOMEM);
	assert_int_equal(populate(id, 1000, 512), 0);
	assert_int_equal(populate(id, 5000, 1), -ENOMEM); /* all of it used */
	/* a lower maximum: it keeps what it has, gets no more */
	c.u.max_mem.max_pages = 100;
	assert_int_equal(ctl(&c), 0);
	assert_int_equal(info(id).max_pages, 100);
	assert_int_equal(populate(id, 5000, 1), -ENOMEM);
	c.u.max_mem.max_pages = TOTAL_PAGES + 1;
	assert_int_equal(ctl(&c), -EINVAL);
	c.u.max_mem.max_pages = TOTAL_PAGES;
	assert_int_equal(ctl(&c), 0);
	/* bad ranges */
	assert_int_equal(populate(id, 5000, 0), -EINVAL);
	assert_int_equal(populate(id, 5000, MICA_CTL_POPULATE_MAX + 1), -EINVAL);
	assert_int_equal(populate(id, doms[id]->arch.p2m.max_gfn, 1), -EINVAL);
	assert_int_equal(populate(id, doms[id]->arch.p2m.max_gfn - 1, 2), -EINVAL);
	assert_int_equal(populate(id, UINT64_MAX, 2), -EINVAL);
	assert_int_equal(populate(0, 5000, 1), -EINVAL); /* not itself */
	/* an extent that cannot be allocated half way: the ones given are taken back */
	assert_int_equal(populate(id, 0x4000, 0), -EINVAL);
	populates = 0;
	populate_ok = 1;
	assert_int_equal(populate(id, 0x4000, 1024 + 3), -ENOMEM); /* 2 MiB, then 2 MiB fails, then 4 KiB fails */
	assert_int_equal(populates, 1);
	for (uint64_t g = 0x4000; g < 0x4000 + 1024 + 3; g++)
		assert_int_equal(arch_physmap_query(doms[id], _gfn(g), NULL, NULL), -ENOENT);
	populate_ok = -1;
	assert_int_equal(info(id).pages, 1024);
}

static long map_foreign(domid_t id, uint64_t gfn, uint64_t caller_gfn, uint32_t nr, uint32_t flags)
{
	struct mica_ctl c = req(MICA_CTL_MAP_FOREIGN, id);

	c.u.map_foreign.gfn = gfn;
	c.u.map_foreign.caller_gfn = caller_gfn;
	c.u.map_foreign.nr_pages = nr;
	c.u.map_foreign.flags = flags;
	return ctl(&c);
}

static long unmap_foreign(domid_t id, uint64_t caller_gfn)
{
	struct mica_ctl c = req(MICA_CTL_UNMAP_FOREIGN, id);

	c.u.unmap_foreign.caller_gfn = caller_gfn;
	return ctl(&c);
}

static void test_foreign_mappings(void **state)
{
	domid_t id = create(0, 1, 64);
	unsigned int access;
	mfn_t mfn;

	assert_int_equal(populate(id, 0, 64), 0);
	assert_int_equal(map_foreign(id, 3, 0x50000, 2, 0), 0);
	assert_int_equal(p2m_query(&dom0->arch.p2m, _gfn(0x50001), &mfn, &access, NULL, NULL), 0);
	assert_int_equal(mfn_x(mfn), frame_of(id, 4));
	assert_int_equal(access, RW);
	assert_int_equal(map_foreign(id, 3, 0x50010, 1, MICA_CTL_MAP_READONLY), 0);
	assert_int_equal(p2m_query(&dom0->arch.p2m, _gfn(0x50010), NULL, &access, NULL, NULL), 0);
	assert_int_equal(access, R);
	/* bad arguments */
	assert_int_equal(map_foreign(id, 3, 0x50020, 1, 2), -EINVAL);
	assert_int_equal(map_foreign(id, 3, 0x50020, 0, 0), -EINVAL);
	assert_int_equal(map_foreign(id, 3, 0x50020, MICA_CTL_MAP_MAX + 1, 0), -EINVAL);
	assert_int_equal(map_foreign(id, 63, 0x50020, 2, 0), -ENOENT); /* past its RAM */
	assert_int_equal(map_foreign(id, 3, 0x50001, 1, 0), -EBUSY);   /* the caller's frame is in use */
	assert_int_equal(map_foreign(id, 3, UINT64_MAX, 1, 0), -EINVAL);
	assert_int_equal(map_foreign(0, 3, 0x50020, 1, 0), -EINVAL); /* its own frames */
	assert_int_equal(map_foreign(33, 3, 0x50020, 1, 0), -ESRCH);
	/* unmapping: the mapping's first frame, and the domain it maps */
	assert_int_equal(unmap_foreign(id, 0x50001), -ENOENT);
	assert_int_equal(unmap_foreign(id + 1, 0x50000), -ENOENT);
	assert_int_equal(unmap_foreign(id, 0x50000), 0);
	assert_int_equal(p2m_query(&dom0->arch.p2m, _gfn(0x50001), NULL, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(unmap_foreign(id, 0x50000), -ENOENT);
	/* the domain is gone: its page stays mapped (and referenced) until unmapped, by id */
	fake_destroy(doms[id]);
	assert_int_equal(p2m_query(&dom0->arch.p2m, _gfn(0x50010), NULL, NULL, NULL, NULL), 0);
	assert_int_equal(live_refs, 1);
	assert_int_equal(unmap_foreign(id, 0x50010), 0);
	assert_int_equal(live_refs, 0);
}

/* ---- vCPUs and scheduling */
static long set_context(domid_t id, uint32_t vcpu, uint32_t flags, const struct vcpu_hvm_context *ctx)
{
	struct mica_ctl c = req(MICA_CTL_VCPU_SET_CONTEXT, id);

	memcpy(guest + (BUF_AT - GUEST_BASE), ctx, sizeof(*ctx));
	c.u.vcpu_context.context = BUF_AT;
	c.u.vcpu_context.vcpu = vcpu;
	c.u.vcpu_context.flags = flags;
	return ctl(&c);
}

static void test_vcpu_context(void **state)
{
	struct vcpu_hvm_context ctx = {.mode = VCPU_HVM_MODE_32B};
	struct vcpu_hvm_x86_32 *r = &ctx.cpu_regs.x86_32;
	domid_t id = create(0, 2, 64);
	struct domain *d = doms[id];
	struct mica_ctl c;

	/* the PVH entry state: 32-bit protected mode, paging off, flat segments */
	r->cr0 = 0x11;
	r->eip = 0x10000;
	r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = 0xffffffff;
	r->cs_ar = 0xc9b;
	r->ds_ar = r->ss_ar = r->es_ar = 0xc93;
	r->tr_ar = 0x8b;
	r->tr_limit = 0x67;
	assert_int_equal(set_context(id, 1, 0, &ctx), 0); /* set, still down */
	assert_int_equal(init_states, 1);
	assert_int_equal(last_state.regs.rip, 0x10000);
	assert_true(d->vcpus[1]->initialised);
	assert_int_equal(d->vcpus[1]->pause_flags, VPF_DOWN);
	assert_int_equal(set_context(id, 0, MICA_CTL_VCPU_UP, &ctx), 0); /* set and up */
	assert_int_equal(d->vcpus[0]->pause_flags, 0);
	assert_int_equal(info(id).online_vcpus, 1);
	assert_int_equal(pauses, unpauses); /* paused only meanwhile */
	assert_int_equal(d->pause_count, 1);
	/* a vCPU that is up keeps its state */
	assert_int_equal(set_context(id, 0, 0, &ctx), -EBUSY);
	assert_int_equal(init_states, 2);
	assert_int_equal(pauses, unpauses);
	/* bad arguments */
	assert_int_equal(set_context(id, 2, 0, &ctx), -ENOENT);
	assert_int_equal(set_context(id, UINT32_MAX, 0, &ctx), -ENOENT);
	assert_int_equal(set_context(id, 1, 2, &ctx), -EINVAL);
	assert_int_equal(set_context(0, 1, 0, &ctx), -EINVAL); /* its own vCPUs: VCPUOP_initialise */
	ctx.mode = 7;
	assert_int_equal(set_context(id, 1, 0, &ctx), -EINVAL);
	ctx.mode = VCPU_HVM_MODE_32B;
	r->cr0 = 0x80000001; /* PAE paging without long mode */
	r->cr4 = 0x20;
	assert_int_equal(set_context(id, 1, 0, &ctx), -EINVAL);
	c = req(MICA_CTL_VCPU_SET_CONTEXT, id);
	c.u.vcpu_context.context = GUEST_BASE + GUEST_SIZE - 8;
	assert_int_equal(ctl(&c), -EFAULT);
	assert_int_equal(init_states, 2);
}

static long affinity(uint32_t cmd, domid_t id, uint32_t vcpu, uint64_t *mask)
{
	struct mica_ctl c = req(cmd, id);
	long rc;

	c.u.affinity.vcpu = vcpu;
	c.u.affinity.cpumask = *mask;
	rc = ctl(&c);
	*mask = c.u.affinity.cpumask;
	return rc;
}

static void test_affinity(void **state)
{
	domid_t id = create(0, 2, 64);
	struct mica_ctl c;
	uint64_t m = 0;

	assert_int_equal(affinity(MICA_CTL_VCPU_GET_AFFINITY, id, 1, &m), 0);
	assert_int_equal(m, ~0ULL);
	m = 2;
	assert_int_equal(affinity(MICA_CTL_VCPU_SET_AFFINITY, id, 1, &m), 0);
	m = 0;
	assert_int_equal(affinity(MICA_CTL_VCPU_GET_AFFINITY, id, 1, &m), 0);
	assert_int_equal(m, 2);
	m = 0; /* no CPU, or none online */
	assert_int_equal(affinity(MICA_CTL_VCPU_SET_AFFINITY, id, 1, &m), -EINVAL);
	m = 4;
	assert_int_equal(affinity(MICA_CTL_VCPU_SET_AFFINITY, id, 1, &m), -EINVAL);
	m = 1;
	assert_int_equal(affinity(MICA_CTL_VCPU_SET_AFFINITY, id, 2, &m), -ENOENT);
	assert_int_equal(affinity(MICA_CTL_VCPU_GET_AFFINITY, id, 2, &m), -ENOENT);
	assert_int_equal(affinity(MICA_CTL_VCPU_SET_AFFINITY, 0, 1, &m), 0); /* its own, too */
	c = req(MICA_CTL_VCPU_SET_AFFINITY, id);
	c.u.affinity.cpumask = 1;
	c.u.affinity.pad = 1;
	assert_int_equal(ctl(&c), -EINVAL);
	c.cmd = MICA_CTL_VCPU_GET_AFFINITY;
	assert_int_equal(ctl(&c), -EINVAL);
}

static void test_sched(void **state)
{
	domid_t id = create(0, 1, 64);
	struct mica_ctl c = req(MICA_CTL_SCHED_GET, id);

	assert_int_equal(ctl(&c), 0);
	assert_int_equal(c.u.sched.weight, 256);
	assert_int_equal(c.u.sched.cap, 0);
	c = req(MICA_CTL_SCHED_SET, id);
	c.u.sched.weight = 512;
	c.u.sched.cap = 50;
	assert_int_equal(ctl(&c), 0);
	c = req(MICA_CTL_SCHED_GET, id);
	assert_int_equal(ctl(&c), 0);
	assert_int_equal(c.u.sched.weight, 512);
	assert_int_equal(c.u.sched.cap, 50);
	c = req(MICA_CTL_SCHED_SET, id);
	c.u.sched.weight = 0;
	assert_int_equal(ctl(&c), -EINVAL);
	c.u.sched.weight = 65536;
	assert_int_equal(ctl(&c), -EINVAL);
	c.u.sched.weight = 1;
	c.u.sched.cap = 201;
	assert_int_equal(ctl(&c), -EINVAL);
	assert_int_equal(doms[id]->sched.weight, 512);
}

/* ---- consoles, names, uptime */
static void test_console_attach(void **state)
{
	domid_t id = create(0, 1, 16);
	struct mica_ctl c = req(MICA_CTL_CONSOLE_ATTACH, id);

	assert_int_equal(ctl(&c), 0);
	assert_int_equal(fake_focus, id);
	assert_int_equal(fake_attached, id);
	assert_int_equal(fake_attach_back, 0); /* Ctrl-] gives it back to the caller */
	assert_int_equal(c.u.console.focus, id);
	assert_int_equal(c.u.console.attached, id);
	/* the query: who has it */
	c = req(MICA_CTL_CONSOLE_ATTACH, 0);
	c.u.console.flags = MICA_CTL_CONSOLE_QUERY;
	assert_int_equal(ctl(&c), 0);
	assert_int_equal(c.u.console.focus, id);
	assert_int_equal(fake_focus, id); /* unchanged */
	fake_focus = fake_attached = -1;  /* Ctrl-A moved it to the debug keys */
	/* what it wrote is ignored going in: the same structure asks again */
	assert_int_equal(ctl(&c), 0);
	assert_int_equal(c.u.console.focus, MICA_CTL_CONSOLE_NONE);
	assert_int_equal(c.u.console.attached, MICA_CTL_CONSOLE_NONE);
	/* the caller takes it back */
	c = req(MICA_CTL_CONSOLE_ATTACH, 0);
	assert_int_equal(ctl(&c), 0);
	assert_int_equal(fake_focus, 0);
	assert_int_equal(c.u.console.attached, MICA_CTL_CONSOLE_NONE);
	/* refusals */
	c = req(MICA_CTL_CONSOLE_ATTACH, id);
	c.u.console.flags = MICA_CTL_CONSOLE_QUERY;
	assert_int_equal(ctl(&c), -EINVAL); /* a query names no domain */
	c = req(MICA_CTL_CONSOLE_ATTACH, id);
	c.u.console.flags = 2;
	assert_int_equal(ctl(&c), -EINVAL);
	assert_int_equal(simple(MICA_CTL_CONSOLE_ATTACH, 42), -ESRCH);
	assert_int_equal(simple(MICA_CTL_CONSOLE_ATTACH, DOMAIN_ID_MAX + 5), -ESRCH);
	doms[id]->console_ring = NULL;
	assert_int_equal(simple(MICA_CTL_CONSOLE_ATTACH, id), -ENODEV);
	doms[id]->console_ring = doms[0]->console_ring;
	doms[id]->state = DOMAIN_CRASHED;
	assert_int_equal(simple(MICA_CTL_CONSOLE_ATTACH, id), -ENODEV); /* nobody reads what is typed */
	doms[id]->state = DOMAIN_RUNNING;
	doms[id]->dying = true;
	assert_int_equal(simple(MICA_CTL_CONSOLE_ATTACH, id), -ESRCH);
	assert_int_equal(fake_focus, 0);
	/* only for privileged callers */
	doms[id]->dying = false;
	dom0->privileged = false;
	assert_int_equal(simple(MICA_CTL_CONSOLE_ATTACH, id), -EPERM);
	assert_int_equal(fake_focus, 0);
}

static struct mica_ctl rename_req(domid_t id, const char *name)
{
	struct mica_ctl c = req(MICA_CTL_DOMAIN_RENAME, id);

	strncpy(c.u.rename.name, name, sizeof(c.u.rename.name));
	return c;
}

static void test_rename(void **state)
{
	domid_t a = create(0, 1, 16), b = create(0, 1, 16);
	struct mica_ctl c = rename_req(a, "web-1.x_y");
	char longest[MICA_CTL_NAME_LEN];

	assert_int_equal(ctl(&c), 0);
	assert_string_equal(info(a).name, "web-1.x_y");
	c = rename_req(b, "web-1.x_y");
	assert_int_equal(ctl(&c), -EEXIST); /* unique among live domains */
	c = rename_req(a, "web-1.x_y");
	assert_int_equal(ctl(&c), 0); /* its own name again */
	c = rename_req(b, "dom0");
	assert_int_equal(ctl(&c), -EEXIST);
	doms[a]->dying = true; /* a dying domain's name is free */
	c = rename_req(b, "web-1.x_y");
	assert_int_equal(ctl(&c), 0);
	assert_int_equal(ctl(&c), 0);
	c = rename_req(a, "x");
	assert_int_equal(ctl(&c), -ESRCH); /* dying */
	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	c = rename_req(b, longest);
	assert_int_equal(ctl(&c), 0);
	assert_string_equal(doms[b]->name, longest);
	/* bad names leave the old one */
	const char *const bad[] = {"", "has space", "tab\t", "nl\n", "\x7f", "\xc3\xa9"};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		c = rename_req(b, bad[i]);
		assert_int_equal(ctl(&c), -EINVAL);
	}
	c = rename_req(b, "ok");
	memset(c.u.rename.name, 'x', sizeof(c.u.rename.name)); /* not terminated */
	assert_int_equal(ctl(&c), -EINVAL);
	c = rename_req(b, "ok");
	c.u.rename.name[5] = 'z'; /* bytes hidden after the NUL */
	assert_int_equal(ctl(&c), -EINVAL);
	assert_string_equal(doms[b]->name, longest);
	c = rename_req(42, "x");
	assert_int_equal(ctl(&c), -ESRCH);
}

static void test_uptime(void **state)
{
	domid_t id;

	fake_now = 7 * 1000000000ULL;
	id = create(0, 1, 16);
	fake_now += 3500000000ULL;
	assert_int_equal(info(id).uptime_ns, 3500000000ULL);
	assert_int_equal(info(0).uptime_ns, fake_now - 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_privileged_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_version_and_commands, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reserved_bytes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_target_domain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_physinfo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_console_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_bad_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pause_unpause, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pause_while_building, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_info_and_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_mem_and_populate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_mappings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vcpu_context, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_affinity, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_console_attach, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uptime, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
