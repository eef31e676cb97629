UNIT_TESTS += buddy
buddy_SRCS := tests/unit/test_buddy.c kernel/buddy.c
