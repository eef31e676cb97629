/*
 * test-ctl: Mica's control interface end to end, as a dom0 toolstack uses it.
 *
 * As dom0 (privileged) it builds a domain from nothing: creates it, gives it
 * RAM, writes a tiny 32-bit program into it through a foreign mapping, sets
 * its vCPU's start state (protected mode, paging off, as PVH starts) and
 * unpauses it. The program writes a line to port 0xe9, which Mica prints as
 * the domain's console output, and halts with interrupts off, which takes
 * its vCPU down. The test finds that line in the hypervisor's console ring,
 * lists, pauses, unpauses and destroys the domain, and checks that every
 * page came back. A second domain is destroyed while its page is still
 * mapped: the page stays until it is unmapped.
 *
 * With "unprivileged" on its command line (as an ordinary domain) it checks
 * that every command is refused with -EPERM.
 */
#include "xtf.h"

#include <mica/ctl.h>
#include <xen/hvm/hvm_vcpu.h>

const char test_title[] = "the control interface";

#define CHILD_ID 7
#define CHILD_PAGES 1024 /* 4 MiB */
#define CHILD_ENTRY 0x10000
#define CHILD_MSG "ctl-child: hello from a domain built over the control interface"
#define WAIT_SECONDS 60

static long ctl(struct mica_ctl *c)
{
	return hypercall5(MICA_CTL_HYPERCALL, (unsigned long)c, 0, 0, 0, 0);
}

static struct mica_ctl req(uint32_t cmd, uint16_t domain)
{
	struct mica_ctl c;

	memset(&c, 0, sizeof(c));
	c.cmd = cmd;
	c.interface_version = MICA_CTL_INTERFACE_VERSION;
	c.domain = domain;
	return c;
}

static long simple(uint32_t cmd, uint16_t domain)
{
	struct mica_ctl c = req(cmd, domain);

	return ctl(&c);
}

/* ---- an ordinary domain: nothing is allowed */
static void unprivileged(void)
{
	struct mica_ctl c = req(MICA_CTL_PHYSINFO, 0);

	for (uint32_t cmd = 0; cmd <= MICA_CTL_SCHED_SET + 1; cmd++)
		xtf_check(simple(cmd, 0) == -XEN_EPERM, "command %u refused with -EPERM", cmd);
	c.interface_version = 0x15; /* a Xen toolstack's domctl: refused for privilege first */
	xtf_check(ctl(&c) == -XEN_EPERM, "a Xen domctl refused with -EPERM");
	xtf_report();
}

/* ---- dom0 */
static uint64_t tsc_khz;

static uint64_t deadline(void)
{
	return rdtsc() + tsc_khz * 1000 * WAIT_SECONDS;
}

