/*
 * test-bad-hypercalls: malformed hypercalls must each fail with a negative Xen error
 * code, and the guest must keep running: numbers beyond the table, unknown sub-ops,
 * pointers that are not mapped, a huge count, a vCPU that does not exist.
 */
#include "xtf.h"

const char test_title[] = "malformed hypercalls";

#define BAD_PTR ((void *)0x7fff00000000ull) /* not mapped in our page tables */

/* Any eax, straight through the vendor's instruction (the page has 128 slots only). */
static long raw_hypercall(unsigned long nr, unsigned long a1, unsigned long a2)
{
	return xen.amd ? vmmcall5(nr, a1, a2, 0, 0, 0) : vmcall5(nr, a1, a2, 0, 0, 0);
}

static void expect_error(long rc, const char *what)
{
	xtf_check(rc < 0 && rc >= -4095, "%s: %ld", what, rc);
}

static void bad_numbers(void)
{
	expect_error(hypercall5(63, 0, 0, 0, 0, 0), "hypercall 63 (unused, via the page)");
	expect_error(hypercall5(127, 0, 0, 0, 0, 0), "hypercall 127 (last slot of the page)");
	expect_error(raw_hypercall(64, 0, 0), "hypercall 64 (first beyond Xen's table)");
	expect_error(raw_hypercall(1000, 0, 0), "hypercall 1000");
	expect_error(raw_hypercall(0xffffffffu, 0, 0), "hypercall 0xffffffff");
}

static void bad_sched_ops(void)
{
	expect_error(HYPERVISOR_sched_op(0x7fff, NULL), "sched_op unknown command 0x7fff");
	expect_error(HYPERVISOR_sched_op(SCHEDOP_shutdown, BAD_PTR), "sched_op shutdown, unmapped argument");
}

/* Every sub-op that takes a buffer, given one that is not mapped. */
static void bad_xen_version(void)
{
	static const struct {
		int cmd;
		const char *name;
	} ops[] = {
	    {XENVER_extraversion, "extraversion"},
	    {XENVER_compile_info, "compile_info"},
	    {XENVER_capabilities, "capabilities"},
	    {XENVER_changeset, "changeset"},
	    {XENVER_platform_parameters, "platform_parameters"},
	    {XENVER_get_features, "get_features"},
	    {XENVER_guest_handle, "guest_handle"},
	    {XENVER_commandline, "commandline"},
	    {XENVER_build_id, "build_id"},
	};
	char what[80];

	for (unsigned int i = 0; i < ARRAY_SIZE(ops); i++) {
		snprintf(what, sizeof(what), "xen_version %s, unmapped buffer", ops[i].name);
		expect_error(HYPERVISOR_xen_version(ops[i].cmd, BAD_PTR), what);
	}
}

static void bad_console_io(void)
{
	static const char msg[] = "x";
	long rc;

	expect_error(HYPERVISOR_console_io(CONSOLEIO_write, 0xffffffffu, BAD_PTR),
		     "console_io write, count 0xffffffff, unmapped buffer");
	/* Xen's count is 32 bits wide: 1 << 40 may be cut to 0 (a write of nothing) or refused. */
	rc = HYPERVISOR_console_io(CONSOLEIO_write, 1ull << 40, BAD_PTR);
	xtf_check(rc <= 0 && rc >= -4095, "console_io write, count 1 << 40, unmapped buffer: %ld (0 or error)", rc);
	rc = HYPERVISOR_console_io(CONSOLEIO_write, (1ull << 40) | 1, msg);
	printk("\n");
	xtf_check(rc <= 0 && rc >= -4095, "console_io write, count (1 << 40) + 1, 1 valid byte: %ld", rc);
	/* Unprivileged: -EPERM; privileged with nothing to read: 0; else -EFAULT. */
	rc = HYPERVISOR_console_io(CONSOLEIO_read, 16, BAD_PTR);
	xtf_check(rc <= 0 && rc >= -4095, "console_io read, unmapped buffer: %ld (0 or error)", rc);
	expect_error(HYPERVISOR_console_io(0x7fff, 16, msg), "console_io unknown command 0x7fff");
}

static void bad_vcpu_ops(void)
{
	expect_error(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1000, NULL), "vcpu_op is_up, vCPU 1000");
	expect_error(HYPERVISOR_vcpu_op(VCPUOP_is_up, 0xffffffffu, NULL), "vcpu_op is_up, vCPU 0xffffffff");
	expect_error(HYPERVISOR_vcpu_op(0x7fff, 0, NULL), "vcpu_op unknown command 0x7fff on vCPU 0");
	long rc = HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, NULL);
	xtf_check(rc == 1, "vcpu_op is_up, vCPU 0 (ourselves): 1 (%ld)", rc);
}

void test_main(void)
{
	bad_numbers();
	bad_sched_ops();
	bad_xen_version();
	bad_console_io();
	bad_vcpu_ops();
	xtf_check(HYPERVISOR_xen_version(XENVER_version, NULL) == xen.version, "xen_version still answers");
	xtf_report();
}
