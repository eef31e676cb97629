/* Unit tests for the xl.cfg(5) parser (dom0-tools/xlcfg/xlcfg.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xlcfg/xlcfg.h"

static struct xl_domain_config cfg;
static struct xlcfg_diag diag;

#define BASE "name = \"web\"\nkernel = \"/boot/vmlinuz\"\ntype = \"pvh\"\n"

static int parse(const char *text)
{
	return xlcfg_parse(text, strlen(text), "demo.cfg", &cfg, &diag);
}

static bool has_warning(const char *text)
{
	for (unsigned i = 0; i < diag.nr_warnings; i++) {
		if (strstr(diag.warnings[i].text, text))
			return true;
	}
	return false;
}

/* In the style of Xen's tools/examples/xlexample.pvhlinux. */
static const char pvhlinux[] = "# =====================================================================\n"
			       "# Example PVH Linux guest configuration\n"
			       "# =====================================================================\n"
			       "\n"
			       "# This is the type of the guest\n"
			       "type = \"pvh\"\n"
			       "\n"
			       "# Guest name\n"
			       "name = \"example.pvhlinux\"\n"
			       "\n"
			       "# 128-bit UUID for the domain as a hexadecimal number.\n"
			       "#uuid = \"06ed00fe-1162-4fc4-b5d8-11993ee4a8b9\"\n"
			       "\n"
			       "# Kernel image to boot\n"
			       "kernel = \"/boot/vmlinuz\"\n"
			       "\n"
			       "# Ramdisk (optional)\n"
			       "#ramdisk = \"/boot/initrd.gz\"\n"
			       "\n"
			       "# Kernel command line options\n"
			       "extra = \"root=/dev/xvda1\"\n"
			       "\n"
			       "# Initial memory allocation (MB)\n"
			       "memory = 512\n"
			       "\n"
			       "# Number of VCPUS\n"
			       "vcpus = 4\n"
			       "\n"
			       "# Network devices\n"
			       "# A list of 'vifspec' entries as described in\n"
			       "# docs/misc/xl-network-configuration.markdown\n"
			       "vif = [ '' ]\n"
			       "\n"
			       "# Disk Devices\n"
			       "# A list of `diskspec' entries as described in\n"
			       "# docs/misc/xl-disk-configuration.txt\n"
			       "disk = [ '/dev/vg/guest-volume,raw,xvda,rw' ]\n";

static void test_pvhlinux_example(void **state)
{
	(void)state;
	assert_int_equal(parse(pvhlinux), 0);
	assert_string_equal(diag.error, "");
	assert_int_equal(diag.nr_warnings, 0);
	assert_string_equal(cfg.name, "example.pvhlinux");
	assert_string_equal(cfg.kernel, "/boot/vmlinuz");
	assert_string_equal(cfg.ramdisk, "");
	assert_string_equal(cfg.boot_cmdline, "root=/dev/xvda1");
	assert_int_equal(cfg.memory_mib, 512);
	assert_int_equal(cfg.maxmem_mib, 512);
	assert_int_equal(cfg.vcpus, 4);
	assert_int_equal(cfg.maxvcpus, 4);
	assert_true(cfg.cpus_all);
	assert_false(cfg.has_uuid);
	assert_int_equal(cfg.nr_vifs, 1);
	assert_false(cfg.vifs[0].has_mac);
	assert_int_equal(cfg.nr_disks, 1);
	assert_string_equal(cfg.disks[0].target, "/dev/vg/guest-volume");
	assert_string_equal(cfg.disks[0].vdev, "xvda");
	assert_int_equal(cfg.disks[0].access, XLCFG_DISK_RW);
	assert_int_equal(cfg.on_poweroff, XLCFG_ACTION_DESTROY);
	assert_int_equal(cfg.on_reboot, XLCFG_ACTION_RESTART);
	assert_int_equal(cfg.on_crash, XLCFG_ACTION_DESTROY);
	xlcfg_free(&cfg);
	assert_string_equal(cfg.name, "");
}

static void test_full_config(void **state)
{
	(void)state;
	const char *text = "name='db1'; type=\"pvh\"\n"
			   "uuid = \"06ED00FE-1162-4fc4-b5d8-11993ee4a8b9\"\n"
			   "memory = 0x100\n"
			   "maxmem = 01000\n"
			   "vcpus = 2\n"
			   "maxvcpus = \"8\"\n"
			   "cpus = \"0-3, 6,^2\"\n"
			   "cpu_weight = 512\n"
			   "cap = 150\n"
			   "kernel = \"/k\"\n"
			   "ramdisk = \"/i\"\n"
			   "cmdline = \"console=hvc0 quiet\"\n"
			   "on_poweroff = \"preserve\"\n"
			   "on_reboot = \"rename-restart\"\n"
			   "on_crash = \"coredump-restart\"\n"
			   "on_watchdog = \"coredump-destroy\"\n"
			   "on_soft_reset = \"restart\"\n";

	assert_int_equal(parse(text), 0);
	assert_string_equal(cfg.name, "db1");
	assert_true(cfg.has_uuid);
	assert_int_equal(cfg.uuid[0], 0x06);
	assert_int_equal(cfg.uuid[1], 0xed);
	assert_int_equal(cfg.uuid[15], 0xb9);
	assert_int_equal(cfg.memory_mib, 256);
	assert_int_equal(cfg.maxmem_mib, 512);
	assert_int_equal(cfg.vcpus, 2);
	assert_int_equal(cfg.maxvcpus, 8);
	assert_false(cfg.cpus_all);
	assert_int_equal(cfg.cpumask[0], 0x4b);
	assert_int_equal(cfg.cpumask[1], 0);
	assert_int_equal(cfg.cpu_weight, 512);
	assert_int_equal(cfg.cap, 150);
	assert_string_equal(cfg.ramdisk, "/i");
	assert_string_equal(cfg.boot_cmdline, "console=hvc0 quiet");
	assert_int_equal(cfg.on_poweroff, XLCFG_ACTION_PRESERVE);
	assert_int_equal(cfg.on_reboot, XLCFG_ACTION_RENAME_RESTART);
	assert_int_equal(cfg.on_crash, XLCFG_ACTION_COREDUMP_RESTART);
	assert_int_equal(cfg.on_watchdog, XLCFG_ACTION_COREDUMP_DESTROY);
	assert_int_equal(cfg.on_soft_reset, XLCFG_ACTION_RESTART);
	assert_int_equal(diag.nr_warnings, 0);
	assert_string_equal(xlcfg_action_name(XLCFG_ACTION_SOFT_RESET), "soft-reset");
}

