/*
 * Time: the TSC and the local APIC timer are calibrated once, on the boot CPU,
 * against the HPET main counter (or the ACPI PM timer when there is no HPET).
 * now_ns() reads the TSC; each CPU's timer queue drives its LAPIC timer in
 * one-shot mode.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include <asm/traps.h>
#include <mica/printk.h>
#include <mica/pvclock.h>
#include <mica/spinlock.h>
#include <mica/string.h>
#include <mica/symbols.h>
#include <mica/timer.h>

#define HPET_CAP 0x00
#define HPET_CONFIG 0x10
#define HPET_COUNTER 0xF0
#define PM_TIMER_HZ 3579545ULL
#define CALIBRATE_MS 10

static const char *ref_name = "none";
static volatile uint8_t *hpet;
static uint64_t hpet_fs_per_tick;
static uint16_t pmtmr_port;
static uint32_t pmtmr_mask;

static uint64_t tsc_khz, lapic_khz;
static uint64_t tsc_boot;
static uint64_t tsc_to_ns_mult; /* ns = (tsc * mult) >> 32 */

struct cpu_timers {
	spinlock_t lock;
	struct timer_queue q;
} __attribute__((aligned(64)));
static struct cpu_timers cpu_timers[MAX_CPUS];

static uint64_t hpet_read(uint32_t reg)
{
	return *(volatile uint64_t *)(hpet + reg);
}

/* Busy-waits ms milliseconds on the reference clock. Returns false without one. */
static bool ref_delay_ms(unsigned int ms)
{
	if (hpet) {
		uint64_t ticks = ms * 1000000000000ULL / hpet_fs_per_tick, start = hpet_read(HPET_COUNTER);
		while (hpet_read(HPET_COUNTER) - start < ticks)
			cpu_relax();
		return true;
	}
	if (pmtmr_port) {
		uint64_t ticks = PM_TIMER_HZ * ms / 1000, done = 0;
		uint32_t last = inl(pmtmr_port) & pmtmr_mask;
		while (done < ticks) {
			uint32_t cur = inl(pmtmr_port) & pmtmr_mask;
			done += (cur - last) & pmtmr_mask;
			last = cur;
			cpu_relax();
		}
		return true;
	}
	return false;
}

void mdelay(unsigned int ms)
{
	if (!ref_delay_ms(ms)) {
		uint64_t end = rdtsc() + (tsc_khz ? tsc_khz : 1000000) * ms;
		while (rdtsc() < end)
			cpu_relax();
	}
}

void udelay(unsigned int us)
{
	uint64_t end = rdtsc() + (tsc_khz ? tsc_khz : 1000000) * us / 1000 + 1;

	while (rdtsc() < end)
		cpu_relax();
}

static void reference_init(const struct acpi_info *ai, bool use_hpet)
{
	if (use_hpet && ai && ai->hpet.present && ai->hpet.address) {
		hpet = pa_to_va(ai->hpet.address);
		hpet_fs_per_tick = hpet_read(HPET_CAP) >> 32;
		if (hpet_fs_per_tick && hpet_fs_per_tick <= 100000000ULL) { /* spec: <= 100 ns */
			*(volatile uint64_t *)(hpet + HPET_CONFIG) |= 1;    /* ENABLE_CNF: counter runs */
			ref_name = "HPET";
			return;
		}
		hpet = NULL;
	}
	if (ai && ai->fadt.pm_timer_port) {
		pmtmr_port = ai->fadt.pm_timer_port;
		pmtmr_mask = ai->fadt.pm_timer_32bit ? 0xffffffffu : 0xffffffu;
		ref_name = "ACPI PM timer";
	}
}

static void apic_timer_irq(struct cpu_regs *regs)
{
	apic_eoi();
	this_cpu()->timer_ticks++;
	timer_run_expired();
}

/*
 * The CMOS real-time clock (MC146818): read once at boot for the guests'
 * wallclock. Registers 0-9 hold the time in BCD or binary (register B bit 2)
 * and 12- or 24-hour form (bit 1); the ACPI FADT may name a century register.
 */
