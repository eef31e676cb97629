/*
 * The system calls newlib needs (built with --disable-newlib-supplied-syscalls): the console
 * is file descriptors 0-2, time is pvclock, sleeping is a thread sleep, exit is a shutdown.
 * There is no file system: everything else fails with a proper errno. sbrk is in mm.c.
 */
#include <pv/arch.h>
#include <pv/console.h>
#include <pv/hypercall.h>
#include <pv/sched.h>
#include <pv/setup.h>
#include <pv/time.h>

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#undef errno
extern int errno;

int write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, len);
	return (int)len;
}

int read(int fd, void *buf, size_t len)
{
	if (fd != 0) {
		errno = EBADF;
		return -1;
	}
	return len ? (int)console_read(buf, len) : 0;
}

int open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	errno = ENOENT;
	return -1;
}

int close(int fd)
{
	return fd >= 0 && fd <= 2 ? 0 : (errno = EBADF, -1);
}

int fstat(int fd, struct stat *st)
{
	if (fd < 0 || fd > 2) {
		errno = EBADF;
		return -1;
	}
	*st = (struct stat){.st_mode = S_IFCHR};
	return 0;
}

int isatty(int fd)
{
	return fd >= 0 && fd <= 2;
}

off_t lseek(int fd, off_t off, int whence)
{
	(void)fd;
	(void)off;
	(void)whence;
	errno = ESPIPE;
	return -1;
}

int getpid(void)
{
	return 1;
}

int kill(int pid, int sig)
{
	(void)pid;
	(void)sig;
	errno = EINVAL;
	return -1;
}

int unlink(const char *path)
{
	(void)path;
	errno = ENOENT;
	return -1;
}

int link(const char *a, const char *b)
{
	(void)a;
	(void)b;
	errno = EMLINK;
	return -1;
}

int stat(const char *path, struct stat *st)
{
	(void)path;
	(void)st;
	errno = ENOENT;
	return -1;
}

clock_t times(struct tms *t)
{
	clock_t ticks = (clock_t)(NOW() / (1000000000 / CLOCKS_PER_SEC));

	if (t)
		*t = (struct tms){.tms_utime = ticks};
	return ticks;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	int64_t sec;
	long nsec;

	(void)tz;
	wall_time(&sec, &nsec);
	tv->tv_sec = (time_t)sec;
	tv->tv_usec = nsec / 1000;
	return 0;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (clk == CLOCK_REALTIME) {
		int64_t sec;
		long nsec;

		wall_time(&sec, &nsec);
		ts->tv_sec = (time_t)sec;
		ts->tv_nsec = nsec;
		return 0;
	}
	if (clk == CLOCK_MONOTONIC) {
		s_time_t now = NOW();

		ts->tv_sec = (time_t)(now / 1000000000);
		ts->tv_nsec = (long)(now % 1000000000);
		return 0;
	}
	errno = EINVAL;
	return -1;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000) {
		errno = EINVAL;
		return -1;
	}
	sleep_until(NOW() + SECONDS(req->tv_sec) + req->tv_nsec);
	if (rem)
		*rem = (struct timespec){0};
	return 0;
}

unsigned int sleep(unsigned int s)
{
	sleep_until(NOW() + SECONDS(s));
	return 0;
}

int usleep(useconds_t us)
{
	sleep_until(NOW() + USEC(us));
	return 0;
}

void _exit(int status)
{
	fflush(stdout);
	printk("pv-guest: exit(%d)\n", status);
	kernel_poweroff();
}
