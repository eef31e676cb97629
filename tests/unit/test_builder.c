/*
 * The domain builder (dom0-tools/builder/) against the simulated control interface of
 * builder_fake.c: a tiny synthetic PVH kernel, what lands in guest memory, the start state,
 * the store, every refusal, and that no failure leaves a domain or a mapping behind.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <xen/arch-x86/hvm/start_info.h>
#include <xen/hvm/params.h>

#include "builder/builder.h"
#include "builder/elf.h"
#include "builder_fake.h"

#define MIB_PAGES 256u
#define TEXT_PADDR 0x100000u
#define TEXT_SIZE 0x300u
#define DATA_PADDR 0x101f00u /* its bss crosses into the next pages */
#define DATA_FILESZ 0x80u
#define DATA_MEMSZ 0x2000u
#define ENTRY (TEXT_PADDR + 0x10)
#define KERNEL_MAX 0x2000

/* ---- a synthetic PVH kernel */

struct kernel_opts {
	unsigned int note_size; /* 4 or 8; 0: no PVH note */
	uint64_t entry;
	bool gnu_note_first; /* another vendor's note before Xen's */
	unsigned int note_align;
};

struct kernel {
	uint8_t b[KERNEL_MAX];
	size_t len;
};

static uint8_t text_byte(size_t i)
{
	return (uint8_t)(i * 7 + 1);
}

static uint8_t data_byte(size_t i)
{
	return (uint8_t)(0xc0 ^ i);
}

static void put_note(uint8_t *p, size_t *off, const char *name, uint32_t type, const void *desc, uint32_t descsz,
		     unsigned int align)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1, hdr[3] = {namesz, descsz, type};

	memcpy(p + *off, hdr, sizeof(hdr));
	*off += sizeof(hdr);
	memcpy(p + *off, name, namesz);
	*off += (namesz + align - 1) / align * align;
	memcpy(p + *off, desc, descsz);
	*off += (descsz + align - 1) / align * align;
}

static void make_kernel(struct kernel *k, const struct kernel_opts *o)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)k->b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(k->b + sizeof(*eh));
	unsigned int align = o->note_align ? o->note_align : 4;
	size_t off = sizeof(*eh) + 3 * sizeof(*ph), note_off, text_off;
	uint64_t gnu = 0x1234;

	memset(k, 0, sizeof(*k));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0xffffffff81000000ULL;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 3;
	note_off = off = (off + 7) & ~7ul;
	if (o->gnu_note_first)
		put_note(k->b, &off, "GNU", 3, &gnu, 8, align);
	if (o->note_size)
		put_note(k->b, &off, "Xen", 18, &o->entry, o->note_size, align);
	ph[2] = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = note_off, .p_filesz = off - note_off, .p_align = align};
	text_off = off = (off + 15) & ~15ul;
	for (size_t i = 0; i < TEXT_SIZE; i++)
		k->b[off++] = text_byte(i);
	ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
			     .p_flags = PF_R | PF_X,
			     .p_offset = text_off,
			     .p_vaddr = TEXT_PADDR,
			     .p_paddr = TEXT_PADDR,
			     .p_filesz = TEXT_SIZE,
			     .p_memsz = TEXT_SIZE,
			     .p_align = 16};
	ph[1] = (Elf64_Phdr){.p_type = PT_LOAD,
			     .p_flags = PF_R | PF_W,
			     .p_offset = off,
			     .p_vaddr = DATA_PADDR,
			     .p_paddr = DATA_PADDR,
			     .p_filesz = DATA_FILESZ,
			     .p_memsz = DATA_MEMSZ,
			     .p_align = 16};
	for (size_t i = 0; i < DATA_FILESZ; i++)
		k->b[off++] = data_byte(i);
	k->len = off;
}

static const struct kernel_opts default_kernel = {.note_size = 8, .entry = ENTRY};

static Elf64_Phdr *phdr(struct kernel *k, unsigned int i)
{
	return (Elf64_Phdr *)(k->b + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr));
}

/* ---- fixture */

