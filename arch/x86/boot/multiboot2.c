/*
 * Multiboot2 boot information -> struct boot_info. The MBI is validated as a
 * whole (sizes, bounds, end tag) before any tag is interpreted.
 */
#include <mica/multiboot2.h>
#include <mica/printk.h>
#include <mica/string.h>

struct mb2_parser {
	const uint8_t *base;
	struct boot_info *bi;
	int lossy;                                  /* first lossy error seen */
	uint32_t extra_modules;                     /* modules beyond BOOT_MAX_MODULES */
	uint32_t dropped_ranges;                    /* memory ranges beyond BOOT_MAX_MEM_RANGES */
	size_t mmap_off, efi_mmap_off, meminfo_off; /* 0 = tag absent */
	size_t rsdp_old_off, rsdp_new_off;
	bool efi_bs_active; /* EFI boot services were not exited */
};

static const char *const mb2_errors[] = {
    [0] = "ok",
    [-MB2_ERR_ALIGN] = "boot information not 8-byte aligned",
    [-MB2_ERR_TOTAL_SIZE] = "bad total size",
    [-MB2_ERR_TAG_SIZE] = "tag too small",
    [-MB2_ERR_TAG_OVERRUN] = "tag runs past the end",
    [-MB2_ERR_NO_END] = "no end tag",
    [-MB2_ERR_STRING] = "string not terminated",
    [-MB2_ERR_MMAP] = "bad memory map",
    [-MB2_ERR_MODULE] = "bad module bounds",
    [-MB2_ERR_TOO_MANY_MODULES] = "too many modules",
    [-MB2_ERR_TOO_LONG] = "command line too long",
};

const char *mb2_strerror(int err)
{
	if (err > 0 || (size_t)-err >= ARRAY_SIZE(mb2_errors))
		return "unknown error";
	return mb2_errors[-err];
}

static int fail(int err, const char *what, uint32_t type, size_t off)
{
	printk("mb2: %s: %s (tag %u at offset 0x%x)\n", mb2_strerror(err), what, type, (unsigned int)off);
	return err;
}

static void note_lossy(struct mb2_parser *ps, int err)
{
	if (!ps->lossy)
		ps->lossy = err;
}

static inline const void *at(const struct mb2_parser *ps, size_t off)
{
	return ps->base + off;
}

/* ---- structure validation ---- */

static int validate(const uint8_t *p, size_t avail)
{
	if ((uintptr_t)p & 7)
		return fail(MB2_ERR_ALIGN, "misaligned", 0, 0);
	if (avail < sizeof(struct mb2_info_header))
		return fail(MB2_ERR_TOTAL_SIZE, "header not readable", 0, 0);
	uint32_t total = ((const struct mb2_info_header *)p)->total_size;
	if (total < 16 || total > avail)
		return fail(MB2_ERR_TOTAL_SIZE, "total size out of range", 0, total);
	for (size_t off = sizeof(struct mb2_info_header);;) {
		if (off >= total)
			return fail(MB2_ERR_NO_END, "tags end without an end tag", 0, off);
		if (total - off < sizeof(struct mb2_tag))
			return fail(MB2_ERR_TAG_OVERRUN, "tag header cut off", 0, off);
		const struct mb2_tag *tag = (const void *)(p + off);
		if (tag->size < sizeof(struct mb2_tag))
			return fail(MB2_ERR_TAG_SIZE, "size below 8", tag->type, off);
		if (tag->size > total - off)
			return fail(MB2_ERR_TAG_OVERRUN, "size past total size", tag->type, off);
		if (tag->type == MB2_TAG_END)
			return MB2_OK;
		off += ALIGN_UP((size_t)tag->size, 8);
	}
}

/* ---- strings ---- */

/* Copy a tag's trailing string; *truncated if it did not fit in size. */
static int copy_string(const struct mb2_tag *tag, size_t str_off, size_t off, char *dst, size_t size, bool *truncated)
{
	const char *s = (const char *)tag + str_off;
	size_t max = tag->size - str_off;
	size_t len = strnlen(s, max);

	if (len == max)
		return fail(MB2_ERR_STRING, "no NUL inside the tag", tag->type, off);
	*truncated = len >= size;
	len = MIN(len, size - 1);
	memcpy(dst, s, len);
	dst[len] = '\0';
	return MB2_OK;
}