static void test_cmdline_composition(void **state)
{
	(void)state;
	assert_int_equal(parse(BASE "root = \"/dev/xvda1 ro\"\nextra = \"console=hvc0\"\n"), 0);
	assert_string_equal(cfg.boot_cmdline, "root=/dev/xvda1 ro console=hvc0");
	assert_int_equal(parse(BASE "root = \"/dev/xvda1\"\n"), 0);
	assert_string_equal(cfg.boot_cmdline, "root=/dev/xvda1");
	assert_int_equal(parse(BASE "extra = \"quiet\"\n"), 0);
	assert_string_equal(cfg.boot_cmdline, "quiet");
	assert_int_equal(parse(BASE), 0);
	assert_string_equal(cfg.boot_cmdline, "");
	assert_int_equal(parse(BASE "cmdline = \"a b\"\nroot = \"/dev/xvda\"\n"), 0);
	assert_string_equal(cfg.boot_cmdline, "a b");
	assert_true(has_warning("demo.cfg: root= and extra= are ignored: cmdline= is set"));
}

static void test_quoting(void **state)
{
	(void)state;
	assert_int_equal(parse(BASE "extra = \"a\\\"b\\\\c\\x41\\101\\'\"\n"), 0);
	assert_string_equal(cfg.extra, "a\"b\\c\x41\x41'");
	assert_int_equal(parse(BASE "extra = 'single \"double\" # not a comment'   # a comment\n"), 0);
	assert_string_equal(cfg.extra, "single \"double\" # not a comment");
	assert_int_equal(parse(BASE "extra = \"\"\n"), 0);
	assert_string_equal(cfg.extra, "");
	/* numbers as strings, strings as numbers: xl keeps every atom as text */
	assert_int_equal(parse(BASE "memory = \"300\"\nextra = 42\n"), 0);
	assert_int_equal(cfg.memory_mib, 300);
	assert_string_equal(cfg.extra, "42");
}

static void test_whitespace_and_separators(void **state)
{
	(void)state;
	const char *text = "\r\n  \t\n;;\nname=\"a\";kernel=\"/k\" ; memory\t=\t64\r\n\t# indented comment\n"
			   "vcpus  =  3 # trailing\n#last line without newline";

	assert_int_equal(parse(text), 0);
	assert_string_equal(cfg.name, "a");
	assert_int_equal(cfg.memory_mib, 64);
	assert_int_equal(cfg.vcpus, 3);
	/* a buffer that is not NUL-terminated: only len bytes are read */
	char buf[64];
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, BASE "vcpus=7", strlen(BASE "vcpus=7"));
	assert_int_equal(xlcfg_parse(buf, strlen(BASE "vcpus=7"), "demo.cfg", &cfg, &diag), 0);
	assert_int_equal(cfg.vcpus, 7);
	/* NULL diag */
	assert_int_equal(
	    xlcfg_parse(BASE "nope = 1\nmemory = \"x\"", strlen(BASE "nope = 1\nmemory = \"x\""), "f", &cfg, NULL),
	    -EINVAL);
}

static void test_lists_across_lines(void **state)
{
	(void)state;
	const char *text = BASE "disk = [\n"
				"    # the root disk\n"
				"    'format=raw, vdev=xvda, access=rw, target=/images/root.img',\n"
				"\n"
				"    \"/images/data.img,,xvdb\" # data\n"
				"    ,\n"
				"]\n"
				"vif = []\n"
				"vif = [ 'bridge=br0' , ]\n";

	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.nr_disks, 2);
	assert_string_equal(cfg.disks[0].target, "/images/root.img");
	assert_string_equal(cfg.disks[1].target, "/images/data.img");
	assert_string_equal(cfg.disks[1].vdev, "xvdb");
	assert_int_equal(cfg.nr_vifs, 1);
	assert_string_equal(cfg.vifs[0].bridge, "br0");
	assert_true(has_warning("demo.cfg:12:1: vif: set again (first at line 11); the last value wins"));
}

static void test_append_lists(void **state)
{
	(void)state;
	assert_int_equal(parse(BASE "vif = ['bridge=a']\nvif += ['bridge=b', 'bridge=c']\ndisk += ['/x,,xvda']\n"), 0);
	assert_int_equal(cfg.nr_vifs, 3);
	assert_string_equal(cfg.vifs[2].bridge, "c");
	assert_int_equal(cfg.nr_disks, 1);
	assert_int_equal(diag.nr_warnings, 0);
}

