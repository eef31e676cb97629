/* The C entry (called by head.S) and XTF-style results: exactly one "Test result:" line per run. */
#include "xtf.h"

bool xen_detect(void);
void traps_init(void);

const struct hvm_start_info *start_info;
/* Weak and undefined unless the test defines it (a weak definition here could be constant-folded). */
extern const bool test_runs_without_xen __attribute__((weak));

static unsigned int checks_run, checks_failed;
static char first_failure[160];

noreturn void xtf_exit(unsigned int qemu_status)
{
	if (xen.present) {
		struct sched_shutdown s = {.reason = SHUTDOWN_poweroff};

		HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
	} else {
		outl(0xf4, qemu_status); /* QEMU's isa-debug-exit, if present: exits with status * 2 + 1 */
	}
	cli_hlt_forever();
}

/* QEMU isa-debug-exit statuses: SUCCESS 0, SKIP 1, FAILURE 2, ERROR 3 (QEMU exits 1, 3, 5, 7). */
static noreturn void result(const char *what, unsigned int status, const char *fmt, va_list *ap)
{
	char reason[256];

	if (fmt) {
		vsnprintf(reason, sizeof(reason), fmt, *ap);
		printk("Test result: %s: %s\n", what, reason);
	} else {
		printk("Test result: %s\n", what);
	}
	xtf_exit(status);
}

noreturn void xtf_success(void)
{
	result("SUCCESS", 0, NULL, NULL);
}

#define RESULT_FN(fn, what, status)             \
	noreturn void fn(const char *fmt, ...)  \
	{                                       \
		va_list ap;                     \
                                                \
		va_start(ap, fmt);              \
		result(what, status, fmt, &ap); \
	}
RESULT_FN(xtf_skip, "SKIP", 1)
RESULT_FN(xtf_failure, "FAILURE", 2)
RESULT_FN(xtf_error, "ERROR", 3)

bool xtf_check(bool ok, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	checks_run++;
	if (!ok && checks_failed++ == 0)
		memcpy(first_failure, msg, sizeof(msg));
	printk("  %s: %s\n", ok ? "ok" : "FAILED", msg);
	return ok;
}

noreturn void xtf_report(void)
{
	if (checks_failed)
		xtf_failure("%u of %u checks failed, first: %s", checks_failed, checks_run, first_failure);
	xtf_success();
}

void xtf_start(void)
{
	start_info = (const struct hvm_start_info *)(uintptr_t)pvh_entry.ebx;
	traps_init();
	if (!xen_detect()) {
		/* console_write() now goes to ports 0xe9 and COM1. */
		if (xen.cpuid_base)
			xtf_error("Xen signature at CPUID 0x%x but no hypercall page offered", xen.cpuid_base);
		if (!&test_runs_without_xen || !test_runs_without_xen)
			xtf_skip("not running on Xen/Mica");
	}
	printk("--- Mica test guest: %s ---\n", test_title);
	if (xen.present)
		printk("hypervisor: Xen ABI %u.%u (CPUID base 0x%x), hypercall page at %p via MSR 0x%x\n",
		       xen.version >> 16, xen.version & 0xffff, xen.cpuid_base, hypercall_page, xen.hypercall_msr);
	else
		printk("hypervisor: none found; console on ports 0xe9 and COM1\n");
	test_main();
	xtf_success();
}
