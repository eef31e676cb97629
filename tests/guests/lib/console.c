/*
 * Console output: Xen's console_io hypercall when a hypervisor was found, else the
 * legacy debug port 0xe9 and COM1 (bare QEMU, or before discovery).
 */
#include "xtf.h"

#define COM1 0x3f8

static void com1_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB: divisor 1 = 115200 baud */
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0x07); /* FIFOs on and cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void com1_putc(char c)
{
	/* Wait (boundedly: there may be no UART) for the transmit holding register. */
	for (unsigned int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

void ports_write(const char *s, size_t n)
{
	com1_init();
	for (size_t i = 0; i < n; i++) {
		outb(0xe9, (uint8_t)s[i]);
		if (s[i] == '\n')
			com1_putc('\r');
		com1_putc(s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	if (xen.present)
		xen_console_write(s, n);
	else
		ports_write(s, n);
}
