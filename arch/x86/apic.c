/*
 * Local APIC access. In x2APIC mode registers are MSRs 0x800 + reg/16 and the
 * ICR is one 64-bit MSR (SDM Vol. 3A §11.12); in xAPIC mode they are MMIO at
 * the APIC base (read from IA32_APIC_BASE) and the ICR takes two writes.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/page.h>
#include <mica/errno.h>

#define APIC_BASE_X2APIC_ENABLE (1ULL << 10)
#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ULL

bool apic_x2apic_mode;
static volatile uint32_t *xapic_mmio;

uint32_t apic_read(uint32_t reg)
{
	if (apic_x2apic_mode)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return xapic_mmio[reg / 4];
}

void apic_write(uint32_t reg, uint32_t v)
{
	if (apic_x2apic_mode)
		wrmsr(0x800 + (reg >> 4), v);
	else
		xapic_mmio[reg / 4] = v;
}

uint32_t apic_id(void)
{
	return apic_x2apic_mode ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

static void apic_enable_local(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

	if (apic_x2apic_mode)
		base |= APIC_BASE_X2APIC_ENABLE;
	wrmsr(MSR_APIC_BASE, base);

	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT1, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xFF); /* spurious vector 0xFF */
	if (!apic_x2apic_mode)
		apic_write(APIC_ESR, 0);
	apic_eoi();
}

void apic_init_bsp(bool allow_x2apic)
{
	apic_x2apic_mode = allow_x2apic && (cpuid(1).ecx & (1u << 21));
	if (!apic_x2apic_mode)
		xapic_mmio = pa_to_va(rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK);
	apic_enable_local();
}

void apic_init_ap(void)
{
	apic_enable_local();
}

int apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
	if (apic_x2apic_mode) {
		wrmsr(0x830, ((uint64_t)dest << 32) | icr_low);
		return 0;
	}
	if (dest > 0xff)
		return -EINVAL;
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR, icr_low);
	for (unsigned int spins = 0; apic_read(APIC_ICR) & ICR_BUSY; spins++) {
		if (spins > 1000000)
			return -EBUSY;
		cpu_relax();
	}
	return 0;
}

void apic_send_ipi_all_but_self(uint32_t icr_low)
{
	const uint32_t all_but_self = 3u << 18; /* destination shorthand */

	if (apic_x2apic_mode) {
		wrmsr(0x830, icr_low | all_but_self);
		return;
	}
	apic_write(APIC_ICR_HI, 0);
	apic_write(APIC_ICR, icr_low | all_but_self);
}
