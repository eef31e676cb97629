/*
 * The boot guest: until domains are built by a toolstack, the first boot
 * module is started as a PVH guest (domain 1) on the boot CPU. Its ELF is
 * checked, loaded into fresh guest RAM, given a struct hvm_start_info, and
 * run until it shuts down or crashes; then it is destroyed and every page
 * goes back to the allocator.
 */
#include <asm/boot_guest.h>
#include <asm/hvm.h>
#include <asm/page.h>
#include <asm/setup.h>
#include <mica/cmdline.h>
#include <mica/domain.h>
#include <mica/guest_mem.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/pvh.h>
#include <mica/string.h>

#define BOOT_GUEST_ID 1
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
	if (mem < GUEST_MEM_MIN || mem > (4ULL << 30) || mem > mm_free_bytes() / 2) {
		printk("Mica: guest_mem=%lu MiB is out of range (2 MiB .. min(4 GiB, half of free memory))\n",
		       mem >> 20);
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

void boot_guest_run(void)
{
	const struct boot_module *m = &boot_info.modules[0];
	uint64_t mem, free_before;
	char name[DOMAIN_NAME_MAX];
	const char *args;
	struct domain *d;
	struct vcpu *v;
	uint32_t entry;
	uint64_t start_info;

	if (!boot_info.nr_modules)
		return;
	args = split_cmdline(m->cmdline, name, sizeof(name));
	if (!hvm) {
		printk("Mica: boot guest '%s' not started: no usable hardware virtualization\n", name);
		return;
	}
	mem = guest_mem_size();
	if (!mem)
		return;
	free_before = mm_free_bytes();
	d = domain_create(BOOT_GUEST_ID, name, 1);
	if (!d) {
		printk("Mica: cannot create a domain for boot guest '%s'\n", name);
		return;
	}
	v = build(d, m, args, mem, &entry, &start_info) == 0 ? vcpu_create(d, 0) : NULL;
	if (v) {
		hvm->vcpu_set_pvh_state(v, entry, (uint32_t)start_info);
		v->up = true;
		d->state = DOMAIN_RUNNING;
		printk("Mica: d%u (%s): PVH guest, %lu MiB, entry 0x%x, start info at 0x%lx, command line '%s'\n",
		       d->domain_id, name, mem >> 20, entry, start_info, args);
		hvm_vcpu_loop(v);
		printk("Mica: d%u (%s) stopped after %lu exits and %lu hypercalls\n", d->domain_id, name,
		       v->arch.hvm.exits, v->hypercalls);
	}
	domain_destroy(d);
	printk("Mica: d%u destroyed: %lu KiB free (%lu KiB before it was built)\n", BOOT_GUEST_ID,
	       mm_free_bytes() >> 10, free_before >> 10);
}
