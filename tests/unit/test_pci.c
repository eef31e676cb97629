/*
 * Unit tests for dom0's PCI layer (pv-guest/dom0/pci.c) over a fake configuration space that
 * behaves like hardware: BARs keep only their address bits (all ones read back as the size
 * mask), unpopulated functions read all ones, and a BAR written while its decoding is on counts
 * as an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pv/pci.h>

#define MAX_FAKE 8

struct fake_fn {
	uint8_t bus, dev, fn;
	uint8_t cfg[256];
	uint32_t bar_mask[6]; /* address bits a BAR keeps (with its flag bits: what all ones reads back) */
	bool bar_upper[6];    /* the upper half of a 64-bit BAR: no flag bits */
};

static struct fake_fn fakes[MAX_FAKE];
static unsigned int nr_fakes, writes_while_decoding, cfg_reads;

static struct fake_fn *find(const struct pci_dev *p)
{
	for (unsigned int i = 0; i < nr_fakes; i++)
		if (fakes[i].bus == p->bus && fakes[i].dev == p->dev && fakes[i].fn == p->fn)
			return &fakes[i];
	return NULL;
}

static uint32_t get32(const struct fake_fn *f, unsigned int off)
{
	uint32_t v;

	memcpy(&v, f->cfg + off, 4);
	return v;
}

static void put32(struct fake_fn *f, unsigned int off, uint32_t v)
{
	memcpy(f->cfg + off, &v, 4);
}

uint32_t pci_read32(const struct pci_dev *p, unsigned int off)
{
	struct fake_fn *f = find(p);

	cfg_reads++;
	assert_int_equal(off & 3, 0);
	return f ? get32(f, off) : 0xffffffffu;
}

uint16_t pci_read16(const struct pci_dev *p, unsigned int off)
{
	return (uint16_t)(pci_read32(p, off & ~3u) >> (8 * (off & 2)));
}

uint8_t pci_read8(const struct pci_dev *p, unsigned int off)
{
	return (uint8_t)(pci_read32(p, off & ~3u) >> (8 * (off & 3)));
}

void pci_write32(const struct pci_dev *p, unsigned int off, uint32_t v)
{
	struct fake_fn *f = find(p);

	assert_non_null(f);
	if (off >= 0x10 && off < 0x28) {
		unsigned int i = (off - 0x10) / 4;

		if (get32(f, 0x04) & 3)
			writes_while_decoding++;
		/* flag bits are read-only; address bits below the size stay 0 */
		if (!f->bar_upper[i])
			v = (v & f->bar_mask[i]) | (get32(f, off) & (get32(f, off) & 1 ? 0x3 : 0xf));
		else
			v &= f->bar_mask[i];
	}
	put32(f, off, v);
}

void pci_write16(const struct pci_dev *p, unsigned int off, uint16_t v)
{
	struct fake_fn *f = find(p);
	uint32_t w;

	assert_non_null(f);
	w = get32(f, off & ~3u);
	w = (w & ~(0xffffu << (8 * (off & 2)))) | (uint32_t)v << (8 * (off & 2));
	put32(f, off & ~3u, w);
}

void pci_write8(const struct pci_dev *p, unsigned int off, uint8_t v)
{
	struct fake_fn *f = find(p);

	assert_non_null(f);
	f->cfg[off] = v;
}

static struct fake_fn *add_fn(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor, uint16_t device, uint32_t class,
			      uint8_t header)
{
	struct fake_fn *f = &fakes[nr_fakes++];

	memset(f, 0, sizeof(*f));
	f->bus = bus;
	f->dev = dev;
	f->fn = fn;
	put32(f, 0, (uint32_t)device << 16 | vendor);
	put32(f, 0x04, 0x0003); /* I/O and memory decoding on, as firmware leaves them */
	put32(f, 0x08, class);
	f->cfg[0x0e] = header;
	return f;
}