/* xl-disk-configuration(5): every positional form and the keyword form. */
static void test_disk_forms(void **state)
{
	(void)state;
	static const struct {
		const char *spec, *target, *vdev;
		enum xlcfg_disk_access access;
		bool cdrom;
	} cases[] = {
	    {"/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume", "hda", XLCFG_DISK_RW, false},
	    {"/dev/vg/guest-volume,raw,hda,rw", "/dev/vg/guest-volume", "hda", XLCFG_DISK_RW, false},
	    {"format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume", "/dev/vg/guest-volume", "hda",
	     XLCFG_DISK_RW, false},
	    {"raw:/dev/vg/guest-volume,hda,w", "/dev/vg/guest-volume", "hda", XLCFG_DISK_RW, false},
	    {"/root/image.iso,,hdc,cdrom", "/root/image.iso", "hdc", XLCFG_DISK_RO, true},
	    {"/root/image.iso,,hdc,,cdrom", "/root/image.iso", "hdc", XLCFG_DISK_RO, true},
	    {"/root/image.iso,raw,hdc,devtype=cdrom", "/root/image.iso", "hdc", XLCFG_DISK_RO, true},
	    {"format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso", "/root/image.iso", "hdc",
	     XLCFG_DISK_RO, true},
	    {"raw:/root/image.iso,hdc:cdrom,ro", "/root/image.iso", "hdc", XLCFG_DISK_RO, true},
	    {"file:/images/a.img,xvda,w", "/images/a.img", "xvda", XLCFG_DISK_RW, false},
	    {"phy:/dev/sdb,xvdb,r", "/dev/sdb", "xvdb", XLCFG_DISK_RO, false},
	    {"tap:aio:/images/b.img,xvdc1,rw", "/images/b.img", "xvdc1", XLCFG_DISK_RW, false},
	    {"format=raw, vdev=xvdb, access=ro, target=/dev/sda", "/dev/sda", "xvdb", XLCFG_DISK_RO, false},
	    {"vdev=xvdb, target=/odd,name with=, commas", "/odd,name with=, commas", "xvdb", XLCFG_DISK_RW, false},
	    {"/a.img,xvda", "/a.img", "xvda", XLCFG_DISK_RW, false}, /* format slot: "xvda"? no: see below */
	    {"/a.img", NULL, NULL, XLCFG_DISK_RW, false},
	    {"/a.img,,51712", "/a.img", "51712", XLCFG_DISK_RW, false},
	    {",,hdc,cdrom", "", "hdc", XLCFG_DISK_RO, true},
	    {"  /a.img , raw , xvdz , ro ", "/a.img", "xvdz", XLCFG_DISK_RO, false},
	    {"access=ro,/a.img,,xvda", "/a.img", "xvda", XLCFG_DISK_RO, false},
	};
	char text[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), BASE "disk = [ '%s' ]\n", cases[i].spec);
		if (!cases[i].target) {
			assert_int_equal(parse(text), -EINVAL);
			continue;
		}
		if (!strcmp(cases[i].spec, "/a.img,xvda")) {
			/* "xvda" lands in the format slot: xl reads it the same way */
			assert_int_equal(parse(text), -EINVAL);
			assert_string_equal(diag.error, "demo.cfg:4:18: disk: unknown format \"xvda\" (raw)");
			continue;
		}
		assert_int_equal(parse(text), 0);
		assert_int_equal(cfg.nr_disks, 1);
		assert_string_equal(cfg.disks[0].target, cases[i].target);
		assert_string_equal(cfg.disks[0].vdev, cases[i].vdev);
		assert_int_equal(cfg.disks[0].access, cases[i].access);
		assert_int_equal(cfg.disks[0].cdrom, cases[i].cdrom);
	}
	assert_int_equal(parse(BASE "disk = ['/a,,xvda,backend=dom0, discard, script=block, foo=1']\n"), 0);
	assert_string_equal(cfg.disks[0].backend, "dom0");
	assert_true(has_warning("demo.cfg:4:33: disk: discard: ignored by Mica"));
	assert_true(has_warning("demo.cfg:4:42: disk: script: ignored by Mica"));
	assert_true(has_warning("demo.cfg:4:56: disk: unknown key \"foo\", ignored"));
	assert_int_equal(parse(BASE "disk = '/a,,xvda'\n"), 0); /* a lone string is a one-entry list */
	assert_int_equal(cfg.nr_disks, 1);
}

static void test_vif(void **state)
{
	(void)state;
	const char *text = BASE "vif = [ 'mac=00:16:3e:0a:0B:0c, bridge=br0, ip=10.0.0.5 10.0.1.1/24, vlan=10, "
				"model=e1000, vifname=web0, backend=dom0, type=vif, rate=10Mb/s, mtu=9000',\n"
				"        'mac=00-16-3e-00-00-02,script=vif-bridge,bogus=1' ]\n";

	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.nr_vifs, 2);
	assert_true(cfg.vifs[0].has_mac);
	assert_memory_equal(cfg.vifs[0].mac, ((uint8_t[]){0x00, 0x16, 0x3e, 0x0a, 0x0b, 0x0c}), 6);
	assert_string_equal(cfg.vifs[0].bridge, "br0");
	assert_string_equal(cfg.vifs[0].ip, "10.0.0.5 10.0.1.1/24");
	assert_int_equal(cfg.vifs[0].vlan, 10);
	assert_int_equal(cfg.vifs[0].mtu, 9000);
	assert_string_equal(cfg.vifs[0].model, "e1000");
	assert_string_equal(cfg.vifs[0].vifname, "web0");
	assert_string_equal(cfg.vifs[0].backend, "dom0");
	assert_string_equal(cfg.vifs[0].type, "vif");
	assert_string_equal(cfg.vifs[0].rate, "10Mb/s");
	assert_int_equal(cfg.vifs[1].mac[5], 2);
	assert_int_equal(diag.nr_warnings, 2);
	assert_string_equal(diag.warnings[0].text, "demo.cfg:5:32: vif: script: ignored by Mica");
	assert_string_equal(diag.warnings[1].text, "demo.cfg:5:50: vif: bogus: unknown vif key, ignored");
	assert_int_equal(diag.warnings[1].line, 5);
	assert_int_equal(diag.warnings[1].col, 50);
}