struct fixture {
	struct fake f;
	struct kernel k;
	struct builder_params p;
	struct builder_result r;
	char err[256];
	uint8_t *ramdisk;
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	fake_init(&x->f, 64 * MIB_PAGES);
	make_kernel(&x->k, &default_kernel);
	x->p = (struct builder_params){.name = "web",
				       .memory_mib = 8,
				       .vcpus = 2,
				       .cpumask = 0x6,
				       .kernel = x->k.b,
				       .kernel_len = x->k.len,
				       .cmdline = "console=hvc0 quiet",
				       .on_crash = MICA_CTL_ACTION_PRESERVE};
	x->ramdisk = malloc(5000);
	for (size_t i = 0; i < 5000; i++)
		x->ramdisk[i] = (uint8_t)(i * 13);
	x->p.ramdisk = x->ramdisk;
	x->p.ramdisk_len = 5000;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	fake_fini(&x->f);
	free(x->ramdisk);
	free(x);
	return 0;
}

static int build(struct fixture *x)
{
	x->err[0] = 'X';
	return builder_build(&x->p, &fake_ops, &x->f, &x->r, x->err, sizeof(x->err));
}

/* A failure: the message says what, nothing is left behind, and the builder broke no rule. */
static void assert_refused(struct fixture *x, int rc, const char *msg)
{
	if (rc >= 0 || (msg && !strstr(x->err, msg)))
		fail_msg("rc %d, message '%s', wanted '%s'", rc, x->err, msg ? msg : "");
	assert_int_equal(fake_live_domains(&x->f), 0);
	assert_int_equal(x->f.nr_maps, 0);
	assert_int_equal(x->f.free_pages, 64 * MIB_PAGES);
	if (x->f.violations)
		fail_msg("violation: %s", x->f.violation);
}

static void read_guest(struct fixture *x, uint64_t gpa, void *buf, uint64_t len)
{
	assert_true(fake_read(&x->f, x->r.domid, gpa, buf, len));
}

/* ---- building */

static void test_build_memory_contents(void **state)
{
	struct fixture *x = *state;
	uint8_t buf[DATA_MEMSZ];

	x->f.dirty_ram = true; /* fresh pages are not zero: the bss must be zeroed by the builder */
	assert_int_equal(build(x), 0);
	assert_string_equal(x->err, "");
	assert_int_equal(x->f.violations, 0);
	assert_int_equal(x->r.domid, 1);
	assert_int_equal(x->r.image_lo, TEXT_PADDR);
	assert_int_equal(x->r.image_hi, DATA_PADDR + DATA_MEMSZ);
	read_guest(x, TEXT_PADDR, buf, TEXT_SIZE);
	for (size_t i = 0; i < TEXT_SIZE; i++)
		assert_int_equal(buf[i], text_byte(i));
	read_guest(x, DATA_PADDR, buf, DATA_MEMSZ);
	for (size_t i = 0; i < DATA_MEMSZ; i++)
		assert_int_equal(buf[i], i < DATA_FILESZ ? data_byte(i) : 0);
	read_guest(x, x->r.ramdisk_gpa, buf, 5000);
	assert_memory_equal(buf, x->ramdisk, 5000);
	assert_int_equal(x->f.nr_maps, 0);
	assert_true(x->f.max_map_pages <= BUILDER_MAP_CHUNK);
}

static void test_build_domain(void **state)
{
	struct fixture *x = *state;
	struct fake_dom *d;

	assert_int_equal(build(x), 0);
	d = &x->f.dom[x->r.domid];
	assert_true(d->live);
	assert_string_equal(d->name, "web");
	assert_int_equal(d->max_vcpus, 2);
	assert_int_equal(d->max_pages, 8 * MIB_PAGES + 1);
	assert_int_equal(d->pages, 8 * MIB_PAGES + 1);
	assert_int_equal(d->on_poweroff, MICA_CTL_ACTION_DESTROY);
	assert_int_equal(d->on_crash, MICA_CTL_ACTION_PRESERVE);
	for (uint64_t g = 0; g < 8 * MIB_PAGES; g++)
		assert_true(d->populated[fake_slot(g)]);
	assert_false(d->populated[fake_slot(8 * MIB_PAGES)]);
	assert_true(d->populated[fake_slot(BUILDER_STORE_GFN)]);
	assert_false(d->populated[fake_slot(BUILDER_CONSOLE_GFN)]); /* the hypervisor's page, not RAM */
	assert_int_equal(x->f.cmd_count[MICA_CTL_PHYSINFO], 1);
	assert_int_equal(x->f.cmd_count[MICA_CTL_DOMAIN_CREATE], 1);
	assert_int_equal(x->f.cmd_count[MICA_CTL_DOMAIN_DESTROY], 0);
	assert_int_equal(x->f.free_pages, 64 * MIB_PAGES - 8 * MIB_PAGES - 1);
	assert_int_equal(d->affinity[0], 0x6);
	assert_int_equal(d->affinity[1], 0x6);
	assert_int_equal(d->affinity[2], ~0ULL);
}

