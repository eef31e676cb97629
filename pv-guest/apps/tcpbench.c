/*
 * TCP throughput: the app `sink` (accepts connections, counts what arrives, prints bytes, seconds
 * and Mbit/s per connection) and the shell command `tcpsend HOST[:PORT] MB` (sends MB MiB as
 * fast as the window allows and prints the same on the sender's clock, from connect to the last
 * byte acknowledged). bench/net.sh runs them between two domains. lwIP raw API; the callbacks
 * run in the net thread, the sender fills the send buffer from the shell thread between waits.
 */
#include <pv/apps.h>
#include <pv/sched.h>
#include <pv/setup.h>
#include <pv/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/tcp.h"

#define TCPBENCH_PORT 5001
#define TCPBENCH_MAX_MB 1024
#define TCPBENCH_CHUNK 1460u

static double mbits(uint64_t bytes, s_time_t ns)
{
	return ns > 0 ? (double)bytes * 8 * 1000 / (double)ns : 0;
}

/* ---------------------------------------------------------------- sink */

struct sink_conn {
	uint64_t bytes;
	s_time_t start;
};

static void sink_done(struct tcp_pcb *pcb, struct sink_conn *c, const char *how)
{
	s_time_t t = NOW() - c->start;

	printf("sink: %llu bytes in %lld.%06lld s, %.1f Mbit/s (%s)\n", (unsigned long long)c->bytes,
	       (long long)(t / 1000000000), (long long)(t / 1000 % 1000000), mbits(c->bytes, t), how);
	free(c);
	if (pcb) {
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_err(pcb, NULL);
		if (tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
	}
}

static err_t sink_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct sink_conn *c = arg;

	if (!p || err != ERR_OK) { /* the sender closed */
		if (p)
			pbuf_free(p);
		sink_done(pcb, c, "closed");
		return ERR_OK;
	}
	c->bytes += p->tot_len;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static void sink_err(void *arg, err_t err)
{
	if (arg)
		sink_done(NULL, arg, "reset"); /* lwIP has freed the pcb */
}

static err_t sink_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sink_conn *c;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ERR_MEM;
	c->start = NOW();
	tcp_arg(pcb, c);
	tcp_recv(pcb, sink_recv);
	tcp_err(pcb, sink_err);
	return ERR_OK;
}

int app_sink(int argc, char **argv)
{
	const char *p = kernel_opt("port");
	long port = p ? strtol(p, NULL, 0) : TCPBENCH_PORT;
	struct tcp_pcb *pcb, *listen;

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "port=", 5))
			port = strtol(argv[i] + 5, NULL, 0);
	if (port < 1 || port > 65535) {
		printf("sink: bad port\n");
		return 1;
	}
	if (!net_ensure())
		return 1;
	pcb = tcp_new();
	if (!pcb || tcp_bind(pcb, IP_ADDR_ANY, (u16_t)port) != ERR_OK) {
		printf("sink: cannot bind port %ld\n", port);
		return 1;
	}
	listen = tcp_listen(pcb);
	if (!listen)
		return 1;
	tcp_accept(listen, sink_accept);
	printf("sink: listening on port %ld\n", port);
	for (;;)
		msleep(60000); /* the net thread does the work */
}

/* ---------------------------------------------------------------- tcpsend */

static struct {
	struct wait_queue wq;
	bool connected, failed;
	err_t err;
	uint64_t acked;
} snd = {.wq = WAIT_QUEUE_INIT};

/* What every segment carries: lwIP refers to it until acknowledged (no copy). */
static const char pattern[4 * TCPBENCH_CHUNK] = {[0 ... 4 * TCPBENCH_CHUNK - 1] = 'm'};

static err_t snd_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	snd.connected = err == ERR_OK;
	snd.failed = err != ERR_OK;
	wake_up(&snd.wq);
	return ERR_OK;
}

static err_t snd_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	snd.acked += len;
	wake_up(&snd.wq);
	return ERR_OK;
}

static void snd_err(void *arg, err_t err)
{
	snd.err = err;
	snd.failed = true;
	wake_up(&snd.wq);
}

/* tcpsend A.B.C.D[:PORT] MB */
int shell_tcpsend(int argc, char **argv)
{
	char host[32], *colon, *end;
	long port = TCPBENCH_PORT, mb;
	uint64_t total, queued = 0;
	struct tcp_pcb *pcb;
	ip_addr_t dst;
	s_time_t start, t;

	mb = argc == 3 ? strtol(argv[2], &end, 0) : 0;
	if (argc != 3 || *end || mb < 1 || mb > TCPBENCH_MAX_MB || strlen(argv[1]) >= sizeof(host)) {
		printf("usage: tcpsend A.B.C.D[:PORT] MB (1-%d MiB; port %d)\n", TCPBENCH_MAX_MB, TCPBENCH_PORT);
		return 1;
	}
	strcpy(host, argv[1]);
	colon = strchr(host, ':');
	if (colon) {
		*colon = '\0';
		port = strtol(colon + 1, NULL, 0);
	}
	if (!ipaddr_aton(host, &dst) || port < 1 || port > 65535) {
		printf("tcpsend: bad address\n");
		return 1;
	}
	if (!net_ensure())
		return 1;
	total = (uint64_t)mb << 20;
	pcb = tcp_new();
	if (!pcb)
		return 1;
	snd.connected = snd.failed = false;
	snd.err = ERR_OK;
	snd.acked = 0;
	tcp_sent(pcb, snd_sent);
	tcp_err(pcb, snd_err);
	start = NOW();
	printf("tcpsend: %ld MiB to %s:%ld\n", mb, host, port);
	if (tcp_connect(pcb, &dst, (u16_t)port, snd_connected) != ERR_OK) {
		tcp_abort(pcb);
		printf("tcpsend: cannot connect\n");
		return 1;
	}
	while (!snd.failed && snd.acked < total) {
		uint64_t acked = snd.acked;
		bool connected = snd.connected;

		/* Fill the send buffer, push it out, then sleep until an ACK (or the connection) comes. */
		while (connected && queued < total && tcp_sndbuf(pcb) >= TCPBENCH_CHUNK) {
			u16_t n = (u16_t)MIN((uint64_t)MIN(tcp_sndbuf(pcb), sizeof(pattern)), total - queued);

			if (tcp_write(pcb, pattern, n, 0) != ERR_OK)
				break; /* the segment queue is full: wait for ACKs */
			queued += n;
		}
		if (connected)
			tcp_output(pcb);
		if (!wait_event_deadline(snd.wq, snd.failed || snd.acked != acked || snd.connected != connected,
					 NOW() + SECONDS(10))) {
			printf("tcpsend: stalled after %llu bytes\n", (unsigned long long)snd.acked);
			tcp_abort(pcb);
			return 1;
		}
	}
	t = NOW() - start;
	if (snd.failed) { /* lwIP freed the pcb */
		printf("tcpsend: connection failed after %llu bytes (lwIP error %d)\n", (unsigned long long)snd.acked,
		       snd.err);
		return 1;
	}
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
	printf("tcpsend: %llu bytes in %lld.%06lld s, %.1f Mbit/s\n", (unsigned long long)total,
	       (long long)(t / 1000000000), (long long)(t / 1000 % 1000000), mbits(total, t));
	return 0;
}