static void test_cpus(void **state)
{
	(void)state;
	static const struct {
		const char *cpus;
		uint64_t mask0, mask3;
		bool all;
	} cases[] = {
	    {"\"all\"", ~0ull, ~0ull, true},
	    {"\"3\"", 0x8, 0, false},
	    {"3", 0x8, 0, false},
	    {"\"0-3,5\"", 0x2f, 0, false},
	    {"\"0-3,5,^1\"", 0x2d, 0, false},
	    {"\"all,^0\"", ~1ull, ~0ull, false},
	    {"\"^1\"", ~2ull, ~0ull, false},
	    {"\"^1-2,^4\"", ~0x16ull, ~0ull, false},
	    {"\"255\"", 0, 1ull << 63, false},
	    {"\"0-255\"", ~0ull, ~0ull, true},
	};
	char text[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), BASE "cpus = %s\n", cases[i].cpus);
		assert_int_equal(parse(text), 0);
		assert_int_equal(cfg.cpumask[0], cases[i].mask0);
		assert_int_equal(cfg.cpumask[3], cases[i].mask3);
		assert_int_equal(cfg.cpus_all, cases[i].all);
	}
}

static void test_unknown_and_ignored_keys(void **state)
{
	(void)state;
	assert_int_equal(parse(BASE "on_xend_start = 'ignore'\nseclabel = 'system_u:system_r:domU_t'\n"
				    "vfb = [ 'vnc=1' ]\npvh = 1\nmemory = 64\nmemory = 96\n"),
			 0);
	assert_int_equal(diag.nr_warnings, 5);
	assert_string_equal(diag.warnings[0].text, "demo.cfg:4:1: on_xend_start: unknown key, ignored");
	assert_string_equal(diag.warnings[1].text, "demo.cfg:5:1: seclabel: ignored: Mica has no XSM/FLASK policy");
	assert_string_equal(diag.warnings[2].text, "demo.cfg:6:1: vfb: ignored: no virtual framebuffer");
	assert_true(has_warning("demo.cfg:7:1: pvh: ignored"));
	assert_string_equal(diag.warnings[4].text,
			    "demo.cfg:9:1: memory: set again (first at line 8); the last value wins");
	assert_int_equal(cfg.memory_mib, 96);
}

static void test_type_and_builder(void **state)
{
	(void)state;
	assert_int_equal(parse("name='a'\nkernel='/k'\n"), 0);
	assert_true(has_warning("demo.cfg: no type= given: Mica builds a PVH domain (xl's default is PV)"));
	assert_int_equal(parse("name='a'\nkernel='/k'\nbuilder = \"generic\"\n"), 0);
	assert_true(has_warning("demo.cfg:3:11: builder: \"generic\" (PV) is deprecated"));
	assert_int_equal(diag.nr_warnings, 1);
}

