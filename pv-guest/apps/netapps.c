/*
 * Network apps and shell commands on lwIP's raw API: `net` (status), `ping`, `fetch` (an
 * HTTP/1.0 GET), and the apps `httpd` (a static page and /status as JSON) and `echo` (TCP
 * echo). lwIP calls its callbacks from the net thread; apps wait on wait queues the callbacks
 * wake. All lwIP calls here happen without blocking in between (cooperative threads), which
 * is what keeps lwIP, which is not reentrant, in one piece.
 */
#include <pv/apps.h>
#include <pv/mm.h>
#include <pv/netfront.h>
#include <pv/sched.h>
#include <pv/setup.h>
#include <pv/xenbus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/ip_addr.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"

#define NET_UP_TIMEOUT SECONDS(30)

/* Starts the network from the kernel options (ip=, gw=; DHCP without ip=) unless it runs. */
bool net_ensure(void)
{
	if (!net_configured() && !net_on_bridge()) {
		int rc = xenbus_available() ? xenbus_wait_exists("device/vif/0", NOW() + SECONDS(10)) : -ENODEV;

		if (rc) {
			printf("net: no network device (%d)\n", rc);
			return false;
		}
		rc = net_start(kernel_opt("ip"), kernel_opt("gw"));

		if (rc && rc != -EBUSY) {
			printf("net: cannot start the network (%d)\n", rc);
			return false;
		}
	}
	if (!net_wait_configured(NOW() + NET_UP_TIMEOUT)) {
		printf("net: no address after %lld s\n", (long long)(NET_UP_TIMEOUT / SECONDS(1)));
		return false;
	}
	return true;
}

int net_cmd(int argc, char **argv)
{
	char buf[1024];

	(void)argc;
	(void)argv;
	if (net_status(buf, sizeof(buf)) < 0)
		printf("net: not started\n");
	else
		fputs(buf, stdout);
	return 0;
}

/* ---------------------------------------------------------------- ping */

static struct {
	struct wait_queue wq;
	uint16_t id, seq;
	bool got;
	s_time_t sent;
} ping_state = {.wq = WAIT_QUEUE_INIT};

static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct icmp_echo_hdr echo;
	u16_t hlen = (u16_t)(IPH_HL_BYTES((struct ip_hdr *)p->payload));

	(void)arg;
	(void)pcb;
	(void)addr;
	if (p->tot_len < hlen + sizeof(echo) || pbuf_copy_partial(p, &echo, sizeof(echo), hlen) != sizeof(echo))
		return 0;
	if (echo.type != ICMP_ER || echo.id != lwip_htons(ping_state.id) || echo.seqno != lwip_htons(ping_state.seq))
		return 0; /* not ours: lwIP passes it on */
	ping_state.got = true;
	wake_up(&ping_state.wq);
	pbuf_free(p);
	return 1;
}

int ping_cmd(int argc, char **argv)
{
	ip_addr_t dst;
	long count = argc > 2 ? strtol(argv[2], NULL, 0) : 3;
	int replies = 0;

	if (argc < 2 || !ipaddr_aton(argv[1], &dst) || count < 1 || count > 1000) {
		printf("usage: ping A.B.C.D [COUNT 1-1000]\n");
		return 1;
	}
	if (!net_ensure())
		return 1;
	struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);

	if (!pcb)
		return 1;
	raw_recv(pcb, ping_recv, NULL);
	raw_bind(pcb, IP_ADDR_ANY);
	ping_state.id = 0x4d43;
	for (long i = 0; i < count; i++) {
		struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + 32, PBUF_RAM);

		if (!p)
			break;
		struct icmp_echo_hdr *e = p->payload;

		memset(e, 0, p->len);
		ICMPH_TYPE_SET(e, ICMP_ECHO);
		e->id = lwip_htons(ping_state.id);
		e->seqno = lwip_htons(++ping_state.seq);
		memset(e + 1, 'm', 32);
		e->chksum = inet_chksum(e, p->len);
		ping_state.got = false;
		ping_state.sent = NOW();
		raw_sendto(pcb, p, &dst);
		pbuf_free(p);
		if (wait_event_deadline(ping_state.wq, ping_state.got, NOW() + SECONDS(2))) {
			replies++;
			printf("reply from %s: seq %u, %.3f ms\n", argv[1], ping_state.seq,
			       (double)(NOW() - ping_state.sent) / 1e6);
		} else {
			printf("no reply from %s: seq %u\n", argv[1], ping_state.seq);
		}
		if (i + 1 < count)
			msleep(200);
	}
	raw_remove(pcb);
	printf("ping: %d of %ld replies\n", replies, count);
	return replies ? 0 : 1;
}

/* ---------------------------------------------------------------- fetch: HTTP/1.0 GET */

