/*
 * build/host/micafs: makes and reads micafs disks on the host (docs/micafs.md), for tests and
 * for dom0's disk in `make run`.
 */
#define _GNU_SOURCE
#include "micafs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int file_read(struct blkdev *d, uint64_t sector, void *buf, unsigned int count)
{
	ssize_t n = pread((int)(intptr_t)d->priv, buf, (size_t)count * 512, (off_t)(sector * 512));

	return n == (ssize_t)count * 512 ? 0 : -EIO;
}

static int file_write(struct blkdev *d, uint64_t sector, const void *buf, unsigned int count)
{
	ssize_t n = pwrite((int)(intptr_t)d->priv, buf, (size_t)count * 512, (off_t)(sector * 512));

	return n == (ssize_t)count * 512 ? 0 : -EIO;
}

static int file_flush(struct blkdev *d)
{
	return fsync((int)(intptr_t)d->priv) ? -EIO : 0;
}

static int open_disk(const char *path, bool create, uint64_t size, struct blkdev *d)
{
	int fd = open(path, create ? O_RDWR | O_CREAT : O_RDWR, 0644);
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "micafs: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (create && ftruncate(fd, (off_t)size)) {
		fprintf(stderr, "micafs: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "file");
	d->sectors = (create ? size : (uint64_t)st.st_size) / 512;
	d->max_sectors = 2048;
	d->read = file_read;
	d->write = file_write;
	d->flush = file_flush;
	d->priv = (void *)(intptr_t)fd;
	return 0;
}

/* "64M", "1G", "4096", "8K": bytes. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'K':
	case 'k':
		v <<= 10;
		end++;
		break;
	case 'M':
	case 'm':
		v <<= 20;
		end++;
		break;
	case 'G':
	case 'g':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end || !v)
		return -1;
	*out = v;
	return 0;
}

static int mount_disk(const char *disk, struct blkdev *d, struct micafs **fs)
{
	char err[160];
	int rc;

	if (open_disk(disk, false, 0, d))
		return -1;
	rc = micafs_mount(d, fs, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "micafs: %s: %s (%d)\n", disk, err[0] ? err : strerror(-rc), rc);
		close((int)(intptr_t)d->priv);
		return -1;
	}
	return 0;
}

static int done(struct micafs *fs, struct blkdev *d, int rc)
{
	int urc = micafs_unmount(fs);

	close((int)(intptr_t)d->priv);
	if (!rc && urc)
		fprintf(stderr, "micafs: writing back: %s\n", strerror(-urc));
	return rc || urc ? 1 : 0;
}

static int print_one(const struct micafs_stat *st, void *arg)
{
	printf("%-40s %12llu %12llu\n", st->name, (unsigned long long)st->size, (unsigned long long)st->used);
	return 0;
}

static int put(struct micafs *fs, const char *path, const char *host)
{
	FILE *f = fopen(host, "rb");
	static uint8_t buf[1 << 20];
	uint64_t size, off = 0;
	struct stat st;
	int ino, rc = 0;

	if (!f || fstat(fileno(f), &st)) {
		fprintf(stderr, "micafs: %s: %s\n", host, strerror(errno));
		return -1;
	}
	size = ((uint64_t)st.st_size + 511) / 512 * 512;
	ino = micafs_lookup(fs, path);
	if (ino < 0)
		ino = micafs_create(fs, path, size);
	else if ((rc = micafs_truncate(fs, (unsigned int)ino, 0)) == 0)
		rc = micafs_truncate(fs, (unsigned int)ino, size);
	if (ino < 0 || rc) {
		fprintf(stderr, "micafs: %s: %s\n", path, strerror(-(ino < 0 ? ino : rc)));
		fclose(f);
		return -1;
	}
	for (;;) {
		size_t n = fread(buf, 1, sizeof(buf), f);

		if (!n)
			break;
		/* Whole sectors; the last one zero-padded. Zero blocks stay holes. */
		if (n % 512)
			memset(buf + n, 0, 512 - n % 512);
		n = (n + 511) / 512 * 512;
		for (size_t k = 0; k < n && !rc; k += MICAFS_BLOCK) {
			size_t len = n - k < MICAFS_BLOCK ? n - k : MICAFS_BLOCK;
			bool zero = true;

			for (size_t i = 0; i < len && zero; i++)
				zero = !buf[k + i];
			if (!zero)
				rc = micafs_write(fs, (unsigned int)ino, off + k, buf + k, len, false);
		}
		off += n;
		if (rc)
			break;
	}
	fclose(f);
	if (rc)
		fprintf(stderr, "micafs: writing %s: %s\n", path, strerror(-rc));
	return rc ? -1 : 0;
}

