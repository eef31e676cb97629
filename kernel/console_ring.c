/*
 * The console ring (mica/console_ring.h). One writer at a time (the console
 * lock) and readers that take no lock, like a sequence lock: the writer first
 * announces how far it is about to write (reserve), then writes, then
 * publishes the new head. A reader copies what lies below the head and then
 * drops whatever the announced write may have overwritten meanwhile.
 */
#include <mica/console_ring.h>
#include <mica/string.h>

#define RING_MASK (CONSOLE_RING_SIZE - 1)

static char ring[CONSOLE_RING_SIZE];
static uint64_t ring_head;    /* bytes written since boot, all in place */
static uint64_t ring_reserve; /* bytes written once the write in progress is done */

/* The oldest offset the ring holds when `end` bytes have been (or are being) written. */
static uint64_t oldest(uint64_t end)
{
	return end > CONSOLE_RING_SIZE ? end - CONSOLE_RING_SIZE : 0;
}

void console_ring_write(const char *s, size_t n)
{
	uint64_t head = __atomic_load_n(&ring_head, __ATOMIC_RELAXED);
	size_t skip = n > CONSOLE_RING_SIZE ? n - CONSOLE_RING_SIZE : 0; /* would be overwritten at once */

	__atomic_store_n(&ring_reserve, head + n, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE); /* the reservation is seen before any byte changes */
	for (size_t i = skip; i < n; i++)
		ring[(head + i) & RING_MASK] = s[i];
	__atomic_store_n(&ring_head, head + n, __ATOMIC_RELEASE);
}

uint64_t console_ring_head(void)
{
	return __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE);
}

size_t console_ring_read(uint64_t *pos, char *buf, size_t len, uint64_t *lost)
{
	uint64_t head = __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE);
	uint64_t start = *pos, end, valid;
	size_t n;

	if (start >= head)
		return 0;
	if (start < oldest(head)) {
		*lost += oldest(head) - start;
		start = oldest(head);
	}
	end = MIN(head, start + len);
	n = (size_t)(end - start);
	for (size_t i = 0; i < n; i++)
		buf[i] = ring[(start + i) & RING_MASK];
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the copy is done before the reservation is looked at */
	valid = oldest(__atomic_load_n(&ring_reserve, __ATOMIC_RELAXED));
	if (start < valid) { /* a writer overtook the copy: what it may have changed is lost */
		size_t bad = (size_t)(MIN(valid, end) - start);

		memmove(buf, buf + bad, n - bad);
		*lost += bad;
		n -= bad;
	}
	*pos = end;
	return n;
}
