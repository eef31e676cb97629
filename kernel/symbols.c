/* Address → function name, over the sorted table that the second link pass appends. */
#include <mica/symbols.h>

struct symbol_entry {
	uint64_t addr;
	uint32_t name_off;
	uint32_t reserved;
};

/* Provided by the generated symbols.S; empty (count 0) in the first link pass. */
extern const uint64_t mica_symbols_count __attribute__((weak));
extern const struct symbol_entry mica_symbols[] __attribute__((weak));
extern const char mica_symbol_names[] __attribute__((weak));

const char *symbol_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t lo = 0, hi;

	if (!&mica_symbols_count || !mica_symbols_count)
		return NULL;
	hi = mica_symbols_count;
	if (addr < mica_symbols[0].addr)
		return NULL;
	while (hi - lo > 1) { /* last entry with addr <= target */
		uint64_t mid = lo + (hi - lo) / 2;
		if (mica_symbols[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - mica_symbols[lo].addr;
	return &mica_symbol_names[mica_symbols[lo].name_off];
}
