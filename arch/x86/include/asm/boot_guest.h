/* The one guest Mica starts from the first boot module, until domains are built by a toolstack. */
#ifndef ASM_BOOT_GUEST_H
#define ASM_BOOT_GUEST_H

/* Builds the first boot module as a PVH guest and runs it on this CPU until it stops. */
void boot_guest_run(void);

#endif
