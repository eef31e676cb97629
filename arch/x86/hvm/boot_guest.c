/*
 * Boot guests: until domains are built by a toolstack, every boot module is
 * started as a PVH guest, module i as domain i + 1 on CPU i. Its ELF is
 * checked, loaded into fresh guest RAM, given a struct hvm_start_info, and
 * run until it shuts down or crashes; then it is destroyed and every page
 * goes back to the allocator.
 */
#include <asm/boot_guest.h>
#include <asm/hvm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/setup.h>
#include <asm/smp.h>
#include <mica/cmdline.h>
#include <mica/domain.h>
#include <mica/guest_mem.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/pvh.h>
#include <mica/string.h>

#define GUEST_MEM_DEFAULT (64ULL << 20)
#define GUEST_MEM_MIN (2ULL << 20)
#define START_INFO_AREA (64ULL << 10)

void hvm_vcpu_loop(struct vcpu *v);

static int guest_copy(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	return copy_to_guest_phys(ctx, gpa, src, len);
}

static int guest_zero(void *ctx, uint64_t gpa, size_t len) { return zero_guest_phys(ctx, gpa, len); }

static const struct pvh_mem_ops guest_mem_ops = {
	.copy_to_guest = guest_copy,
	.zero_guest = guest_zero,
};

/* guest_mem=<size>: RAM of the boot guest. Returns 0 (after saying why) when unusable. */
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

/* Splits "file args..." into the module's name and the guest's command line. */
static const char *split_cmdline(const char *line, char *name, size_t size)
{
	size_t n = 0;

	while (line[n] && line[n] != ' ' && n + 1 < size) {
		name[n] = line[n];
		n++;
	}
	name[n] = '\0';
	while (line[n] && line[n] != ' ')
		n++;
	while (line[n] == ' ')
		n++;
	return line + n;
}

static int build(struct domain *d, const struct boot_module *m, const char *args, uint64_t mem, uint32_t *entry,
		 uint64_t *start_info)
{
	const void *image = pa_to_va(m->base);
	struct hvm_memmap_table_entry ram = {.addr = 0, .size = mem, .type = XEN_HVM_MEMMAP_TYPE_RAM};
	struct pvh_elf_info info;
	struct pvh_start_params sp;
	char err[160];
	int rc;

	if (pvh_elf_parse(image, m->size, &info, err, sizeof(err)) < 0) {
		printk("Mica: boot guest '%s' refused: %s\n", d->name, err);
		return -1;
	}
	/* Loaded where it is linked (reloc offset 0), which every PHYS32_RELOC range allows. */
	if (info.paddr_hi + START_INFO_AREA > mem) {
		printk("Mica: boot guest '%s' does not fit in guest_mem=%lu MiB\n", d->name, mem >> 20);
		return -1;
	}
	rc = domain_populate_ram(d, 0, mem >> PAGE_SHIFT);
	if (rc == 0)
		rc = pvh_load_segments(image, &info, 0, &guest_mem_ops, d);
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
	rc = pvh_build_start_info(&sp, &guest_mem_ops, d, start_info);
	if (rc < 0) {
		printk("Mica: cannot build the start info of boot guest '%s' (error %d)\n", d->name, rc);
		return -1;
	}
	*entry = pvh_entry(&info, 0);
	return 0;
}

/*
 * One boot domain: built on the boot CPU, run on the CPU it was given, and
 * destroyed on the boot CPU once every boot domain has stopped (so that no
 * event channel peer can still reach it).
 */
struct boot_domain {
	struct domain *d;
	const char *args;
	uint32_t entry;
	uint64_t start_info;
	uint64_t mem;
};

static struct boot_domain boot_domains[BOOT_MAX_MODULES];
static unsigned int boot_domains_running;

/*
 * The vCPU's control structure is created on the CPU that runs it (a VMCS is
 * tied to one CPU), and the domain is destroyed there too.
 */