static void test_build_start_info(void **state)
{
	struct fixture *x = *state;
	struct hvm_start_info si;
	struct hvm_memmap_table_entry e;
	struct hvm_modlist_entry m;
	char cmdline[64];

	x->f.dirty_ram = true;
	assert_int_equal(build(x), 0);
	assert_int_equal(x->r.start_info, 0x104000); /* page aligned above the image */
	assert_int_equal(x->r.ramdisk_gpa, 0x104000 + BUILDER_START_INFO_AREA);
	read_guest(x, x->r.start_info, &si, sizeof(si));
	assert_int_equal(si.magic, XEN_HVM_START_MAGIC_VALUE);
	assert_int_equal(si.version, 1);
	assert_int_equal(si.flags, 0);
	assert_int_equal(si.rsdp_paddr, 0);
	assert_int_equal(si.reserved, 0);
	assert_int_equal(si.memmap_entries, 1);
	assert_int_equal(si.nr_modules, 1);
	assert_true(si.memmap_paddr > x->r.start_info && si.memmap_paddr % 8 == 0);
	read_guest(x, si.memmap_paddr, &e, sizeof(e));
	assert_int_equal(e.addr, 0);
	assert_int_equal(e.size, 8 << 20);
	assert_int_equal(e.type, XEN_HVM_MEMMAP_TYPE_RAM);
	assert_int_equal(e.reserved, 0);
	read_guest(x, si.modlist_paddr, &m, sizeof(m));
	assert_int_equal(m.paddr, x->r.ramdisk_gpa);
	assert_int_equal(m.paddr % 4096, 0);
	assert_int_equal(m.size, 5000);
	assert_int_equal(m.cmdline_paddr, 0);
	assert_int_equal(m.reserved, 0);
	read_guest(x, si.cmdline_paddr, cmdline, sizeof("console=hvc0 quiet"));
	assert_string_equal(cmdline, "console=hvc0 quiet");
	assert_true(si.cmdline_paddr + sizeof("console=hvc0 quiet") <= x->r.ramdisk_gpa);
}

static void test_build_vcpu_context(void **state)
{
	struct fixture *x = *state;
	const struct vcpu_hvm_x86_32 *r;
	struct fake_dom *d;

	assert_int_equal(build(x), 0);
	d = &x->f.dom[x->r.domid];
	assert_true(d->up[0]);
	assert_false(d->up[1]);
	assert_false(d->initialised[1]);
	assert_int_equal(d->vctx[0].mode, VCPU_HVM_MODE_32B);
	r = &d->vctx[0].cpu_regs.x86_32;
	assert_int_equal(r->eip, ENTRY);
	assert_int_equal(x->r.entry, ENTRY);
	assert_int_equal(r->ebx, x->r.start_info);
	assert_int_equal(r->eflags, 0x2);
	assert_int_equal(r->cr0, 0x11);
	assert_int_equal(r->cr3, 0);
	assert_int_equal(r->cr4, 0);
	assert_int_equal(r->efer, 0);
	assert_int_equal(r->cs_base, 0);
	assert_int_equal(r->cs_limit, 0xffffffff);
	assert_int_equal(r->cs_ar, 0xc9b);
	assert_int_equal(r->ds_ar, 0xc93);
	assert_int_equal(r->ss_ar, 0xc93);
	assert_int_equal(r->es_ar, 0xc93);
	assert_int_equal(r->ds_limit, 0xffffffff);
	assert_int_equal(r->tr_ar, 0x8b);
	assert_int_equal(r->tr_limit, 0x67);
}

