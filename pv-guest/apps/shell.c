/*
 * shell: console commands. Interactive by default; "shell -c CMD , CMD ..." runs the
 * commands (the rest of the command line, ","-separated) and powers off.
 * Line editing: backspace/DEL, Ctrl-U (kill line), Ctrl-C (drop line), up/down arrows for the
 * history of the last 16 lines; CR or LF ends a line.
 */
#include <pv/apps.h>
#include <pv/console.h>
#include <pv/events.h>
#include <pv/gnttab.h>
#include <pv/hotplug.h>
#include <pv/initrd.h>
#include <pv/mm.h>
#include <pv/sched.h>
#include <pv/setup.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <malloc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Linked only into the dom0 image (pv-guest/dom0/toolstack.c). */
extern int mica_cmd(int argc, char **argv) __attribute__((weak));

static int cmd_mica(int argc, char **argv)
{
	if (!mica_cmd) {
		printf("%s: only dom0's image has the toolstack\n", argv[0]);
		return 1;
	}
	return mica_cmd(argc, argv);
}

/* dom0's PCI commands, linked only into the dom0 image (pv-guest/dom0/lspci.c). */
extern int lspci_cmd(int argc, char **argv) __attribute__((weak));
extern int pcimap_cmd(int argc, char **argv) __attribute__((weak));
extern int dmatest_cmd(int argc, char **argv) __attribute__((weak));

static int cmd_dom0_pci(int argc, char **argv)
{
	int (*fn)(int, char **) = !strcmp(argv[0], "lspci")    ? lspci_cmd
				  : !strcmp(argv[0], "pcimap") ? pcimap_cmd
							       : dmatest_cmd;

	if (!fn) {
		printf("%s: only dom0 drives PCI devices\n", argv[0]);
		return 1;
	}
	return fn(argc, argv);
}

/* dom0's devices (pv-guest/dom0/devices.c): disks, nics, disk-read, disk-write. */
extern int dom0_dev_cmd(int argc, char **argv) __attribute__((weak));

static int cmd_dom0_dev(int argc, char **argv)
{
	if (!dom0_dev_cmd) {
		printf("%s: only dom0's image has devices\n", argv[0]);
		return 1;
	}
	return dom0_dev_cmd(argc, argv);
}

/* dom0's image store (pv-guest/dom0/images.c). */
extern int images_cmd(int argc, char **argv) __attribute__((weak));

static int cmd_img(int argc, char **argv)
{
	if (!images_cmd) {
		printf("img: only dom0 has an image store\n");
		return 1;
	}
	return images_cmd(argc, argv);
}

/* dom0's bridge (pv-guest/dom0/netback.c): its vifs, br0, the uplink. */
extern int netback_status(char *buf, size_t size) __attribute__((weak));

static int cmd_bridge(int argc, char **argv)
{
	char buf[4096];
	int n;

	if (!netback_status) {
		printf("%s: only dom0's image has the bridge\n", argv[0]);
		return 1;
	}
	n = netback_status(buf, sizeof(buf));
	fputs(buf, stdout);
	if (n >= (int)sizeof(buf))
		printf("...\n");
	return 0;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};
static const struct command commands[];

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (const struct command *c = commands; c->name; c++)
		if (c->help)
			printf("  %-10s %s\n", c->name, c->help);
	return 0;
}

static int cmd_uptime(int argc, char **argv)
{
	s_time_t up = NOW() - boot_time();

	(void)argc;
	(void)argv;
	printf("up %lld.%03lld s\n", (long long)(up / 1000000000), (long long)(up / 1000000 % 1000));
	return 0;
}

static int cmd_date(int argc, char **argv)
{
	time_t t = time(NULL);
	char buf[64];

	(void)argc;
	(void)argv;
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	printf("%s\n", buf);
	return 0;
}

static int cmd_mem(int argc, char **argv)
{
	struct mm_stats m;
	struct mallinfo mi = mallinfo();

	(void)argc;
	(void)argv;
	mm_stats(&m);
	printf("RAM %lu KiB: image %lu KiB, heap %lu KiB (malloc in use %lu KiB), pages in use %lu KiB, free %lu KiB\n",
	       m.ram_pages * 4, m.image_pages * 4, m.heap_bytes / 1024, (unsigned long)mi.uordblks / 1024,
	       m.used_pages * 4, m.free_pages * 4);
	printf("ballooned out %lu KiB\n", balloon_pages() * 4);
	printf("grant references free: %u\n", gnttab_free_count());
	return 0;
}

static int cmd_threads(int argc, char **argv)
{
	char buf[1024];

	(void)argc;
	(void)argv;
	thread_list(buf, sizeof(buf));
	fputs(buf, stdout);
	return 0;
}

