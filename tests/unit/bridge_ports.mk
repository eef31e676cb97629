# The bridge's ports besides the vifs: dom0's own lwIP interface br0 and the uplink over a fake
# NIC (pv-guest/dom0/br0.c, bridge_ports.c), with real netfront guests (tests/unit/multidom_fake.c).
UNIT_TESTS += bridge_ports
bridge_ports_SRCS := tests/unit/test_bridge_ports.c tests/unit/multidom_fake.c pv-guest/dom0/netback.c pv-guest/dom0/netback_vifs.c \
	pv-guest/dom0/bridge_ports.c pv-guest/dom0/bridge.c pv-guest/dom0/dhcpd.c pv-guest/dom0/br0.c pv-guest/drivers/netfront.c \
	$(LWIP_PORT_SRCS) $(addprefix $(BUILD)/lwip/src/,$(LWIP_SRC_FILES))
bridge_ports_CFLAGS := -Ipv-guest/include -Iinclude/public -DPV_HOST_TEST -I$(LWIP_PORT_DIR) -I$(BUILD)/lwip/src/include

$(BUILD)/unit/test_bridge_ports: $(BUILD)/lwip/.stamp
