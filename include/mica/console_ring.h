/*
 * The console ring: the most recent hypervisor console output, kept for the
 * toolstack to read (MICA_CTL_CONSOLE_READ, as `xl dmesg` reads Xen's).
 * Offsets count bytes written since boot.
 */
#ifndef MICA_CONSOLE_RING_H
#define MICA_CONSOLE_RING_H

#include <mica/types.h>

#define CONSOLE_RING_SIZE (64 * 1024) /* a power of two */

/* Appends console output; callers are serialized (the console lock). */
void console_ring_write(const char *s, size_t n);
/* Bytes written since boot: the offset the next byte will have. */
uint64_t console_ring_head(void);
/*
 * Copies up to len bytes from offset *pos into buf and advances *pos past
 * them. Bytes the ring no longer holds are skipped and added to *lost.
 * Returns how many bytes were copied (0 once *pos reaches the head).
 */
size_t console_ring_read(uint64_t *pos, char *buf, size_t len, uint64_t *lost);

#endif
