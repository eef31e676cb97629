/* The hypervisor console: fans printk output out to every registered sink. */
#include <stdarg.h>
#include <mica/console.h>
#include <mica/console_ring.h>
#include <mica/printk.h>
#include <mica/spinlock.h>

static struct console *consoles;
static spinlock_t console_lock = SPINLOCK_INIT;
static int (*console_input)(void);

void console_register(struct console *c)
{
	unsigned long f = spin_lock_irqsave(&console_lock);

	c->next = consoles;
	consoles = c;
	spin_unlock_irqrestore(&console_lock, f);
}

void console_unregister(struct console *c)
{
	unsigned long f = spin_lock_irqsave(&console_lock);

	for (struct console **pp = &consoles; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	spin_unlock_irqrestore(&console_lock, f);
}

static void console_write_locked(const char *s, size_t n)
{
	console_ring_write(s, n); /* kept for the toolstack (MICA_CTL_CONSOLE_READ) */
	for (struct console *c = consoles; c; c = c->next)
		c->write(c, s, n);
}

void console_write(const char *s, size_t n)
{
	unsigned long f = spin_lock_irqsave(&console_lock);

	console_write_locked(s, n);
	spin_unlock_irqrestore(&console_lock, f);
}

void console_set_input(int (*getc)(void))
{
	console_input = getc;
}

int console_getc(void)
{
	return console_input ? console_input() : -1;
}

void printk(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf_k(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	console_write(buf, n);
}

void console_force_unlock(void)
{
	console_lock = (spinlock_t)SPINLOCK_INIT;
}
