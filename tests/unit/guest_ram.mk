# Guest RAM: populate, balloon and account a domain's pages over a real buddy and a fake p2m.
UNIT_TESTS += guest_ram
guest_ram_SRCS := tests/unit/test_guest_ram.c kernel/guest_ram.c kernel/page_ref.c kernel/buddy.c
