/* Debug keys: polled from the serial console by a timer on the boot CPU. */
#include <mica/console.h>
#include <mica/debugkeys.h>
#include <mica/domain.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/timer.h>

#define POLL_NS (20ULL * 1000 * 1000)

struct debugkey {
	char key;
	debugkey_fn fn;
	const char *desc;
};

static struct debugkey keys[32];
static unsigned int nr_keys;
static struct timer poll_timer;

void debugkey_register(char key, debugkey_fn fn, const char *desc)
{
	if (nr_keys < sizeof(keys) / sizeof(keys[0]))
		keys[nr_keys++] = (struct debugkey){key, fn, desc};
}

static void show_help(char key)
{
	printk("Debug keys:\n");
	for (unsigned int i = 0; i < nr_keys; i++)
		printk("  '%c'  %s\n", keys[i].key, keys[i].desc);
}

void debugkey_handle(char key)
{
	for (unsigned int i = 0; i < nr_keys; i++)
		if (keys[i].key == key) {
			keys[i].fn(key);
			return;
		}
	if (key != '\r' && key != '\n')
		printk("Mica: no debug key '%c' (press 'h' for help)\n", key);
}

static void key_domains(char k)
{
	domain_dump_all();
}
static void key_runqueues(char k)
{
	sched_dump_runqueues();
}

static void poll(void *unused)
{
	int c;

	while ((c = console_getc()) >= 0)
		console_route_input((char)c);
	domain_consoles_poll();
	timer_set(&poll_timer, now_ns() + POLL_NS);
}

void debugkeys_init(void)
{
	debugkey_register('h', show_help, "show this help");
	debugkey_register('q', key_domains, "show domains and vCPUs");
	debugkey_register('r', key_runqueues, "show the scheduler's run queues");
	timer_init(&poll_timer, poll, NULL);
	timer_set(&poll_timer, now_ns() + POLL_NS);
	printk("Mica: debug keys on this console: 'h' for help.\n");
}
