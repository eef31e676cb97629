/* Hypervisor symbol table for backtraces (generated at link time, see scripts/gensyms.py). */
#ifndef MICA_SYMBOLS_H
#define MICA_SYMBOLS_H

#include <mica/types.h>

/* Name of the function containing addr and the offset into it, or NULL. */
const char *symbol_lookup(uint64_t addr, uint64_t *offset);

#endif
