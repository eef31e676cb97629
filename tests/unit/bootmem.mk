UNIT_TESTS += bootmem
bootmem_SRCS := tests/unit/test_bootmem.c kernel/bootmem.c