static void test_warning_overflow(void **state)
{
	(void)state;
	char text[2048] = BASE;

	for (int i = 0; i < XLCFG_MAX_WARNINGS + 5; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "unknown%d = 1\n", i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(diag.nr_warnings, XLCFG_MAX_WARNINGS);
	assert_int_equal(diag.warnings_dropped, 5);
}

/* Every error, with its position. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *error;
	} cases[] = {
	    {"name = \"a\"\nkernel = \"/k\"\nmemory = \"lots\"\n", "demo.cfg:3:10: memory: not a number: \"lots\""},
	    {BASE "memory = 0\n", "demo.cfg:4:10: memory: 0 is out of range (1..1048576)"},
	    {BASE "memory = 99999999999999999999999\n",
	     "demo.cfg:4:10: memory: not a number: \"99999999999999999999999\""},
	    {BASE "memory = 256M\n", "demo.cfg:4:10: memory: malformed number 256M"},
	    {BASE "memory = 0x\n", "demo.cfg:4:10: memory: malformed number 0x"},
	    {BASE "memory = 09\n", "demo.cfg:4:10: memory: not a number: \"09\""},
	    {BASE "memory = [ 1 ]\n", "demo.cfg:4:12: memory: expected a single value, not a list"},
	    {BASE "vcpus = 129\n", "demo.cfg:4:9: vcpus: 129 is out of range (1..128)"},
	    {BASE "vcpus = 4\nmaxvcpus = 2\n", "demo.cfg: maxvcpus (2) is below vcpus (4)"},
	    {BASE "memory = 512\nmaxmem = 256\n", "demo.cfg: maxmem (256) is below memory (512)"},
	    {"kernel = \"/k\"\n", "demo.cfg: name is required"},
	    {"name = \"a\"\n", "demo.cfg: kernel is required (Mica boots PVH guests from a kernel image)"},
	    {"name = \"\"\nkernel='/k'\n", "demo.cfg:1:8: name: empty"},
	    {"name = \"a b\"\n", "demo.cfg:1:10: name: only printable ASCII without blanks, quotes, '/' or '\\'"},
	    {"name = \"a/b\"\n", "demo.cfg:1:10: name: only printable ASCII without blanks, quotes, '/' or '\\'"},
	    {"name = \"0123456789012345678901234567890123\"\n", "demo.cfg:1:8: name: longer than 31 characters"},
	    {"name = \"42\"\n", "demo.cfg:1:8: name: \"42\" is all digits (it would read as a domain id)"},
	    {"name = 7\n", "demo.cfg:1:8: name: \"7\" is all digits (it would read as a domain id)"},
	    {"type = \"pv\"\n",
	     "demo.cfg:1:8: type: \"pv\" domains are not supported: Mica runs PVH guests only (type = \"pvh\")"},
	    {"type = \"hvm\"\n",
	     "demo.cfg:1:8: type: \"hvm\" domains are not supported: Mica runs PVH guests only (type = \"pvh\")"},
	    {"type = \"pvhx\"\n", "demo.cfg:1:8: type: unknown type \"pvhx\" (pvh; xl also knows pv and hvm)"},
	    {"builder = \"hvm\"\n",
	     "demo.cfg:1:11: builder: \"hvm\" domains are not supported: Mica runs PVH guests only (type = \"pvh\")"},
	    {"builder = \"x\"\n", "demo.cfg:1:11: builder: unknown builder \"x\" (generic; better: type = \"pvh\")"},
	    {BASE "on_crash = \"explode\"\n",
	     "demo.cfg:4:12: on_crash: unknown action \"explode\" (destroy, restart, rename-restart, preserve, "
	     "coredump-destroy, coredump-restart, soft-reset)"},
	    {BASE "uuid = \"06ed00fe-1162-4fc4-b5d8-11993ee4a8b\"\n",
	     "demo.cfg:4:44: uuid: expected 8-4-4-4-12 hex digits, not \"06ed00fe-1162-4fc4-b5d8-11993ee4a8b\""},
	    {BASE "uuid = \"06ed00fe-1162-4fc4-b5d8-11993ee4a8b9a\"\n",
	     "demo.cfg:4:45: uuid: expected 8-4-4-4-12 hex digits, not \"06ed00fe-1162-4fc4-b5d8-11993ee4a8b9a\""},
	    {BASE "uuid = \"06ed00fe_1162-4fc4-b5d8-11993ee4a8b9\"\n",
	     "demo.cfg:4:17: uuid: expected 8-4-4-4-12 hex digits, not \"06ed00fe_1162-4fc4-b5d8-11993ee4a8b9\""},
	    {BASE "cpus = \"0-3,,5\"\n", "demo.cfg:4:13: cpus: empty entry"},
	    {BASE "cpus = \"3-1\"\n", "demo.cfg:4:11: cpus: 1 is out of range (3..255)"},
	    {BASE "cpus = \"256\"\n", "demo.cfg:4:8: cpus: 256 is out of range (0..255)"},
	    {BASE "cpus = \"0-x\"\n", "demo.cfg:4:11: cpus: not a number: \"x\""},
	    {BASE "cpus = \"nodes:0-1\"\n", "demo.cfg:4:8: cpus: NUMA node selection is not supported"},
	    {BASE "cpus = \"1,^1\"\n", "demo.cfg:4:8: cpus: \"1,^1\" selects no CPU"},
	    {BASE "cpus = [\"1\", \"2\"]\n",
	     "demo.cfg:4:1: cpus: per-vCPU lists are not supported; give one string (\"0-3,^2\")"},
	    {BASE "cpu_weight = 0\n", "demo.cfg:4:14: cpu_weight: 0 is out of range (1..65535)"},
	    {BASE "bootloader = \"pygrub\"\n",
	     "demo.cfg:4:1: bootloader: not supported: give the guest's kernel= (and ramdisk=)"},
	    {BASE "kernel += \"x\"\n", "demo.cfg:4:1: kernel: += only applies to lists (vif, disk)"},
	    /* syntax */
	    {BASE "name \"x\"\n", "demo.cfg:4:6: name: expected '=' after the key"},
	    {BASE "= 3\n", "demo.cfg:4:1: expected a setting (KEY = VALUE)"},
	    {BASE "memory =\n", "demo.cfg:4:9: memory: missing value"},
	    {BASE "memory = ;\n", "demo.cfg:4:10: memory: missing value"},
	    {BASE "memory = ", "demo.cfg:4:10: memory: missing value"},
	    {BASE "name = web\n", "demo.cfg:4:8: name: expected a value: a \"string\", a number or a [list]"},
	    {BASE "memory = 1 2\n", "demo.cfg:4:12: memory: unexpected text after the value"},
	    {BASE "extra = \"abc\n", "demo.cfg:4:9: unterminated string (strings end on their line)"},
	    {BASE "extra = 'abc", "demo.cfg:4:9: unterminated string (strings end on their line)"},
	    {BASE "extra = \"a\\qb\"\n", "demo.cfg:4:11: unknown escape \\q"},
	    {BASE "extra = \"a\\xg\"\n", "demo.cfg:4:11: \\x needs hex digits"},
	    {BASE "extra = \"a\\0\"\n", "demo.cfg:4:11: NUL character in a string"},
	    {BASE "extra = \"a\\777\"\n", "demo.cfg:4:11: octal escape above \\377"},
	    {BASE "extra = \"a\\", "demo.cfg:4:11: backslash at the end of a line"},
	    {BASE "extra = \"a\x01\"\n", "demo.cfg:4:11: control character in a string"},
	    {BASE "extra = \"a\\n\"\n", "demo.cfg:4:11: extra: control character in the value"},
	    {BASE "disk = [ 'a,,xvda'\n", "demo.cfg:4:8: disk: unterminated list (no ']')"},
	    {BASE "disk = [ 'a,,xvda',\n\n", "demo.cfg:4:8: disk: unterminated list (no ']')"},
	    {BASE "disk = [ [ 'a' ] ]\n", "demo.cfg:4:10: disk: lists cannot be nested"},
	    {BASE "disk = [ , 'a' ]\n", "demo.cfg:4:10: disk: expected a value: a \"string\", a number or a [list]"},
	    {BASE "\"x\" = 1\n", "demo.cfg:4:1: expected a setting (KEY = VALUE)"},
	    {BASE "memory = 1 # ok\n@\n", "demo.cfg:5:1: expected a setting (KEY = VALUE)"},
	    /* vif */
	    {BASE "vif = [ 'mac=00:16:3e:00:00' ]\n",
	     "demo.cfg:4:28: vif: mac: \"00:16:3e:00:00\" is not of the form xx:xx:xx:xx:xx:xx"},
	    {BASE "vif = [ 'mac=00:16:3e:00:00:0g' ]\n",
	     "demo.cfg:4:30: vif: mac: \"00:16:3e:00:00:0g\" is not of the form xx:xx:xx:xx:xx:xx"},
	    {BASE "vif = [ 'mac=00:16:3e:00:00:011' ]\n",
	     "demo.cfg:4:31: vif: mac: \"00:16:3e:00:00:011\" is not of the form xx:xx:xx:xx:xx:xx"},
	    {BASE "vif = [ 'mac=01:16:3e:00:00:01' ]\n",
	     "demo.cfg:4:14: vif: mac: 01:16:3e:00:00:01 is a multicast address"},
	    {BASE "vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:01' ]\n",
	     "demo.cfg:4:39: vif: mac: 00:16:3e:00:00:01 is already used by vif 0"},
	    {BASE "vif = [ 'bridge' ]\n", "demo.cfg:4:9: vif: expected key=value, not \"bridge\""},
	    {BASE "vif = [ 'vlan=4095' ]\n", "demo.cfg:4:15: vif: vlan: 4095 is out of range (1..4094)"},
	    {BASE "vif = [ 'mtu=10' ]\n", "demo.cfg:4:14: vif: mtu: 10 is out of range (68..65535)"},
	    {BASE "vif = [ 'ip=10.0.0.256' ]\n", "demo.cfg:4:13: vif: ip: \"10.0.0.256\" is not an IPv4 address"},
	    {BASE "vif = [ 'ip=10.0.0.1 10.0.0/8' ]\n", "demo.cfg:4:22: vif: ip: \"10.0.0/8\" is not an IPv4 address"},
	    {BASE "vif = [ 'ip=10.0.0.1/33' ]\n", "demo.cfg:4:13: vif: ip: \"10.0.0.1/33\" is not an IPv4 address"},
	    {BASE "vif = [ 'type=tap' ]\n", "demo.cfg:4:15: vif: type: \"tap\" is neither vif nor ioemu"},
	    {BASE "vif = [ 'bridge=0123456789012345678901234567890123456789' ]\n",
	     "demo.cfg:4:17: vif: bridge: longer than 31 characters"},
	    {BASE "vif = [ '', '', '', '', '', '', '', '', '' ]\n", "demo.cfg:4:41: vif: more than 8 interfaces"},
	    /* disk */
	    {BASE "disk = [ '/a,,xvda,ro,what' ]\n", "demo.cfg:4:23: disk: too many positional parameters at \"what\""},
	    {BASE "disk = [ '/a,qcow2,xvda' ]\n",
	     "demo.cfg:4:14: disk: format qcow2 is not supported: Mica serves raw images only"},
	    {BASE "disk = [ 'qcow2:/a,xvda' ]\n",
	     "demo.cfg:4:10: disk: format qcow2 is not supported: Mica serves raw images only"},
	    {BASE "disk = [ '/a,,xvda,rx' ]\n", "demo.cfg:4:20: disk: access: \"rx\" is neither ro nor rw"},
	    {BASE "disk = [ '/a,,hdc,rw,cdrom' ]\n", "demo.cfg:4:19: disk: a cdrom is read-only"},
	    {BASE "disk = [ '/a' ]\n", "demo.cfg:4:10: disk: no vdev (the device the guest sees, as xvda)"},
	    {BASE "disk = [ 'vdev=xvda' ]\n", "demo.cfg:4:10: disk: no target (the image or device behind xvda)"},
	    {BASE "disk = [ '/a,,floppy' ]\n",
	     "demo.cfg:4:15: disk: vdev: \"floppy\" is not a disk name (xvda, xvdb1, hda, sdc...)"},
	    {BASE "disk = [ '/a,,xvd' ]\n",
	     "demo.cfg:4:15: disk: vdev: \"xvd\" is not a disk name (xvda, xvdb1, hda, sdc...)"},
	    {BASE "disk = [ '/a,,hdc:tape' ]\n", "demo.cfg:4:19: disk: vdev: unknown suffix \"tape\""},
	    {BASE "disk = [ '/a,,xvda', '/b,,xvda' ]\n", "demo.cfg:4:27: disk: vdev xvda is already used by disk 0"},
	    {BASE "disk = [ 'vdev=xvda, vdev=xvdb, target=/a' ]\n", "demo.cfg:4:27: disk: vdev given twice"},
	    {BASE "disk = [ '/a,,xvda,devtype=tape' ]\n",
	     "demo.cfg:4:28: disk: devtype: \"tape\" is neither disk nor cdrom"},
	    {BASE "disk = [ '/a,,xvda', '/a,,xvdb', '/a,,xvdc', '/a,,xvdd', '/a,,xvde', '/a,,xvdf', '/a,,xvdg', "
		  "'/a,,xvdh', '/a,,xvdi' ]\n",
	     "demo.cfg:4:106: disk: more than 8 disks"},
	};

	int bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse(cases[i].text);

		if (r != -EINVAL || strcmp(diag.error, cases[i].error))
			print_error("case %zu: r=%d error \"%s\"\n   expected \"%s\"\n", i, r, diag.error,
				    cases[i].error);
		bad += r != -EINVAL || strcmp(diag.error, cases[i].error);
	}
	assert_int_equal(bad, 0);
}

