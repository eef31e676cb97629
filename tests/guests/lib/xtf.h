/*
 * The test guests' framework (in the spirit of Xen's XTF): what a test's main.c may use.
 * A test defines test_title[] and test_main(); the framework boots it (head.S), finds Xen
 * (xen.c), and each test ends with exactly one "Test result: ..." line (xtf.c).
 */
#ifndef XTF_H
#define XTF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include <xen/arch-x86/hvm/start_info.h>
#include <xen/errno.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/xen.h>

#include "cpu.h"
#include "hypercall.h"

/* ---- provided by each test */
extern const char test_title[];
void test_main(void);
/* Optional: define as true to run test_main() on bare metal / QEMU too (no Xen found). */
extern const bool test_runs_without_xen;
/* Optional: return true if the exception was expected (regs->rip may be moved); default false. */
bool test_exception_hook(struct cpu_regs *regs);

/* ---- entry state recorded by head.S before anything was changed */
struct pvh_entry_state {
	uint32_t ebx; /* physical address of struct hvm_start_info */
	uint32_t cr0, cr4, eflags, efer;
	uint16_t cs, ds, es, ss, fs, gs, tr;
	uint8_t bss_dirty; /* .bss held non-zero bytes: the loader did not zero-fill it */
} __attribute__((packed));
extern const struct pvh_entry_state pvh_entry;
extern const struct hvm_start_info *start_info;
extern char __image_start[], __image_end[];

/* ---- Xen discovery (xen.c) */
struct xen_info {
	bool present;
	uint32_t cpuid_base;      /* 0x40000000 + n * 0x100 */
	uint32_t cpuid_max;       /* EAX of the base leaf */
	uint32_t version;         /* leaf base+1 EAX: major << 16 | minor */
	uint32_t hypercall_pages; /* leaf base+2 EAX */
	uint32_t hypercall_msr;   /* leaf base+2 EBX */
	bool amd;                 /* CPU vendor uses vmmcall (else vmcall) */
};
extern struct xen_info xen;
extern uint8_t hypercall_page[4096];

/* ---- console (console.c, printk.c) */
void console_write(const char *s, size_t n); /* Xen console_io, or ports 0xe9 + COM1 without Xen */
void ports_write(const char *s, size_t n);   /* ports 0xe9 and COM1, whatever we run on */
long xen_console_write(const char *s, size_t n);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
const char *strstr(const char *hay, const char *needle);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/* ---- interrupts (traps.c): a handler for vectors 32-255, run with interrupts off */
typedef void (*irq_handler_t)(struct cpu_regs *regs);
void irq_set_handler(uint8_t vector, irq_handler_t fn);
void traps_load(void); /* loads the IDT on this vCPU (a secondary vCPU's first step) */

/* ---- command line (cmdline.c): space-separated words; unknown words are ignored */
const char *cmdline_str(void);                        /* "" if there is none */
bool cmdline_flag(const char *word);                  /* the exact word is present */
uint64_t cmdline_uint(const char *key, uint64_t def); /* key=N (decimal or 0x hex), else def */

/* ---- guest-physical memory (memmap.c) */
uint64_t unpopulated_gpa(void); /* 2 MiB-aligned, below 3.5 GiB, in no memory map entry; 0 if none */

/* ---- results (xtf.c): each prints one "Test result:" line, then powers the domain off */
noreturn void xtf_success(void);
noreturn void xtf_failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void xtf_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void xtf_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One check of a battery: prints "  ok: ..." or "  FAILED: ...", returns ok. */
bool xtf_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends a battery: SUCCESS if every xtf_check passed, else FAILURE naming the first failure. */
noreturn void xtf_report(void);
/* Stops here: SCHEDOP_shutdown(poweroff) on Xen; isa-debug-exit (port 0xf4) and hlt without. */
noreturn void xtf_exit(unsigned int qemu_status);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