static struct {
	struct wait_queue wq;
	bool done, connected;
	err_t err;
	size_t got, want;    /* want: a raw exchange ends once this much came back (0: at close) */
	const char *payload; /* raw: what to send (else an HTTP GET of the path) */
} fetch_state = {.wq = WAIT_QUEUE_INIT};

static err_t fetch_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	if (!p || err != ERR_OK) { /* the server closed: the whole answer is in */
		if (p)
			pbuf_free(p);
		fetch_state.done = true;
		wake_up(&fetch_state.wq);
		return ERR_OK;
	}
	for (struct pbuf *q = p; q; q = q->next)
		fwrite(q->payload, 1, q->len, stdout);
	fetch_state.got += p->tot_len;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	if (fetch_state.want && fetch_state.got >= fetch_state.want) {
		fetch_state.done = true;
		wake_up(&fetch_state.wq);
	}
	return ERR_OK;
}

static void fetch_err(void *arg, err_t err)
{
	(void)arg;
	fetch_state.err = err;
	fetch_state.done = true;
	wake_up(&fetch_state.wq);
}

static err_t fetch_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	const char *path = arg;
	char req[256];
	int n = fetch_state.payload ? snprintf(req, sizeof(req), "%s", fetch_state.payload)
				    : snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: pv-guest\r\n\r\n", path);

	fetch_state.connected = true;
	if (err == ERR_OK)
		err = tcp_write(pcb, req, (u16_t)n, TCP_WRITE_FLAG_COPY);
	if (err == ERR_OK)
		tcp_output(pcb);
	return err;
}

/* fetch A.B.C.D[:PORT] [PATH], or with raw: send raw, print what comes back until as much did. */
static int fetch_cmd(int argc, char **argv, const char *raw)
{
	ip_addr_t dst;
	char host[32];
	long port = raw ? 7 : 80;
	const char *path = !raw && argc > 2 ? argv[2] : "/";
	char *colon;

	if (argc < 2 || strlen(argv[1]) >= sizeof(host) || (raw && !*raw)) {
		printf(raw ? "usage: tcp A.B.C.D[:PORT] TEXT\n" : "usage: fetch A.B.C.D[:PORT] [PATH]\n");
		return 1;
	}
	strcpy(host, argv[1]);
	colon = strchr(host, ':');
	if (colon) {
		*colon = '\0';
		port = strtol(colon + 1, NULL, 0);
	}
	if (!ipaddr_aton(host, &dst) || port < 1 || port > 65535 || path[0] != '/') {
		printf("fetch: bad address or path\n");
		return 1;
	}
	if (!net_ensure())
		return 1;
	struct tcp_pcb *pcb = tcp_new();

	if (!pcb)
		return 1;
	fetch_state.done = fetch_state.connected = false;
	fetch_state.err = ERR_OK;
	fetch_state.got = 0;
	fetch_state.payload = raw;
	fetch_state.want = raw ? strlen(raw) : 0;
	tcp_arg(pcb, (void *)path);
	tcp_recv(pcb, fetch_recv);
	tcp_err(pcb, fetch_err);
	if (tcp_connect(pcb, &dst, (u16_t)port, fetch_connected) != ERR_OK) {
		tcp_abort(pcb);
		printf("fetch: cannot connect\n");
		return 1;
	}
	if (!wait_event_deadline(fetch_state.wq, fetch_state.done, NOW() + SECONDS(20))) {
		tcp_abort(pcb);
		printf("\nfetch: timed out after %zu bytes\n", fetch_state.got);
		return 1;
	}
	if (fetch_state.err != ERR_OK) { /* lwIP freed the pcb */
		printf("\nfetch: connection failed (lwIP error %d)\n", fetch_state.err);
		return 1;
	}
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_err(pcb, NULL);
	if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
	if (raw)
		printf("\ntcp: %zu bytes sent, %zu back from %s:%ld\n", strlen(raw), fetch_state.got, host, port);
	else
		printf("\nfetch: %zu bytes from %s:%ld%s\n", fetch_state.got, host, port, path);
	return 0;
}

/* ---------------------------------------------------------------- servers */

struct server_conn {
	bool http;
	bool closing;
	char req[512];
	size_t req_len;
};

static unsigned long served;

static void conn_close(struct tcp_pcb *pcb, struct server_conn *c)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	free(c);
	if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

static err_t conn_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct server_conn *c = arg;

	(void)len;
	if (c && c->closing && tcp_sndqueuelen(pcb) == 0)
		conn_close(pcb, c);
	return ERR_OK;
}

static void conn_err(void *arg, err_t err)
{
	(void)err;
	free(arg); /* lwIP has freed the pcb */
}

