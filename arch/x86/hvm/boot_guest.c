/*
 * Boot-time domains (Xen's dom0less, Bao's static partitions): every boot
 * module is built as a PVH domain, module i as domain i + 1 unless its
 * parameters (mica/boot_domain_cfg.h, docs/boot.md) say otherwise. Its ELF is
 * checked, loaded into fresh guest RAM and given a struct hvm_start_info;
 * then the scheduler runs all of them on every CPU their affinity allows.
 * When one stops, its on_poweroff / on_reboot / on_crash policy applies; a
 * restart builds it again from its module, which stays in memory.
 */
#include <asm/boot_guest.h>
#include <asm/hvm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/setup.h>
#include <asm/smp.h>
#include <mica/boot_domain_cfg.h>
#include <mica/cmdline.h>
#include <mica/domain.h>
#include <mica/guest_mem.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/pvh.h>
#include <mica/sched.h>
#include <mica/string.h>

#define GUEST_MEM_DEFAULT (64ULL << 20)
#define GUEST_MEM_MIN (2ULL << 20)
#define START_INFO_AREA (64ULL << 10)

static int guest_copy(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	return copy_to_guest_phys(ctx, gpa, src, len);
}

static int guest_zero(void *ctx, uint64_t gpa, size_t len)
{
	return zero_guest_phys(ctx, gpa, len);
}

static const struct pvh_mem_ops guest_mem_ops = {
    .copy_to_guest = guest_copy,
    .zero_guest = guest_zero,
};

/* guest_mem=<size>: the default RAM of a boot domain. Returns 0 (after saying why) when unusable. */
static uint64_t guest_mem_size(void)
{
	char val[32];
	uint64_t mem = GUEST_MEM_DEFAULT;

	if (cmdline_get_str(boot_info.cmdline, "guest_mem", val, sizeof(val)) &&
	    !cmdline_get_u64(boot_info.cmdline, "guest_mem", &mem)) {
		printk("Mica: guest_mem=%s is not a size; not starting the boot guest\n", val);
		return 0;
	}
	mem = ALIGN_DOWN(mem, PAGE_SIZE);
	if (mem < GUEST_MEM_MIN || mem > (4ULL << 30)) {
		printk("Mica: guest_mem=%lu MiB is out of range (2 MiB .. 4 GiB)\n", mem >> 20);
		return 0;
	}
	return mem;
}

/*
 * Loads the kernel where it is linked, the start info above it and, for
 * dom0, its ramdisk above that (as the start info's one module).
 */
static int build(struct domain *d, const struct boot_module *m, const struct boot_module *ramdisk, const char *args,
		 uint64_t mem, uint32_t *entry, uint64_t *start_info)
{
	const void *image = pa_to_va(m->base);
	struct hvm_memmap_table_entry ram = {.addr = 0, .size = mem, .type = XEN_HVM_MEMMAP_TYPE_RAM};
	struct pvh_module mod;
	struct pvh_elf_info info;
	struct pvh_start_params sp;
	uint64_t top;
	char err[160];
	int rc;

	if (pvh_elf_parse(image, m->size, &info, err, sizeof(err)) < 0) {
		printk("Mica: boot guest '%s' refused: %s\n", d->name, err);
		return -1;
	}
	/* Loaded where it is linked (reloc offset 0), which every PHYS32_RELOC range allows. */
	top = ALIGN_UP(info.paddr_hi, PAGE_SIZE) + START_INFO_AREA;
	mod.gpa = top;
	mod.size = ramdisk ? ramdisk->size : 0;
	mod.cmdline = NULL;
	if (ramdisk)
		top += ALIGN_UP(ramdisk->size, PAGE_SIZE);
	if (top > mem) {
		printk("Mica: boot guest '%s' does not fit in %lu MiB%s\n", d->name, mem >> 20,
		       ramdisk ? " with its ramdisk" : "");
		return -1;
	}
	rc = domain_populate_ram(d, 0, mem >> PAGE_SHIFT);
	if (rc == 0)
		rc = pvh_load_segments(image, &info, 0, &guest_mem_ops, d);
	if (rc == 0 && ramdisk)
		rc = copy_to_guest_phys(d, mod.gpa, pa_to_va(ramdisk->base), ramdisk->size);
	if (rc < 0) {
		printk("Mica: cannot load boot guest '%s' (error %d)\n", d->name, rc);
		return -1;
	}
	memset(&sp, 0, sizeof(sp));
	sp.area_gpa = ALIGN_UP(info.paddr_hi, PAGE_SIZE);
	sp.area_size = START_INFO_AREA;
	sp.cmdline = args;
	sp.memmap = &ram;
	sp.nr_memmap = 1;
	sp.modules = ramdisk ? &mod : NULL;
	sp.nr_modules = ramdisk ? 1 : 0;
	rc = pvh_build_start_info(&sp, &guest_mem_ops, d, start_info);
	if (rc < 0) {
		printk("Mica: cannot build the start info of boot guest '%s' (error %d)\n", d->name, rc);
		return -1;
	}
	*entry = pvh_entry(&info, 0);
	return 0;
}

