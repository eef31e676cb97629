/*
 * console=<sink>[,<sink>...] where a sink is comN[,baud[,8n1]] (or a port:
 * com1,115200,0x3f8 is not needed: comN names the PC standard ports), fb (the
 * firmware framebuffer, when there is one) or none. Default: com1,115200,fb.
 */
#include <asm/page.h>
#include <asm/setup.h>
#include <mica/cmdline.h>
#include <mica/console.h>
#include <mica/fbcon.h>
#include <mica/printk.h>
#include <mica/serial.h>
#include <mica/string.h>

uint64_t boot_mbi_base, boot_mbi_size;
static bool want_fb = true;
static char console_error[128];

static void setup_serial_spec(const char *spec)
{
	struct com_spec cs;
	struct serial_config sc;

	if (!cmdline_parse_com(spec, &cs)) {
		snprintf_k(console_error, sizeof(console_error), "console: cannot parse '%s'", spec);
		return;
	}
	sc.base = cs.io_base;
	sc.baud = cs.baud;
	sc.data_bits = cs.data_bits;
	sc.parity_bits = cs.parity == 'o' ? 0x08 : cs.parity == 'e' ? 0x18 : 0;
	sc.stop_bits = cs.stop_bits;
	if (serial_init(&sc) < 0)
		snprintf_k(console_error, sizeof(console_error), "console: no UART at 0x%x for '%s'", sc.base, spec);
}

/* Splits the console= value into sinks; numeric and 8n1-style tokens belong to the comN before them. */
static void setup_sinks(const char *val)
{
	char spec[64] = "";
	const char *p = val;

	want_fb = false;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char tok[32];

		if (len >= sizeof(tok))
			len = sizeof(tok) - 1;
		memcpy(tok, p, len);
		tok[len] = '\0';
		p += len + (end ? 1 : 0);
		if (!strncmp(tok, "com", 3)) {
			if (spec[0])
				setup_serial_spec(spec);
			mica_strlcpy(spec, tok, sizeof(spec));
		} else if (tok[0] >= '0' && tok[0] <= '9' && spec[0]) {
			size_t n = strlen(spec);
			snprintf_k(spec + n, sizeof(spec) - n, ",%s", tok);
		} else if (!strcmp(tok, "fb") || !strcmp(tok, "vga")) {
			want_fb = true;
		} else if (strcmp(tok, "none") && tok[0]) {
			snprintf_k(console_error, sizeof(console_error), "console: unknown sink '%s'", tok);
		}
	}
	if (spec[0])
		setup_serial_spec(spec);
}

void console_setup(const char *cmdline)
{
	char val[128];

	if (cmdline_get_str(cmdline, "console", val, sizeof(val)))
		setup_sinks(val);
	else
		setup_sinks("com1,115200,fb");
	if (console_error[0]) {
		/* Keep a console whatever the user wrote: fall back to COM1. */
		setup_sinks("com1,115200");
		printk("Mica: %s; using com1,115200\n", console_error);
	}
}

bool console_wants_fb(void)
{
	return want_fb;
}

void console_setup_late(const char *cmdline)
{
	const struct boot_framebuffer *fb = &boot_info.fb;

	if (!want_fb)
		return;
	if (!fb->base) {
		printk("Console: no firmware framebuffer; serial only\n");
		return;
	}
	if (fb->base + (uint64_t)fb->pitch * fb->height > DIRECTMAP_SIZE || fbcon_init(fb, pa_to_va(fb->base)) < 0) {
		printk("Console: framebuffer %ux%u %u bpp at 0x%lx not usable for text\n", fb->width, fb->height,
		       fb->bpp, fb->base);
		return;
	}
	printk("Console: framebuffer %ux%u at 0x%lx (%u columns x %u rows)\n", fb->width, fb->height, fb->base,
	       fb->width / 8, fb->height / 16);
}
