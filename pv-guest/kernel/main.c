/*
 * start_kernel: from the PVH entry (arch/x86/head.S) to the app. Finds the hypervisor (CPUID
 * leaves 0x40000000 + n*0x100, "XenVMMXenVMM"), installs the hypercall page, then brings up
 * memory, traps, events, time, threads, the console and grant tables; the app runs in the
 * "main" thread and the boot thread becomes the idle loop.
 */
#include <pv/apps.h>
#include <pv/arch.h>
#include <pv/console.h>
#include <pv/events.h>
#include <pv/gnttab.h>
#include <pv/hotplug.h>
#include <pv/hypercall.h>
#include <pv/initrd.h>
#include <pv/mm.h>
#include <pv/sched.h>
#include <pv/setup.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/arch-x86/hvm/start_info.h>

#define PV_GUEST_VERSION "0.1"

/* Linked only into the dom0 image (pv-guest/dom0/dom0.c). */
extern int dom0_main(void) __attribute__((weak));

uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
const struct hvm_start_info *start_info;
char cmdline[1024];
bool on_mica;
char hypervisor_name[16];
unsigned int hypervisor_version;
int app_argc;
char *app_argv[256];
static char *kernel_opts[16];
static unsigned int nr_kernel_opts;

/* ---- messages and exits */

int printk(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	va_end(ap);
	if (n > 0)
		console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
	return n;
}

static void shutdown(unsigned int reason)
{
	struct sched_shutdown s = {.reason = reason};

	console_flush();

	(void)HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

void arch_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void crash_domain(void)
{
	shutdown(SHUTDOWN_crash);
	arch_halt_forever();
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	uint64_t rbp;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	local_irq_disable();
	printk("\n*** pv-guest panic: %s\n", buf);
	__asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
	backtrace(rbp, (uint64_t)(uintptr_t)__builtin_return_address(0));
	crash_domain();
}

void kernel_poweroff(void)
{
	printk("pv-guest: powering off\n");
	shutdown(SHUTDOWN_poweroff);
	arch_halt_forever();
}

void kernel_reboot(void)
{
	printk("pv-guest: rebooting\n");
	shutdown(SHUTDOWN_reboot);
	arch_halt_forever();
}

/* ---- the hypervisor */

static bool cpu_is_amd(void)
{
	struct cpuid_regs r = cpuid_count(0, 0);

	return (r.ebx == 0x68747541 && r.ecx == 0x444d4163 && r.edx == 0x69746e65) || /* AuthenticAMD */
	       (r.ebx == 0x6f677948 && r.ecx == 0x656e6975 && r.edx == 0x6e65476e);   /* HygonGenuine */
}

static void detect_hypervisor(void)
{
	uint32_t base;

	for (base = 0x40000000; base < 0x40010000; base += 0x100) {
		struct cpuid_regs r = cpuid_count(base, 0);

		if (r.ebx == 0x566e6558 && r.ecx == 0x65584d4d && r.edx == 0x4d4d566e && r.eax >= base + 2)
			break; /* "XenVMMXenVMM" */
	}
	if (base >= 0x40010000)
		arch_halt_forever(); /* no Xen ABI: nobody to tell */
	struct cpuid_regs r = cpuid_count(base + 2, 0);

	(void)cpu_is_amd;
	wrmsr(r.ebx, (uint64_t)(uintptr_t)hypercall_page); /* identity-mapped: virtual = physical */
	hypervisor_version = (unsigned int)HYPERVISOR_xen_version(XENVER_version, NULL);

	/* Mica says so in its extra version string ("-mica"), else we are on Xen. */
	xen_extraversion_t extra = {0};

	(void)HYPERVISOR_xen_version(XENVER_extraversion, extra);
	on_mica = strstr(extra, "mica") != NULL;
	snprintf(hypervisor_name, sizeof(hypervisor_name), "%s", on_mica ? "Mica" : "Xen");
}

/* ---- the command line: "[app [args...]] [key=value...]" */

/* The kernel's own options (docs/pv-guest.md), wherever they are on the line. */
static bool is_kernel_opt(const char *w)
{
	static const char *const keys[] = {"ip", "gw", "port", "bench", "vif", "vbd", "bridge", "uplink"};
	const char *eq = strchr(w, '=');

	for (unsigned int i = 0; eq && i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i]) == (size_t)(eq - w) && !strncmp(w, keys[i], (size_t)(eq - w)))
			return true;
	return false;
}

