/* The hypervisor's command-line options: the list of known keys, and a report of the others. */
#include <mica/cmdline.h>
#include <mica/options.h>
#include <mica/printk.h>

/* Every option Mica understands; docs/boot.md describes them. */
static const char *const known_options[] = {
    "console", "on_idle", "maxcpus", "x2apic", "hpet", "selftest", "guest_mem", "dom0",
};

unsigned int options_report_unknown(const char *cmdline)
{
	const char *cursor = cmdline;
	struct cmdline_token tok;
	unsigned int unknown = 0;

	while (cmdline_next(&cursor, &tok)) {
		bool known = false;

		for (unsigned int i = 0; i < sizeof(known_options) / sizeof(known_options[0]); i++)
			if (cmdline_token_is(&tok, known_options[i]))
				known = true;
		if (!known) {
			printk("Mica: unknown option '%.*s' ignored\n", (int)tok.key_len, tok.key);
			unknown++;
		}
		if (tok.unterminated)
			printk("Mica: option '%.*s' has an unterminated quote\n", (int)tok.key_len, tok.key);
	}
	return unknown;
}
