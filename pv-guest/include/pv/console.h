/*
 * The console: the PV console ring (xen/io/console.h; HVM_PARAM_CONSOLE_PFN/EVTCHN) once
 * init_console() found one, console_io (CONSOLEIO_write/read + VIRQ_CONSOLE) otherwise, e.g. as
 * dom0, and always before init_console(). newlib's stdin/stdout/stderr are the console.
 */
#ifndef PV_CONSOLE_H
#define PV_CONSOLE_H

#include <pv/os.h>

void init_console(void);
void console_write(const char *buf, size_t len); /* all of it; \n becomes \r\n */
/* Reads up to len bytes of input, waiting for at least one; returns the count. */
size_t console_read(char *buf, size_t len);
/* Non-blocking: returns input bytes available now (0 if none). */
size_t console_poll(char *buf, size_t len);
bool console_is_ring(void);
void console_flush(void); /* waits (up to 2 s) until the backend took all output */ /* the PV ring, not console_io */

#endif