/* A BAR of size (a power of two) at base with flag bits; a 64-bit one takes two slots. */
static void add_bar(struct fake_fn *f, unsigned int i, uint64_t base, uint64_t size, uint32_t flags)
{
	uint64_t mask = ~(size - 1);

	put32(f, 0x10 + 4 * i, (uint32_t)base | flags);
	f->bar_mask[i] = (uint32_t)mask & ~(flags & 1 ? 0x3u : 0xfu);
	if (flags & 1)
		f->bar_mask[i] &= 0xffff; /* a 16-bit I/O decoder */
	if ((flags & 0x6) == 0x4 && !(flags & 1)) {
		put32(f, 0x14 + 4 * i, (uint32_t)(base >> 32));
		f->bar_mask[i + 1] = (uint32_t)(mask >> 32);
		f->bar_upper[i + 1] = true;
	}
}

static void add_cap(struct fake_fn *f, uint8_t at, uint8_t id, uint8_t next)
{
	f->cfg[at] = id;
	f->cfg[at + 1] = next;
}

/* The machine: a host bridge, a multi-function device (fn 0, 2), a bridge, a device on bus 3. */
static int setup(void **state)
{
	struct fake_fn *f;

	nr_fakes = writes_while_decoding = cfg_reads = 0;
	add_fn(0, 0, 0, 0x8086, 0x1237, 0x06000002, 0);
	f = add_fn(0, 1, 0, 0x8086, 0x7000, 0x06010000, 0x80);
	add_fn(0, 1, 2, 0x8086, 0x7020, 0x0c030001, 0);
	f = add_fn(0, 5, 0, 0x1af4, 0x1000, 0x02000000, 0);
	add_bar(f, 0, 0xc080, 0x20, 0x1);                 /* I/O */
	add_bar(f, 1, 0xfebd1000, 0x1000, 0x0);           /* 32-bit memory */
	add_bar(f, 4, 0x200000000ULL, 0x4000, 0x4 | 0x8); /* 64-bit prefetchable, above 4 GiB */
	put32(f, 0x2c, 0x00011af4);
	f->cfg[0x06] = 0x10; /* capability list */
	f->cfg[0x34] = 0x98;
	add_cap(f, 0x98, 0x11, 0x84); /* MSI-X */
	add_cap(f, 0x84, 0x09, 0x70); /* vendor (virtio) */
	add_cap(f, 0x70, 0x09, 0x60);
	add_cap(f, 0x60, 0x09, 0x00);
	f = add_fn(0, 6, 0, 0x1b36, 0x000c, 0x06040000, 0x01); /* PCI bridge: listed only */
	put32(f, 0x10, 0xfe800000);                            /* a bridge's BAR is not sized */
	f = add_fn(3, 0, 0, 0x1af4, 0x1110, 0x05000000, 0);
	add_bar(f, 2, 0x100000000ULL, 0x100000000ULL, 0x4); /* 4 GiB, 64-bit */
	add_bar(f, 0, 0, 0x100, 0);
	put32(f, 0x10, 0); /* unassigned, but implemented */
	f->cfg[0x06] = 0x10;
	f->cfg[0x34] = 0x40;
	add_cap(f, 0x40, 0x05, 0x40); /* a list that loops */
	return 0;
}

static struct pci_dev *get_bdf(uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct pci_dev *p;

	for (unsigned int i = 0; (p = pci_get(i)) != NULL; i++)
		if (p->bus == bus && p->dev == dev && p->fn == fn)
			return p;
	return NULL;
}

/* pci_init runs once: every check is in one test, in order. */
static void test_enumeration(void **state)
{
	struct pci_dev *p;
	unsigned int reads;

	assert_int_equal(pci_init(), 6);
	reads = cfg_reads;
	assert_int_equal(pci_init(), 6); /* once */
	assert_int_equal(cfg_reads, reads);
	assert_non_null(get_bdf(0, 1, 2)); /* multi-function: function 2 found past a missing 1 */
	assert_null(get_bdf(0, 1, 1));
	assert_non_null(get_bdf(3, 0, 0)); /* every bus is scanned */
	assert_null(pci_get(6));
	p = get_bdf(0, 5, 0);
	assert_int_equal(p->vendor, 0x1af4);
	assert_int_equal(p->device, 0x1000);
	assert_int_equal(p->class, 0x02);
	assert_int_equal(p->subclass, 0x00);
	assert_int_equal(p->subsys_device, 0x0001);
	assert_int_equal(get_bdf(0, 1, 2)->prog_if, 0x00);
	assert_int_equal(get_bdf(0, 0, 0)->revision, 0x02);
}