static int cmd_sleep(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 0) : -1;

	if (ms < 0 || ms > 3600000) {
		printf("usage: sleep MILLISECONDS (0-3600000)\n");
		return 1;
	}
	s_time_t t0 = NOW();

	msleep((uint32_t)ms);
	printf("slept %ld ms (%.3f ms measured)\n", ms, (double)(NOW() - t0) / 1e6);
	return 0;
}

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	printf("\n");
	return 0;
}

/* ---- the initrd (pv/initrd.h) */

static void ls_one(const char *name, size_t size, bool is_dir, void *arg)
{
	(void)arg;
	if (is_dir)
		printf("%10s  %s/\n", "", name);
	else
		printf("%10zu  %s\n", size, name);
}

/* dom0's image store (pv/images.h), under /images; absent from domU builds. */
extern int images_shell_ls(const char *path) __attribute__((weak));
extern int images_shell_cat(const char *path) __attribute__((weak));

static int cmd_ls(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/";
	int rc = images_shell_ls ? images_shell_ls(dir) : -ENOENT;

	if (rc >= 0)
		return rc;
	rc = initrd_list(dir, ls_one, NULL);

	if (rc == -ENOTDIR) {
		const void *data;
		size_t len;

		if (!initrd_open(dir, &data, &len)) {
			ls_one(dir, len, false, NULL);
			return 0;
		}
	}
	if (rc < 0) {
		printf("ls: %s: %s\n", dir, rc == -ENOENT ? "no such file or directory" : strerror(-rc));
		return 1;
	}
	return 0;
}

/* Text only: a NUL in the first 512 bytes means a binary file (an ELF kernel, say). */
static int cmd_cat(int argc, char **argv)
{
	const void *data;
	size_t len;
	int rc;

	if (argc != 2) {
		printf("usage: cat FILE\n");
		return 1;
	}
	rc = images_shell_cat ? images_shell_cat(argv[1]) : -ENOENT;
	if (rc >= 0)
		return rc;
	rc = initrd_open(argv[1], &data, &len);
	if (rc) {
		printf("cat: %s: %s\n", argv[1],
		       rc == -ENOENT   ? "no such file"
		       : rc == -EISDIR ? "is a directory"
				       : "not a regular file");
		return 1;
	}
	if (memchr(data, '\0', MIN(len, (size_t)512))) {
		printf("cat: %s: a binary file (%zu bytes), not shown\n", argv[1], len);
		return 1;
	}
	fwrite(data, 1, len, stdout);
	if (len && ((const char *)data)[len - 1] != '\n')
		printf("\n");
	return 0;
}

/* xs watch PATH N: prints N events (the first comes at once, as the store sends it), 10 s at most. */
static int xs_watch_cmd(const char *path, long n)
{
	struct xenbus_watch w = {0};
	int rc = xenbus_watch(&w, path);

	if (rc)
		return rc;
	for (long i = 0; i < n; i++) {
		struct xenbus_event *e = xenbus_wait_event(&w, NOW() + SECONDS(10));

		if (!e) {
			rc = -ETIMEDOUT;
			break;
		}
		printf("watch %s: %s changed\n", e->token, e->path);
		xenbus_free_event(e);
	}
	xenbus_unwatch(&w);
	return rc;
}

/* xs tx PATH VALUE [PATH VALUE...]: all the writes in one transaction, retried on conflicts. */
static int xs_tx_cmd(int argc, char **argv)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		xenbus_transaction_t t;
		int rc = xenbus_transaction_start(&t);

		for (int i = 2; !rc && i + 1 < argc; i += 2)
			rc = xenbus_write(t, argv[i], argv[i + 1]);
		if (rc) {
			xenbus_transaction_end(t, true);
			return rc;
		}
		rc = xenbus_transaction_end(t, false);
		if (rc != -EAGAIN) {
			if (!rc)
				printf("xs: %d writes committed in one transaction\n", (argc - 2) / 2);
			return rc;
		}
	}
	return -EAGAIN;
}

