/* test-console: console_io writes of every size, and bad arguments that must fail cleanly. */
#include "xtf.h"

const char test_title[] = "console_io";

#define UNMAPPED_GVA 0x7fff00000000ull /* not in our page tables: the guest-virtual walk fails */

static char big[2000];

static void check_writes(void)
{
	static const char line[] = "console: a short line\n";
	long rc;

	rc = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(line) - 1, line);
	xtf_check(rc == 0, "short write returns 0 (%ld)", rc);

	/* 20 lines of 99 characters and a newline. */
	for (unsigned int i = 0; i < sizeof(big); i++)
		big[i] = i % 100 == 99 ? '\n' : i % 100 == 0 ? 'A' + i / 100 : '0' + i % 10;
	rc = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(big), big);
	xtf_check(rc == 0, "2000-byte write (20 lines) returns 0 (%ld)", rc);

	rc = HYPERVISOR_console_io(CONSOLEIO_write, 0, line);
	xtf_check(rc == 0, "zero-length write returns 0 (%ld)", rc);
	rc = HYPERVISOR_console_io(CONSOLEIO_write, 0, NULL);
	xtf_check(rc == 0, "zero-length write of NULL returns 0 (%ld)", rc);
}

static void check_bad_arguments(void)
{
	uint64_t gpa = unpopulated_gpa();
	long rc;

	rc = HYPERVISOR_console_io(CONSOLEIO_write, 16, (const void *)UNMAPPED_GVA);
	xtf_check(rc == -XEN_EFAULT, "write from unmapped guest-virtual 0x%llx: -EFAULT (%ld)", UNMAPPED_GVA, rc);

	if (gpa) {
		/* Mapped by our identity map, but no RAM behind it in the domain's physical map. */
		rc = HYPERVISOR_console_io(CONSOLEIO_write, 16, (const void *)(uintptr_t)gpa);
		xtf_check(rc == -XEN_EFAULT, "write from guest-physical 0x%lx beyond RAM: -EFAULT (%ld)", gpa, rc);
	} else {
		printk("  (no unpopulated guest-physical range below 3.5 GiB: skipped)\n");
	}

	rc = HYPERVISOR_console_io(0x1234, 16, big);
	xtf_check(rc < 0, "unknown command 0x1234 fails (%ld, Xen: -ENOSYS = %d)", rc, -XEN_ENOSYS);
}

void test_main(void)
{
	check_writes();
	check_bad_arguments();
	printk("console: still running after the bad calls\n");
	xtf_report();
}
