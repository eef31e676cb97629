/* Local APIC in x2APIC (MSR) or xAPIC (MMIO) mode, and the IO-APICs (kept masked). */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <mica/types.h>

#define APIC_ID 0x20
#define APIC_VERSION 0x30
#define APIC_TPR 0x80
#define APIC_EOI 0xB0
#define APIC_SVR 0xF0
#define APIC_ESR 0x280
#define APIC_ICR 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3E0

#define APIC_LVT_MASKED (1u << 16)
#define APIC_SVR_ENABLE (1u << 8)
#define ICR_INIT 0x00000500u
#define ICR_STARTUP 0x00000600u
#define ICR_FIXED 0x00000000u
#define ICR_NMI 0x00000400u
#define ICR_LEVEL_ASSERT 0x00004000u
#define ICR_BUSY (1u << 12)

extern bool apic_x2apic_mode;

/* Enables the local APIC (x2APIC when the CPU has it, unless x2apic=0). BSP first. */
void apic_init_bsp(bool allow_x2apic);
void apic_init_ap(void);
uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t v);
uint32_t apic_id(void);
void apic_eoi(void);
int apic_send_ipi(uint32_t apic_id, uint32_t icr_low);
void apic_send_ipi_all_but_self(uint32_t icr_low);

/* LAPIC timer: calibrated once on the BSP, then one-shot per CPU. */
void apic_timer_calibrate(void);
void apic_timer_oneshot(uint64_t ns);
uint32_t apic_timer_khz(void);

/* Masks every redirection entry of every IO-APIC from the MADT. */
void ioapic_mask_all(void);

#endif
