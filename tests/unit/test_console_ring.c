/* Unit tests for the console ring (kernel/console_ring.c): offsets, wrap-around, lost bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mica/console_ring.h>

/* The ring is static and only grows: each test starts at the current head. */
static void test_read_back_in_pieces(void **state)
{
	uint64_t pos = console_ring_head(), lost = 0;
	char buf[16];

	console_ring_write("hello, ", 7);
	console_ring_write("ring\n", 5);
	assert_int_equal(console_ring_head(), pos + 12);
	assert_int_equal(console_ring_read(&pos, buf, 5, &lost), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(console_ring_read(&pos, buf, sizeof(buf), &lost), 7);
	assert_memory_equal(buf, ", ring\n", 7);
	assert_int_equal(console_ring_read(&pos, buf, sizeof(buf), &lost), 0); /* at the head */
	assert_int_equal(pos, console_ring_head());
	assert_int_equal(lost, 0);
	pos += 100; /* past the head: nothing */
	assert_int_equal(console_ring_read(&pos, buf, sizeof(buf), &lost), 0);
}

static void test_overwritten_bytes_are_lost(void **state)
{
	static char big[CONSOLE_RING_SIZE + 100];
	uint64_t start = console_ring_head(), pos = start, lost = 0;
	char buf[64];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	console_ring_write("old", 3);
	console_ring_write(big, sizeof(big)); /* more than the ring holds */
	assert_int_equal(console_ring_read(&pos, buf, 10, &lost), 10);
	assert_int_equal(lost, 3 + 100); /* "old" and the first 100 bytes of big */
	assert_memory_equal(buf, big + 100, 10);
	/* reading on from there wraps around the end of the ring */
	pos = console_ring_head() - 5;
	lost = 0;
	assert_int_equal(console_ring_read(&pos, buf, sizeof(buf), &lost), 5);
	assert_memory_equal(buf, big + sizeof(big) - 5, 5);
	assert_int_equal(lost, 0);
	/* a reader far behind learns how much it missed */
	pos = start;
	lost = 0;
	assert_int_equal(console_ring_read(&pos, buf, 1, &lost), 1);
	assert_int_equal(lost, console_ring_head() - CONSOLE_RING_SIZE - start);
}

static void test_wrap_many_times(void **state)
{
	uint64_t pos = console_ring_head(), lost = 0;
	char line[40], buf[40];

	for (int i = 0; i < 10000; i++) {
		int n = snprintf(line, sizeof(line), "line %d\n", i);

		console_ring_write(line, (size_t)n);
		if (i % 7 == 0) { /* a reader that keeps up sees every byte */
			while (console_ring_read(&pos, buf, sizeof(buf), &lost))
				;
		}
	}
	while (console_ring_read(&pos, buf, sizeof(buf), &lost))
		;
	assert_int_equal(lost, 0);
	assert_int_equal(pos, console_ring_head());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_back_in_pieces),
	    cmocka_unit_test(test_overwritten_bytes_are_lost),
	    cmocka_unit_test(test_wrap_many_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
