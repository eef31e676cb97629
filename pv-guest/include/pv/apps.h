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
int shell_run_line(char *line); /* one shell command line; its status */

#endif
