/* Debug keys on the hypervisor console, as in Xen: one key, one action; 'h' lists them. */
#ifndef MICA_DEBUGKEYS_H
#define MICA_DEBUGKEYS_H

typedef void (*debugkey_fn)(char key);

void debugkey_register(char key, debugkey_fn fn, const char *desc);
/* Registers 'h' and starts polling the console for input (register other keys first). */
void debugkeys_init(void);
/* Handles one input character (called from the poll timer). */
void debugkey_handle(char key);

#endif
