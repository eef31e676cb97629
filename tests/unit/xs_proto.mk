# The pv-guest's xenstore wire protocol (ring I/O, encoding, reply parsing) and the xenbus client
# over a fake store, the scheduler and event channels faked.
UNIT_TESTS += xs_proto
xs_proto_SRCS := tests/unit/test_xs_proto.c pv-guest/kernel/xs_proto.c
xs_proto_CFLAGS := -Ipv-guest/include -DPV_HOST_TEST
UNIT_TESTS += xenbus
xenbus_SRCS := tests/unit/test_xenbus.c pv-guest/kernel/xs_proto.c
xenbus_CFLAGS := -Ipv-guest/include -DPV_HOST_TEST