#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71

static uint64_t wallclock_boot_ns; /* Unix time at system time 0 */

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_ADDR, reg);
	return inb(CMOS_DATA);
}

static unsigned int from_bcd(uint8_t v, bool bcd)
{
	return bcd ? (v >> 4) * 10 + (v & 0xf) : v;
}

static void rtc_read(void)
{
	uint8_t r[10], again[10], b;
	unsigned int year, hour, century = 20; /* the FADT's century register is not read: 2000-2099 */
	bool bcd, pm;
	uint64_t unix_sec;

	/* Two identical reads outside an update cycle (register A bit 7) make a consistent one. */
	for (int tries = 0; tries < 1000; tries++) {
		while (cmos_read(0xa) & 0x80)
			cpu_relax();
		for (int i = 0; i < 10; i++)
			r[i] = cmos_read((uint8_t)i);
		for (int i = 0; i < 10; i++)
			again[i] = cmos_read((uint8_t)i);
		if (!memcmp(r, again, sizeof(r)))
			break;
	}
	b = cmos_read(0xb);
	bcd = !(b & 0x04);
	pm = !(b & 0x02) && (r[4] & 0x80);
	hour = from_bcd(r[4] & 0x7f, bcd);
	if (!(b & 0x02))
		hour = hour % 12 + (pm ? 12 : 0);
	year = century * 100 + from_bcd(r[9], bcd);
	unix_sec = calendar_to_unix(year, from_bcd(r[8], bcd), from_bcd(r[7], bcd), hour, from_bcd(r[2], bcd),
				    from_bcd(r[0], bcd));
	if (!unix_sec) {
		printk(
		    "Timer: the RTC says nonsense (%02x-%02x-%02x %02x:%02x:%02x); guests' wallclock starts at 1970\n",
		    r[9], r[8], r[7], r[4], r[2], r[0]);
		return;
	}
	wallclock_boot_ns = unix_sec * 1000000000ULL - now_ns();
	printk("Timer: RTC %04u-%02u-%02u %02u:%02u:%02u UTC\n", year, from_bcd(r[8], bcd), from_bcd(r[7], bcd), hour,
	       from_bcd(r[2], bcd), from_bcd(r[0], bcd));
}

uint64_t wallclock_at_boot_ns(void)
{
	return wallclock_boot_ns;
}

void time_init(const struct acpi_info *ai, bool use_hpet)
{
	uint64_t tsc0, tsc1;
	uint32_t lapic_left;

	reference_init(ai, use_hpet);
	apic_write(APIC_TIMER_DIV, 0x3); /* divide by 16 */
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_APIC_TIMER);
	apic_write(APIC_TIMER_INIT, 0xffffffffu);
	tsc0 = rdtsc();
	if (!ref_delay_ms(CALIBRATE_MS)) {
		printk("Timer: WARNING: no HPET and no ACPI PM timer to calibrate against; assuming 1 GHz\n");
		tsc_khz = 1000000;
		lapic_khz = 62500;
	} else {
		tsc1 = rdtsc();
		lapic_left = apic_read(APIC_TIMER_CUR);
		tsc_khz = (tsc1 - tsc0) / CALIBRATE_MS;
		lapic_khz = (0xffffffffu - lapic_left) / CALIBRATE_MS;
	}
	apic_write(APIC_TIMER_INIT, 0);
	if (!tsc_khz)
		tsc_khz = 1;
	if (!lapic_khz)
		lapic_khz = 1;
	tsc_to_ns_mult = (1000000ULL << 32) / tsc_khz;
	tsc_boot = rdtsc();
	irq_set_handler(VEC_APIC_TIMER, apic_timer_irq);
	rtc_read();
	printk("Timer: calibrated against %s: TSC %lu.%03lu MHz, LAPIC timer %lu.%03lu MHz (divide by 16)\n", ref_name,
	       tsc_khz / 1000, tsc_khz % 1000, lapic_khz / 1000, lapic_khz % 1000);
}

