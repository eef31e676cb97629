/*
 * acpidump: finds the RSDP, walks the RSDT and the XSDT, and hexdumps the RSDP and every table
 * (plus the DSDT and FACS named by the FADT) on COM1. Test-only; never linked into Mica.
 *
 * Output:  "RSDP <addr> <len>" or "TABLE <sig> <addr> <len>", hex lines of 32 bytes, "END";
 *          "SKIP <addr> <reason>" for pointers it will not follow; "ACPIDUMP DONE" at the end.
 */
#include <stddef.h>
#include <stdint.h>

#define MAX_TABLES 128
#define MAX_TABLE_LEN (1u << 20)
#define LOW_4G (1ull << 32)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void serial_init(void)
{
	outb(0x3F9, 0x00);
	outb(0x3FB, 0x80);
	outb(0x3F8, 0x01); /* 115200 baud */
	outb(0x3F9, 0x00);
	outb(0x3FB, 0x03);
	outb(0x3FA, 0xC7);
	outb(0x3FC, 0x0B);
}

static void putc_raw(char c)
{
	for (unsigned int n = 10000000; n && !(inb(0x3FD) & 0x20); n--)
		;
	outb(0x3F8, (uint8_t)c);
}

static void puts_(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_raw('\r');
		putc_raw(*s);
	}
}

static void puthex(uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = digits - 1; i >= 0; i--)
		putc_raw(hex[(v >> (i * 4)) & 0xF]);
}

static void putaddr(uint64_t v)
{
	puts_("0x");
	puthex(v, 8 + 8 * (v >= LOW_4G));
}

static void putdec(uint32_t v)
{
	char buf[12];
	int i = 0;
	do {
		buf[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i--)
		putc_raw(buf[i]);
}

static int mem_eq(const void *a, const char *b, size_t n)
{
	const uint8_t *p = a;
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)b[i])
			return 0;
	return 1;
}