static void test_build_store_and_console(void **state)
{
	struct fixture *x = *state;
	struct fake_dom *d;
	uint8_t page[4096];

	x->f.dirty_ram = true;
	assert_int_equal(build(x), 0);
	d = &x->f.dom[x->r.domid];
	assert_int_equal(x->r.store_gfn, BUILDER_STORE_GFN);
	assert_int_equal(d->params[HVM_PARAM_STORE_PFN], BUILDER_STORE_GFN);
	assert_int_equal(d->params[HVM_PARAM_STORE_EVTCHN], x->r.store_port);
	assert_int_equal(x->r.store_port, 2); /* the fake's console took port 1 */
	read_guest(x, BUILDER_STORE_GFN << 12, page, sizeof(page));
	for (size_t i = 0; i < sizeof(page); i++)
		assert_int_equal(page[i], 0);
	assert_int_equal(x->r.console_gfn, BUILDER_CONSOLE_GFN);
	assert_int_equal(x->r.console_port, 1);
}

/* No name, ramdisk, command line or mask; a 4-byte note behind another vendor's, 8-byte aligned. */
static void test_build_minimal(void **state)
{
	struct fixture *x = *state;
	struct kernel_opts o = {.note_size = 4, .entry = ENTRY, .gnu_note_first = true, .note_align = 8};
	struct hvm_start_info si;
	struct fake_dom *d;

	make_kernel(&x->k, &o);
	x->p = (struct builder_params){.memory_mib = 2, .vcpus = 1, .kernel = x->k.b, .kernel_len = x->k.len};
	assert_int_equal(build(x), 0);
	d = &x->f.dom[x->r.domid];
	assert_string_equal(d->name, "d1");
	assert_int_equal(d->vctx[0].cpu_regs.x86_32.eip, ENTRY);
	assert_int_equal(d->affinity[0], ~0ULL);
	assert_int_equal(x->f.cmd_count[MICA_CTL_VCPU_SET_AFFINITY], 0);
	read_guest(x, x->r.start_info, &si, sizeof(si));
	assert_int_equal(si.nr_modules, 0);
	assert_int_equal(si.modlist_paddr, 0);
	assert_int_equal(si.cmdline_paddr, 0);
	assert_int_equal(x->r.ramdisk_gpa, 0);
}

/* maxmem raises max_pages; a ramdisk bigger than one mapping chunk arrives whole. */
static void test_build_maxmem_big_ramdisk(void **state)
{
	struct fixture *x = *state;
	size_t len = (3u << 19) + 123;
	uint8_t *rd = malloc(len), *back = malloc(len);

	for (size_t i = 0; i < len; i++)
		rd[i] = (uint8_t)(i ^ (i >> 12));
	x->p.ramdisk = rd;
	x->p.ramdisk_len = len;
	x->p.maxmem_mib = 16;
	assert_int_equal(build(x), 0);
	assert_int_equal(x->f.dom[x->r.domid].max_pages, 16 * MIB_PAGES + 1);
	assert_int_equal(x->f.dom[x->r.domid].pages, 8 * MIB_PAGES + 1);
	read_guest(x, x->r.ramdisk_gpa, back, len);
	assert_memory_equal(back, rd, len);
	assert_int_equal(x->f.max_map_pages, BUILDER_MAP_CHUNK);
	free(rd);
	free(back);
}

/* RAM over MICA_CTL_POPULATE_MAX pages takes several calls. */
static void test_build_populate_chunks(void **state)
{
	struct fixture *x = *state;

	fake_init(&x->f, 1ULL << 20);
	x->p.memory_mib = 300;
	assert_int_equal(build(x), 0);
	assert_int_equal(x->f.cmd_count[MICA_CTL_POPULATE], 3); /* 65536 + 11264 pages, and the store page */
	assert_int_equal(x->f.dom[x->r.domid].pages, 300 * MIB_PAGES + 1);
	x->f.free_pages = 64 * MIB_PAGES + 300 * MIB_PAGES + 1; /* teardown's accounting does not matter here */
}

static void test_build_timing(void **state)
{
	struct fixture *x = *state;
	uint64_t sum = 0, t0 = x->f.clock;

	assert_int_equal(build(x), 0);
	for (unsigned int i = 0; i < BUILDER_NR_PHASES; i++) {
		assert_true(x->r.timing.total[i] > 0);
		assert_true(x->r.timing.hypervisor[i] <= x->r.timing.total[i]);
		assert_non_null(builder_phase_names[i]);
		sum += x->r.timing.total[i];
	}
	assert_true(x->r.timing.hypervisor[BUILDER_PHASE_POPULATE] > 0);
	assert_int_equal(sum, x->f.clock - t0 - 1); /* the last reading is the end of the last phase */
}