static void test_limits(void **state)
{
	(void)state;
	size_t big = XLCFG_TEXT_MAX + 1;
	char *text = malloc(big);
	char line[XLCFG_LINE_MAX + 64];

	assert_non_null(text);
	memset(text, '\n', big);
	assert_int_equal(xlcfg_parse(text, big, "big.cfg", &cfg, &diag), -EINVAL);
	assert_string_equal(diag.error, "big.cfg: larger than 65536 bytes");
	free(text);

	snprintf(line, sizeof(line), BASE "extra = \"%0*d\"\n", XLCFG_LINE_MAX, 0);
	assert_int_equal(parse(line), -EINVAL);
	assert_string_equal(diag.error, "demo.cfg:4:2049: line longer than 2048 bytes");

	snprintf(line, sizeof(line), BASE "extra = \"%0*d\"\n", XLCFG_CMDLINE_MAX, 0);
	assert_int_equal(parse(line), -EINVAL);
	assert_string_equal(diag.error, "demo.cfg:4:9: extra: longer than 1023 characters");

	assert_int_equal(xlcfg_parse(BASE "\0x", sizeof(BASE "\0x") - 1, "demo.cfg", &cfg, &diag), -EINVAL);
	assert_string_equal(diag.error, "demo.cfg:4:1: NUL byte in the text");

	snprintf(line, sizeof(line), BASE "%048d = 1\n", 0);
	line[strlen(BASE)] = 'k';
	assert_int_equal(parse(line), -EINVAL);
	assert_string_equal(diag.error, "demo.cfg:4:1: key longer than 47 characters");

	/* root= and extra= together past the command line limit */
	snprintf(line, sizeof(line), BASE "root = \"%0*d\"\nextra = \"%0*d\"\n", 600, 0, 600, 0);
	assert_int_equal(parse(line), -EINVAL);
	assert_string_equal(diag.error, "demo.cfg: root= and extra= make a command line longer than 1023 bytes");

	/* a list of more than XLCFG_LIST_MAX entries */
	strcpy(line, BASE "pci = [");
	for (int i = 0; i <= XLCFG_LIST_MAX; i++)
		strcat(line, "1,");
	strcat(line, "]\n");
	assert_int_equal(parse(line), -EINVAL);
	assert_string_equal(diag.error, "demo.cfg:4:72: pci: more than 32 entries in a list");

	/* a list whose strings together pass XLCFG_VALUE_MAX */
	text = malloc(XLCFG_TEXT_MAX);
	assert_non_null(text);
	strcpy(text, BASE "pci = [\n");
	for (int i = 0; i < 6; i++)
		snprintf(text + strlen(text), XLCFG_TEXT_MAX - strlen(text), "\"%01800d\",\n", 0);
	strcat(text, "]\n");
	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(diag.error, "demo.cfg:9:1: pci: value longer than 8192 bytes");
	free(text);
}

