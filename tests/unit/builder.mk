# The domain builder (dom0-tools/builder/) over a simulated control interface: domains with RAM in
# host memory, a p2m array, checked ctl arguments, counted mappings, injected failures.
UNIT_TESTS += builder
builder_SRCS := tests/unit/test_builder.c tests/unit/builder_fake.c dom0-tools/builder/builder.c \
	dom0-tools/builder/elf.c
builder_CFLAGS := -Idom0-tools -Iinclude/public -Itests/unit
