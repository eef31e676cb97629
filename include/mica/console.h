/* Console sinks (serial, framebuffer) that printk writes to. */
#ifndef MICA_CONSOLE_H
#define MICA_CONSOLE_H

#include <mica/types.h>

struct console {
	const char *name;
	void (*write)(struct console *c, const char *s, size_t n);
	struct console *next;
};

void console_register(struct console *c);
void console_unregister(struct console *c);
void console_write(const char *s, size_t n);
/* Serial input, polled: returns -1 when nothing is waiting. */
int console_getc(void);
/* Used by panic: take the console even if a CPU died holding its lock. */
void console_force_unlock(void);
void console_set_input(int (*getc)(void));

#endif