static int tag_cmdline(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	bool trunc;
	int err = copy_string(tag, 8, off, ps->bi->cmdline, BOOT_CMDLINE_MAX, &trunc);

	if (!err && trunc) {
		printk("mb2: command line longer than %u bytes, truncated\n", BOOT_CMDLINE_MAX - 1);
		note_lossy(ps, MB2_ERR_TOO_LONG);
	}
	return err;
}

static int tag_loader_name(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	bool trunc; /* cosmetic: truncate silently */

	return copy_string(tag, 8, off, ps->bi->loader_name, BOOT_LOADER_NAME_MAX, &trunc);
}

static int tag_module(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	const struct mb2_tag_module *m = (const void *)tag;
	struct boot_info *bi = ps->bi;
	bool trunc;

	if (m->mod_end < m->mod_start)
		return fail(MB2_ERR_MODULE, "module ends before it starts", tag->type, off);
	if (bi->nr_modules == BOOT_MAX_MODULES) {
		char scratch[1];
		ps->extra_modules++;
		note_lossy(ps, MB2_ERR_TOO_MANY_MODULES);
		return copy_string(tag, 16, off, scratch, sizeof(scratch), &trunc);
	}
	struct boot_module *bm = &bi->modules[bi->nr_modules];
	int err = copy_string(tag, 16, off, bm->cmdline, BOOT_MODULE_CMDLINE_MAX, &trunc);
	if (err)
		return err;
	if (trunc) {
		printk("mb2: module %u command line truncated\n", bi->nr_modules);
		note_lossy(ps, MB2_ERR_TOO_LONG);
	}
	bm->base = m->mod_start;
	bm->size = m->mod_end - m->mod_start;
	bi->nr_modules++;
	return MB2_OK;
}

/* ---- simple tags: remember where they are or copy a field ---- */

static int tag_mmap(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	const struct mb2_tag_mmap *mm = (const void *)tag;

	if (mm->entry_size < sizeof(struct mb2_mmap_entry) || mm->entry_size % 8)
		return fail(MB2_ERR_MMAP, "bad entry size", tag->type, off);
	if (!ps->mmap_off)
		ps->mmap_off = off;
	return MB2_OK;
}

static int tag_efi_mmap(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	const struct mb2_tag_efi_mmap *em = (const void *)tag;

	if (em->descr_size < sizeof(struct mb2_efi_mem_desc) || em->descr_size % 8)
		return fail(MB2_ERR_MMAP, "bad EFI descriptor size", tag->type, off);
	if (!ps->efi_mmap_off)
		ps->efi_mmap_off = off;
	return MB2_OK;
}

static int tag_meminfo(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	(void)tag;
	ps->meminfo_off = off;
	return MB2_OK;
}

static int tag_framebuffer(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	const struct mb2_tag_framebuffer *t = (const void *)tag;
	struct boot_framebuffer *fb = &ps->bi->fb;

	if (t->fb_type != MB2_FB_RGB)
		return MB2_OK; /* indexed colour and EGA text are of no use to us */
	if (tag->size < MB2_FB_RGB_SIZE)
		return fail(MB2_ERR_TAG_SIZE, "RGB framebuffer without colour fields", tag->type, off);
	*fb = (struct boot_framebuffer){
	    .base = t->addr,
	    .width = t->width,
	    .height = t->height,
	    .pitch = t->pitch,
	    .bpp = t->bpp,
	    .red_pos = t->red_pos,
	    .red_size = t->red_size,
	    .green_pos = t->green_pos,
	    .green_size = t->green_size,
	    .blue_pos = t->blue_pos,
	    .blue_size = t->blue_size,
	};
	return MB2_OK;
}

static int tag_efi64(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	(void)off;
	ps->bi->efi_system_table = ((const struct mb2_tag_efi64 *)tag)->pointer;
	ps->bi->flags |= BOOT_FLAG_EFI_SYSTAB;
	return MB2_OK;
}

static int tag_rsdp_old(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	(void)tag;
	ps->rsdp_old_off = off + offsetof(struct mb2_tag_rsdp, rsdp);
	return MB2_OK;
}

static int tag_rsdp_new(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	(void)tag;
	ps->rsdp_new_off = off + offsetof(struct mb2_tag_rsdp, rsdp);
	return MB2_OK;
}

/* GRUB adds the DHCP ACK tag when it was booted from the network. */
static int tag_network(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	(void)tag, (void)off;
	ps->bi->flags |= BOOT_FLAG_PXE;
	return MB2_OK;
}