static void parse_cmdline(void)
{
	static char words[sizeof(cmdline)];
	char *p = words;
	bool first = true;

	if (start_info->cmdline_paddr)
		snprintf(cmdline, sizeof(cmdline), "%s", (const char *)(uintptr_t)start_info->cmdline_paddr);
	memcpy(words, cmdline, sizeof(words));
	while (*p) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		char *w = p;

		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0'; /* the word ends here: look at it alone */
		/* A boot loader's image name first (Xen passes a dom0 its whole module line): skip it. */
		if (first && (strchr(w, '/') || strstr(w, ".elf") || strstr(w, ".gz"))) {
			first = false;
			continue;
		}
		first = false;
		if (is_kernel_opt(w) && nr_kernel_opts < ARRAY_SIZE(kernel_opts))
			kernel_opts[nr_kernel_opts++] = w;
		else if (app_argc < (int)ARRAY_SIZE(app_argv) - 1)
			app_argv[app_argc++] = w;
	}
	if (!app_argc)
		app_argv[app_argc++] = "shell";
	app_argv[app_argc] = NULL;
}

const char *kernel_opt(const char *key)
{
	size_t len = strlen(key);

	for (unsigned int i = 0; i < nr_kernel_opts; i++)
		if (!strncmp(kernel_opts[i], key, len) && kernel_opts[i][len] == '=')
			return kernel_opts[i] + len + 1;
	return NULL;
}

/* ---- bring-up */

static void main_thread(void *arg)
{
	const struct app *app = find_app(app_argv[0]);
	int rc;

	(void)arg;
	if (!app) {
		printk("pv-guest: no app \"%s\"; apps:", app_argv[0]);
		for (const struct app *a = apps; a->name; a++)
			printk(" %s", a->name);
		printk("\n");
		kernel_poweroff();
	}
	(void)initrd_init(); /* -ENOENT: no module; a malformed archive is reported */
	/* The dom0 image (pv-guest/dom0/) serves the store itself; others connect to it. */
	rc = dom0_main ? dom0_main() : -EPERM;
	if (rc == -EPERM)
		rc = init_xenbus();
	if (rc && rc != -ENODEV)
		printk("pv-guest: xenbus: cannot connect to the store (%d)\n", rc);
	if (!rc && balloon_start())
		printk("pv-guest: no balloon driver (memory/target is not followed)\n");
	if (!rc && !dom0_main && hotplug_start())
		printk("pv-guest: no device hot-plug (devices attached later are not seen)\n");
	rc = app->main(app_argc, app_argv);
	fflush(stdout);
	printk("pv-guest: %s exited with status %d\n", app->name, rc);
	if (rc == APP_REBOOT)
		kernel_reboot();
	kernel_poweroff(); /* whatever the status: crashes are for faults and panics */
}

void start_kernel(const struct hvm_start_info *si)
{
	struct mm_stats m;

	start_info = si;
	init_traps();
	detect_hypervisor();
	if (si->magic != XEN_HVM_START_MAGIC_VALUE)
		panic("bad start info magic %#x", si->magic);
	parse_cmdline();
	init_mm();
	init_events();
	init_time();
	init_sched();
	init_console();
	init_gnttab();
	mm_stats(&m);
	uint64_t t_banner = rdtsc();

	printk("pv-guest %s on %s %u.%u: %lu KiB RAM (image %lu KiB), console %s, cmdline \"%s\"\n", PV_GUEST_VERSION,
	       hypervisor_name, hypervisor_version >> 16, hypervisor_version & 0xffff, m.ram_pages * 4,
	       m.image_pages * 4, console_is_ring() ? "ring" : "console_io", cmdline);
	if (kernel_opt("bench")) {
		extern uint64_t entry_tsc;

		/* Under QEMU -icount shift=0 (or Bochs) TSC cycles count instructions. */
		printk("pv-guest: bench: entry to first console line: %lu TSC cycles, system time %lld ns\n",
		       (unsigned long)(t_banner - entry_tsc), (long long)NOW());
	}
	if (!create_thread("main", main_thread, NULL))
		panic("cannot create the main thread");
	local_irq_enable();
	run_idle_thread();
}
