/* 16550 UART: the hypervisor's serial console (polled output, polled input). */
#include <asm/cpu.h>
#include <mica/console.h>
#include <mica/serial.h>

#define UART_RBR 0 /* receive buffer (read) */
#define UART_THR 0 /* transmit holding (write) */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_DLL 0
#define UART_DLM 1
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LCR_DLAB 0x80

struct uart {
	struct console con;
	uint16_t base;
	bool present;
};

static struct uart uarts[4];
static struct uart *input_uart;

static void uart_putc(struct uart *u, char c)
{
	unsigned spins = 100000; /* never hang on a dead UART */

	while (!(inb(u->base + UART_LSR) & LSR_THRE) && --spins)
		cpu_relax();
	outb(u->base + UART_THR, (uint8_t)c);
}

static void uart_write(struct console *c, const char *s, size_t n)
{
	struct uart *u = (struct uart *)c;

	for (; n; n--, s++) {
		if (*s == '\n')
			uart_putc(u, '\r');
		uart_putc(u, *s);
	}
}

static int uart_getc(void)
{
	if (!input_uart || !(inb(input_uart->base + UART_LSR) & LSR_DR))
		return -1;
	return inb(input_uart->base + UART_RBR);
}

/* A UART is there if its scratch register holds what we write. */
static bool uart_probe(uint16_t base)
{
	outb(base + UART_SCR, 0x5a);
	if (inb(base + UART_SCR) != 0x5a)
		return false;
	outb(base + UART_SCR, 0xa5);
	return inb(base + UART_SCR) == 0xa5;
}

int serial_init(const struct serial_config *cfg)
{
	struct uart *u = NULL;
	uint32_t divisor;
	uint8_t lcr;

	for (unsigned i = 0; i < ARRAY_SIZE(uarts); i++)
		if (!uarts[i].present || uarts[i].base == cfg->base) {
			u = &uarts[i];
			break;
		}
	if (!u || (cfg->baud && 115200 % cfg->baud))
		return -1;
	if (!uart_probe(cfg->base))
		return -1;

	lcr = (uint8_t)((cfg->data_bits - 5) & 3) | (cfg->stop_bits == 2 ? 0x04 : 0) | cfg->parity_bits;
	outb(cfg->base + UART_IER, 0); /* polled */
	if (cfg->baud) {               /* 0: keep the firmware's rate */
		divisor = 115200 / cfg->baud;
		outb(cfg->base + UART_LCR, LCR_DLAB);
		outb(cfg->base + UART_DLL, divisor & 0xff);
		outb(cfg->base + UART_DLM, divisor >> 8);
	}
	outb(cfg->base + UART_LCR, lcr);
	outb(cfg->base + UART_FCR, 0x07); /* FIFOs on and cleared */
	outb(cfg->base + UART_MCR, 0x03); /* DTR, RTS */

	if (!u->present) {
		u->base = cfg->base;
		u->present = true;
		u->con.name = "serial";
		u->con.write = uart_write;
		console_register(&u->con);
	}
	if (!input_uart) {
		input_uart = u;
		console_set_input(uart_getc);
	}
	return 0;
}
