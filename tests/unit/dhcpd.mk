# dom0's DHCP server for the bridge: offers, acks, naks, the pool, malformed frames.
UNIT_TESTS += dhcpd
dhcpd_SRCS := tests/unit/test_dhcpd.c pv-guest/dom0/dhcpd.c
dhcpd_CFLAGS := -Ipv-guest/include