/*
 * A domain that asks to be restarted more than RESTART_STORM times within
 * RESTART_WINDOW_NS is destroyed instead: it would only keep failing.
 */
#define RESTART_STORM 3
#define RESTART_WINDOW_NS (30ULL * 1000000000)

struct boot_domain {
	struct boot_domain_cfg cfg;
	unsigned int module;
	int ramdisk; /* dom0's ramdisk module, -1 for none */
	bool dom0;
	unsigned int restarts;
	uint64_t window_start;
};

static struct boot_domain boot_domains[BOOT_MAX_MODULES];
static uint64_t free_before;

static const enum domain_action actions[] = {
    [BOOT_DOMAIN_DESTROY] = DOMAIN_ACTION_DESTROY,
    [BOOT_DOMAIN_RESTART] = DOMAIN_ACTION_RESTART,
    [BOOT_DOMAIN_PRESERVE] = DOMAIN_ACTION_PRESERVE,
};

static void boot_domain_restart(struct domain *d);

/* Builds a boot domain with this id; NULL (after saying why) if it cannot be. */
static struct domain *boot_domain_build(struct boot_domain *b, domid_t id)
{
	const struct boot_domain_cfg *c = &b->cfg;
	uint64_t affinity = c->cpus & cpus_online_mask();
	struct domain *d;
	uint32_t entry;
	uint64_t start_info, t0, free0, overhead;

	if (!affinity) {
		printk("Mica: boot domain '%s' not started: cpus= names no online CPU\n", c->name);
		return NULL;
	}
	if (c->memory > mm_free_bytes() / 2) {
		printk("Mica: boot domain '%s' not started: memory=%lu MiB is more than half of what is free\n",
		       c->name, c->memory >> 20);
		return NULL;
	}
	t0 = cycles_now();
	free0 = mm_free_bytes();
	d = domain_create(id, c->name, c->vcpus);
	if (!d) {
		printk("Mica: cannot create domain %u for boot domain '%s' (id in use, or no memory)\n", id, c->name);
		return NULL;
	}
	d->on_poweroff = actions[c->on_poweroff];
	d->on_reboot = actions[c->on_reboot];
	d->on_crash = actions[c->on_crash];
	d->restart = boot_domain_restart;
	d->builder = b;
	if (sched_set_domain_params(d, c->weight, c->cap) < 0)
		printk("Mica: boot domain '%s': weight=%u cap=%u refused; using the defaults\n", c->name, c->weight,
		       c->cap);
	for (unsigned int i = 0; i < c->vcpus; i++)
		vcpu_set_affinity(d->vcpus[i], affinity);
	/* what the hypervisor keeps for the domain itself: all but its RAM, its console page, its p2m tables */
	overhead = free0 - mm_free_bytes() - d->arch.p2m.nr_tables * PAGE_SIZE;
	d->privileged = b->dom0;
	if (!b->dom0 && domain_console_setup(d) < 0) {
		printk("Mica: no memory for the console of boot domain '%s'\n", c->name);
		domain_destroy(d);
		return NULL;
	}
	if (build(d, &boot_info.modules[b->module], b->ramdisk >= 0 ? &boot_info.modules[b->ramdisk] : NULL, c->args,
		  c->memory, &entry, &start_info) < 0) {
		domain_destroy(d);
		return NULL;
	}
	if (!b->dom0 && boot_domains[0].dom0 && domain_store_setup(d) < 0) {
		printk("Mica: no memory for the store ring of boot domain '%s'\n", c->name);
		domain_destroy(d);
		return NULL;
	}
	vcpu_start_pvh(d->vcpus[0], entry, (uint32_t)start_info);
	t0 = cycles_now() - t0;
	printk("Mica: d%u (%s): PVH guest%s, %lu MiB, %u vCPU%s, CPUs 0x%lx, entry 0x%x, start info at 0x%lx, "
	       "command line '%s'%s; built in %lu TSC cycles, %lu KiB of hypervisor memory (and %lu KiB of p2m "
	       "tables)\n",
	       d->domain_id, d->name, b->dom0 ? " (dom0, privileged)" : "", c->memory >> 20, c->vcpus,
	       c->vcpus == 1 ? "" : "s", affinity, entry, start_info, c->args,
	       b->ramdisk >= 0 ? ", with a ramdisk" : "", t0, overhead >> 10, d->arch.p2m.nr_tables * 4);
	return d;
}

