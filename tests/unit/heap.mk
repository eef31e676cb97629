UNIT_TESTS += heap
heap_SRCS := tests/unit/test_heap.c kernel/heap.c