void time_init_ap(void)
{
	apic_write(APIC_TIMER_DIV, 0x3);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_APIC_TIMER);
}

uint64_t now_ns(void)
{
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_boot) * tsc_to_ns_mult) >> 32);
}

uint64_t cycles_now(void)
{
	return rdtsc();
}

uint64_t cycles_hz(void)
{
	return tsc_khz * 1000;
}

uint32_t apic_timer_khz(void)
{
	return (uint32_t)lapic_khz;
}

void apic_timer_oneshot(uint64_t ns)
{
	uint64_t count;

	/* A far deadline is reached in steps: the 32-bit count cannot span more than ~a minute anyway. */
	if (ns > 60ULL * 1000000000)
		ns = 60ULL * 1000000000;
	count = ns * lapic_khz / 1000000;

	if (count == 0)
		count = 1;
	if (count > 0xffffffffu)
		count = 0xffffffffu;
	apic_write(APIC_LVT_TIMER, VEC_APIC_TIMER); /* one-shot, unmasked */
	apic_write(APIC_TIMER_INIT, (uint32_t)count);
}

static void program_next(struct cpu_timers *ct)
{
	uint64_t next = timer_queue_next(&ct->q), now = now_ns();

	if (next == UINT64_MAX) {
		apic_write(APIC_TIMER_INIT, 0);
		return;
	}
	apic_timer_oneshot(next > now ? next - now : 1);
}

void timer_stop(struct timer *t)
{
	for (;;) {
		unsigned int cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
		struct cpu_timers *ct = &cpu_timers[cpu];
		unsigned long f = spin_lock_irqsave(&ct->lock);

		if (t->cpu != cpu) { /* moved meanwhile */
			spin_unlock_irqrestore(&ct->lock, f);
			continue;
		}
		if (timer_queue_del(&ct->q, t) && cpu == smp_processor_id())
			program_next(ct);
		spin_unlock_irqrestore(&ct->lock, f);
		return;
	}
}

void timer_set(struct timer *t, uint64_t deadline_ns)
{
	struct cpu_timers *ct = &cpu_timers[smp_processor_id()];
	unsigned long f;

	if (t->queued || t->cpu != smp_processor_id())
		timer_stop(t);
	f = spin_lock_irqsave(&ct->lock);
	timer_queue_del(&ct->q, t);
	__atomic_store_n(&t->cpu, smp_processor_id(), __ATOMIC_RELEASE);
	timer_queue_add(&ct->q, t, deadline_ns);
	program_next(ct);
	spin_unlock_irqrestore(&ct->lock, f);
}

void timer_kill(struct timer *t)
{
	timer_stop(t);
	while (t->firing)
		cpu_relax();
}

void timer_run_expired(void)
{
	struct cpu_timers *ct = &cpu_timers[smp_processor_id()];
	unsigned long f = spin_lock_irqsave(&ct->lock);
	struct timer *t;

	while ((t = timer_queue_pop_expired(&ct->q, now_ns()))) {
		t->firing = true;
		spin_unlock_irqrestore(&ct->lock, f);
		t->fn(t->data);
		t->firing = false;
		f = spin_lock_irqsave(&ct->lock);
	}
	program_next(ct);
	spin_unlock_irqrestore(&ct->lock, f);
}

void timer_dump(void)
{
	uint64_t now = now_ns();

	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
		struct cpu_timers *ct = &cpu_timers[cpu];
		unsigned long f = spin_lock_irqsave(&ct->lock);
		unsigned int n = 0;

		printk("CPU%u timers:", cpu);
		for (struct timer *t = ct->q.head; t && n < 16; t = t->next, n++) {
			uint64_t off;
			const char *fn = symbol_lookup((uint64_t)(uintptr_t)t->fn, &off);

			printk(" %s%lu us (%s)", t->deadline < now ? "-" : "+",
			       (t->deadline < now ? now - t->deadline : t->deadline - now) / 1000, fn ? fn : "?");
		}
		printk(n ? "\n" : " none\n");
		spin_unlock_irqrestore(&ct->lock, f);
	}
}
