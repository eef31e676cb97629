# pv-guest netfront and its lwIP glue, against fake Xen services and a fake netback; lwIP's
# core built on the host with pv-guest's lwipopts.h. lwIP's source comes from
# scripts/fetch-lwip.sh (Debian's source package) into $(BUILD)/lwip.
UNIT_TESTS += netfront

LWIP_DIR ?= $(BUILD)/lwip

netfront_SRCS := tests/unit/test_netfront.c tests/unit/pv_fake.c tests/unit/netback_fake.c \
	pv-guest/drivers/netfront.c $(LWIP_PORT_SRCS) $(addprefix $(BUILD)/lwip/src/,$(LWIP_SRC_FILES))
netfront_CFLAGS := -Ipv-guest/include -DPV_HOST_TEST -I$(LWIP_PORT_DIR) -I$(BUILD)/lwip/src/include

$(BUILD)/lwip/.stamp: scripts/fetch-lwip.sh | $(DEPS_OK)
	$(Q)scripts/fetch-lwip.sh $(BUILD)/lwip
	$(Q)touch $@

# lwIP's files appear when the stamp's recipe has run.
$(BUILD)/lwip/src/%: $(BUILD)/lwip/.stamp ;

$(BUILD)/unit/test_netfront: $(BUILD)/lwip/.stamp
# They are prerequisites made by a pattern rule: keep make from deleting them as intermediates.
.SECONDARY: $(addprefix $(BUILD)/lwip/src/,$(LWIP_SRC_FILES))
