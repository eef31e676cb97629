/* The control interface's unit-test world (tests/unit/ctl_fake.c): fake guest memory, domains and RAM. */
#ifndef TEST_CTL_FAKE_H
#define TEST_CTL_FAKE_H

#include "p2m_fake.h"
#include <public/mica/ctl.h>
#include <asm/hvm.h>
#include <mica/buddy.h>
#include <mica/domain.h>

/* Guest memory: GUEST_SIZE bytes at guest-virtual GUEST_BASE; writes to [ro_lo, ro_hi) fail. */
#define GUEST_BASE 0x10000ULL
#define GUEST_SIZE 0x8000ULL
#define CTL_AT GUEST_BASE            /* the struct mica_ctl */
#define BUF_AT (GUEST_BASE + 0x1000) /* buffers */
extern uint8_t guest[GUEST_SIZE];
extern uint64_t ro_lo, ro_hi;

#define TOTAL_PAGES 262144ULL /* 1 GiB */
#define FREE_PAGES 131072ULL

/* Machine memory for DMA blocks: a real buddy allocator over two RAM ranges, below and above 4 GiB. */
#define LOW_RAM_FIRST 0x100ULL /* frames [1 MiB, 129 MiB) */
#define LOW_RAM_PAGES 0x8000ULL
#define HIGH_RAM_FIRST 0x100000ULL /* frames [4 GiB, 4 GiB + 64 MiB) */
#define HIGH_RAM_PAGES 0x4000ULL
#define MACHINE_FRAMES (HIGH_RAM_FIRST + HIGH_RAM_PAGES)
extern struct buddy machine;
extern unsigned int cleared, assigned, released; /* pages zeroed, given to a domain, taken back */

/* Domains (real p2m tables in fake memory) and what was done to them. */
extern struct domain *doms[DOMAIN_ID_MAX];
extern bool torn_down[DOMAIN_ID_MAX];
extern int starts, pauses, unpauses, kills, populates, init_states;
extern bool create_fails, console_fails;
extern struct hvm_init_state last_state;
extern int populate_ok; /* guest RAM extents that still succeed; negative: all */
extern unsigned int live_refs;
extern uint64_t fake_now;             /* now_ns() */
extern int fake_focus, fake_attached; /* the console's input: a domain id or -1 */
extern domid_t fake_attach_back;
/* A domain's RAM frame: (id + 1) << 24 | gfn. */
uint64_t frame_of(domid_t id, uint64_t gfn);
void fake_destroy(struct domain *d);

/* The fixture: dom0 (privileged) calls from its vCPU 0. */
extern struct domain *dom0;
extern struct vcpu *caller;
int setup(void **state);
int teardown(void **state);

struct mica_ctl req(uint32_t cmd, domid_t domain);
/* Issues c from dom0's vCPU 0 and reads back what the hypervisor wrote. */
long ctl(struct mica_ctl *c);
long simple(uint32_t cmd, domid_t domain);
/* A new domain through the interface, as a toolstack makes one. */
domid_t create(domid_t want, uint32_t vcpus, uint64_t max_pages);
struct mica_ctl_dominfo info(domid_t id);

#endif
