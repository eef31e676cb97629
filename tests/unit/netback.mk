# dom0's netback and bridge (pv-guest/dom0/netback.c, bridge_ports.c) serving the real netfront of several
# fake domains in one process (tests/unit/multidom_fake.c).
UNIT_TESTS += netback
netback_SRCS := tests/unit/test_netback.c tests/unit/multidom_fake.c pv-guest/dom0/netback.c pv-guest/dom0/netback_vifs.c \
	pv-guest/dom0/bridge_ports.c pv-guest/dom0/bridge.c pv-guest/drivers/netfront.c pv-guest/dom0/dhcpd.c
netback_CFLAGS := -Ipv-guest/include -Iinclude/public -DPV_HOST_TEST
