/* Unit tests for pvclock arithmetic (kernel/pvclock.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mica/errno.h>
#include <mica/pvclock.h>

/* Exact nanoseconds for delta ticks at hz, rounded down. */
static uint64_t exact_ns(uint64_t delta, uint64_t hz)
{
	return (uint64_t)((unsigned __int128)delta * 1000000000ULL / hz);
}

static void test_scale_accuracy(void **state)
{
	const uint64_t rates[] = {1000,       32768,      1000000,       3579545,        100000000,
				  999999999,  1000000000, 1000000001,    2000000000,     2000000001,
				  2613042000, 3400000000, 4999999999ULL, 10000000000ULL, 100000000000ULL};

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		int8_t shift;
		uint32_t mul;

		assert_int_equal(pvclock_scale(rates[i], &shift, &mul), 0);
		assert_true(mul >= (1u << 31)); /* 31 bits of precision or more */
		/* one second, one hour and one day of ticks: error below 2 ns per second of time */
		for (uint64_t secs = 1; secs <= 86400; secs *= 60) {
			uint64_t delta = rates[i] * secs;
			uint64_t got = pvclock_scale_delta(delta, shift, mul), want = exact_ns(delta, rates[i]);
			uint64_t err = got > want ? got - want : want - got;
			assert_true(err <= 2 * secs + 2);
		}
	}
}

static void test_scale_rejects(void **state)
{
	int8_t shift;
	uint32_t mul;

	assert_int_equal(pvclock_scale(0, &shift, &mul), -EINVAL);
	assert_int_equal(pvclock_scale(999, &shift, &mul), -EINVAL);
	assert_int_equal(pvclock_scale(UINT64_MAX, &shift, &mul), -EINVAL);
}

/* The frequency formula of xen.h: ((10^9 << 32) / mul) >> shift, for a positive shift read back. */
static void test_frequency_formula(void **state)
{
	int8_t shift;
	uint32_t mul;
	uint64_t hz;

	assert_int_equal(pvclock_scale(2613042000ULL, &shift, &mul), 0);
	hz = (uint64_t)(((unsigned __int128)1000000000ULL << 32) / mul);
	hz = shift < 0 ? hz << -shift : hz >> shift;
	assert_true(hz > 2613042000ULL - 4 && hz < 2613042000ULL + 4);
}

static void test_update_protocol(void **state)
{
	struct vcpu_time_info t;
	int8_t shift;
	uint32_t mul;

	memset(&t, 0, sizeof(t));
	assert_int_equal(pvclock_scale(100000000, &shift, &mul), 0); /* 100 MHz: 10 ns per tick */
	pvclock_update(&t, 5000, 123456789, shift, mul, XEN_PVCLOCK_TSC_STABLE_BIT);
	assert_int_equal(t.version, 2);
	assert_int_equal(t.version & 1, 0);
	assert_int_equal(t.flags, XEN_PVCLOCK_TSC_STABLE_BIT);
	assert_int_equal(pvclock_read(&t, 5000), 123456789);
	assert_int_equal(pvclock_read(&t, 5000 + 100), 123456789 + 1000);
	pvclock_update(&t, 10000, 200000000, shift, mul, 0);
	assert_int_equal(t.version, 4);
	assert_int_equal(pvclock_read(&t, 10000 + 7), 200000070);
}

static void test_calendar(void **state)
{
	assert_int_equal(calendar_to_unix(1970, 1, 1, 0, 0, 0), 0);
	assert_int_equal(calendar_to_unix(2000, 3, 1, 0, 0, 0), 951868800);
	assert_int_equal(calendar_to_unix(2026, 11, 22, 6, 30, 15), 1795329015);
	assert_int_equal(calendar_to_unix(2024, 2, 29, 23, 59, 59), 1709251199);
	assert_int_equal(calendar_to_unix(2038, 1, 19, 3, 14, 8), 2147483648ULL); /* past 32 bits signed */
	assert_int_equal(calendar_to_unix(2023, 2, 29, 0, 0, 0), 0);              /* not a leap year */
	assert_int_equal(calendar_to_unix(1900, 2, 28, 0, 0, 0), 0);
	assert_int_equal(calendar_to_unix(2026, 13, 1, 0, 0, 0), 0);
	assert_int_equal(calendar_to_unix(2026, 4, 31, 0, 0, 0), 0);
	assert_int_equal(calendar_to_unix(2026, 1, 1, 24, 0, 0), 0);
}

static void test_wallclock(void **state)
{
	static struct shared_info s;

	pvclock_set_wallclock(&s, 1795329015123456789ULL);
	assert_int_equal(s.wc_version % 2, 0);
	assert_int_equal(s.wc_sec, 1795329015);
	assert_int_equal(s.wc_nsec, 123456789);
	assert_int_equal(s.wc_sec_hi, 0);
	pvclock_set_wallclock(&s, 5000000000ULL * 1000000000ULL); /* beyond 2106: the high word */
	assert_int_equal(s.wc_version, 4);
	assert_int_equal(s.wc_sec_hi, 1);
	assert_int_equal(s.wc_sec, (uint32_t)5000000000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_calendar),          cmocka_unit_test(test_wallclock),
	    cmocka_unit_test(test_scale_accuracy),    cmocka_unit_test(test_scale_rejects),
	    cmocka_unit_test(test_frequency_formula), cmocka_unit_test(test_update_protocol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
