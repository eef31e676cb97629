/* HYPERVISOR_xen_version (xen/include/public/version.h). */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_mem.h>
#include <mica/hypercall.h>
#include <mica/string.h>
#include <mica/version.h>
#include <xen/features.h>
#include <xen/version.h>

/*
 * The features Mica offers today, submap 0 (xen/include/public/features.h):
 * guests are auto-translated (their physmap is the p2m) and their page tables
 * are ordinary, writable memory. Event-channel upcalls come with the domains work.
 */
#define MICA_FEATURES_SUBMAP0                                                             \
	((1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) | \
	 (1u << XENFEAT_supervisor_mode_kernel) | (1u << XENFEAT_hvm_callback_vector))

extern const char *mica_hypervisor_cmdline(void);

static long copy_string(struct vcpu *v, uint64_t buf, const char *s, size_t size)
{
	char out[1024];

	if (size > sizeof(out))
		return -EINVAL;
	memset(out, 0, size);
	mica_strlcpy(out, s, size);
	return copy_to_guest(v, buf, out, size) ? -EFAULT : 0;
}

static long compile_info(struct vcpu *v, uint64_t buf)
{
	xen_compile_info_t info;

	memset(&info, 0, sizeof(info));
	mica_strlcpy(info.compiler, "gcc " __VERSION__, sizeof(info.compiler));
	mica_strlcpy(info.compile_by, "mica", sizeof(info.compile_by));
	mica_strlcpy(info.compile_domain, "mica-hypervisor", sizeof(info.compile_domain));
	mica_strlcpy(info.compile_date, __DATE__ " " __TIME__, sizeof(info.compile_date));
	return copy_to_guest(v, buf, &info, sizeof(info)) ? -EFAULT : 0;
}

static long get_features(struct vcpu *v, uint64_t buf)
{
	xen_feature_info_t fi;

	if (copy_from_guest(v, &fi, buf, sizeof(fi)))
		return -EFAULT;
	fi.submap = fi.submap_idx == 0 ? MICA_FEATURES_SUBMAP0 : 0;
	return copy_to_guest(v, buf, &fi, sizeof(fi)) ? -EFAULT : 0;
}

long do_xen_version(struct vcpu *v, const uint64_t *args)
{
	uint64_t cmd = args[0], buf = args[1];

	switch (cmd) {
	case XENVER_version:
		return (XEN_COMPAT_MAJOR << 16) | XEN_COMPAT_MINOR;
	case XENVER_extraversion:
		return copy_string(v, buf, "-mica" MICA_VERSION_STRING, sizeof(xen_extraversion_t));
	case XENVER_compile_info:
		return compile_info(v, buf);
	case XENVER_capabilities:
		return copy_string(v, buf, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64",
				   sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return copy_string(v, buf, "mica " MICA_VERSION_STRING, sizeof(xen_changeset_info_t));
	case XENVER_platform_parameters: {
		xen_platform_parameters_t p = {.virt_start = 0}; /* HVM guests own their whole address space */
		return copy_to_guest(v, buf, &p, sizeof(p)) ? -EFAULT : 0;
	}
	case XENVER_get_features:
		return get_features(v, buf);
	case XENVER_pagesize:
		return 4096;
	case XENVER_guest_handle: {
		xen_domain_handle_t h;
		memset(h, 0, sizeof(h));
		h[15] = (uint8_t)v->domain->domain_id;
		h[14] = (uint8_t)(v->domain->domain_id >> 8);
		return copy_to_guest(v, buf, h, sizeof(h)) ? -EFAULT : 0;
	}
	case XENVER_commandline:
		if (!v->domain->privileged)
			return -EPERM;
		return copy_string(v, buf, mica_hypervisor_cmdline(), sizeof(xen_commandline_t));
	default:
		return -ENOSYS;
	}
}
