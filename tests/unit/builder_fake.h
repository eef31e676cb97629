/* A simulated control interface for the domain builder's tests: it checks every argument as kernel/ctl.c does. */
#ifndef TEST_BUILDER_FAKE_H
#define TEST_BUILDER_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include <mica/ctl.h>

#include <xen/xen.h>

#include <xen/hvm/hvm_vcpu.h>

#include "builder/builder.h"

#define FAKE_DOMS 8
#define FAKE_P2M 0xff000ULL  /* guest frames below this are in the physical map */
#define FAKE_LOW 0x20000ULL  /* the fake backs RAM gfns below this ... */
#define FAKE_HIGH 0xfe000ULL /* ... and special pages from this to FAKE_P2M */
#define FAKE_SLOTS (FAKE_LOW + FAKE_P2M - FAKE_HIGH)
#define FAKE_VCPUS 8
#define FAKE_PARAMS 64
#define FAKE_MAPS 16
#define FAKE_ONLINE 0xfULL

struct fake_dom {
	bool live;
	uint32_t max_vcpus;
	uint64_t max_pages, pages;
	uint8_t *populated; /* per slot (fake_slot) */
	uint8_t **page;     /* backing, allocated when first mapped */
	uint8_t on_poweroff, on_reboot, on_crash;
	char name[MICA_CTL_NAME_LEN];
	bool up[FAKE_VCPUS], initialised[FAKE_VCPUS];
	struct vcpu_hvm_context vctx[FAKE_VCPUS];
	uint64_t affinity[FAKE_VCPUS];
	uint64_t params[FAKE_PARAMS];
	uint32_t next_port;
};

struct fake_map {
	uint8_t *buf;
	uint16_t dom;
	uint64_t gfn;
	unsigned int nr;
};

struct fake {
	struct fake_dom dom[FAKE_DOMS];
	struct fake_map maps[FAKE_MAPS];
	unsigned int nr_maps, max_map_pages;
	uint64_t total_pages, free_pages;
	bool dirty_ram;       /* fresh pages full of 0xa5 instead of zeros: the builder must zero what it uses */
	unsigned int calls;   /* failable calls so far */
	unsigned int fail_at; /* this one fails (0: none) */
	unsigned int violations;
	char violation[160];
	unsigned int cmd_count[32];
	uint64_t clock;
};

extern const struct builder_ops fake_ops;

void fake_init(struct fake *f, uint64_t free_pages);
void fake_fini(struct fake *f);
unsigned int fake_live_domains(const struct fake *f);
void fake_destroy(struct fake *f, uint16_t dom);
/* Reads guest memory (unpopulated bytes read as 0xee); false if any frame is not populated. */
/* The slot of a gfn in populated/page, or -1 for a gfn the fake cannot back. */
long fake_slot(uint64_t gfn);
bool fake_read(struct fake *f, uint16_t dom, uint64_t gpa, void *buf, uint64_t len);

#endif