/* The restart policy: the same module, built again under the same id. */
static void boot_domain_restart(struct domain *d)
{
	struct boot_domain *b = d->builder;
	domid_t id = d->domain_id;
	uint64_t now = now_ns();
	struct domain *nd;

	if (!b->restarts || now - b->window_start > RESTART_WINDOW_NS) {
		b->window_start = now;
		b->restarts = 0;
	}
	if (++b->restarts > RESTART_STORM) {
		printk("Mica: d%u (%s) restarted %u times within %llu s; destroying it instead\n", id, d->name,
		       RESTART_STORM, RESTART_WINDOW_NS / 1000000000);
		domain_destroy(d);
		return;
	}
	domain_destroy_keep(d); /* a restart is not the last domain going */
	nd = boot_domain_build(b, id);
	if (nd) {
		printk("Mica: d%u (%s) restarted\n", id, nd->name);
		domain_start(nd);
	} else if (!domain_count()) {
		arch_domains_gone();
	}
}

static bool is_elf(const struct boot_module *m)
{
	return m->size >= 4 && !memcmp(pa_to_va(m->base),
				       "\x7f"
				       "ELF",
				       4);
}

/*
 * As in Xen, the first module (mica.cfg's kernel=) is dom0: domain 0,
 * privileged; a module right after it that is not an ELF file is its ramdisk
 * (mica.cfg's ramdisk=). Every other module is an unprivileged boot-time
 * domain, module i as domain i. With dom0=none there is no dom0 (dom0less):
 * module i is domain i + 1. Returns whether any domain was started (the
 * scheduler then runs them, and arch_domains_gone() follows the last one).
 */
bool boot_guest_run(void)
{
	struct domain *started[BOOT_MAX_MODULES];
	unsigned int n = 0, first = 0;
	char opt[16];
	bool with_dom0 = !cmdline_get_str(boot_info.cmdline, "dom0", opt, sizeof(opt)) || strcmp(opt, "none");
	uint64_t mem;

	if (!boot_info.nr_modules)
		return false;
	if (!hvm) {
		printk("Mica: boot modules not started as guests: no usable hardware virtualization\n");
		return false;
	}
	mem = guest_mem_size();
	if (!mem)
		return false;
	free_before = mm_free_bytes();
	for (unsigned int i = 0; i < boot_info.nr_modules && i < BOOT_MAX_MODULES; i++)
		boot_domains[i].ramdisk = -1;
	if (with_dom0) {
		boot_domains[0].dom0 = true;
		if (boot_info.nr_modules > 1 && !is_elf(&boot_info.modules[1])) {
			boot_domains[0].ramdisk = 1;
			first = 2;
		}
	}
	for (unsigned int i = 0; i < boot_info.nr_modules && i < BOOT_MAX_MODULES; i++) {
		struct boot_domain *b = &boot_domains[i];
		char err[160];
		struct domain *d;
		domid_t id;

		if (i > 0 && i < first)
			continue; /* dom0's ramdisk */
		b->module = i;
		if (boot_domain_cfg_parse(boot_info.modules[i].cmdline, mem, &b->cfg, err, sizeof(err)) < 0) {
			printk("Mica: boot module %u not started: %s\n", i, err);
			continue;
		}
		id = b->cfg.domid ? b->cfg.domid : (domid_t)(with_dom0 ? i : i + 1);
		if (b->dom0) {
			if (b->cfg.domid)
				printk("Mica: dom0 is domain 0: domid=%u ignored\n", b->cfg.domid);
			id = 0;
		}
		d = boot_domain_build(b, id);
		if (d)
			started[n++] = d;
	}
	for (unsigned int i = 0; i < n; i++)
		domain_start(started[i]);
	if (n && started[0]->privileged)
		domain_console_focus(0); /* as on Xen: the console's input starts with dom0 */
	return n > 0;
}

/* The last domain is gone: the boot CPU reports the memory and follows on_idle=. */
void arch_domains_gone(void)
{
	printk("Mica: boot guests stopped: %lu KiB free (%lu KiB before they were built)\n", mm_free_bytes() >> 10,
	       free_before >> 10);
	platform_idle_policy();
}
