/*
 * lwIP 2.1.3 options for pv-guest: NO_SYS=1 (raw API, one "net" thread drives everything),
 * IPv4 + ARP + ICMP + UDP + TCP + DHCP + DNS. Sized for a guest in 4 MiB of RAM: about 100 KiB
 * of lwIP memory (heap + pools) besides netfront's 48 granted pages.
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* lwIP runs in one thread; handlers never call into it */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
/* No ARP probe of an offered address (a second of waiting at every boot): the bridge's DHCP
 * server in dom0 hands out addresses per domain. (Turn it on for networks shared with others.) */
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_DNS 1
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_STATS 0
#define LWIP_CHECKSUM_ON_COPY 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0

/* Memory: the heap holds outgoing packets (PBUF_RAM), the pool incoming ones. */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (48 * 1024)
#define MEMP_NUM_PBUF 32
#define MEMP_NUM_RAW_PCB 4
#define MEMP_NUM_UDP_PCB 6
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_TCP_PCB_LISTEN 4
#define MEMP_NUM_TCP_SEG 32
#define MEMP_NUM_ARP_QUEUE 16
#define PBUF_POOL_SIZE 24
#define PBUF_POOL_BUFSIZE 1536 /* one Ethernet frame per pbuf */
#define ARP_TABLE_SIZE 16

/* TCP: 4 segments in flight each way per connection. */
#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)

/* Our port: sys_arch.c. */
#define LWIP_RAND() lwip_port_rand()
#ifndef __ASSEMBLER__
unsigned int lwip_port_rand(void);
#endif

#endif
