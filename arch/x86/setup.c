/* boot_main: from either boot entry to every CPU idle. */
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/setup.h>
#include <asm/traps.h>
#include <mica/boot_info.h>
#include <mica/console.h>
#include <mica/mm.h>
#include <mica/multiboot2.h>
#include <mica/printk.h>
#include <mica/string.h>
#include <mica/version.h>

extern char _image_start[], _image_end[], boot_stack_top[];

struct boot_info boot_info;
static uint8_t bsp_ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));

/* Serial output before the console is configured: COM1 at whatever the firmware left. */
static void early_puts(const char *s)
{
	for (; *s; s++) {
		for (int spins = 100000; !(inb(0x3fd) & 0x20) && spins; spins--)
			;
		outb(0x3f8, (uint8_t)*s);
	}
}

static void early_write(struct console *c, const char *s, size_t n)
{
	char buf[2] = {0, 0};

	for (; n; n--, s++) {
		if (*s == '\n')
			early_puts("\r");
		buf[0] = *s;
		early_puts(buf);
	}
}

/* COM1 as the firmware left it, until console= has been read. */
static struct console early_console = {.name = "early", .write = early_write};

static int take_boot_info(uint64_t arg, uint64_t magic)
{
	if (magic == MB2_BOOTLOADER_MAGIC) {
		const uint32_t *mbi = (const uint32_t *)arg; /* identity mapped below 4 GiB */
		int rc = mb2_parse(mbi, mbi[0], arg, &boot_info);
		if (rc < 0 && !mb2_error_is_lossy(rc))
			return rc;
		boot_mbi_base = arg;
		boot_mbi_size = mbi[0];
		return 0;
	}
	if (magic == MICA_EFI_ENTRY_MAGIC) {
		const struct boot_info *bi = (const struct boot_info *)arg;
		if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION)
			return -1;
		memcpy(&boot_info, bi, sizeof(boot_info));
		return 0;
	}
	return -1;
}

static void bsp_cpu_init(void)
{
	struct cpu *c = &cpus[0];

	c->id = 0;
	c->state = CPU_ONLINE;
	c->stack_top = boot_stack_top;
	for (int i = 0; i < IST_COUNT; i++)
		c->ist_top[i] = bsp_ist_stacks[i] + IST_STACK_SIZE;
	idt_init();
	cpu_load_descriptors(c);
}

static void reserve_boot_memory(void)
{
	struct bootmem *bm = &boot_mem;

	bootmem_init(bm, &boot_info, 4ULL << 30);
	bootmem_reserve(bm, 0, 1 << 20, "low 1 MiB (real mode, AP trampoline)");
	bootmem_reserve(bm, image_phys_base, (uint64_t)(_image_end - _image_start), "hypervisor image");
	if (boot_mbi_size)
		bootmem_reserve(bm, boot_mbi_base, boot_mbi_size, "multiboot2 information");
	for (uint32_t i = 0; i < boot_info.nr_modules; i++)
		bootmem_reserve(bm, boot_info.modules[i].base, boot_info.modules[i].size, "boot module");
}

const char *mica_hypervisor_cmdline(void)
{
	return boot_info.cmdline;
}

void boot_main(uint64_t arg, uint64_t magic, paddr_t image_phys)
{
	image_phys_base = image_phys;
	console_register(&early_console);
	if (take_boot_info(arg, magic) < 0) {
		printk("Mica: no valid boot information from the loader (magic 0x%lx: %s); halting.\n", magic,
		       magic == MB2_BOOTLOADER_MAGIC   ? "malformed Multiboot2 information"
		       : magic == MICA_EFI_ENTRY_MAGIC ? "bad struct boot_info magic or version"
						       : "unknown boot protocol");
		cpu_halt_forever();
	}
	boot_info.image_base = image_phys;
	boot_info.image_size = (uint64_t)(_image_end - _image_start);

	console_unregister(&early_console);
	console_setup(boot_info.cmdline);
	bsp_cpu_init();
	printk("\n%s\n", mica_banner);

	reserve_boot_memory();
	paging_init(MAX(bootmem_ram_end(&boot_info), 4ULL << 30));
	mm_init();
	paging_print_summary();
	platform_init();
}
