/* Segment descriptors, TSS and IDT for 64-bit mode (Intel SDM Vol. 3A ch. 3, 6, 7). */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <mica/types.h>

#define GDT_CODE_SEL 0x08
#define GDT_DATA_SEL 0x10
#define GDT_TSS_SEL 0x18
#define GDT_ENTRIES 5 /* null, code, data, TSS (two slots) */

/* IST slots (1-based in the IDT gate, 0-based here). */
#define IST_NMI 0
#define IST_DF 1
#define IST_MC 2
#define IST_COUNT 3

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

struct gdt_table {
	uint64_t entry[GDT_ENTRIES];
};

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

struct cpu;
void cpu_load_descriptors(struct cpu *c);
void idt_init(void);

#endif