static int cmd_xs(int argc, char **argv)
{
	char *value = NULL, **names = NULL;
	unsigned int n = 0;
	int rc;

	if (!xenbus_available()) {
		printf("xs: no store connection\n");
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "read")) {
		rc = xenbus_read(XBT_NIL, argv[2], &value);
		if (!rc)
			printf("%s\n", value);
		free(value);
	} else if (argc == 4 && !strcmp(argv[1], "write")) {
		rc = xenbus_write(XBT_NIL, argv[2], argv[3]);
	} else if (argc == 3 && !strcmp(argv[1], "ls")) {
		rc = xenbus_ls(XBT_NIL, argv[2], &names, &n);
		for (unsigned int i = 0; !rc && i < n; i++)
			printf("%s\n", names[i]);
		if (!rc)
			xenbus_free_names(names, n);
	} else if (argc == 3 && !strcmp(argv[1], "rm")) {
		rc = xenbus_rm(XBT_NIL, argv[2]);
	} else if (argc == 3 && !strcmp(argv[1], "mkdir")) {
		rc = xenbus_mkdir(XBT_NIL, argv[2]);
	} else if (argc == 3 && !strcmp(argv[1], "perms")) {
		rc = xenbus_get_perms(XBT_NIL, argv[2], &value);
		if (!rc)
			printf("%s\n", value);
		free(value);
	} else if (argc == 4 && !strcmp(argv[1], "watch")) {
		rc = xs_watch_cmd(argv[2], strtol(argv[3], NULL, 0));
	} else if (argc >= 4 && argc % 2 == 0 && !strcmp(argv[1], "tx")) {
		rc = xs_tx_cmd(argc, argv);
	} else {
		printf("usage: xs read|ls|rm|mkdir|perms PATH | xs write PATH VALUE | xs watch PATH N\n"
		       "       xs tx PATH VALUE [PATH VALUE...]\n");
		return 1;
	}
	if (rc)
		printf("xs: %s: error %d\n", argv[2], rc);
	return rc ? 1 : 0;
}

static int cmd_hotplug(int argc, char **argv)
{
	char buf[1024];

	(void)argc;
	(void)argv;
	if (hotplug_status(buf, sizeof(buf)) > 0)
		fputs(buf, stdout);
	else
		printf("hotplug: no hot-plugged devices\n");
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("pv-guest on %s %u.%u, domid %d, upcalls %lu, console %s, cmdline \"%s\"\n", hypervisor_name,
	       hypervisor_version >> 16, hypervisor_version & 0xffff,
	       xenbus_available() ? (int)xenbus_self_domid() : -1, evtchn_upcalls,
	       console_is_ring() ? "ring" : "console_io", cmdline);
	return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fflush(stdout);
	kernel_poweroff();
}

static int cmd_reboot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fflush(stdout);
	kernel_reboot();
}

static int cmd_crash(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	panic("crash requested from the shell");
}

static const struct command commands[] = {
    {"help", cmd_help, "this list"},
    {"uptime", cmd_uptime, "time since boot"},
    {"date", cmd_date, "wall-clock time"},
    {"info", cmd_info, "hypervisor, domain and kernel"},
    {"mem", cmd_mem, "memory use"},
    {"threads", cmd_threads, "the kernel's threads"},
    {"sleep", cmd_sleep, "sleep MS: sleep on a timer"},
    {"echo", cmd_echo, "echo WORDS: print them"},
    {"xs", cmd_xs, "xs read|write|ls|rm|mkdir|perms|watch|tx: the store"},
    {"ls", cmd_ls, "ls [DIR]: files in the initrd, sizes, directories with a /; dom0: /images, its image store"},
    {"cat", cmd_cat, "cat FILE: print a text file from the initrd (dom0: or an image's text from its start)"},
    {"net", net_cmd, "network status"},
    {"ping", ping_cmd, "ping A.B.C.D [COUNT]: ICMP echo"},
    {"fetch", shell_fetch, "fetch A.B.C.D[:PORT] [PATH]: HTTP GET, the answer printed"},
    {"tcp", shell_tcp, "tcp A.B.C.D[:PORT] TEXT: send TEXT (port 7), print as much back"},
    {"tcpsend", shell_tcpsend, "tcpsend A.B.C.D[:PORT] MB: send MB MiB (port 5001), print Mbit/s"},
    {"blk", blk_cmd, "blk [-d VBD] info|open|close|read|write|flush: the block device (-d: a hot-plugged one)"},
    {"lspci", cmd_dom0_pci, "lspci [-v]: dom0's PCI functions (-v: their BARs)"},
    {"pcimap", cmd_dom0_pci, "pcimap BB:DD.F BAR OFF [VALUE]: a dword of a device's memory BAR (dom0)"},
    {"dmatest", cmd_dom0_pci, "dmatest: allocate, check and free DMA memory (dom0)"},
    {"devprobe", devprobe_cmd, "devprobe: try the PCI ports and dom0's device commands (dom0 only get them)"},
    {"img", cmd_img, "img ls|create PATH SIZE|rm PATH|info: dom0's image store (micafs on vda)"},
    {"bridge", cmd_bridge, "dom0's bridge: vifs, br0, the uplink, counters"},
    {"hotplug", cmd_hotplug, "devices attached while running (vifs but 0, vbds but xvda)"},
    {"mica", cmd_mica, "mica VERB ...: manage domains (dom0; also: xl; mica help lists the verbs)"},
    {"xl", cmd_mica, NULL},
    {"disks", cmd_dom0_dev, "dom0's disks: name, size, ro/rw"},
    {"disk-read", cmd_dom0_dev, "disk-read NAME SECTOR: a sector's text (dom0)"},
    {"disk-write", cmd_dom0_dev, "disk-write NAME SECTOR TEXT: write a sector and flush (dom0)"},
    {"nics", cmd_dom0_dev, "dom0's network devices: MAC, link, counters"},
    {"shutdown", cmd_poweroff, "power off (also: poweroff)"},
    {"poweroff", cmd_poweroff, NULL},
    {"reboot", cmd_reboot, "reboot the domain"},
    {"crash", cmd_crash, "crash the domain (tests crash reporting)"},
    {NULL, NULL, NULL},
};