/* ---- refusals */

struct param_case {
	void (*mutate)(struct builder_params *p);
	const char *msg;
};

static void p_name_long(struct builder_params *p)
{
	p->name = "a-name-of-thirty-two-characters!";
}
static void p_name_ctrl(struct builder_params *p)
{
	p->name = "bad\nname";
}
static void p_mem_small(struct builder_params *p)
{
	p->memory_mib = 1;
}
static void p_mem_big(struct builder_params *p)
{
	p->memory_mib = 5000;
}
static void p_maxmem(struct builder_params *p)
{
	p->maxmem_mib = 4;
}
static void p_vcpus(struct builder_params *p)
{
	p->vcpus = 0;
}
static void p_no_kernel(struct builder_params *p)
{
	p->kernel = NULL;
}
static void p_ramdisk(struct builder_params *p)
{
	p->ramdisk = NULL;
}
static void p_cmdline(struct builder_params *p)
{
	static char longline[BUILDER_CMDLINE_MAX + 1];

	memset(longline, 'x', BUILDER_CMDLINE_MAX);
	p->cmdline = longline;
}
static void p_action(struct builder_params *p)
{
	p->on_reboot = 3; /* 1 (restart) is the toolstack's and valid */
}
static void p_free(struct builder_params *p)
{
	p->memory_mib = 100;
}
static void p_vcpus_max(struct builder_params *p)
{
	p->vcpus = 9;
}
static void p_cpus(struct builder_params *p)
{
	p->cpumask = 0x30;
}
static void p_too_small(struct builder_params *p)
{
	p->memory_mib = 2;
	p->ramdisk_len = 3000000;
}

static void test_refused_params(void **state)
{
	static const struct param_case cases[] = {
	    {p_name_long, "name: at most 31"},
	    {p_name_ctrl, "name:"},
	    {p_mem_small, "memory: 1 MiB is out of range"},
	    {p_mem_big, "memory: 5000 MiB is out of range"},
	    {p_maxmem, "maxmem: 4 MiB"},
	    {p_vcpus, "vcpus: at least 1"},
	    {p_no_kernel, "kernel: none given"},
	    {p_ramdisk, "ramdisk: 5000 bytes but no data"},
	    {p_cmdline, "cmdline: longer than 4095"},
	    {p_action, "on_poweroff/on_reboot/on_crash"},
	    {p_free, "memory: 100 MiB is more than the 64 MiB free"},
	    {p_vcpus_max, "vcpus: 9 is more than the 8"},
	    {p_cpus, "cpus: mask 0x30 names no online CPU (online: 0xf)"},
	    {p_too_small, "memory: the kernel, its start info and ramdisk need"},
	};
	struct fixture *x = *state;
	struct builder_params saved = x->p;
	uint8_t *big = calloc(1, 3000000);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		x->p = saved;
		if (cases[i].mutate == p_too_small)
			x->p.ramdisk = big;
		cases[i].mutate(&x->p);
		assert_refused(x, build(x), cases[i].msg);
		assert_int_equal(x->f.cmd_count[MICA_CTL_DOMAIN_CREATE], 0);
	}
	free(big);
}

static void test_refused_missing_ops(void **state)
{
	struct fixture *x = *state;
	struct builder_ops ops = fake_ops;

	ops.map = NULL;
	assert_int_equal(builder_build(&x->p, &ops, &x->f, &x->r, x->err, sizeof(x->err)), -EINVAL);
	assert_non_null(strstr(x->err, "missing"));
	assert_int_equal(x->f.calls, 0);
}

struct elf_case {
	void (*mutate)(struct kernel *k);
	const char *msg;
};

