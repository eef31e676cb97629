/* What the pieces of the xl.cfg(5) parser share (dom0-tools/xlcfg/xlcfg_*.c); not for users of xlcfg.h. */
#ifndef XLCFG_INT_H
#define XLCFG_INT_H

#include "xlcfg/xlcfg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CFG_FIELD(f) offsetof(struct xl_domain_config, f), sizeof(((struct xl_domain_config *)0)->f)

/* One string or number as written; s is dequoted and NUL-terminated, cols[i] is the column of s[i]. */
struct atom {
	const char *s;
	const uint16_t *cols; /* len + 1 entries: the last is the column just after the atom */
	size_t len;
	uint32_t line, col; /* col: where the atom starts, its opening quote for a string */
};

struct value {
	bool is_list;
	unsigned n;
	struct atom atoms[XLCFG_LIST_MAX];
};

struct parser;
struct key_def {
	const char *name;
	int (*set)(struct parser *p, const struct key_def *k, const struct value *v);
	size_t off, size;  /* the field in struct xl_domain_config */
	uint64_t min, max; /* numbers */
	const char *why;   /* refused or ignored keys */
};

struct parser {
	const char *text, *file;
	size_t len, pos, line_start;
	uint32_t line;
	struct xl_domain_config *cfg;
	struct xlcfg_diag *diag;
	bool append;
	uint32_t set_line, set_col; /* the key being set */
	uint64_t seen;
	uint32_t seen_line[64];
	char key[48];
	char show[64];
	struct value val;
	size_t used;
	char arena[XLCFG_VALUE_MAX];
	uint16_t cols[XLCFG_VALUE_MAX];
};

/* Comma-separated items of an atom, each without surrounding blanks. */
struct item {
	const char *s;
	size_t len, off;
};

/* Character classes */

static inline bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline int hex_val(int c)
{
	return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static inline bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline bool is_ident(int c)
{
	return is_ident_start(c) || is_digit(c) || c == '.';
}

static inline bool is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Messages and syntax (xlcfg_lex.c) */

int xlcfg_perr(struct parser *p, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void xlcfg_pwarn(struct parser *p, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *xlcfg_show(struct parser *p, const char *s, size_t len);
uint32_t xlcfg_acol(const struct atom *a, size_t off);
int xlcfg_parse_text(struct parser *p);

/* Values and the keys with simple values (xlcfg_values.c) */

int xlcfg_get_atom(struct parser *p, const struct value *v, const struct atom **a);
bool xlcfg_parse_u64(const char *s, size_t len, uint64_t *out);
int xlcfg_number_in(struct parser *p, const char *what, const struct atom *a, size_t off, size_t len, uint64_t min,
		    uint64_t max, uint64_t *out);
int xlcfg_copy_str(struct parser *p, const char *what, const struct atom *a, size_t off, size_t len, char *dst,
		   size_t size);
bool xlcfg_next_item(const struct atom *a, size_t *pos, struct item *it);
bool xlcfg_item_is(const struct item *it, const char *word);
bool xlcfg_item_split(const struct item *it, struct item *key, struct item *val);
int xlcfg_add_u32(struct parser *p, const char *what, const struct atom *a, const struct item *v, uint64_t min,
		  uint64_t max, void *dst, size_t size);
bool xlcfg_atom_is(const struct atom *a, const char *word);

int xlcfg_set_str(struct parser *p, const struct key_def *k, const struct value *v);
int xlcfg_set_num(struct parser *p, const struct key_def *k, const struct value *v);
int xlcfg_set_name(struct parser *p, const struct key_def *k, const struct value *v);
int xlcfg_set_type(struct parser *p, const struct key_def *k, const struct value *v);
int xlcfg_set_builder(struct parser *p, const struct key_def *k, const struct value *v);
int xlcfg_set_action(struct parser *p, const struct key_def *k, const struct value *v);
int xlcfg_set_uuid(struct parser *p, const struct key_def *k, const struct value *v);
int xlcfg_set_cpus(struct parser *p, const struct key_def *k, const struct value *v);
int xlcfg_set_ignored(struct parser *p, const struct key_def *k, const struct value *v);
int xlcfg_set_refused(struct parser *p, const struct key_def *k, const struct value *v);

/* vif= (xlcfg_vif.c) and disk= (xlcfg_disk.c) */

/* The vif= keys with plain string values: their fields in struct xl_vif. */
#define VIF_NR_STRS 5
struct vif_str {
	const char *name;
	size_t off, size;
};
extern const struct vif_str xlcfg_vif_strs[VIF_NR_STRS];

int xlcfg_set_vifs(struct parser *p, const struct key_def *k, const struct value *v);
int xlcfg_set_disks(struct parser *p, const struct key_def *k, const struct value *v);

/* The key table (xlcfg.c) */

int xlcfg_apply_setting(struct parser *p, uint32_t line, uint32_t col, bool append);
bool xlcfg_given(const struct xl_domain_config *cfg, const char *name);

#endif
