/* pvclock arithmetic and the vcpu_time_info version protocol (xen/include/public/xen.h). */
#include <mica/errno.h>
#include <mica/pvclock.h>

#define NS_PER_SEC 1000000000ULL

/*
 * Scale the TSC rate by powers of two into (10^9, 2 * 10^9]: then
 * mul = 10^9 * 2^32 / rate fits in 32 bits and keeps 31 bits of precision.
 */
int pvclock_scale(uint64_t tsc_hz, int8_t *shift, uint32_t *mul)
{
	uint64_t rate = tsc_hz;
	int s = 0;

	if (tsc_hz < 1000 || tsc_hz > 1000000000000000ULL)
		return -EINVAL;
	while (rate > 2 * NS_PER_SEC) {
		rate >>= 1;
		s--;
	}
	while (rate <= NS_PER_SEC) {
		rate <<= 1;
		s++;
	}
	*shift = (int8_t)s;
	*mul = (uint32_t)((NS_PER_SEC << 32) / rate);
	return 0;
}

uint64_t pvclock_scale_delta(uint64_t delta, int8_t shift, uint32_t mul)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

void pvclock_update(struct vcpu_time_info *t, uint64_t tsc, uint64_t system_time_ns, int8_t shift, uint32_t mul,
		    uint8_t flags)
{
	/* odd version: an update is in progress; the fields must not be seen before it */
	__atomic_store_n(&t->version, t->version + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t->tsc_timestamp = tsc;
	t->system_time = system_time_ns;
	t->tsc_to_system_mul = mul;
	t->tsc_shift = shift;
	t->flags = flags;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&t->version, t->version + 1, __ATOMIC_RELAXED);
}

uint64_t pvclock_read(const volatile struct vcpu_time_info *t, uint64_t tsc)
{
	uint32_t v;
	uint64_t ts, st, ns;
	uint32_t mul;
	int8_t shift;

	do {
		v = __atomic_load_n(&t->version, __ATOMIC_ACQUIRE);
		ts = t->tsc_timestamp;
		st = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((v & 1) || v != __atomic_load_n(&t->version, __ATOMIC_RELAXED));
	ns = st + pvclock_scale_delta(tsc - ts, shift, mul);
	return ns;
}

void pvclock_set_wallclock(struct shared_info *s, uint64_t unix_ns_at_boot)
{
	uint64_t sec = unix_ns_at_boot / 1000000000ULL;

	__atomic_store_n(&s->wc_version, s->wc_version + 1, __ATOMIC_RELEASE); /* odd: updating */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s->wc_sec = (uint32_t)sec;
	s->wc_sec_hi = (uint32_t)(sec >> 32);
	s->wc_nsec = (uint32_t)(unix_ns_at_boot % 1000000000ULL);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&s->wc_version, s->wc_version + 1, __ATOMIC_RELEASE);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (March-based years, so leap days come last). */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

uint64_t calendar_to_unix(unsigned int year, unsigned int month, unsigned int day, unsigned int hour, unsigned int min,
			  unsigned int sec)
{
	static const uint8_t mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > mdays[month - 1] ||
	    (month == 2 && day == 29 && !leap) || hour > 23 || min > 59 || sec > 59)
		return 0;
	return (uint64_t)days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
}
