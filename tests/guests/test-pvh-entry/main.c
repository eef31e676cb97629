/*
 * test-pvh-entry: the machine state Xen's PVH boot ABI promises at the 32-bit entry
 * (recorded by head.S before anything changed it) and the struct hvm_start_info in %ebx.
 * This guest carries the 8-byte XEN_ELFNOTE_PHYS32_ENTRY value, as Linux does.
 * Runs without Xen too (QEMU's own PVH loader fills the same structure).
 * Expects the command line to contain "pvh-entry-test".
 */
#include "xtf.h"

const char test_title[] = "PVH entry state and start info";
const bool test_runs_without_xen = true;

#define BELOW_4G(pa) ((pa) < 0x100000000ull) /* our identity map covers the low 4 GiB */

static bool overlaps_image(uint64_t pa, uint64_t len)
{
	return pa < (uintptr_t)__image_end && pa + len > (uintptr_t)__image_start;
}

static void check_registers(void)
{
	const struct pvh_entry_state *e = &pvh_entry;

	printk("entry: ebx 0x%x cr0 0x%x cr4 0x%x eflags 0x%x efer 0x%x\n", e->ebx, e->cr0, e->cr4, e->eflags, e->efer);
	printk("entry: cs 0x%x ds 0x%x es 0x%x ss 0x%x fs 0x%x gs 0x%x tr 0x%x\n", e->cs, e->ds, e->es, e->ss, e->fs,
	       e->gs, e->tr);
	xtf_check(e->cr0 & CR0_PE, "CR0.PE = 1 (protected mode)");
	xtf_check(!(e->cr0 & CR0_PG), "CR0.PG = 0 (paging off)");
	xtf_check(!(e->cr0 & ~(CR0_PE | CR0_ET)), "CR0: no writable bit but PE set (0x%x)", e->cr0);
	xtf_check(e->cr4 == 0, "CR4 = 0 (0x%x)", e->cr4);
	xtf_check(!(e->efer & 0x500), "EFER.LME and LMA clear (EFER 0x%x)", e->efer);
	xtf_check(!(e->eflags & X86_EFLAGS_IF), "EFLAGS.IF = 0");
	xtf_check(!(e->eflags & (X86_EFLAGS_TF | X86_EFLAGS_VM)), "EFLAGS.TF = EFLAGS.VM = 0");
	xtf_check(!e->bss_dirty, "loader zero-filled .bss");
}

static void check_memmap(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *map = (const void *)(uintptr_t)si->memmap_paddr;
	bool image_in_ram = false, reserved_zero = true;

	if (!xtf_check(si->memmap_paddr && si->memmap_entries, "memory map present (%u entries at 0x%lx)",
		       si->memmap_entries, si->memmap_paddr))
		return;
	if (!xtf_check(BELOW_4G(si->memmap_paddr), "memory map below 4 GiB") ||
	    !xtf_check(!overlaps_image(si->memmap_paddr, si->memmap_entries * sizeof(*map)),
		       "memory map does not overlap the kernel image"))
		return;
	for (uint32_t i = 0; i < si->memmap_entries && i < 128; i++) {
		printk("  memmap[%u]: 0x%012lx-0x%012lx type %u\n", i, map[i].addr, map[i].addr + map[i].size - 1,
		       map[i].type);
		if (map[i].type == XEN_HVM_MEMMAP_TYPE_RAM && map[i].addr <= (uintptr_t)__image_start &&
		    map[i].addr + map[i].size >= (uintptr_t)__image_end)
			image_in_ram = true;
		reserved_zero &= map[i].reserved == 0;
	}
	xtf_check(image_in_ram, "a RAM entry covers the image 0x%lx-0x%lx", (uintptr_t)__image_start,
		  (uintptr_t)__image_end - 1);
	xtf_check(reserved_zero, "memmap reserved fields are zero");
}

static void check_cmdline(const struct hvm_start_info *si)
{
	const char *cmdline = (const char *)(uintptr_t)si->cmdline_paddr;

	if (!xtf_check(si->cmdline_paddr != 0 && BELOW_4G(si->cmdline_paddr), "command line present (0x%lx)",
		       si->cmdline_paddr))
		return;
	size_t len = strnlen(cmdline, 4096);

	printk("  cmdline: \"%.*s\"\n", (int)len, cmdline);
	xtf_check(len < 4096, "command line NUL-terminated");
	xtf_check(!overlaps_image(si->cmdline_paddr, len + 1), "command line does not overlap the kernel image");
	xtf_check(len < 4096 && strstr(cmdline, "pvh-entry-test"), "command line contains \"pvh-entry-test\"");
}

static void check_start_info(const struct hvm_start_info *si)
{
	if (!xtf_check(si && !overlaps_image((uintptr_t)si, sizeof(*si)),
		       "start info at 0x%lx, outside the kernel image", (uintptr_t)si))
		return;
	printk("start info: magic 0x%x version %u flags 0x%x modules %u at 0x%lx rsdp 0x%lx\n", si->magic, si->version,
	       si->flags, si->nr_modules, si->modlist_paddr, si->rsdp_paddr);
	if (!xtf_check(si->magic == XEN_HVM_START_MAGIC_VALUE, "magic 0x%x", XEN_HVM_START_MAGIC_VALUE))
		return;
	xtf_check(si->nr_modules == 0 || si->modlist_paddr != 0, "module list present when modules are");
	check_cmdline(si);
	if (!xtf_check(si->version >= 1, "version >= 1 (memory map fields present)"))
		return;
	xtf_check(si->reserved == 0, "reserved field is zero");
	check_memmap(si);
}

void test_main(void)
{
	check_registers();
	check_start_info(start_info);
	xtf_report();
}