static int tag_efi_bs(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	(void)tag, (void)off;
	ps->efi_bs_active = true;
	return MB2_OK;
}

static int tag_load_base(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	(void)off;
	ps->bi->image_base = ((const struct mb2_tag_load_base *)tag)->load_base_addr;
	return MB2_OK;
}

static const struct {
	uint32_t type;
	uint32_t min_size;
	int (*handle)(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off);
} tag_handlers[] = {
    {MB2_TAG_CMDLINE, 8, tag_cmdline},
    {MB2_TAG_BOOT_LOADER_NAME, 8, tag_loader_name},
    {MB2_TAG_MODULE, 16, tag_module},
    {MB2_TAG_BASIC_MEMINFO, 16, tag_meminfo},
    {MB2_TAG_MMAP, 16, tag_mmap},
    {MB2_TAG_FRAMEBUFFER, MB2_FB_COMMON_SIZE, tag_framebuffer},
    {MB2_TAG_EFI64, 16, tag_efi64},
    {MB2_TAG_ACPI_OLD, 8 + MB2_RSDP_V1_SIZE, tag_rsdp_old},
    {MB2_TAG_ACPI_NEW, 8 + MB2_RSDP_V2_SIZE, tag_rsdp_new},
    {MB2_TAG_NETWORK, 8, tag_network},
    {MB2_TAG_EFI_MMAP, 16, tag_efi_mmap},
    {MB2_TAG_EFI_BS, 8, tag_efi_bs},
    {MB2_TAG_LOAD_BASE_ADDR, 12, tag_load_base},
};

static int handle_tag(struct mb2_parser *ps, const struct mb2_tag *tag, size_t off)
{
	for (size_t i = 0; i < ARRAY_SIZE(tag_handlers); i++) {
		if (tag_handlers[i].type != tag->type)
			continue;
		if (tag->size < tag_handlers[i].min_size)
			return fail(MB2_ERR_TAG_SIZE, "too small for its type", tag->type, off);
		return tag_handlers[i].handle(ps, tag, off);
	}
	return MB2_OK; /* unknown or uninteresting tag */
}

/* ---- memory map ---- */

static void add_range(struct mb2_parser *ps, uint64_t base, uint64_t len, uint32_t type)
{
	struct boot_info *bi = ps->bi;

	len = MIN(len, UINT64_MAX - base); /* clip at the top of the address space */
	if (!len)
		return;
	if (bi->nr_mem) {
		struct boot_mem_range *last = &bi->mem[bi->nr_mem - 1];
		if (last->type == type && last->base + last->length == base) {
			last->length += len;
			return;
		}
	}
	if (bi->nr_mem == BOOT_MAX_MEM_RANGES) {
		ps->dropped_ranges++;
		return;
	}
	bi->mem[bi->nr_mem++] = (struct boot_mem_range){.base = base, .length = len, .type = type};
}

static uint32_t mb2_mem_type(uint32_t type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE:
		return BOOT_MEM_RAM;
	case MB2_MEM_ACPI_RECLAIMABLE:
		return BOOT_MEM_ACPI_RECLAIM;
	case MB2_MEM_NVS:
		return BOOT_MEM_ACPI_NVS;
	case MB2_MEM_BADRAM:
		return BOOT_MEM_UNUSABLE;
	default:
		return BOOT_MEM_RESERVED;
	}
}

static void convert_mmap(struct mb2_parser *ps)
{
	const struct mb2_tag_mmap *mm = at(ps, ps->mmap_off);
	const uint8_t *e = (const uint8_t *)mm + sizeof(*mm);
	size_t n = (mm->size - sizeof(*mm)) / mm->entry_size;

	for (size_t i = 0; i < n; i++, e += mm->entry_size) {
		const struct mb2_mmap_entry *ent = (const void *)e;
		add_range(ps, ent->base, ent->length, mb2_mem_type(ent->type));
	}
}

