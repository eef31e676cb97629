UNIT_TESTS += pvclock
pvclock_SRCS := tests/unit/test_pvclock.c kernel/pvclock.c
