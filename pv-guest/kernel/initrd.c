/* The initrd: the start info's first module, read in place as a cpio archive (pv/initrd.h). */
#include <pv/initrd.h>
#include <pv/setup.h>

#include <errno.h>

#include <xen/arch-x86/hvm/start_info.h>

#include "initrd/cpio.h"

static const void *initrd_data;
static size_t initrd_len;

int initrd_init(void)
{
	const struct hvm_modlist_entry *mod;
	int n;

	/* Version 0 of the start info already has the module list; nothing newer is needed. */
	if (!start_info || !start_info->nr_modules || !start_info->modlist_paddr)
		return -ENOENT;
	mod = (const void *)(uintptr_t)start_info->modlist_paddr; /* identity-mapped */
	if (!mod->paddr || !mod->size)
		return -ENOENT;
	n = cpio_validate((const void *)(uintptr_t)mod->paddr, (size_t)mod->size);
	if (n < 0) {
		printk("pv-guest: initrd at %#lx (%lu bytes) is not a cpio newc archive (%d)\n",
		       (unsigned long)mod->paddr, (unsigned long)mod->size, n);
		return -EINVAL;
	}
	initrd_data = (const void *)(uintptr_t)mod->paddr;
	initrd_len = (size_t)mod->size;
	printk("pv-guest: initrd: %d entries, %lu KiB\n", n, (unsigned long)(initrd_len / 1024));
	return 0;
}

int initrd_open(const char *path, const void **data, size_t *len)
{
	struct cpio_entry e;
	int rc;

	if (!initrd_data)
		return -ENOENT;
	rc = cpio_find(initrd_data, initrd_len, path, &e);
	if (rc)
		return rc;
	if (e.type == CPIO_DIR)
		return -EISDIR;
	if (e.type != CPIO_FILE)
		return -EINVAL;
	*data = e.data;
	*len = e.size;
	return 0;
}

struct list_call {
	void (*fn)(const char *name, size_t size, bool is_dir, void *arg);
	void *arg;
};

static void list_one(const struct cpio_entry *child, void *arg)
{
	struct list_call *call = arg;

	call->fn(child->name, child->size, child->type == CPIO_DIR, call->arg);
}

int initrd_list(const char *dir, void (*fn)(const char *name, size_t size, bool is_dir, void *arg), void *arg)
{
	struct list_call call = {.fn = fn, .arg = arg};

	if (!initrd_data)
		return -ENOENT;
	return cpio_list(initrd_data, initrd_len, dir, list_one, &call);
}
