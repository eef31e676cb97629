# The PVH domain builder: kernel checks over real fixtures (tests/unit/data/pvh/) and
# images built in the test; segment loading and start-info layout over fake guest memory.
UNIT_TESTS += pvh pvh_build
pvh_SRCS := tests/unit/test_pvh.c tests/unit/pvh_image.c kernel/pvh_elf.c kernel/pvh_build.c kernel/vsprintf.c
pvh_build_SRCS := tests/unit/test_pvh_build.c kernel/pvh_elf.c kernel/pvh_build.c kernel/vsprintf.c