/* EFI memory types (UEFI spec, EFI_MEMORY_TYPE) to boot_mem_type. */
static const uint8_t efi_mem_types[] = {
    [0] = BOOT_MEM_RESERVED,     /* EfiReservedMemoryType */
    [1] = BOOT_MEM_RAM,          /* EfiLoaderCode */
    [2] = BOOT_MEM_RAM,          /* EfiLoaderData */
    [3] = BOOT_MEM_RAM,          /* EfiBootServicesCode */
    [4] = BOOT_MEM_RAM,          /* EfiBootServicesData */
    [5] = BOOT_MEM_FIRMWARE,     /* EfiRuntimeServicesCode */
    [6] = BOOT_MEM_FIRMWARE,     /* EfiRuntimeServicesData */
    [7] = BOOT_MEM_RAM,          /* EfiConventionalMemory */
    [8] = BOOT_MEM_UNUSABLE,     /* EfiUnusableMemory */
    [9] = BOOT_MEM_ACPI_RECLAIM, /* EfiACPIReclaimMemory */
    [10] = BOOT_MEM_ACPI_NVS,    /* EfiACPIMemoryNVS */
    [11] = BOOT_MEM_MMIO,        /* EfiMemoryMappedIO */
    [12] = BOOT_MEM_MMIO,        /* EfiMemoryMappedIOPortSpace */
    [13] = BOOT_MEM_RESERVED,    /* EfiPalCode */
    [14] = BOOT_MEM_RESERVED,    /* EfiPersistentMemory */
};

static uint32_t efi_mem_type(const struct mb2_parser *ps, uint32_t type)
{
	if (type >= ARRAY_SIZE(efi_mem_types))
		return BOOT_MEM_RESERVED;
	/* Boot services memory is only ours once they have been exited. */
	if (ps->efi_bs_active && (type == 3 || type == 4))
		return BOOT_MEM_RESERVED;
	return efi_mem_types[type];
}

static void convert_efi_mmap(struct mb2_parser *ps)
{
	const struct mb2_tag_efi_mmap *em = at(ps, ps->efi_mmap_off);
	const uint8_t *d = (const uint8_t *)em + sizeof(*em);
	size_t n = (em->size - sizeof(*em)) / em->descr_size;

	for (size_t i = 0; i < n; i++, d += em->descr_size) {
		const struct mb2_efi_mem_desc *desc = (const void *)d;
		uint64_t len =
		    desc->num_pages > (UINT64_MAX >> PAGE_SHIFT) ? UINT64_MAX : desc->num_pages << PAGE_SHIFT;
		add_range(ps, desc->phys_start, len, efi_mem_type(ps, desc->type));
	}
}

static void convert_meminfo(struct mb2_parser *ps)
{
	const struct mb2_tag_basic_meminfo *mi = at(ps, ps->meminfo_off);

	add_range(ps, 0, (uint64_t)mi->mem_lower << 10, BOOT_MEM_RAM);
	add_range(ps, 1ULL << 20, (uint64_t)mi->mem_upper << 10, BOOT_MEM_RAM);
}

static void build_memory_map(struct mb2_parser *ps)
{
	if (ps->mmap_off)
		convert_mmap(ps);
	else if (ps->efi_mmap_off)
		convert_efi_mmap(ps);
	else if (ps->meminfo_off)
		convert_meminfo(ps);
	else
		printk("mb2: no memory map from the boot loader\n");
	if (ps->dropped_ranges)
		printk("mb2: memory map has more than %u ranges, %u dropped\n", BOOT_MAX_MEM_RANGES,
		       ps->dropped_ranges);
}

/* ---- entry point ---- */

static void init_boot_info(struct boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->loader = BOOT_LOADER_MULTIBOOT2;
}

int mb2_parse(const void *mbi, size_t avail, uint64_t mbi_phys, struct boot_info *bi)
{
	struct mb2_parser ps = {.base = mbi, .bi = bi};
	int err;

	init_boot_info(bi);
	err = validate(mbi, avail);
	if (err)
		return err;
	for (size_t off = sizeof(struct mb2_info_header);;) {
		const struct mb2_tag *tag = at(&ps, off);
		if (tag->type == MB2_TAG_END)
			break;
		err = handle_tag(&ps, tag, off);
		if (err)
			return err;
		off += ALIGN_UP((size_t)tag->size, 8);
	}
	build_memory_map(&ps);
	if (ps.rsdp_new_off)
		bi->rsdp = mbi_phys + ps.rsdp_new_off;
	else if (ps.rsdp_old_off)
		bi->rsdp = mbi_phys + ps.rsdp_old_off;
	if (ps.extra_modules)
		printk("mb2: %u modules, only the first %u are used\n", BOOT_MAX_MODULES + ps.extra_modules,
		       BOOT_MAX_MODULES);
	return ps.lossy;
}
