/*
 * Hypervisor command line, Xen style: space-separated tokens `key=value`,
 * bare `key` (boolean true) and `no-key` (boolean false). Values may contain
 * double-quoted parts with spaces (`a="x y"`); the quotes are not part of the
 * value. The last occurrence of a key wins. In key names '-' and '_' are the
 * same character. A bare `--` ends the hypervisor options: what follows is
 * for dom0 (see cmdline_dom0_args).
 */
#ifndef MICA_CMDLINE_H
#define MICA_CMDLINE_H

#include <mica/types.h>

struct cmdline_token {
	const char *key; /* not NUL-terminated; "no-" stripped if negated */
	size_t key_len;
	const char *val; /* raw value, quotes included; NULL if no '=' */
	size_t val_len;
	bool negated;      /* bare `no-key` */
	bool unterminated; /* the value has an opening quote without a closing one */
};

/*
 * Next token from *cursor (start with the command line itself). Returns false
 * at the end of the string or at a `--` token.
 */
bool cmdline_next(const char **cursor, struct cmdline_token *tok);

/* Does the token's key equal key (with '-' == '_')? */
bool cmdline_token_is(const struct cmdline_token *tok, const char *key);

/*
 * Copy the token's value without quotes into buf (always terminated when
 * size > 0). Returns the value's full length: >= size means truncated.
 */
size_t cmdline_token_value(const struct cmdline_token *tok, char *buf, size_t size);

/*
 * Value of the last `key=value` or bare `key` (empty value). A later `no-key`
 * cancels earlier occurrences. False if absent or the value does not fit.
 */
bool cmdline_get_str(const char *cmdline, const char *key, char *buf, size_t size);

/*
 * Boolean: bare `key` is true, `no-key` false, `key=` takes
 * 1/0, yes/no, true/false, on/off, enable/disable. Values it cannot read are
 * ignored. def if absent.
 */
bool cmdline_get_bool(const char *cmdline, const char *key, bool def);

/*
 * Unsigned number of the last `key=value`: decimal or 0x hex, optional
 * K/M/G/T suffix (powers of 1024). False (and *out untouched) when absent,
 * malformed or out of range.
 */
bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out);

/* Parse exactly len characters as a number as above. */
bool cmdline_parse_u64(const char *s, size_t len, uint64_t *out);

/*
 * Parse exactly len characters as a size: a number as above, where one
 * without a K/M/G/T suffix counts units of 1 << unit_shift bytes (0: bytes,
 * 20: MiB as in xl's memory=). False (and *out untouched) if malformed or
 * the size does not fit in 64 bits.
 */
bool cmdline_parse_size(const char *s, size_t len, unsigned int unit_shift, uint64_t *out);

/* What follows a `--` token (dom0's arguments), or NULL if there is none. */
const char *cmdline_dom0_args(const char *cmdline);

/* Serial console spec: `com1[,baud[DPS]][,DPS][,io_base]`, e.g. `com2,9600n8`. */
struct com_spec {
	uint8_t index;     /* 1..4 */
	uint16_t io_base;  /* I/O port base */
	uint32_t baud;     /* 1200..115200; 0 = not given, keep the firmware's setting */
	uint8_t data_bits; /* 5..8 */
	char parity;       /* 'n', 'o', 'e', 'm', 's' */
	uint8_t stop_bits; /* 1 or 2 */
};

bool cmdline_parse_com(const char *val, struct com_spec *out);

#endif