static void k_magic(struct kernel *k)
{
	k->b[1] = 'X';
}
static void k_class32(struct kernel *k)
{
	k->b[EI_CLASS] = ELFCLASS32;
}
static void k_machine(struct kernel *k)
{
	((Elf64_Ehdr *)k->b)->e_machine = EM_386;
}
static void k_type(struct kernel *k)
{
	((Elf64_Ehdr *)k->b)->e_type = ET_DYN;
}
static void k_no_note(struct kernel *k)
{
	make_kernel(k, &(struct kernel_opts){.note_size = 0});
}
static void k_note_size(struct kernel *k)
{
	make_kernel(k, &(struct kernel_opts){.note_size = 2, .entry = ENTRY});
}
static void k_entry_high(struct kernel *k)
{
	make_kernel(k, &(struct kernel_opts){.note_size = 8, .entry = 1ULL << 32});
}
static void k_entry_outside(struct kernel *k)
{
	make_kernel(k, &(struct kernel_opts){.note_size = 8, .entry = 0x400000});
}
static void k_seg_offset(struct kernel *k)
{
	phdr(k, 0)->p_offset = k->len - 4;
}
static void k_seg_filesz(struct kernel *k)
{
	phdr(k, 1)->p_filesz = DATA_MEMSZ + 1;
}
static void k_overlap(struct kernel *k)
{
	phdr(k, 1)->p_paddr = TEXT_PADDR + 0x100;
}
static void k_above_4g(struct kernel *k)
{
	phdr(k, 1)->p_paddr = 0xfffff000;
}
static void k_above_mem(struct kernel *k)
{
	phdr(k, 1)->p_paddr = 0x7ff000; /* 8 KiB of bss past 8 MiB */
}
static void k_phentsize(struct kernel *k)
{
	((Elf64_Ehdr *)k->b)->e_phentsize = 32;
}
static void k_phoff(struct kernel *k)
{
	((Elf64_Ehdr *)k->b)->e_phoff = k->len - 8;
}
static void k_no_load(struct kernel *k)
{
	phdr(k, 0)->p_type = PT_NULL;
	phdr(k, 1)->p_type = PT_NULL;
}
static void k_note_past_end(struct kernel *k)
{
	phdr(k, 2)->p_filesz -= 4;
}

static void test_refused_kernels(void **state)
{
	static const struct elf_case cases[] = {
	    {k_magic, "kernel: not an ELF file"},
	    {k_class32, "not x86-64"},
	    {k_machine, "kernel: ELF machine 3 is not x86-64"},
	    {k_type, "not an executable"},
	    {k_no_note, "kernel: no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): not a PVH kernel"},
	    {k_note_size, "PHYS32_ENTRY note of 2 bytes"},
	    {k_entry_high, "PHYS32_ENTRY 0x100000000 is not below 4 GiB"},
	    {k_entry_outside, "PVH entry 0x400000 is outside the loaded segments"},
	    {k_seg_offset, "segment 0: bytes"},
	    {k_seg_filesz, "segment 1: file size"},
	    {k_overlap, "overlaps an earlier one"},
	    {k_above_4g, "is not below 4 GiB"},
	    {k_above_mem, "kernel: segment at 0x7ff000-0x801000 is above the domain's memory (8 MiB)"},
	    {k_phentsize, "program header size 32"},
	    {k_phoff, "program headers outside the file"},
	    {k_no_load, "no loadable segment"},
	    {k_note_past_end, "runs past its end"},
	};
	struct fixture *x = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_kernel(&x->k, &default_kernel);
		cases[i].mutate(&x->k);
		x->p.kernel_len = x->k.len;
		assert_refused(x, build(x), cases[i].msg);
		assert_int_equal(x->f.calls, 0); /* refused before asking the hypervisor anything */
	}
}

static void test_refused_too_many_segments(void **state)
{
	uint8_t img[sizeof(Elf64_Ehdr) + 17 * sizeof(Elf64_Phdr)];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	struct builder_elf e;
	char err[200];

	(void)state;
	memset(img, 0, sizeof(img));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 17;
	for (unsigned int i = 0; i < 17; i++)
		ph[i] = (Elf64_Phdr){.p_type = PT_LOAD, .p_paddr = 0x100000 + i * 0x1000, .p_memsz = 0x1000};
	assert_int_equal(builder_elf_parse(img, sizeof(img), &e, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "more than 16 loadable segments"));
}