static void test_overrides(void **state)
{
	(void)state;
	assert_int_equal(parse(pvhlinux), 0);
	assert_int_equal(xlcfg_apply_override(&cfg, "memory=256", &diag), 0);
	assert_int_equal(cfg.memory_mib, 256);
	assert_int_equal(cfg.maxmem_mib, 256);
	assert_int_equal(xlcfg_apply_override(&cfg, "name=web2", &diag), 0);
	assert_string_equal(cfg.name, "web2");
	assert_int_equal(xlcfg_apply_override(&cfg, "name=\"quoted\"", &diag), 0);
	assert_string_equal(cfg.name, "quoted");
	assert_int_equal(xlcfg_apply_override(&cfg, "cpus=0-1,^1", &diag), 0);
	assert_int_equal(cfg.cpumask[0], 1);
	assert_int_equal(xlcfg_apply_override(&cfg, "extra=console=hvc0 \"x\"\\", &diag), 0);
	assert_string_equal(cfg.boot_cmdline, "console=hvc0 \"x\"\\");
	assert_int_equal(xlcfg_apply_override(&cfg, "vif=['bridge=br1']; vcpus=2", &diag), 0);
	assert_int_equal(cfg.nr_vifs, 1);
	assert_string_equal(cfg.vifs[0].bridge, "br1");
	assert_int_equal(cfg.vcpus, 2);
	assert_int_equal(cfg.maxvcpus, 2);
	assert_int_equal(xlcfg_apply_override(&cfg, "disk+=['/b,,xvdb']", &diag), 0);
	assert_int_equal(cfg.nr_disks, 2);
	assert_int_equal(diag.nr_warnings, 0);
	/* the on_* actions dom0's restarter acts on */
	assert_int_equal(cfg.on_reboot, XLCFG_ACTION_RESTART); /* xl's default */
	assert_int_equal(xlcfg_apply_override(&cfg, "on_reboot=rename-restart", &diag), 0);
	assert_int_equal(cfg.on_reboot, XLCFG_ACTION_RENAME_RESTART);
	assert_int_equal(xlcfg_apply_override(&cfg, "on_crash=\"preserve\"", &diag), 0);
	assert_int_equal(cfg.on_crash, XLCFG_ACTION_PRESERVE);
	assert_int_equal(xlcfg_apply_override(&cfg, "on_poweroff=coredump-restart", &diag), 0);
	assert_int_equal(cfg.on_poweroff, XLCFG_ACTION_COREDUMP_RESTART);
	assert_int_equal(diag.nr_warnings, 0);
	assert_int_equal(xlcfg_apply_override(&cfg, "colour=blue", &diag), 0);
	{ /* xl create /dev/null KEY=VALUE ...: the settings are the whole config */
		char *only[] = {"name=nul", "kernel=/boot/k.elf", "memory=8", "cmdline=a \"b\"", "vcpus=2"};
		static struct xl_domain_config c2;
		static struct xlcfg_diag d2;

		assert_int_equal(xlcfg_parse_overrides(only, 5, &c2, &d2), 0);
		assert_string_equal(c2.name, "nul");
		assert_string_equal(c2.kernel, "/boot/k.elf");
		assert_int_equal(c2.memory_mib, 8);
		assert_string_equal(c2.boot_cmdline, "a \"b\"");
		assert_int_equal(c2.vcpus, 2);
		assert_int_equal(xlcfg_parse_overrides(only, 1, &c2, &d2), -EINVAL); /* no kernel */
		assert_string_equal(d2.error,
				    "<command line>: kernel is required (Mica boots PVH guests from a kernel image)");
	}
	assert_string_equal(diag.warnings[0].text, "<command line>:1:1: colour: unknown key, ignored");

	assert_int_equal(xlcfg_apply_override(&cfg, "memory=lots", &diag), -EINVAL);
	assert_string_equal(diag.error, "<command line>:1:8: memory: not a number: \"lots\"");
	assert_int_equal(xlcfg_apply_override(&cfg, "memory=", &diag), -EINVAL);
	assert_string_equal(diag.error, "<command line>:1:8: memory: missing value");
	assert_int_equal(xlcfg_apply_override(&cfg, "type=hvm", &diag), -EINVAL);
	assert_int_equal(xlcfg_apply_override(&cfg, "maxmem=100", &diag), -EINVAL);
	assert_string_equal(diag.error, "<command line>: maxmem (100) is below memory (256)");
	assert_int_equal(xlcfg_apply_override(&cfg, "nonsense", &diag), -EINVAL);
	assert_string_equal(diag.error, "<command line>:1:9: nonsense: expected '=' after the key");
}