static void test_bars(void **state)
{
	struct pci_dev *p = get_bdf(0, 5, 0), *b;
	struct fake_fn *f = find(p);

	assert_int_equal(writes_while_decoding, 0); /* decoding off while sizing */
	assert_int_equal(get32(f, 0x04) & 3, 3);    /* and back on */
	assert_true(p->bar_io[0]);
	assert_int_equal(p->bar_base[0], 0xc080);
	assert_int_equal(p->bar_size[0], 0x20);
	assert_false(p->bar_io[1]);
	assert_int_equal(p->bar_base[1], 0xfebd1000);
	assert_int_equal(p->bar_size[1], 0x1000);
	assert_false(p->bar_64[1]);
	assert_int_equal(p->bar_size[2], 0);
	assert_true(p->bar_64[4]);
	assert_int_equal(p->bar_base[4], 0x200000000ULL);
	assert_int_equal(p->bar_size[4], 0x4000);
	assert_int_equal(p->bar_size[5], 0);          /* the upper half */
	assert_int_equal(get32(f, 0x20), 0x0000000c); /* restored */
	assert_int_equal(get32(f, 0x24), 0x2);
	assert_int_equal(get32(f, 0x10), 0xc081);
	b = get_bdf(3, 0, 0);
	assert_int_equal(b->bar_size[2], 0x100000000ULL);
	assert_int_equal(b->bar_base[2], 0x100000000ULL);
	assert_int_equal(b->bar_size[0], 0x100); /* implemented, not assigned: size known, base 0 */
	assert_int_equal(b->bar_base[0], 0);
	b = get_bdf(0, 6, 0); /* the bridge: not sized */
	for (unsigned int i = 0; i < PCI_MAX_BARS; i++)
		assert_int_equal(b->bar_size[i], 0);
	assert_int_equal(get32(find(b), 0x10), 0xfe800000);
}

static void test_caps(void **state)
{
	struct pci_dev *p = get_bdf(0, 5, 0);
	unsigned int seen = 0;

	assert_int_equal(pci_find_cap(p, 0x11, 0), 0x98);
	for (unsigned int o = pci_find_cap(p, 0x09, 0); o; o = pci_find_cap(p, 0x09, o))
		seen = seen * 0x100 + o;
	assert_int_equal(seen, 0x847060);
	assert_int_equal(pci_find_cap(p, 0x05, 0), 0);
	assert_int_equal(pci_find_cap(get_bdf(0, 0, 0), 0x09, 0), 0); /* no list */
	assert_int_equal(pci_find_cap(get_bdf(3, 0, 0), 0x05, 0), 0x40);
	assert_int_equal(pci_find_cap(get_bdf(3, 0, 0), 0x11, 0), 0); /* the loop ends */
}

static int probes;
static int probe_ok(struct pci_dev *p)
{
	probes++;
	return 0;
}

static int probe_no(struct pci_dev *p)
{
	probes++;
	return -1;
}

static void test_drivers(void **state)
{
	const struct pci_driver no = {"nope", 0x1af4, 0xffff, probe_no};
	const struct pci_driver net = {"virtio-net", 0x1af4, 0x1000, probe_ok};
	const struct pci_driver any = {"virtio-any", 0x1af4, 0xffff, probe_ok};
	struct pci_dev *p = get_bdf(0, 5, 0);

	probes = 0;
	pci_probe(&no);
	assert_int_equal(probes, 2);
	assert_null(p->driver);
	pci_probe(&net);
	assert_int_equal(probes, 3);
	assert_string_equal(p->driver, "virtio-net");
	pci_probe(&any); /* the claimed one is not offered again */
	assert_int_equal(probes, 4);
	assert_string_equal(get_bdf(3, 0, 0)->driver, "virtio-any");
	assert_string_equal(p->driver, "virtio-net");
	pci_enable(p);
	assert_int_equal(get32(find(p), 0x04) & 7, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enumeration),
	    cmocka_unit_test(test_bars),
	    cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_drivers),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
