/*
 * hello: the smallest end-to-end check of the kernel, also what runs on Xen to prove the ABI:
 * the banner (printed by the kernel), uptime, wall-clock time, two threads sleeping on timers
 * and a wait queue, malloc, libm, then poweroff.
 */
#include <pv/apps.h>
#include <pv/mm.h>
#include <pv/sched.h>
#include <pv/setup.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct wait_queue done_wq = WAIT_QUEUE_INIT;
static volatile int order[4], norder;

static void sleeper(void *arg)
{
	unsigned int ms = (unsigned int)(uintptr_t)arg;

	msleep(ms);
	order[norder++] = (int)ms;
	wake_up(&done_wq);
}

int app_hello(int argc, char **argv)
{
	struct timespec mono, wall;
	s_time_t t0;
	char date[64];

	(void)argc;
	(void)argv;
	printf("hello from pv-guest on %s\n", hypervisor_name);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", gmtime(&wall.tv_sec));
	printf("uptime: %lld.%03ld s since boot, %.3f ms in this kernel; date %s\n", (long long)mono.tv_sec,
	       mono.tv_nsec / 1000000, (double)(NOW() - boot_time()) / 1e6, date);

	/* Two threads sleep 30 and 10 ms: the shorter wakes first, and both wake. */
	t0 = NOW();
	if (!create_thread("sleep30", sleeper, (void *)30) || !create_thread("sleep10", sleeper, (void *)10))
		return 1;
	if (!wait_event_deadline(done_wq, norder == 2, NOW() + SECONDS(5)) || order[0] != 10 || order[1] != 30) {
		printf("hello: FAIL: sleeps woke as %d, %d (of %d)\n", order[0], order[1], norder);
		return 1;
	}
	s_time_t took = NOW() - t0;

	/* malloc and libm, which use SSE. */
	char *buf = malloc(100000);

	if (!buf)
		return 1;
	memset(buf, 0x5a, 100000);
	free(buf);
	printf("threads: 10 ms and 30 ms sleeps woke in order after %.1f ms; sqrt(2) = %.6f\n", (double)took / 1e6,
	       sqrt(2.0));
	printf("hello: OK\n");
	return 0;
}