static int get(struct micafs *fs, const char *path, const char *host)
{
	static uint8_t buf[1 << 20];
	struct micafs_stat st;
	int ino = micafs_lookup(fs, path), rc = 0;
	FILE *f;

	if (ino < 0 || micafs_stat(fs, (unsigned int)ino, &st)) {
		fprintf(stderr, "micafs: %s: no such image\n", path);
		return -1;
	}
	f = fopen(host, "wb");
	if (!f) {
		fprintf(stderr, "micafs: %s: %s\n", host, strerror(errno));
		return -1;
	}
	for (uint64_t off = 0; off < st.size && !rc; off += sizeof(buf)) {
		size_t n = st.size - off < sizeof(buf) ? (size_t)(st.size - off) : sizeof(buf);

		rc = micafs_read(fs, (unsigned int)ino, off, buf, n);
		if (!rc && fwrite(buf, 1, n, f) != n)
			rc = -EIO;
	}
	if (fclose(f) && !rc)
		rc = -EIO;
	if (rc)
		fprintf(stderr, "micafs: reading %s: %s\n", path, strerror(-rc));
	return rc ? -1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: micafs mkfs DISK SIZE [FILES] | create DISK PATH SIZE | put DISK PATH HOSTFILE\n"
			"       | get DISK PATH HOSTFILE | rm DISK PATH | ls DISK | check DISK\n"
			"SIZE: bytes, or with K, M, G; image sizes are whole 512-byte sectors\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct blkdev d;
	struct micafs *fs;
	uint64_t size;
	int rc = 0;

	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "mkfs") && (argc == 4 || argc == 5)) {
		unsigned long files = argc == 5 ? strtoul(argv[4], NULL, 10) : 256;

		if (parse_size(argv[3], &size) || size % MICAFS_BLOCK || !files || files > MICAFS_MAX_FILES)
			return usage();
		if (open_disk(argv[2], true, size, &d))
			return 1;
		rc = micafs_mkfs(&d, 0, (unsigned int)files);
		close((int)(intptr_t)d.priv);
		if (rc)
			fprintf(stderr, "micafs: mkfs %s: %s\n", argv[2], strerror(-rc));
		return rc ? 1 : 0;
	}
	if (!strcmp(argv[1], "check") && argc == 3) {
		char msg[200];

		if (open_disk(argv[2], false, 0, &d))
			return 1;
		rc = micafs_check(&d, msg, sizeof(msg));
		close((int)(intptr_t)d.priv);
		printf("%s: %s%s\n", argv[2], rc < 0 ? "BAD: " : "", msg);
		return rc ? 1 : 0;
	}
	if (!((!strcmp(argv[1], "ls") && argc == 3) || (!strcmp(argv[1], "rm") && argc == 4) ||
	      (argc == 5 && (!strcmp(argv[1], "create") || !strcmp(argv[1], "put") || !strcmp(argv[1], "get")))))
		return usage();
	if (!strcmp(argv[1], "create") && parse_size(argv[4], &size))
		return usage();
	if (mount_disk(argv[2], &d, &fs))
		return 1;
	if (!strcmp(argv[1], "ls")) {
		struct micafs_info info;

		micafs_info(fs, &info);
		printf("%-40s %12s %12s\n", "NAME", "SIZE", "USED");
		micafs_list(fs, print_one, NULL);
		printf("%u files; %llu of %llu blocks of %u bytes free\n", info.files,
		       (unsigned long long)info.free_blocks, (unsigned long long)info.blocks, MICAFS_BLOCK);
	} else if (!strcmp(argv[1], "create")) {
		rc = micafs_create(fs, argv[3], size);
		if (rc < 0)
			fprintf(stderr, "micafs: create %s: %s\n", argv[3],
				rc == -EINVAL ? "bad name or size (a whole number of sectors, at most ~3.9 GiB)"
					      : strerror(-rc));
		rc = rc < 0 ? -1 : 0;
	} else if (!strcmp(argv[1], "rm")) {
		rc = micafs_remove(fs, argv[3]);
		if (rc)
			fprintf(stderr, "micafs: rm %s: %s\n", argv[3], strerror(-rc));
	} else if (!strcmp(argv[1], "put")) {
		rc = put(fs, argv[3], argv[4]);
	} else {
		rc = get(fs, argv[3], argv[4]);
	}
	return done(fs, &d, rc);
}
