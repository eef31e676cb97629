/* Hypervisor virtual memory layout. Usable from C and assembly. */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

/* The image: linked here, mapped to wherever it was loaded (boot_info.image_base). */
#define KERNEL_VIRT_BASE 0xFFFFFFFF80000000
#define IMAGE_LOAD_PHYS 0x200000
/* Direct map of all physical memory (and the low 4 GiB of MMIO). */
#define DIRECTMAP_BASE 0xFFFF800000000000
#define DIRECTMAP_SIZE (1ULL << 45) /* 32 TiB */

#define BOOT_STACK_SIZE (16 * 1024)
#define CPU_STACK_SIZE (16 * 1024)
#define IST_STACK_SIZE (8 * 1024)

/* Identity-mapped low memory page the AP startup trampoline is copied to. */
#define AP_TRAMPOLINE_PHYS 0x8000

#endif
