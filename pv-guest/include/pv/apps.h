/* Apps: chosen by the first word of the command line (default "shell"). */
#ifndef PV_APPS_H
#define PV_APPS_H

#define APP_REBOOT 0x7eb007 /* an app's return value that asks for a reboot */

struct app {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
};
extern const struct app apps[]; /* ends with a NULL name */
const struct app *find_app(const char *name);

int app_shell(int argc, char **argv);
int app_hello(int argc, char **argv);
int app_httpd(int argc, char **argv); /* apps/netapps.c */
int app_echo(int argc, char **argv);
int app_blktest(int argc, char **argv); /* apps/blktest.c */
int app_sink(int argc, char **argv);    /* apps/tcpbench.c */

/* Shell commands provided elsewhere. */
int net_cmd(int argc, char **argv); /* apps/netapps.c */
int ping_cmd(int argc, char **argv);
int shell_fetch(int argc, char **argv);
int shell_tcp(int argc, char **argv);
int shell_tcpsend(int argc, char **argv); /* apps/tcpbench.c */
/* The network up (kernel options ip=, gw=; DHCP without) and configured, or a message and false. */
#include <stdbool.h>
bool net_ensure(void);                   /* apps/netapps.c */
int blk_cmd(int argc, char **argv);      /* apps/blktest.c */
int devprobe_cmd(int argc, char **argv); /* apps/devprobe.c */
int shell_run_line(char *line);          /* one shell command line; its status */

#endif
