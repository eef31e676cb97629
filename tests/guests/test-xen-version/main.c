/* test-xen-version: every XENVER_* sub-op a guest may use, and an unknown one. */
#include "xtf.h"

const char test_title[] = "xen_version sub-ops";

/* Buffers are filled by the hypervisor: bound every string we print by its size. */
#define SHOW(name, buf) printk("  %s: \"%.*s\"\n", name, (int)strnlen(buf, sizeof(buf)), buf)

static void check_strings(void)
{
	xen_extraversion_t extra = "";
	xen_compile_info_t ci;
	xen_changeset_info_t cs = "";
	static xen_capabilities_info_t caps;
	long rc;

	rc = HYPERVISOR_xen_version(XENVER_extraversion, extra);
	if (xtf_check(rc == 0, "XENVER_extraversion returns 0 (%ld)", rc))
		SHOW("extraversion", extra);

	memset(&ci, 0, sizeof(ci));
	rc = HYPERVISOR_xen_version(XENVER_compile_info, &ci);
	if (xtf_check(rc == 0, "XENVER_compile_info returns 0 (%ld)", rc)) {
		SHOW("compiler", ci.compiler);
		SHOW("compile_by", ci.compile_by);
		SHOW("compile_domain", ci.compile_domain);
		SHOW("compile_date", ci.compile_date);
	}

	rc = HYPERVISOR_xen_version(XENVER_capabilities, caps);
	if (xtf_check(rc == 0, "XENVER_capabilities returns 0 (%ld)", rc)) {
		SHOW("capabilities", caps);
		xtf_check(strnlen(caps, sizeof(caps)) < sizeof(caps) && strstr(caps, "hvm-3.0-x86_64"),
			  "capabilities include \"hvm-3.0-x86_64\"");
	}

	rc = HYPERVISOR_xen_version(XENVER_changeset, cs);
	if (xtf_check(rc == 0, "XENVER_changeset returns 0 (%ld)", rc))
		SHOW("changeset", cs);
}

static void check_structs(void)
{
	xen_platform_parameters_t pp = {.virt_start = 0x5a5a5a5a};
	xen_feature_info_t fi = {.submap_idx = 0};
	xen_domain_handle_t handle;
	long rc;

	rc = HYPERVISOR_xen_version(XENVER_platform_parameters, &pp);
	if (xtf_check(rc == 0, "XENVER_platform_parameters returns 0 (%ld)", rc))
		printk("  virt_start: 0x%lx\n", pp.virt_start);

	rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
	if (xtf_check(rc == 0, "XENVER_get_features(submap 0) returns 0 (%ld)", rc))
		printk("  features submap 0: 0x%08x (hvm_callback_vector %s)\n", fi.submap,
		       fi.submap & (1u << XENFEAT_hvm_callback_vector) ? "yes" : "no");

	rc = HYPERVISOR_xen_version(XENVER_pagesize, NULL);
	xtf_check(rc == 4096, "XENVER_pagesize = 4096 (%ld)", rc);

	memset(handle, 0xa5, sizeof(handle));
	rc = HYPERVISOR_xen_version(XENVER_guest_handle, handle);
	if (xtf_check(rc == 0, "XENVER_guest_handle returns 0 (%ld)", rc)) {
		char hex[2 * sizeof(handle) + 1];

		for (unsigned int i = 0; i < sizeof(handle); i++)
			snprintf(hex + 2 * i, 3, "%02x", handle[i]);
		printk("  handle: %s\n", hex);
	}
}

void test_main(void)
{
	long ver = HYPERVISOR_xen_version(XENVER_version, NULL);

	printk("  version: %lu.%lu\n", (unsigned long)ver >> 16, (unsigned long)ver & 0xffff);
	xtf_check(ver > 0 && (ver >> 16) != 0, "XENVER_version: major non-zero (0x%lx)", ver);
	xtf_check(ver == xen.version, "XENVER_version matches CPUID leaf 0x%x (0x%x)", xen.cpuid_base + 1, xen.version);
	check_strings();
	check_structs();

	long rc = HYPERVISOR_xen_version(0x7fff, NULL);
	xtf_check(rc < 0, "unknown sub-op 0x7fff fails (%ld, Xen: -ENOSYS = %d)", rc, -XEN_ENOSYS);
	xtf_report();
}
