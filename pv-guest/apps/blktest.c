/*
 * Block device self-test (app "blktest") and the shell's "blk" command, both over
 * pv/blkfront.h. blktest overwrites the sectors it tests.
 */
#include <pv/apps.h>
#include <pv/blkfront.h>
#include <pv/time.h>
#include <pv/xenbus.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLKTEST_SECTORS 256 /* tested by default, from sector 0 on */
#define BLK_CMD_MAX_READ 16 /* sectors "blk read" dumps at most */

/* ---- blktest ---- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* Sector s's contents for a run: its number and the seed, then bytes derived from both. */
static void pattern(uint8_t *p, uint64_t s, uint64_t seed, size_t ss)
{
	memcpy(p, &s, 8);
	memcpy(p + 8, &seed, 8);
	for (size_t i = 16; i < ss; i += 8) {
		uint64_t v = mix(seed ^ (s << 20) ^ i);

		memcpy(p + i, &v, MIN(8, ss - i));
	}
}

static void pattern_range(uint8_t *p, uint64_t first, size_t count, uint64_t seed, size_t ss)
{
	for (size_t i = 0; i < count; i++)
		pattern(p + i * ss, first + i, seed, ss);
}

/* 0, or prints which sector differs and returns -1. */
static int verify(const char *what, const uint8_t *got, uint64_t first, size_t count, uint64_t seed, size_t ss)
{
	uint8_t want[4096];

	for (size_t i = 0; i < count; i++) {
		pattern(want, first + i, seed, ss);
		if (memcmp(got + i * ss, want, ss)) {
			printf("blktest: FAILED: %s: sector %" PRIu64 " read back differs\n", what, first + i);
			return -1;
		}
	}
	return 0;
}

static int report(const char *what, int err)
{
	if (err)
		printf("blktest: FAILED: %s: %s (%d)\n", what, strerror(-err), err);
	return err ? -1 : 0;
}

/* Write, flush, read back: one run over [first, first + count) from buf (count sectors big). */
static int blktest_run(struct blkdev *dev, uint64_t first, size_t count, uint64_t seed, uint8_t *buf, size_t ss)
{
	int err;

	pattern_range(buf, first, count, seed, ss);
	if (report("write", blk_write(dev, first, buf, count)))
		return -1;
	err = blk_flush(dev);
	if (err == -EOPNOTSUPP)
		printf("blktest: the backend offers no flush\n");
	else if (report("flush", err))
		return -1;
	memset(buf, 0, count * ss);
	if (report("read", blk_read(dev, first, buf, count)))
		return -1;
	return verify("whole range", buf, first, count, seed, ss);
}

/* A buffer at an odd address, so that sectors straddle page boundaries in memory. */
static int blktest_unaligned(struct blkdev *dev, uint64_t first, size_t count, uint64_t seed, size_t ss)
{
	uint8_t *raw = malloc(2 * (count * ss + 2 * PAGE_SIZE));
	uint8_t *out, *in;
	int rc = -1;

	if (!raw)
		return report("unaligned buffer", -ENOMEM);
	out = (uint8_t *)(((uintptr_t)raw + PAGE_SIZE) & PAGE_MASK) - 3;
	in = out + count * ss + PAGE_SIZE + 5;
	pattern_range(out, first, count, seed, ss);
	memset(in, 0, count * ss);
	if (!report("unaligned write", blk_write(dev, first, out, count)) &&
	    !report("unaligned read", blk_read(dev, first, in, count)))
		rc = verify("unaligned buffer", in, first, count, seed, ss);
	free(raw);
	return rc;
}

static int blktest_read_only(struct blkdev *dev, uint64_t first, size_t count, uint8_t *buf)
{
	int err = blk_read(dev, first, buf, count);

	if (report("read", err))
		return -1;
	err = blk_write(dev, first, buf, 1);
	if (err != -EROFS) {
		printf("blktest: FAILED: a write to the read-only disk returned %d\n", err);
		return -1;
	}
	printf("blktest: read-only disk: %zu sectors read OK, writes refused\n", count);
	return 0;
}

