# lwIP for pv-guest: which of lwIP's sources to build, and how.
# Set LWIP_DIR to the unpacked lwIP tree (scripts/fetch-lwip.sh $(LWIP_DIR)) before expanding
# LWIP_SRCS. NO_SYS=1: core, IPv4 and Ethernet; no api/ (netconn, sockets need an OS layer).
#   LWIP_SRCS       lwIP's own files, under $(LWIP_DIR)/src
#   LWIP_PORT_SRCS  our port: lwIP's system layer and the network glue over netfront
#   LWIP_CFLAGS     include paths (and any warning relaxations lwIP needs); also for any
#                   file that includes lwIP's headers (net.c). pv-guest/drivers/netfront.c
#                   does not include lwIP.
LWIP_PORT_DIR := pv-guest/lwip

LWIP_SRC_FILES := \
	core/def.c core/dns.c core/inet_chksum.c core/init.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c \
	core/tcp_out.c core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c \
	core/ipv4/ip4_frag.c \
	netif/ethernet.c

LWIP_SRCS = $(addprefix $(LWIP_DIR)/src/,$(LWIP_SRC_FILES))
LWIP_PORT_SRCS := $(LWIP_PORT_DIR)/sys_arch.c $(LWIP_PORT_DIR)/net.c

# Our lwipopts.h and arch/cc.h come first. lwIP 2.1.3's core, IPv4 and Ethernet compile
# cleanly with -Wall -Wextra -Werror -Wno-unused-parameter (freestanding with newlib, and on the
# host), so no warning is relaxed; add -Wno-... here if a newer compiler disagrees.
LWIP_CFLAGS = -I$(LWIP_PORT_DIR) -I$(LWIP_DIR)/src/include
