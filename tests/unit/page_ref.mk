# Guest page ownership and references over the buddy allocator's frame table.
UNIT_TESTS += page_ref
page_ref_SRCS := tests/unit/test_page_ref.c kernel/page_ref.c kernel/buddy.c