/* Every failable hypervisor call, made to fail in turn: a message, and nothing left behind. */
static void test_fail_every_call(void **state)
{
	struct fixture *x = *state;
	unsigned int n;
	int rc;

	for (n = 1;; n++) {
		fake_init(&x->f, 64 * MIB_PAGES);
		x->f.fail_at = n;
		rc = build(x);
		if (rc == 0)
			break;
		assert_refused(x, rc, NULL);
		assert_true(x->err[0] && x->err[0] != 'X');
		assert_int_equal(x->r.domid, 0);
		assert_int_equal(x->f.cmd_count[MICA_CTL_DOMAIN_DESTROY], n > 2 ? 1 : 0);
	}
	assert_true(n > 12); /* physinfo, create, populate, maps, store, params, vCPU, affinities, console */
	assert_int_equal(x->f.violations, 0);
}

/* ---- hostile images: never a crash, never a read outside the image (ASan), never a stray domain */

static void build_hostile(struct fixture *x, const uint8_t *img, size_t len)
{
	int rc;

	fake_init(&x->f, 64 * MIB_PAGES);
	x->p.kernel = img;
	x->p.kernel_len = len;
	rc = build(x);
	if (x->f.violations)
		fail_msg("violation: %s", x->f.violation);
	assert_int_equal(x->f.nr_maps, 0);
	if (rc == 0) {
		assert_int_equal(fake_live_domains(&x->f), 1);
		fake_destroy(&x->f, x->r.domid);
	}
	assert_int_equal(fake_live_domains(&x->f), 0);
}

static void check_parsed(const struct builder_elf *e, size_t len)
{
	for (unsigned int i = 0; i < e->nr_segments; i++) {
		assert_true(e->segments[i].offset + e->segments[i].filesz <= len);
		assert_true(e->segments[i].filesz <= e->segments[i].memsz);
		assert_true(e->segments[i].paddr + e->segments[i].memsz <= 1ULL << 32);
	}
}

static void test_corrupt_every_byte(void **state)
{
	static const uint8_t flips[] = {0x01, 0x80, 0xff};
	struct fixture *x = *state;
	size_t len = x->k.len;
	uint8_t *img = malloc(len);
	struct builder_elf e;
	char err[200];

	for (size_t i = 0; i < len; i++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			memcpy(img, x->k.b, len);
			img[i] ^= flips[f];
			if (builder_elf_parse(img, len, &e, err, sizeof(err)) == 0)
				check_parsed(&e, len);
			else
				assert_non_null(strstr(err, "kernel: "));
		}
		memcpy(img, x->k.b, len);
		img[i] ^= 0xff;
		build_hostile(x, img, len);
	}
	free(img);
}

static void test_truncated_every_length(void **state)
{
	struct fixture *x = *state;
	struct builder_elf e;
	char err[200];

	for (size_t len = 0; len < x->k.len; len++) {
		uint8_t *img = malloc(len ? len : 1); /* exactly len bytes: ASan catches any read past them */

		memcpy(img, x->k.b, len);
		assert_true(builder_elf_parse(img, len, &e, err, sizeof(err)) < 0);
		build_hostile(x, img, len);
		free(img);
	}
}

/* The image need not be aligned in memory. */
static void test_unaligned_image(void **state)
{
	struct fixture *x = *state;
	uint8_t *img = malloc(x->k.len + 1);
	struct builder_elf e;
	char err[200];

	memcpy(img + 1, x->k.b, x->k.len);
	assert_int_equal(builder_elf_parse(img + 1, x->k.len, &e, err, sizeof(err)), 0);
	assert_int_equal(e.entry, ENTRY);
	assert_int_equal(e.nr_segments, 2);
	assert_int_equal(e.paddr_lo, TEXT_PADDR);
	free(img);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_build_memory_contents),
	    T(test_build_domain),
	    T(test_build_start_info),
	    T(test_build_vcpu_context),
	    T(test_build_store_and_console),
	    T(test_build_minimal),
	    T(test_build_maxmem_big_ramdisk),
	    T(test_build_populate_chunks),
	    T(test_build_timing),
	    T(test_refused_params),
	    T(test_refused_missing_ops),
	    T(test_refused_kernels),
	    T(test_refused_too_many_segments),
	    T(test_fail_every_call),
	    T(test_corrupt_every_byte),
	    T(test_truncated_every_length),
	    T(test_unaligned_image),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
