/* Fake physical memory for the ACPI tests: captured fixture tables at their real addresses. */
#include "acpi_fixture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_REGIONS 96

/* ---- printk capture ---- */

char printk_buf[16384];
size_t printk_len;

void printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(printk_buf + printk_len, sizeof(printk_buf) - printk_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		printk_len = MIN(sizeof(printk_buf) - 1, printk_len + (size_t)n);
}

/* ---- fake physical memory ---- */

static struct region regions[MAX_REGIONS];
static int region_count;
struct acpi_info info;

const void *fake_map(paddr_t pa, size_t len, void *ctx)
{
	(void)ctx;
	for (int i = 0; i < region_count; i++) {
		const struct region *r = &regions[i];
		if (pa >= r->pa && pa - r->pa <= r->len && len <= r->len - (pa - r->pa))
			return r->data + (pa - r->pa);
	}
	return NULL;
}

struct region *mem_add(const char *name, paddr_t pa, const void *data, size_t len)
{
	struct region *r;

	assert_true(region_count < MAX_REGIONS);
	r = &regions[region_count++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->pa = pa;
	r->len = len;
	r->data = malloc(len ? len : 1);
	assert_non_null(r->data);
	if (data)
		memcpy(r->data, data, len);
	else
		memset(r->data, 0, len);
	return r;
}

struct region *mem_find(const char *name)
{
	for (int i = 0; i < region_count; i++)
		if (!strcmp(regions[i].name, name))
			return &regions[i];
	fail_msg("no region %s", name);
	return NULL;
}

/* Replaces a region's bytes (same address), reallocating at the exact new size. */
void mem_replace(struct region *r, const void *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, data, len);
	free(r->data);
	r->data = copy;
	r->len = len;
}

void mem_truncate(struct region *r, size_t len)
{
	assert_true(len <= r->len);
	mem_replace(r, r->data, len);
}

int mem_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < region_count; i++)
		free(regions[i].data);
	region_count = 0;
	printk_len = 0;
	printk_buf[0] = '\0';
	return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Loads tests/unit/data/acpi/<machine>/layout and every table it names. */
void load_machine(const char *machine)
{
	char path[256], file[64];
	unsigned long long pa;
	FILE *layout;

	snprintf(path, sizeof(path), DATA_DIR "%s/layout", machine);
	layout = fopen(path, "r");
	if (!layout)
		fail_msg("cannot open %s (run from the repository root)", path);
	while (fscanf(layout, "%63s %llx", file, &pa) == 2) {
		size_t len;
		uint8_t *data;

		snprintf(path, sizeof(path), DATA_DIR "%s/%s", machine, file);
		data = read_file(path, &len);
		*strrchr(file, '.') = '\0';
		mem_add(file, pa, data, len);
		free(data);
	}
	fclose(layout);
	assert_true(region_count >= 5);
}

paddr_t rsdp_pa(void)
{
	return mem_find("RSDP")->pa;
}

int parse(void)
{
	return acpi_parse(rsdp_pa(), fake_map, NULL, &info);
}

/* ---- table editing helpers ---- */

uint8_t sum_bytes(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

void fix_checksum(struct region *r)
{
	struct acpi_sdt_header *h = (void *)r->data;
	size_t len = MIN((size_t)h->length, r->len);

	h->checksum = 0;
	h->checksum = (uint8_t)-sum_bytes(r->data, len);
}

void put32(struct region *r, size_t off, uint32_t v)
{
	assert_true(off + 4 <= r->len);
	memcpy(r->data + off, &v, 4);
}

void put64(struct region *r, size_t off, uint64_t v)
{
	assert_true(off + 8 <= r->len);
	memcpy(r->data + off, &v, 8);
}

uint32_t get32(const struct region *r, size_t off)
{
	uint32_t v;

	memcpy(&v, r->data + off, 4);
	return v;
}

/* Builds a table with a valid header and checksum and maps it at `pa`. */
struct region *add_sdt(const char *name, paddr_t pa, const char *sig, uint8_t rev, const void *body, size_t body_len)
{
	struct region *r = mem_add(name, pa, NULL, sizeof(struct acpi_sdt_header) + body_len);
	struct acpi_sdt_header *h = (void *)r->data;

	memcpy(h->signature, sig, 4);
	h->length = (uint32_t)r->len;
	h->revision = rev;
	memcpy(h->oem_id, "MICA  ", 6);
	if (body_len)
		memcpy(r->data + sizeof(*h), body, body_len);
	fix_checksum(r);
	return r;
}

/* Rewrites a table region in place with a new body (keeps the signature). */
void replace_sdt_body(struct region *r, const void *body, size_t body_len)
{
	size_t len = sizeof(struct acpi_sdt_header) + body_len;
	uint8_t *buf = malloc(len);
	struct acpi_sdt_header *h = (void *)buf;

	memcpy(buf, r->data, sizeof(*h));
	memcpy(buf + sizeof(*h), body, body_len);
	h->length = (uint32_t)len;
	mem_replace(r, buf, len);
	free(buf);
	fix_checksum(r);
}

bool has_warning(enum acpi_warning_code code, const char *sig)
{
	for (uint32_t i = 0; i < MIN(info.warning_count, ACPI_MAX_WARNINGS); i++)
		if (info.warnings[i].code == code && (!sig || !strcmp(info.warnings[i].signature, sig)))
			return true;
	return false;
}

bool has_table(const char *sig)
{
	return acpi_find_table(&info, sig) != NULL;
}
