/*
 * pv-guest: the basics every part of the kernel uses. One address space, identity-mapped
 * (a virtual address is its guest-physical address), one vCPU, cooperative threads.
 * Ordinary C (stdio, stdlib, string, time) comes from newlib; see docs/pv-guest.md.
 */
#ifndef PV_OS_H
#define PV_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096UL
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Identity mapping: frame numbers and addresses convert directly. */
#define virt_to_gfn(v) ((unsigned long)(uintptr_t)(v) >> PAGE_SHIFT)
#define gfn_to_virt(g) ((void *)(uintptr_t)((unsigned long)(g) << PAGE_SHIFT))

/* Barriers for memory shared with other domains (x86: compiler barriers but for mb). */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define xen_mb() mb()
#define xen_rmb() rmb()
#define xen_wmb() wmb()

/* Interrupts (the event-channel upcall is the only interrupt source). Host unit tests
 * (PV_HOST_TEST) get no-ops: cli/sti fault in a user process. */
#ifdef PV_HOST_TEST
static inline unsigned long local_irq_save(void)
{
	return 0x200;
}
static inline void local_irq_restore(unsigned long flags)
{
	(void)flags;
}
static inline void local_irq_disable(void)
{
}
static inline void local_irq_enable(void)
{
}
static inline bool irqs_disabled(void)
{
	return false;
}
#else
static inline unsigned long local_irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
	return flags;
}

static inline void local_irq_restore(unsigned long flags)
{
	if (flags & 0x200)
		__asm__ volatile("sti" ::: "memory");
}

static inline void local_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}
static inline void local_irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}
static inline bool irqs_disabled(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return !(flags & 0x200);
}
#endif

/* Kernel messages: printk writes to the console (the ring once up, console_io before). */
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the message and a stack trace, reports a crash through SCHEDOP_shutdown. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
#define BUG_ON(c)                                                          \
	do {                                                               \
		if (c)                                                     \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c); \
	} while (0)

/* The hypervisor we run on: "Mica" or "Xen", and its version from xen_version. */
extern char hypervisor_name[16];
extern unsigned int hypervisor_version; /* major << 16 | minor */

#endif