static void yield(void)
{
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

static struct mica_ctl_physinfo physinfo(void)
{
	struct mica_ctl c = req(MICA_CTL_PHYSINFO, 0);
	long rc = ctl(&c);

	if (rc)
		xtf_failure("physinfo returned %ld", rc);
	return c.u.physinfo;
}

static long info(uint16_t id, struct mica_ctl_dominfo *out)
{
	struct mica_ctl c = req(MICA_CTL_DOMAIN_INFO, id);
	long rc = ctl(&c);

	*out = c.u.info;
	return rc;
}

static struct mica_ctl_dominfo list_buf[16];

static long list(void)
{
	struct mica_ctl c = req(MICA_CTL_DOMAIN_LIST, 0);

	c.u.list.buffer = (uint64_t)(uintptr_t)list_buf;
	c.u.list.max_entries = ARRAY_SIZE(list_buf);
	return ctl(&c);
}

/* The other boot domains finish first, so that free memory holds still while we count it. */
static void wait_alone(void)
{
	for (uint64_t end = deadline(); list() != 1;) {
		if (rdtsc() > end)
			xtf_failure("other domains still run after %u s", WAIT_SECONDS);
		yield();
	}
}

static void wait_gone(uint16_t id)
{
	struct mica_ctl_dominfo i;

	for (uint64_t end = deadline(); info(id, &i) != -XEN_ESRCH;) {
		if (rdtsc() > end)
			xtf_failure("d%u still there %u s after destroy (flags 0x%x)", id, WAIT_SECONDS, i.flags);
		yield();
	}
}

static long create(uint16_t want, uint32_t vcpus, uint64_t pages, const char *name)
{
	struct mica_ctl c = req(MICA_CTL_DOMAIN_CREATE, want);
	long rc;

	c.u.create.max_vcpus = vcpus;
	c.u.create.max_pages = pages;
	memcpy(c.u.create.name, name, strlen(name) + 1);
	rc = ctl(&c);
	if (rc >= 0 && c.domain != rc)
		xtf_failure("create returned %ld but wrote back %u", rc, c.domain);
	return rc;
}

static long populate(uint16_t id, uint64_t gfn, uint64_t nr)
{
	struct mica_ctl c = req(MICA_CTL_POPULATE, id);

	c.u.populate.gfn = gfn;
	c.u.populate.nr_pages = nr;
	return ctl(&c);
}

static long map_foreign(uint16_t id, uint64_t gfn, uint64_t caller_gfn, uint32_t nr, uint32_t flags)
{
	struct mica_ctl c = req(MICA_CTL_MAP_FOREIGN, id);

	c.u.map_foreign.gfn = gfn;
	c.u.map_foreign.caller_gfn = caller_gfn;
	c.u.map_foreign.nr_pages = nr;
	c.u.map_foreign.flags = flags;
	return ctl(&c);
}

static long unmap_foreign(uint16_t id, uint64_t caller_gfn)
{
	struct mica_ctl c = req(MICA_CTL_UNMAP_FOREIGN, id);

	c.u.unmap_foreign.caller_gfn = caller_gfn;
	return ctl(&c);
}

/* 32-bit code that writes msg and a newline to port 0xe9, then halts with interrupts off. */
static size_t child_program(uint8_t *p, const char *msg)
{
	size_t n = 0;

	p[n++] = 0x66; /* mov $0xe9, %dx */
	p[n++] = 0xba;
	p[n++] = 0xe9;
	p[n++] = 0x00;
	for (const char *s = msg;; s++) {
		p[n++] = 0xb0; /* mov $c, %al */
		p[n++] = *s ? (uint8_t)*s : '\n';
		p[n++] = 0xee; /* out %al, %dx */
		if (!*s)
			break;
	}
	p[n++] = 0xfa; /* cli */
	p[n++] = 0xf4; /* hlt */
	return n;
}

static bool same_bytes(const volatile uint8_t *a, const volatile uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The PVH entry state (Xen's docs/misc/pvh.pandoc): protected mode, paging off, flat segments. */
static long start_vcpu(uint16_t id, uint32_t vcpu, uint32_t eip, uint32_t flags)
{
	static struct vcpu_hvm_context ctx;
	struct vcpu_hvm_x86_32 *r = &ctx.cpu_regs.x86_32;
	struct mica_ctl c = req(MICA_CTL_VCPU_SET_CONTEXT, id);

	memset(&ctx, 0, sizeof(ctx));
	ctx.mode = VCPU_HVM_MODE_32B;
	r->cr0 = CR0_PE | CR0_ET;
	r->eip = eip;
	r->eflags = 0x2;
	r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = 0xffffffff;
	r->cs_ar = 0xc9b;
	r->ds_ar = r->ss_ar = r->es_ar = 0xc93;
	r->tr_ar = 0x8b;
	r->tr_limit = 0x67;
	c.u.vcpu_context.context = (uint64_t)(uintptr_t)&ctx;
	c.u.vcpu_context.vcpu = vcpu;
	c.u.vcpu_context.flags = flags;
	return ctl(&c);
}

/* The console ring from offset *index on, appended to acc. */
static char acc[16384];
static size_t acc_len;

static void console_drain(uint64_t *index, bool keep)
{
	static char scratch[4096];

	for (;;) {
		struct mica_ctl c = req(MICA_CTL_CONSOLE_READ, 0);
		size_t room = keep ? sizeof(acc) - 1 - acc_len : sizeof(scratch);
		long rc;

		c.u.console_read.buffer = (uint64_t)(uintptr_t)(keep ? acc + acc_len : scratch);
		c.u.console_read.index = *index;
		c.u.console_read.size = (uint32_t)(room > 4096 ? 4096 : room);
		rc = ctl(&c);
		if (rc < 0)
			xtf_failure("console read returned %ld", rc);
		*index = c.u.console_read.index;
		if (keep) {
			acc_len += (size_t)rc;
			acc[acc_len] = '\0';
		}
		if (rc == 0)
			return;
	}
}

static void check_errors(void)
{
	struct mica_ctl c = req(MICA_CTL_PHYSINFO, 0);

	c.interface_version = 0x15; /* what a Xen 4.17 toolstack sends */
	xtf_check(ctl(&c) == -XEN_EACCES, "a Xen domctl gets -EACCES");
	xtf_check(simple(999, 0) == -XEN_ENOSYS, "an unknown command gets -ENOSYS");
	c = req(MICA_CTL_PHYSINFO, 0);
	c.pad[0] = 1;
	xtf_check(ctl(&c) == -XEN_EINVAL, "a reserved field set gets -EINVAL");
	xtf_check(hypercall5(MICA_CTL_HYPERCALL, 0x7ffffffff000ul, 0, 0, 0, 0) == -XEN_EFAULT,
		  "an unmapped structure gets -EFAULT");
	xtf_check(simple(MICA_CTL_DOMAIN_DESTROY, 0) == -XEN_EINVAL, "destroying itself is refused");
	xtf_check(simple(MICA_CTL_DOMAIN_PAUSE, 0) == -XEN_EINVAL, "pausing itself is refused");
	xtf_check(simple(MICA_CTL_DOMAIN_PAUSE, 63) == -XEN_ESRCH, "a missing domain gets -ESRCH");
}

static bool find_in_list(long n, uint16_t id, uint32_t flags)
{
	for (long i = 0; i < n; i++)
		if (list_buf[i].domain == id)
			return (list_buf[i].flags & flags) == flags;
	return false;
}

/* Builds, runs and destroys CHILD_ID. */
static void child_lifecycle(uint64_t map_gfn)
{
	struct mica_ctl_dominfo i;
	struct mica_ctl c;
	uint64_t index = 0, end;
	long rc, n;
	size_t len;

	rc = create(CHILD_ID, 1, CHILD_PAGES, "ctl-child");
	xtf_check(rc == CHILD_ID, "create d%u: %ld", CHILD_ID, rc);
	xtf_check(create(CHILD_ID, 1, 16, "again") == -XEN_EEXIST, "its id cannot be taken twice");
	rc = info(CHILD_ID, &i);
	xtf_check(rc == 0 && i.state == MICA_CTL_STATE_BUILDING && i.flags == MICA_CTL_DOMF_PAUSED && !i.pages &&
		      i.max_pages == CHILD_PAGES && i.max_vcpus == 1 && !i.online_vcpus,
		  "new domain: building, paused, no memory, one vCPU down (state %u flags 0x%x)", i.state, i.flags);

	xtf_check(populate(CHILD_ID, 0, CHILD_PAGES) == 0, "populate 4 MiB");
	xtf_check(populate(CHILD_ID, CHILD_PAGES, 1) == -XEN_ENOMEM, "populating past max_pages is refused");
	c = req(MICA_CTL_SET_MAX_MEM, CHILD_ID);
	c.u.max_mem.max_pages = CHILD_PAGES + 1;
	xtf_check(ctl(&c) == 0, "raise its max_pages by one");
	xtf_check(populate(CHILD_ID, 100, 1) == -XEN_EBUSY, "populating over its RAM is refused");
	c.u.max_mem.max_pages = CHILD_PAGES;
	xtf_check(ctl(&c) == 0, "and lower it again");
	rc = info(CHILD_ID, &i);
	xtf_check(rc == 0 && i.pages == CHILD_PAGES, "it has %lu pages", (unsigned long)i.pages);

	/* its entry page in our physical map: write the program, read it back through a read-only mapping */
	rc = map_foreign(CHILD_ID, CHILD_ENTRY >> 12, map_gfn, 1, 0);
	xtf_check(rc == 0, "map its page read-write: %ld", rc);
	if (rc)
		xtf_report();
	len = child_program((uint8_t *)(uintptr_t)(map_gfn << 12), CHILD_MSG);
	rc = map_foreign(CHILD_ID, CHILD_ENTRY >> 12, map_gfn + 1, 1, MICA_CTL_MAP_READONLY);
	xtf_check(rc == 0, "map it again read-only: %ld", rc);
	xtf_check(rc == 0 && same_bytes((uint8_t *)(uintptr_t)((map_gfn + 1) << 12),
					(uint8_t *)(uintptr_t)(map_gfn << 12), len),
		  "both mappings show the program (%zu bytes)", len);
	xtf_check(map_foreign(CHILD_ID, 0, map_gfn, 1, 0) == -XEN_EBUSY, "a frame mapped already is refused");
	xtf_check(map_foreign(CHILD_ID, CHILD_PAGES, map_gfn + 2, 1, 0) == -XEN_ENOENT,
		  "a frame past its RAM is refused");
	xtf_check(unmap_foreign(CHILD_ID, map_gfn) == 0, "unmap the read-write mapping");
	xtf_check(unmap_foreign(CHILD_ID, map_gfn + 1) == 0, "unmap the read-only mapping");
	xtf_check(unmap_foreign(CHILD_ID, map_gfn) == -XEN_ENOENT, "unmapping twice gets -ENOENT");

	xtf_check(start_vcpu(CHILD_ID, 0, CHILD_ENTRY, MICA_CTL_VCPU_UP) == 0, "vCPU0 context set and up");
	xtf_check(start_vcpu(CHILD_ID, 0, CHILD_ENTRY, 0) == -XEN_EBUSY, "a vCPU that is up keeps its context");

	console_drain(&index, false);
	xtf_check(simple(MICA_CTL_DOMAIN_UNPAUSE, CHILD_ID) == 0, "unpause: it starts");
	for (end = deadline(); !strstr(acc, "(d7) " CHILD_MSG);) {
		if (rdtsc() > end)
			xtf_failure("no console output from d%u after %u s", CHILD_ID, WAIT_SECONDS);
		yield();
		console_drain(&index, true);
	}
	xtf_check(true, "its line is in the console ring");
	/* CPU time shows once the scheduler has accounted the run (CPUs' clocks may differ a little) */
	for (end = deadline(); info(CHILD_ID, &i) == 0 && (i.online_vcpus || !i.cpu_time_ns);) {
		if (rdtsc() > end)
			xtf_failure("d%u's vCPU did not halt (%u up, %lu ns of CPU)", CHILD_ID, i.online_vcpus,
				    (unsigned long)i.cpu_time_ns);
		yield();
	}
	xtf_check(i.state == MICA_CTL_STATE_RUNNING && !(i.flags & MICA_CTL_DOMF_PAUSED) && i.cpu_time_ns,
		  "it ran and halted: running, no vCPU up, %lu ns of CPU (state %u flags 0x%x)",
		  (unsigned long)i.cpu_time_ns, i.state, i.flags);

	n = list();
	xtf_check(n == 2 && find_in_list(n, 0, MICA_CTL_DOMF_PRIVILEGED) && find_in_list(n, CHILD_ID, 0),
		  "list: dom0 (privileged) and d%u (%ld domains)", CHILD_ID, n);

	xtf_check(simple(MICA_CTL_DOMAIN_PAUSE, CHILD_ID) == 0, "pause");
	xtf_check(info(CHILD_ID, &i) == 0 && (i.flags & MICA_CTL_DOMF_PAUSED), "it shows paused");
	xtf_check(simple(MICA_CTL_DOMAIN_UNPAUSE, CHILD_ID) == 0, "unpause");
	xtf_check(info(CHILD_ID, &i) == 0 && !(i.flags & MICA_CTL_DOMF_PAUSED), "it shows unpaused");
	xtf_check(simple(MICA_CTL_DOMAIN_UNPAUSE, CHILD_ID) == -XEN_EINVAL, "unpausing what is not paused is refused");

	c = req(MICA_CTL_VCPU_SET_AFFINITY, CHILD_ID);
	c.u.affinity.cpumask = 1;
	xtf_check(ctl(&c) == 0, "pin its vCPU to CPU0");
	c = req(MICA_CTL_VCPU_GET_AFFINITY, CHILD_ID);
	xtf_check(ctl(&c) == 0 && c.u.affinity.cpumask == 1, "its affinity reads back");
	c = req(MICA_CTL_SCHED_SET, CHILD_ID);
	c.u.sched.weight = 512;
	xtf_check(ctl(&c) == 0, "weight 512");
	c = req(MICA_CTL_SCHED_GET, CHILD_ID);
	xtf_check(ctl(&c) == 0 && c.u.sched.weight == 512 && !c.u.sched.cap, "the weight reads back");

	xtf_check(simple(MICA_CTL_DOMAIN_DESTROY, CHILD_ID) == 0, "destroy");
	wait_gone(CHILD_ID);
	xtf_check(true, "d%u is gone", CHILD_ID);
}

/* A domain destroyed while its page is mapped: the page stays, mapped, until it is unmapped. */
static void destroy_while_mapped(uint64_t map_gfn)
{
	volatile uint32_t *page = (volatile uint32_t *)(uintptr_t)(map_gfn << 12);
	long id = create(0, 1, 16, "");

	xtf_check(id > 0 && id != CHILD_ID, "create with any id: d%ld", id);
	if (id <= 0)
		return;
	xtf_check(populate((uint16_t)id, 0, 16) == 0, "populate 64 KiB");
	xtf_check(map_foreign((uint16_t)id, 3, map_gfn, 1, 0) == 0, "map one of its pages");
	*page = 0x12345678;
	xtf_check(simple(MICA_CTL_DOMAIN_DESTROY, (uint16_t)id) == 0, "destroy it while mapped");
	wait_gone((uint16_t)id);
	xtf_check(*page == 0x12345678, "its page is still there after the domain is gone");
	*page = 0;
	xtf_check(unmap_foreign((uint16_t)id, map_gfn) == 0, "unmap it (by the id of a domain that is gone)");
	xtf_check(unmap_foreign((uint16_t)id, map_gfn) == -XEN_ENOENT, "unmapping twice gets -ENOENT");
}

static void privileged(void)
{
	struct mica_ctl_physinfo before, after;
	uint64_t map_gpa = unpopulated_gpa();

	before = physinfo();
	tsc_khz = before.cpu_khz ? before.cpu_khz : 1000000;
	wait_alone();
	before = physinfo();
	xtf_check(before.nr_cpus >= 1 && before.hvm != MICA_CTL_HVM_NONE && before.free_pages < before.total_pages &&
		      before.max_domains > CHILD_ID && before.nr_domains == 1,
		  "physinfo: %u CPUs, hvm %u, %lu of %lu pages free, %u domain", before.nr_cpus, before.hvm,
		  (unsigned long)before.free_pages, (unsigned long)before.total_pages, before.nr_domains);
	if (!map_gpa)
		xtf_error("no unpopulated guest-physical range to map into");
	check_errors();
	child_lifecycle(map_gpa >> 12);
	destroy_while_mapped(map_gpa >> 12);
	after = physinfo();
	xtf_check(after.free_pages == before.free_pages && after.nr_domains == 1,
		  "every page came back: %lu free before, %lu after", (unsigned long)before.free_pages,
		  (unsigned long)after.free_pages);
	xtf_report();
}

/*
 * The benchmark `fill` (bench/run.sh): idle domains of `fill=M` MiB are built and started until
 * the hypervisor refuses one (memory or domain ids run out); each runs `sti; hlt` in a loop, so it
 * blocks for good. Then all are destroyed and the free memory must come back.
 */
static void fill(unsigned int mib)
{
	static const uint8_t idle[] = {0xfb, 0xf4, 0xeb, 0xfc}; /* 1: sti; hlt; jmp 1b */
	struct mica_ctl_physinfo before = physinfo(), full, after;
	uint64_t map_gfn = unpopulated_gpa() >> 12, pages = (uint64_t)mib << 8;
	unsigned int n = 0;
	long rc = 0;

	tsc_khz = before.cpu_khz ? before.cpu_khz : 1000000; /* for wait_gone's deadline */
	if (!map_gfn)
		xtf_error("no free guest frame to map the children's pages at");
	for (;;) {
		long id = create(0, 1, pages + 1, "");

		if (id <= 0) {
			rc = id;
			break;
		}
		rc = populate((uint16_t)id, 0, pages);
		if (rc == 0)
			rc = map_foreign((uint16_t)id, CHILD_ENTRY >> 12, map_gfn, 1, 0);
		if (rc == 0) {
			memcpy((void *)(uintptr_t)((map_gfn << 12) + (CHILD_ENTRY & 0xfff)), idle, sizeof(idle));
			rc = unmap_foreign((uint16_t)id, map_gfn);
		}
		if (rc == 0)
			rc = start_vcpu((uint16_t)id, 0, CHILD_ENTRY, MICA_CTL_VCPU_UP);
		if (rc == 0)
			rc = simple(MICA_CTL_DOMAIN_UNPAUSE, (uint16_t)id);
		if (rc) {
			simple(MICA_CTL_DOMAIN_DESTROY, (uint16_t)id);
			wait_gone((uint16_t)id);
			break;
		}
		n++;
	}
	full = physinfo();
	printk("fill: %u idle domains of %u MiB running (the next refused: %ld); %lu of %lu MiB free before, %lu now\n",
	       n, mib, rc, (unsigned long)(before.free_pages >> 8), (unsigned long)(before.total_pages >> 8),
	       (unsigned long)(full.free_pages >> 8));
	if (n)
		printk("fill: %lu KiB per domain, all included\n",
		       (unsigned long)(((before.free_pages - full.free_pages) << 2) / n));
	for (long id = 1; id < (long)before.max_domains; id++)
		simple(MICA_CTL_DOMAIN_DESTROY, (uint16_t)id);
	for (long id = 1; id < (long)before.max_domains; id++)
		wait_gone((uint16_t)id);
	after = physinfo();
	xtf_check(after.free_pages == before.free_pages, "every page back after destroying them (%lu free, %lu before)",
		  (unsigned long)after.free_pages, (unsigned long)before.free_pages);
}

void test_main(void)
{
	const char *cmdline = start_info->cmdline_paddr ? (const char *)(uintptr_t)start_info->cmdline_paddr : "";
	const char *f = strstr(cmdline, "fill=");

	if (strstr(cmdline, "unprivileged"))
		unprivileged();
	if (f) {
		unsigned int mib = 0;

		for (f += 5; *f >= '0' && *f <= '9'; f++)
			mib = mib * 10 + (unsigned int)(*f - '0');
		fill(mib ? mib : 4);
		return;
	}
	privileged();
}