static uint32_t rd32(uint64_t pa)
{
	const volatile uint8_t *p = (const volatile uint8_t *)pa;
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(uint64_t pa)
{
	return rd32(pa) | (uint64_t)rd32(pa + 4) << 32;
}

static void hexdump(uint64_t pa, uint32_t len)
{
	const volatile uint8_t *p = (const volatile uint8_t *)pa;
	for (uint32_t i = 0; i < len; i++) {
		puthex(p[i], 2);
		if ((i & 31) == 31 || i + 1 == len)
			puts_("\n");
	}
	puts_("END\n");
}

/* ---- RSDP search: first KiB of the EBDA, then 0xE0000-0xFFFFF (16-byte steps) ---- */

static int rsdp_ok(uint64_t pa)
{
	const uint8_t *p = (const uint8_t *)pa;
	uint8_t sum = 0;
	if (!mem_eq(p, "RSD PTR ", 8))
		return 0;
	for (int i = 0; i < 20; i++)
		sum += p[i];
	return sum == 0;
}

/*
 * UEFI firmware (OVMF) has no RSDP in the BIOS area: scan the ACPI-reclaim (3) and ACPI-NVS (4)
 * ranges of the Multiboot1 memory map (entries: size, base, length, type; size excludes itself).
 */
static uint64_t scan_mmap_for_rsdp(uint32_t magic, uint64_t info)
{
	if (magic != 0x2BADB002 || !info || !(rd32(info) & (1u << 6)))
		return 0;
	uint64_t mmap = rd32(info + 48), end = mmap + rd32(info + 44), found = 0;
	for (uint64_t e = mmap; e + 24 <= end; e += rd32(e) + 4) {
		uint64_t base = rd64(e + 4), len = rd64(e + 12);
		uint32_t type = rd32(e + 20);
		if ((type != 3 && type != 4) || base >= LOW_4G)
			continue;
		if (base + len > LOW_4G)
			len = LOW_4G - base;
		/* EDK2 places its ACPI 2.0 RSDP on a 4-byte boundary (found via the EFI config table) */
		for (uint64_t pa = (base + 3) & ~3ull; pa + 20 <= base + len; pa += 4) {
			if (!rsdp_ok(pa))
				continue;
			if (((const uint8_t *)pa)[15] >= 2)
				return pa; /* EDK2 also installs an ACPI 1.0 copy: prefer 2.0+ */
			if (!found)
				found = pa;
		}
	}
	return found;
}

static uint64_t find_rsdp(uint32_t magic, uint64_t info)
{
	uint64_t ebda = (uint64_t)(*(volatile uint16_t *)0x40E) << 4;
	if (ebda >= 0x80000 && ebda < 0xA0000)
		for (uint64_t pa = ebda; pa < ebda + 1024; pa += 16)
			if (rsdp_ok(pa))
				return pa;
	for (uint64_t pa = 0xE0000; pa < 0x100000; pa += 16)
		if (rsdp_ok(pa))
			return pa;
	return scan_mmap_for_rsdp(magic, info);
}

/* ---- table queue: every physical address dumped once ---- */

static uint64_t queue[MAX_TABLES];
static unsigned int queue_len;

static void enqueue(uint64_t pa, const char *why)
{
	if (!pa)
		return;
	if (pa >= LOW_4G) {
		puts_("SKIP ");
		putaddr(pa);
		puts_(" above-4G ");
		puts_(why);
		puts_("\n");
		return;
	}
	for (unsigned int i = 0; i < queue_len; i++)
		if (queue[i] == pa)
			return;
	if (queue_len < MAX_TABLES)
		queue[queue_len++] = pa;
}

static void enqueue_sdt_entries(uint64_t sdt, unsigned int entry_size)
{
	uint32_t len = rd32(sdt + 4);
	if (len < 36 || len > MAX_TABLE_LEN)
		return;
	for (uint32_t off = 36; off + entry_size <= len; off += entry_size)
		enqueue(entry_size == 8 ? rd64(sdt + off) : rd32(sdt + off), "sdt-entry");
}

/* FADT: FIRMWARE_CTRL @36, DSDT @40, X_FIRMWARE_CTRL @132, X_DSDT @140. */
static void enqueue_fadt_pointers(uint64_t fadt, uint32_t len)
{
	if (len >= 44) {
		enqueue(rd32(fadt + 36), "facs");
		enqueue(rd32(fadt + 40), "dsdt");
	}
	if (len >= 148) {
		enqueue(rd64(fadt + 132), "x-facs");
		enqueue(rd64(fadt + 140), "x-dsdt");
	}
}

static void put_sig(uint64_t pa)
{
	const volatile uint8_t *p = (const volatile uint8_t *)pa;
	for (int i = 0; i < 4; i++) {
		uint8_t c = p[i];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		putc_raw(ok ? (char)c : '_');
	}
}

static void dump_table(uint64_t pa)
{
	uint32_t len = rd32(pa + 4);
	if (len < 8 || len > MAX_TABLE_LEN) {
		puts_("SKIP ");
		putaddr(pa);
		puts_(" bad-length\n");
		return;
	}
	puts_("TABLE ");
	put_sig(pa);
	puts_(" ");
	putaddr(pa);
	puts_(" ");
	putdec(len);
	puts_("\n");
	hexdump(pa, len);
	if (mem_eq((const void *)pa, "FACP", 4))
		enqueue_fadt_pointers(pa, len);
}

static void exit_emulator(void)
{
	const char *s = "Shutdown";
	outb(0xf4, 0); /* QEMU isa-debug-exit */
	while (*s)
		outb(0x8900, (uint8_t)*s++); /* Bochs shutdown port */
	for (;;)
		__asm__ volatile("cli; hlt");
}

void dump_main(uint32_t magic, uint32_t info)
{
	serial_init();
	puts_("\nACPIDUMP BEGIN\n");
	uint64_t rsdp = find_rsdp(magic, info);
	if (!rsdp) {
		puts_("NO RSDP\nACPIDUMP DONE\n");
		exit_emulator();
	}
	const uint8_t *r = (const uint8_t *)rsdp;
	uint8_t rev = r[15];
	uint32_t rlen = rev >= 2 ? rd32(rsdp + 20) : 20;
	if (rlen < 20 || rlen > 64)
		rlen = 20;
	puts_("RSDP ");
	putaddr(rsdp);
	puts_(" ");
	putdec(rlen);
	puts_("\n");
	hexdump(rsdp, rlen);

	uint64_t rsdt = rd32(rsdp + 16);
	uint64_t xsdt = rev >= 2 && rlen >= 36 ? rd64(rsdp + 24) : 0;
	enqueue(rsdt, "rsdt");
	enqueue(xsdt, "xsdt");
	if (xsdt && xsdt < LOW_4G)
		enqueue_sdt_entries(xsdt, 8);
	if (rsdt)
		enqueue_sdt_entries(rsdt, 4);
	for (unsigned int i = 0; i < queue_len; i++)
		dump_table(queue[i]);
	puts_("ACPIDUMP DONE\n");
	exit_emulator();
}