static void http_respond(struct tcp_pcb *pcb, struct server_conn *c)
{
	char body[768], head[160];
	const char *type = "text/html", *status = "200 OK";
	char path[128] = "";

	sscanf(c->req, "GET %127s", path);
	if (!strcmp(path, "/")) {
		snprintf(body, sizeof(body),
			 "<!DOCTYPE html>\n<html><head><title>pv-guest</title></head><body>\n"
			 "<h1>Hello from pv-guest</h1>\n<p>A Mini-OS-style kernel on %s, served by lwIP.</p>\n"
			 "<p><a href=\"/status\">/status</a></p>\n</body></html>\n",
			 hypervisor_name);
	} else if (!strcmp(path, "/status")) {
		struct mm_stats m;

		mm_stats(&m);
		type = "application/json";
		snprintf(body, sizeof(body),
			 "{\"kernel\": \"pv-guest\", \"hypervisor\": \"%s\", \"uptime_ms\": %lld, \"ram_kib\": %lu, "
			 "\"free_kib\": %lu, \"heap_kib\": %lu, \"requests\": %lu}\n",
			 hypervisor_name, (long long)((NOW() - boot_time()) / 1000000), m.ram_pages * 4,
			 m.free_pages * 4, m.heap_bytes / 1024, served);
	} else {
		status = "404 Not Found";
		type = "text/plain";
		snprintf(body, sizeof(body), "not found: %s\n", path);
	}
	int hl = snprintf(head, sizeof(head),
			  "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
			  type, strlen(body));

	served++;
	c->closing = true;
	if (tcp_write(pcb, head, (u16_t)hl, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE) != ERR_OK ||
	    tcp_write(pcb, body, (u16_t)strlen(body), TCP_WRITE_FLAG_COPY) != ERR_OK) {
		conn_close(pcb, c);
		return;
	}
	tcp_output(pcb);
}

static err_t conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct server_conn *c = arg;

	if (!p || err != ERR_OK) { /* the client closed */
		if (p)
			pbuf_free(p);
		conn_close(pcb, c);
		return ERR_OK;
	}
	tcp_recved(pcb, p->tot_len);
	if (!c->http) { /* echo: everything straight back */
		for (struct pbuf *q = p; q; q = q->next)
			if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK)
				break;
		tcp_output(pcb);
		pbuf_free(p);
		return ERR_OK;
	}
	if (!c->closing) {
		size_t n = MIN((size_t)p->tot_len, sizeof(c->req) - 1 - c->req_len);

		pbuf_copy_partial(p, c->req + c->req_len, (u16_t)n, 0);
		c->req_len += n;
		c->req[c->req_len] = '\0';
		if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n") || c->req_len == sizeof(c->req) - 1)
			http_respond(pcb, c);
	}
	pbuf_free(p);
	return ERR_OK;
}

static err_t server_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct server_conn *c;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ERR_MEM;
	c->http = arg != NULL;
	tcp_arg(pcb, c);
	tcp_recv(pcb, conn_recv);
	tcp_sent(pcb, conn_sent);
	tcp_err(pcb, conn_err);
	return ERR_OK;
}

static int serve(bool http, long port)
{
	struct tcp_pcb *pcb, *listen;

	if (!net_ensure())
		return 1;
	pcb = tcp_new();
	if (!pcb || tcp_bind(pcb, IP_ADDR_ANY, (u16_t)port) != ERR_OK) {
		printf("%s: cannot bind port %ld\n", http ? "httpd" : "echo", port);
		return 1;
	}
	listen = tcp_listen(pcb);
	if (!listen)
		return 1;
	tcp_arg(listen, http ? (void *)1 : NULL);
	tcp_accept(listen, server_accept);
	printf("%s: listening on port %ld\n", http ? "httpd" : "echo", port);
	for (;;)
		msleep(60000); /* the net thread does the work */
}

static long port_arg(int argc, char **argv, long def)
{
	const char *p = kernel_opt("port");
	long port = p ? strtol(p, NULL, 0) : def;

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "port=", 5))
			port = strtol(argv[i] + 5, NULL, 0);
	return port > 0 && port < 65536 ? port : def;
}

int app_httpd(int argc, char **argv)
{
	return serve(true, port_arg(argc, argv, 80));
}

int app_echo(int argc, char **argv)
{
	return serve(false, port_arg(argc, argv, 7));
}

int shell_fetch(int argc, char **argv)
{
	return fetch_cmd(argc, argv, NULL);
}

int shell_tcp(int argc, char **argv)
{
	char text[200] = "";

	for (int i = 2; i < argc; i++) {
		strncat(text, argv[i], sizeof(text) - strlen(text) - 2);
		if (i + 1 < argc)
			strcat(text, " ");
	}
	return fetch_cmd(argc, argv, text);
}
