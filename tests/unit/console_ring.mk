# The console ring the control interface reads (kernel/console_ring.c).
UNIT_TESTS += console_ring
console_ring_SRCS := tests/unit/test_console_ring.c kernel/console_ring.c
