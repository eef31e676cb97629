/* The app table: the first word of the command line picks one. */
#include <pv/apps.h>

#include <string.h>

const struct app apps[] = {
    {"shell", app_shell, "console commands (help lists them)"},
    {"hello", app_hello, "prints the banner, uptime and a thread/timer check, then powers off"},
    {"httpd", app_httpd, "HTTP server: a static page and /status as JSON"},
    {"echo", app_echo, "TCP echo server"},
    {"sink", app_sink, "TCP sink: counts what arrives (port 5001), prints Mbit/s per connection"},
    {"blktest", app_blktest, "block device self-test"},
    {NULL, NULL, NULL},
};

const struct app *find_app(const char *name)
{
	for (const struct app *a = apps; a->name; a++)
		if (!strcmp(a->name, name) && a->main)
			return a;
	return NULL;
}