int shell_run_line(char *line)
{
	char *argv[16];
	int argc = 0;

	for (char *tok = strtok(line, " \t\r\n"); tok && argc < (int)ARRAY_SIZE(argv) - 1;
	     tok = strtok(NULL, " \t\r\n"))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (!argc)
		return 0;
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(c->name, argv[0]))
			continue;
		return c->fn(argc, argv);
	}
	printf("%s: unknown command (try help)\n", argv[0]);
	return 1;
}

/* History: the last HISTORY lines, oldest first. */
#define HISTORY 16
static char history[HISTORY][256];
static unsigned int history_len;

static void history_add(const char *line)
{
	if (!*line || (history_len && !strcmp(history[(history_len - 1) % HISTORY], line)))
		return;
	snprintf(history[history_len % HISTORY], sizeof(history[0]), "%s", line);
	history_len++;
}

/* Replaces the line being edited (len characters shown) with text. */
static size_t replace_line(char *line, size_t size, size_t len, const char *text)
{
	while (len) {
		len--;
		console_write("\b \b", 3);
	}
	snprintf(line, size, "%s", text);
	len = strlen(line);
	console_write(line, len);
	return len;
}

/*
 * Reads one line with simple editing: backspace/DEL, Ctrl-U (kill line), Ctrl-C (drop line),
 * up and down arrows (ESC [ A / B) through the history; CR or LF ends it.
 */
static void read_line(char *line, size_t size)
{
	size_t len = 0;
	unsigned int back = 0; /* how far up the history we are; 0: the new line */
	int esc = 0;           /* 1: after ESC, 2: after ESC [ */

	for (;;) {
		char c;

		if (console_read(&c, 1) != 1)
			continue;
		if (esc == 1) {
			esc = c == '[' ? 2 : 0;
			continue;
		}
		if (esc == 2) {
			esc = 0;
			if (c == 'A' && back < MIN(history_len, HISTORY)) {
				back++;
				len = replace_line(line, size, len, history[(history_len - back) % HISTORY]);
			} else if (c == 'B' && back > 0) {
				back--;
				len =
				    replace_line(line, size, len, back ? history[(history_len - back) % HISTORY] : "");
			}
			continue; /* other keys (left, right, ...) are not supported */
		}
		if (c == 0x1b) {
			esc = 1;
		} else if (c == '\r' || c == '\n') {
			console_write("\n", 1);
			line[len] = '\0';
			history_add(line);
			return;
		} else if (c == 0x7f || c == '\b') {
			if (len) {
				len--;
				console_write("\b \b", 3);
			}
		} else if (c == 0x15) { /* Ctrl-U */
			len = replace_line(line, size, len, "");
		} else if (c == 0x03) { /* Ctrl-C */
			console_write("^C\n", 3);
			line[0] = '\0';
			return;
		} else if (c >= 0x20 && c < 0x7f && len + 1 < size) {
			line[len++] = c;
			console_write(&c, 1);
		}
	}
}

int app_shell(int argc, char **argv)
{
	static char line[256];

	if (argc > 1 && !strcmp(argv[1], "-c")) { /* commands separated by "," (";" would end a GRUB command) */
		int rc = 0;

		line[0] = '\0';
		for (int i = 2; i < argc; i++) {
			bool last = i + 1 == argc;

			if (strcmp(argv[i], ",")) {
				strncat(line, argv[i], sizeof(line) - strlen(line) - 2);
				strcat(line, " ");
			}
			if (!strcmp(argv[i], ",") || last) {
				printf("> %s\n", line);
				rc |= shell_run_line(line);
				line[0] = '\0';
			}
		}
		return rc;
	}
	printf("pv-guest shell: type help for the commands\n");
	for (;;) {
		printf("pv> ");
		fflush(stdout);
		read_line(line, sizeof(line));
		shell_run_line(line);
		fflush(stdout);
	}
}
