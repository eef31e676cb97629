/* Unit tests for a config's devices at create (dom0-tools/xlcfg/xlcfg_devices.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xlcfg/xlcfg_devices.h"

static struct xl_domain_config cfg;
static struct xlcfg_diag diag;
static unsigned int vdevs[XLCFG_MAX_DISKS];
static char err[256];

#define BASE "name = \"m\"\nkernel = \"/boot/pv-guest.elf\"\n"

/* Parses BASE + devices, then checks them (at most 4 vifs and 4 disks). */
static int check(const char *devices)
{
	char text[1024];

	snprintf(text, sizeof(text), BASE "%s", devices);
	if (xlcfg_parse(text, strlen(text), "m.cfg", &cfg, &diag))
		fail_msg("%s", diag.error);
	memset(vdevs, 0, sizeof(vdevs));
	return xlcfg_check_devices(&cfg, 4, 4, vdevs, err, sizeof(err));
}

static void test_vdev_numbers(void **state)
{
	(void)state;
	assert_int_equal(xlcfg_vdev_number("xvda"), 768);
	assert_int_equal(xlcfg_vdev_number("xvdb"), 51728);
	assert_int_equal(xlcfg_vdev_number("xvdc"), 51744);
	assert_int_equal(xlcfg_vdev_number("xvdp"), 51728 + 14 * 16);
	assert_int_equal(xlcfg_vdev_number("51728"), 51728);
	assert_int_equal(xlcfg_vdev_number("xvdq"), 0);
	assert_int_equal(xlcfg_vdev_number("xvda1"), 0);
	assert_int_equal(xlcfg_vdev_number("hda"), 0);
	assert_int_equal(xlcfg_vdev_number("0"), 0);
	assert_int_equal(xlcfg_vdev_number(""), 0);
	assert_int_equal(xlcfg_vdev_number("268435456"), 0); /* 1 << 28 */
}

static void test_several(void **state)
{
	(void)state;
	assert_int_equal(check("vif = [\"bridge=br0\", \"bridge=br0,vlan=7\"]\n"
			       "disk = [\"ram:8,raw,xvda,w\", \"ram:4,raw,xvdb,w\", \"ram:4,raw,xvdd,r\"]\n"),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(vdevs[0], 768);
	assert_int_equal(vdevs[1], 51728);
	assert_int_equal(vdevs[2], 51760);
	/* No xvda at all: every disk goes through the attach path. */
	assert_int_equal(check("disk = [\"ram:4,raw,xvdc,w\"]\n"), 0);
	assert_int_equal(vdevs[0], 51744);
	/* None: nothing to check. */
	assert_int_equal(check(""), 0);
}

static void test_limits(void **state)
{
	(void)state;
	assert_int_equal(check("vif = [\"\", \"\", \"\", \"\", \"\"]\n"), -E2BIG);
	assert_string_equal(err, "5 vifs and 0 disks: at most 4 vifs and 4 disks per domain");
	assert_int_equal(check("disk = [\"ram:1,raw,xvda,w\", \"ram:1,raw,xvdb,w\", \"ram:1,raw,xvdc,w\", "
			       "\"ram:1,raw,xvdd,w\", \"ram:1,raw,xvde,w\"]\n"),
			 -E2BIG);
	assert_int_equal(check("vif = [\"\", \"\", \"\", \"\"]\n"), 0);
}

static void test_bad_disks(void **state)
{
	(void)state;
	/* The parser refuses a name given twice; the number of a name is refused too. */
	assert_int_equal(check("disk = [\"ram:8,raw,xvdb,w\", \"ram:4,raw,51728,w\"]\n"), -EINVAL);
	assert_string_equal(err, "disk 51728: vdev 51728 is xvdb's already");
	assert_int_equal(check("disk = [\"ram:8,raw,768,w\", \"ram:4,raw,xvda,w\"]\n"), -EINVAL);
	assert_int_equal(check("disk = [\"ram:8,raw,xvda,w\", \"ram:4,raw,hdc,w\"]\n"), -EINVAL);
	assert_string_equal(err, "disk ram:4: vdev hdc: xvda .. xvdp are served");
	assert_int_equal(check("disk = [\"ram:8,raw,xvda,w\", \",raw,xvdc,r,devtype=cdrom\"]\n"), -EOPNOTSUPP);
	/* One image twice: refused unless both are read-only; RAM disks are each their own. */
	assert_int_equal(check("disk = [\"/images/a.img,raw,xvda,w\", \"/images/a.img,raw,xvdb,r\"]\n"), -EINVAL);
	assert_string_equal(err, "disk xvdb: /images/a.img is xvda's already (only read-only disks share)");
	assert_int_equal(check("disk = [\"/images/a.img,raw,xvda,r\", \"/images/a.img,raw,xvdb,r\"]\n"), 0);
	assert_int_equal(check("disk = [\"ram:4,raw,xvda,w\", \"ram:4,raw,xvdb,w\"]\n"), 0);
}

static void test_bad_vifs(void **state)
{
	(void)state;
	/* The parser refuses a MAC given twice; a config put together otherwise is checked too. */
	assert_int_equal(check("vif = [\"mac=00:16:3e:00:00:01\", \"mac=00:16:3e:00:00:02\"]\n"), 0);
	cfg.vifs[1].mac[5] = 1;
	assert_int_equal(xlcfg_check_devices(&cfg, 4, 4, vdevs, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vif 1: the MAC of vif 0 again");
	cfg.vifs[1].mac[0] = 1;
	assert_int_equal(xlcfg_check_devices(&cfg, 4, 4, vdevs, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vif 1: a multicast MAC cannot be a vif's");
	assert_int_equal(check("vif = [\"\", \"backend=d2\"]\n"), -EINVAL);
	assert_string_equal(err, "vif 1: backend=d2: dom0 is the only network backend");
	assert_int_equal(check("vif = [\"mac=00:16:3e:00:00:01\", \"mac=00:16:3e:00:00:02\", \"backend=dom0\"]\n"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vdev_numbers), cmocka_unit_test(test_several),  cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_bad_disks),    cmocka_unit_test(test_bad_vifs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