static int blktest(struct blkdev *dev, uint64_t first, size_t count)
{
	struct blk_info info;
	uint64_t seed = mix((uint64_t)NOW());
	size_t ss, per_req;
	uint8_t *buf;
	int rc;

	blk_info(dev, &info);
	ss = info.sector_size;
	per_req = 11 * (PAGE_SIZE / ss);
	printf("blktest: vbd %s: %" PRIu64 " sectors of %zu bytes%s%s, seed %016" PRIx64 "\n", info.id, info.sectors,
	       ss, info.read_only ? ", read-only" : "", info.flush ? ", flush" : "", seed);
	if (first >= info.sectors)
		count = 0;
	count = MIN(count, info.sectors - MIN(first, info.sectors));
	if (!count) {
		printf("blktest: FAILED: no sectors to test from %" PRIu64 "\n", first);
		return -1;
	}
	buf = malloc(count * ss);
	if (!buf)
		return report("buffer", -ENOMEM);
	if (info.read_only) {
		rc = blktest_read_only(dev, first, count, buf);
		free(buf);
		return rc;
	}
	rc = blktest_run(dev, first, count, seed, buf, ss);
	/* One request's worth of segments, then one more sector: a full request and a second one. */
	if (!rc)
		rc = blktest_run(dev, first, MIN(count, per_req + 1), seed + 1, buf, ss);
	if (!rc)
		rc = blktest_unaligned(dev, first, MIN(count, 2 * (PAGE_SIZE / ss) + 1), seed + 2, ss);
	if (!rc && blk_read(dev, info.sectors, buf, 1) != -EINVAL) {
		printf("blktest: FAILED: a read past the end was not refused\n");
		rc = -1;
	}
	if (!rc)
		printf("blktest: %zu sectors written and read back OK\n", count);
	free(buf);
	return rc;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return *end || errno ? -EINVAL : 0;
}

/* blktest [vbd|-] [first-sector [count]] */
int app_blktest(int argc, char **argv)
{
	const char *id = argc > 1 && strcmp(argv[1], "-") ? argv[1] : NULL;
	uint64_t first = 0, count = BLKTEST_SECTORS;
	struct blkdev *dev;
	int rc;

	if ((argc > 2 && parse_u64(argv[2], &first)) || (argc > 3 && parse_u64(argv[3], &count))) {
		printf("usage: blktest [vbd|-] [first-sector [count]]\n");
		return 2;
	}
	if (xenbus_available())
		xenbus_wait_exists("device/vbd", NOW() + SECONDS(10)); /* dom0 may still be writing it */
	dev = blk_open(id);
	if (!dev) {
		printf("blktest: FAILED: no block device %s: %s\n", id ? id : "(first vbd)", strerror(errno));
		return 1;
	}
	rc = blktest(dev, first, count > SIZE_MAX / 4096 ? SIZE_MAX / 4096 : (size_t)count);
	blk_close(dev);
	return rc ? 1 : 0;
}

/* ---- the shell's blk command ---- */

static struct blkdev *blk_shell_dev;

static struct blkdev *blk_shell_open(const char *id)
{
	if (!blk_shell_dev) {
		if (xenbus_available())
			xenbus_wait_exists("device/vbd", NOW() + SECONDS(10)); /* dom0 may still be writing it */
		blk_shell_dev = blk_open(id);
		if (!blk_shell_dev)
			printf("blk: no block device: %s\n", strerror(errno));
	}
	return blk_shell_dev;
}

static void hexdump(const uint8_t *p, size_t n, uint64_t base)
{
	for (size_t off = 0; off < n; off += 16) {
		printf("%08" PRIx64 " ", base + off);
		for (size_t i = 0; i < 16; i++)
			printf(" %02x", p[off + i]);
		printf("  |");
		for (size_t i = 0; i < 16; i++)
			putchar(isprint(p[off + i]) ? p[off + i] : '.');
		printf("|\n");
	}
}

static int blk_cmd_info(struct blkdev *dev)
{
	struct blk_info in;

	blk_info(dev, &in);
	printf("vbd %s: %" PRIu64 " sectors of %u bytes (%" PRIu64 " MiB), physical sector %u\n", in.id, in.sectors,
	       in.sector_size, in.sectors * in.sector_size >> 20, in.physical_sector_size);
	printf("  %s, flush: %s\n", in.read_only ? "read-only" : "read-write",
	       in.flush_cache ? "cache flush"
	       : in.barrier   ? "barrier"
			      : "none");
	return 0;
}

