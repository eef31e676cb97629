/* Hypervisor command-line options. */
#ifndef MICA_OPTIONS_H
#define MICA_OPTIONS_H

/* Prints a line for every option Mica does not know; returns how many. */
unsigned int options_report_unknown(const char *cmdline);

#endif