static void boot_domain_run(void *arg)
{
	struct boot_domain *b = arg;
	struct domain *d = b->d;
	struct vcpu *v = vcpu_create(d, 0);

	if (!v) {
		printk("Mica: cannot create vCPU0 of d%u (%s)\n", d->domain_id, d->name);
	} else {
		hvm->vcpu_set_pvh_state(v, b->entry, (uint32_t)b->start_info);
		v->up = true;
		d->state = DOMAIN_RUNNING;
		printk("Mica: d%u (%s): PVH guest, %lu MiB, entry 0x%x, start info at 0x%lx, on CPU%u, command line "
		       "'%s'\n",
		       d->domain_id, d->name, b->mem >> 20, b->entry, b->start_info, smp_processor_id(), b->args);
		hvm_vcpu_loop(v);
		printk("Mica: d%u (%s) stopped after %lu exits and %lu hypercalls\n", d->domain_id, d->name,
		       v->arch.hvm.exits, v->hypercalls);
	}
	domain_destroy_vcpus(d); /* here: a VMCS belongs to the CPU that ran it */
	__atomic_fetch_sub(&boot_domains_running, 1, __ATOMIC_RELEASE);
}

/* Builds boot module i as domain i + 1; false (after saying why) if it cannot run. */
static bool boot_domain_build(unsigned int i, uint64_t mem)
{
	const struct boot_module *m = &boot_info.modules[i];
	struct boot_domain *b = &boot_domains[i];
	char name[DOMAIN_NAME_MAX];

	b->args = split_cmdline(m->cmdline, name, sizeof(name));
	b->mem = mem;
	if (mem > mm_free_bytes() / 2) {
		printk("Mica: boot guest '%s' not started: guest_mem=%lu MiB is more than half of what is free\n",
		       name, mem >> 20);
		return false;
	}
	b->d = domain_create((domid_t)(i + 1), name, 1);
	if (!b->d) {
		printk("Mica: cannot create a domain for boot guest '%s'\n", name);
		return false;
	}
	if (build(b->d, m, b->args, mem, &b->entry, &b->start_info) < 0) {
		domain_destroy(b->d);
		b->d = NULL;
		return false;
	}
	return true;
}

/*
 * Every boot module becomes a PVH domain of its own (domain i + 1 for module
 * i) on a CPU of its own, as in a statically partitioned system: module 0 on
 * the boot CPU, the others on application processors. Returns when all have
 * stopped.
 */
void boot_guest_run(void)
{
	unsigned int n = MIN(boot_info.nr_modules, nr_cpus);
	uint64_t mem, free_before = mm_free_bytes();
	bool own = false;

	if (!boot_info.nr_modules)
		return;
	if (!hvm) {
		printk("Mica: boot modules not started as guests: no usable hardware virtualization\n");
		return;
	}
	mem = guest_mem_size();
	if (!mem)
		return;
	for (unsigned int i = n; i < boot_info.nr_modules; i++)
		printk("Mica: boot module %u not started: one guest per CPU and there are %u CPUs\n", i, nr_cpus);
	for (unsigned int i = 0; i < n; i++) {
		if (!boot_domain_build(i, mem))
			continue;
		__atomic_fetch_add(&boot_domains_running, 1, __ATOMIC_ACQUIRE);
		if (i == 0)
			own = true;
		else if (smp_run_on(i, boot_domain_run, &boot_domains[i]) < 0)
			boot_domain_run(&boot_domains[i]); /* that CPU cannot take it: run it here, in turn */
	}
	if (own)
		boot_domain_run(&boot_domains[0]);
	while (__atomic_load_n(&boot_domains_running, __ATOMIC_ACQUIRE))
		__asm__ volatile("sti; hlt" ::: "memory");
	for (unsigned int i = 0; i < n; i++) {
		if (!boot_domains[i].d)
			continue;
		domain_destroy(boot_domains[i].d);
		boot_domains[i].d = NULL;
		printk("Mica: d%u destroyed\n", i + 1);
	}
	printk("Mica: boot guests stopped: %lu KiB free (%lu KiB before they were built)\n", mm_free_bytes() >> 10,
	       free_before >> 10);
}