static int blk_cmd_read(struct blkdev *dev, int argc, char **argv)
{
	struct blk_info in;
	uint64_t sector, count = 1;
	uint8_t *buf;
	int err;

	if (argc < 3 || parse_u64(argv[2], &sector) || (argc > 3 && parse_u64(argv[3], &count)) || !count ||
	    count > BLK_CMD_MAX_READ) {
		printf("usage: blk read <sector> [count <= %d]\n", BLK_CMD_MAX_READ);
		return 1;
	}
	blk_info(dev, &in);
	buf = malloc(count * in.sector_size);
	if (!buf)
		return 1;
	err = blk_read(dev, sector, buf, count);
	if (err)
		printf("blk: read: %s (%d)\n", strerror(-err), err);
	else
		hexdump(buf, count * in.sector_size, sector * in.sector_size);
	free(buf);
	return err ? 1 : 0;
}

/* The words after the sector, joined by spaces, zero-padded to whole sectors. */
static int blk_cmd_write(struct blkdev *dev, int argc, char **argv)
{
	struct blk_info in;
	uint64_t sector;
	size_t len = 0, count;
	uint8_t *buf;
	int err;

	if (argc < 4 || parse_u64(argv[2], &sector)) {
		printf("usage: blk write <sector> <text>\n");
		return 1;
	}
	for (int i = 3; i < argc; i++)
		len += strlen(argv[i]) + 1;
	blk_info(dev, &in);
	count = (len + in.sector_size - 1) / in.sector_size;
	buf = calloc(count, in.sector_size);
	if (!buf)
		return 1;
	for (int i = 3, off = 0; i < argc; i++) {
		off += sprintf((char *)buf + off, "%s%s", i > 3 ? " " : "", argv[i]);
	}
	err = blk_write(dev, sector, buf, count);
	if (err)
		printf("blk: write: %s (%d)\n", strerror(-err), err);
	else
		printf("blk: %zu bytes written to sector %" PRIu64 "\n", len - 1, sector);
	free(buf);
	return err ? 1 : 0;
}

/* The hot-plug thread's vbds (drivers/hotplug.c; absent from the host tests' build). */
extern struct blkdev *hotplug_blk_get(const char *id) __attribute__((weak));
extern void hotplug_blk_put(struct blkdev *dev) __attribute__((weak));

static int blk_cmd_on(struct blkdev *dev, int argc, char **argv);

int blk_cmd(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	struct blkdev *dev;
	int err;

	if (!strcmp(sub, "-d")) { /* blk -d <vbd> info|read|write|flush: a hot-plugged disk */
		if (argc < 4 || (strcmp(argv[3], "info") && strcmp(argv[3], "read") && strcmp(argv[3], "write") &&
				 strcmp(argv[3], "flush"))) {
			printf("usage: blk -d <vbd> info | read <sector> [count] | write <sector> <text> | flush\n");
			return 1;
		}
		dev = hotplug_blk_get ? hotplug_blk_get(argv[2]) : NULL;
		if (!dev) {
			printf("blk: no hot-plugged vbd %s (the hotplug command lists them)\n", argv[2]);
			return 1;
		}
		err = blk_cmd_on(dev, argc - 2, argv + 2);
		hotplug_blk_put(dev);
		return err;
	}

	if (!strcmp(sub, "close")) {
		blk_close(blk_shell_dev);
		blk_shell_dev = NULL;
		return 0;
	}
	if (!strcmp(sub, "open")) {
		blk_close(blk_shell_dev);
		blk_shell_dev = NULL;
		return blk_shell_open(argc > 2 ? argv[2] : NULL) ? blk_cmd_info(blk_shell_dev) : 1;
	}
	if (strcmp(sub, "info") && strcmp(sub, "read") && strcmp(sub, "write") && strcmp(sub, "flush")) {
		printf(
		    "usage: blk info | read <sector> [count] | write <sector> <text> | flush | open [vbd] | close\n");
		return 1;
	}
	dev = blk_shell_open(NULL);
	if (!dev)
		return 1;
	return blk_cmd_on(dev, argc, argv);
}

/* info, read, write or flush (argv[1]) on dev. */
static int blk_cmd_on(struct blkdev *dev, int argc, char **argv)
{
	const char *sub = argv[1];
	int err;

	if (!strcmp(sub, "info"))
		return blk_cmd_info(dev);
	if (!strcmp(sub, "read"))
		return blk_cmd_read(dev, argc, argv);
	if (!strcmp(sub, "write"))
		return blk_cmd_write(dev, argc, argv);
	err = blk_flush(dev);
	if (err)
		printf("blk: flush: %s (%d)\n", strerror(-err), err);
	return err ? 1 : 0;
}
