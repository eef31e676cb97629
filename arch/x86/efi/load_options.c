/* Picks the boot section out of the loader's LoadOptions (see load_options.h). */
#include "load_options.h"

static bool is_blank16(uint16_t c)
{
	return c == ' ' || c == '\t';
}

/* Characters before the NUL (or the end); -1 if one is not printable ASCII. */
static long text_length(const uint16_t *opts, size_t nr_chars)
{
	size_t n = 0;

	while (n < nr_chars && opts[n]) {
		if (n == MICA_LOAD_OPTIONS_MAX || (opts[n] < 0x20 && opts[n] != '\t') || opts[n] > 0x7e)
			return -1;
		n++;
	}
	return (long)n;
}

/* Advances *pos over blanks, then returns the length of the word there. */
static size_t next_word(const uint16_t *s, size_t len, size_t *pos)
{
	size_t n = 0;

	while (*pos < len && is_blank16(s[*pos]))
		(*pos)++;
	while (*pos + n < len && !is_blank16(s[*pos + n]))
		n++;
	return n;
}

static bool ends_with_efi(const uint16_t *w, size_t n)
{
	static const char ext[] = ".efi";

	if (n < 4)
		return false;
	for (size_t i = 0; i < 4; i++) {
		uint16_t c = w[n - 4 + i];

		if (c >= 'A' && c <= 'Z')
			c = (uint16_t)(c - 'A' + 'a');
		if (c != (uint16_t)ext[i])
			return false;
	}
	return true;
}

int mica_load_options_section(const uint16_t *opts, size_t bytes, char *section, size_t size)
{
	long text = opts ? text_length(opts, bytes / sizeof(uint16_t)) : -1;
	size_t len, pos = 0, n;

	if (text <= 0)
		return 0;
	len = (size_t)text;
	n = next_word(opts, len, &pos);
	if (ends_with_efi(opts + pos, n)) {
		pos += n;
		n = next_word(opts, len, &pos);
	}
	if (!n)
		return 0;
	if (n >= size)
		return -1;
	for (size_t i = 0; i < n; i++)
		section[i] = (char)opts[pos + i];
	section[n] = '\0';
	return 1;
}
