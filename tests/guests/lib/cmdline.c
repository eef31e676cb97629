/*
 * The guest's command line (hvm_start_info.cmdline_paddr): space-separated words, a test's
 * options being flags ("ping") and key=value pairs ("chunk=65536"). Unknown words are ignored,
 * so a builder may pass its own (vcpus=2) through.
 */
#include "xtf.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

const char *cmdline_str(void)
{
	if (!start_info || !start_info->cmdline_paddr)
		return "";
	return (const char *)(uintptr_t)start_info->cmdline_paddr;
}

/* The word starting with prefix (whole word if exact), or NULL; *len gets the word's length. */
static const char *find_word(const char *prefix, bool exact, size_t *len)
{
	size_t n = strlen(prefix);

	for (const char *p = cmdline_str(); *p;) {
		while (is_space(*p))
			p++;
		size_t w = 0;

		while (p[w] && !is_space(p[w]))
			w++;
		if (w && (exact ? w == n : w >= n)) {
			size_t i = 0;

			while (i < n && p[i] == prefix[i])
				i++;
			if (i == n) {
				*len = w;
				return p;
			}
		}
		p += w;
	}
	return NULL;
}

bool cmdline_flag(const char *word)
{
	size_t len;

	return find_word(word, true, &len) != NULL;
}

uint64_t cmdline_uint(const char *key, uint64_t def)
{
	char prefix[32];
	size_t len, n = (size_t)snprintf(prefix, sizeof(prefix), "%s=", key);
	const char *w = find_word(prefix, false, &len);
	uint64_t v = 0;
	unsigned int base = 10;

	if (!w)
		return def;
	const char *p = w + n, *end = w + len;

	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (p == end)
		xtf_error("command line: %s= has no value", key);
	for (; p < end; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
			d = (unsigned int)((*p | 0x20) - 'a' + 10);
		else
			xtf_error("command line: %s= is not a number: '%.*s'", key, (int)len, w);
		if (v > (UINT64_MAX - d) / base)
			xtf_error("command line: %s= is too large", key);
		v = v * base + d;
	}
	return v;
}
