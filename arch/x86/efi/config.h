/*
 * mica.cfg parser: portable C shared by mica.efi and the host unit tests.
 *
 * The file follows xen.efi's configuration format:
 *
 *	# A comment: '#' as the first non-blank character of a line.
 *	[global]
 *	default=normal
 *	hypervisor=mica.elf
 *
 *	[normal]
 *	options=console=com1 loglvl=all
 *	kernel=dom0.elf console=hvc0
 *	ramdisk=initrd.img
 *	module=extra.bin arg=1
 *
 * [global] takes default= (the section booted when none is named) and
 * hypervisor= (the hypervisor ELF, default mica.elf). A boot section takes
 * options= (hypervisor command line), kernel= (dom0 image and its arguments),
 * ramdisk=, hypervisor= (overrides [global]'s) and up to MICA_CFG_MAX_MODULES
 * module= lines, kept in order. Other keys, duplicate keys and duplicate
 * sections are errors. '#' inside a value is part of the value.
 * Keys are case sensitive. Whitespace around '=', keys, values and inside
 * "[ name ]" is ignored; CRLF line ends and a UTF-8 byte-order mark are accepted.
 * Every line of the file is checked, not only the selected section, so a typo
 * anywhere is reported with its line number. A section without kernel= boots
 * the hypervisor alone. File names are relative to the loader's directory.
 */
#ifndef MICA_EFI_CONFIG_H
#define MICA_EFI_CONFIG_H

#include <mica/boot_info.h>
#include <mica/types.h>

#define MICA_CFG_LINE_MAX 1023  /* bytes per line, without the line end */
#define MICA_CFG_SECTION_MAX 64 /* section name, including the NUL */
#define MICA_CFG_MAX_SECTIONS 32
#define MICA_CFG_PATH_MAX 256 /* hypervisor= file name, including the NUL */
#define MICA_CFG_ERR_MAX 160
/* boot_info carries kernel + ramdisk + the module= lines. */
#define MICA_CFG_MAX_MODULES (BOOT_MAX_MODULES - 2)
#define MICA_CFG_DEFAULT_HYPERVISOR "mica.elf"
#define MICA_CFG_GLOBAL "global"

struct mica_cfg {
	char section[MICA_CFG_SECTION_MAX];    /* the section that was selected */
	char hypervisor[MICA_CFG_PATH_MAX];    /* section's, else [global]'s, else the default */
	char options[BOOT_CMDLINE_MAX];        /* "" when absent */
	char kernel[BOOT_MODULE_CMDLINE_MAX];  /* "file args..."; "" = no dom0 */
	char ramdisk[BOOT_MODULE_CMDLINE_MAX]; /* "" = none */
	unsigned int nr_modules;
	char modules[MICA_CFG_MAX_MODULES][BOOT_MODULE_CMDLINE_MAX];
};

struct mica_cfg_error {
	unsigned int line; /* 1-based; 0 when the error concerns the whole file */
	char msg[MICA_CFG_ERR_MAX];
};

/*
 * Parses text[0..len) (need not be NUL-terminated) and fills *out with the
 * settings of `section`, or when section is NULL of [global] default=, or when
 * there is no default= of the first section other than [global].
 * Returns 0, or -1 with *err describing the first problem.
 */
int mica_cfg_parse(const char *text, size_t len, const char *section, struct mica_cfg *out, struct mica_cfg_error *err);

/* Length of the file-name part of a "file args..." value (up to the first blank). */
size_t mica_cfg_file_len(const char *value);

#endif