static void check_roundtrip(const char *text)
{
	static struct xl_domain_config again;
	static char out[16384];
	int n;

	assert_int_equal(parse(text), 0);
	n = xlcfg_format(&cfg, out, sizeof(out));
	assert_true(n > 0 && (size_t)n < sizeof(out));
	assert_int_equal(xlcfg_parse(out, (size_t)n, "formatted", &again, &diag), 0);
	again.given = cfg.given = 0;
	assert_memory_equal(&cfg, &again, sizeof(cfg));
}

static void test_format_roundtrip(void **state)
{
	(void)state;
	static char out[16384];
	char small[16];
	int n;

	check_roundtrip(pvhlinux);
	check_roundtrip(
	    "name='db1'\nkernel='/k \"q\" \\\\ '\nmemory=300\nmaxmem=600\nvcpus=2\nmaxvcpus=4\n"
	    "cpus=\"0-3,7,9-11,^2,255\"\ncpu_weight=7\ncap=50\nramdisk='/i'\ncmdline=''\nroot='/dev/xvda'\n"
	    "extra='quiet'\non_poweroff='preserve'\non_watchdog='restart'\non_soft_reset='destroy'\n"
	    "uuid='06ed00fe-1162-4fc4-b5d8-11993ee4a8b9'\n"
	    "vif=['mac=00:16:3e:01:02:03,bridge=br0,ip=10.0.0.1 10.0.0.2/8,vlan=5,mtu=1500,model=e1000,"
	    "vifname=v,backend=d0,type=ioemu,rate=1Mb/s', '']\n"
	    "disk=['/a.img,,xvda', 'vdev=xvdb, target=/b c,d\"e', '/c,,hdc,cdrom,backend=dom0', ',,hdd,cdrom']\n");
	assert_int_equal(parse(pvhlinux), 0);
	n = xlcfg_format(&cfg, out, sizeof(out));
	assert_string_equal(out, "name = \"example.pvhlinux\"\n"
				 "type = \"pvh\"\n"
				 "memory = 512\n"
				 "vcpus = 4\n"
				 "kernel = \"/boot/vmlinuz\"\n"
				 "extra = \"root=/dev/xvda1\"\n"
				 "on_poweroff = \"destroy\"\n"
				 "on_reboot = \"restart\"\n"
				 "on_crash = \"destroy\"\n"
				 "vif = [ \"\" ]\n"
				 "disk = [ \"format=raw, vdev=xvda, access=rw, target=/dev/vg/guest-volume\" ]\n");
	/* truncation: snprintf-like */
	assert_int_equal(xlcfg_format(&cfg, small, sizeof(small)), n);
	assert_string_equal(small, "name = \"example");
	assert_int_equal(xlcfg_format(&cfg, NULL, 0), n);
}

/* A valid file cut at every length: errors or success, never a crash or an out-of-bounds read (ASan). */
static void test_truncation(void **state)
{
	(void)state;
	const char *full =
	    "name = \"trunc\" # c\nkernel = '/k\\x41'\nmemory = 0x80; vcpus = 2\ncpus = \"0-3,^1\"\n"
	    "uuid = \"06ed00fe-1162-4fc4-b5d8-11993ee4a8b9\"\n"
	    "vif = [ 'mac=00:16:3e:00:00:01, bridge=br0, ip=10.0.0.5',\n  '' , ]\n"
	    "disk = [ 'file:/images/a.img,xvda,w',\n 'format=raw, vdev=xvdb, access=ro, target=/dev/sda' ]\n"
	    "root = \"/dev/xvda1\"\nextra = \"console=hvc0\"\non_crash = 'preserve'\n";
	size_t len = strlen(full);
	char *copy;

	assert_int_equal(parse(full), 0);
	for (size_t n = 0; n <= len; n++) {
		copy = malloc(n ? n : 1); /* exactly n bytes: ASan catches any read past them */
		assert_non_null(copy);
		memcpy(copy, full, n);
		int r = xlcfg_parse(copy, n, "cut.cfg", &cfg, &diag);
		assert_true(r == 0 || r == -EINVAL);
		assert_true(r == 0 ? diag.error[0] == '\0' : !strncmp(diag.error, "cut.cfg:", 8));
		free(copy);
	}
	/* and with each byte replaced by characters that matter to the lexer */
	static const char bytes[] = "\"'[],;=#\\\n\t x0";
	copy = malloc(len);
	assert_non_null(copy);
	for (size_t n = 0; n < len; n++) {
		for (const char *b = bytes; *b; b++) {
			memcpy(copy, full, len);
			copy[n] = *b;
			int r = xlcfg_parse(copy, len, "mut.cfg", &cfg, &diag);
			assert_true(r == 0 || r == -EINVAL);
		}
	}
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pvhlinux_example),
	    cmocka_unit_test(test_full_config),
	    cmocka_unit_test(test_cmdline_composition),
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_whitespace_and_separators),
	    cmocka_unit_test(test_lists_across_lines),
	    cmocka_unit_test(test_append_lists),
	    cmocka_unit_test(test_disk_forms),
	    cmocka_unit_test(test_vif),
	    cmocka_unit_test(test_cpus),
	    cmocka_unit_test(test_unknown_and_ignored_keys),
	    cmocka_unit_test(test_type_and_builder),
	    cmocka_unit_test(test_warning_overflow),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_overrides),
	    cmocka_unit_test(test_format_roundtrip),
	    cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
