/* Framebuffer text console. */
#ifndef MICA_FBCON_H
#define MICA_FBCON_H

#include <mica/boot_info.h>

/* Registers a console on the framebuffer, already mapped at `mapped`. -1 if unusable. */
int fbcon_init(const struct boot_framebuffer *fb, void *mapped);

#endif
