/* dom0's DHCP server (pv-guest/dom0/dhcpd.c): frames in, answers out. */
#include <pv/dhcpd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const uint8_t server_mac[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x00};
static const uint8_t mac1[6] = {0x02, 0x16, 0x3e, 0x00, 0x00, 0x01};
static const uint8_t mac2[6] = {0x02, 0x16, 0x3e, 0x00, 0x00, 0x02};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A client's message: type, requested address (0: none), server id (0: none). Returns its length. */
static size_t client_msg(uint8_t *f, const uint8_t mac[6], uint8_t type, uint32_t req_ip, uint32_t server_id)
{
	uint8_t *ip = f + 14, *udp = ip + 20, *b = udp + 8, *o = b + 236;
	size_t blen;

	memset(f, 0, 600);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, 0x0800);
	b[0] = 1, b[1] = 1, b[2] = 6;
	put32(b + 4, 0x12345678);
	memcpy(b + 28, mac, 6);
	put32(o, 0x63825363);
	o += 4;
	*o++ = 53, *o++ = 1, *o++ = type;
	if (req_ip)
		*o++ = 50, *o++ = 4, put32(o, req_ip), o += 4;
	if (server_id)
		*o++ = 54, *o++ = 4, put32(o, server_id), o += 4;
	*o++ = 255;
	blen = (size_t)(o - b);
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)(8 + blen));
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + blen));
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 16, 0xffffffff);
	return 14 + 20 + 8 + blen;
}

/* The answer's DHCP message type, after checking its framing; yiaddr in *addr. */
static int answer_type(const uint8_t *r, size_t len, uint32_t *addr)
{
	const uint8_t *ip = r + 14, *b = ip + 28;
	uint32_t sum = 0;

	assert_true(len >= 14 + 20 + 8 + 300);
	assert_memory_equal(r + 6, server_mac, 6);
	assert_int_equal(ip[0], 0x45);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff); /* header checksum */
	assert_int_equal(b[0], 2);
	assert_int_equal(get32(b + 4), 0x12345678);
	assert_int_equal(get32(b + 236), 0x63825363);
	*addr = get32(b + 16);
	assert_int_equal(b[240], 53);
	return b[242];
}

static void test_discover_request_ack(void **state)
{
	struct dhcpd d;
	uint8_t f[600], r[DHCPD_REPLY_MAX];
	uint32_t a, a2;
	size_t n;

	dhcpd_init(&d, 0x0a000000, server_mac);
	n = dhcpd_handle(&d, f, client_msg(f, mac1, 1, 0, 0), r);
	assert_int_equal(answer_type(r, n, &a), 2); /* OFFER */
	assert_int_equal(a, 0x0a00000a);
	assert_memory_equal(r, mac1, 6);
	n = dhcpd_handle(&d, f, client_msg(f, mac1, 3, a, 0x0a000001), r);
	assert_int_equal(answer_type(r, n, &a2), 5); /* ACK */
	assert_int_equal(a2, a);
	assert_int_equal(dhcpd_lease_of(&d, mac1), a);
	/* A second client gets the next address; the first keeps its own. */
	n = dhcpd_handle(&d, f, client_msg(f, mac2, 1, 0, 0), r);
	assert_int_equal(answer_type(r, n, &a2), 2);
	assert_int_equal(a2, 0x0a00000b);
	n = dhcpd_handle(&d, f, client_msg(f, mac1, 1, 0, 0), r);
	assert_int_equal(answer_type(r, n, &a2), 2);
	assert_int_equal(a2, a);
	assert_int_equal(d.offers, 3);
	assert_int_equal(d.acks, 1);
}

static void test_nak_and_other_server(void **state)
{
	struct dhcpd d;
	uint8_t f[600], r[DHCPD_REPLY_MAX];
	uint32_t a;
	size_t n;

	dhcpd_init(&d, 0x0a000000, server_mac);
	n = dhcpd_handle(&d, f, client_msg(f, mac1, 3, 0x0a000063, 0), r);
	assert_int_equal(answer_type(r, n, &a), 6); /* NAK: not its address */
	assert_int_equal(a, 0);
	assert_int_equal(dhcpd_handle(&d, f, client_msg(f, mac1, 3, 0x0a00000a, 0x0b000001), r), 0);
	assert_int_equal(dhcpd_handle(&d, f, client_msg(f, mac1, 7, 0, 0), r), 0); /* RELEASE: no answer */
	assert_int_equal(d.naks, 1);
}

/* Domain n's Xen-style MAC gets first + n - 1, whatever the order of asking. */
static void test_domain_hint(void **state)
{
	struct dhcpd d;
	uint8_t f[600], r[DHCPD_REPLY_MAX];
	const uint8_t d5[6] = {0x00, 0x16, 0x3e, 0x4d, 0x00, 0x05}, d1[6] = {0x00, 0x16, 0x3e, 0x4d, 0x00, 0x01};
	uint32_t a;

	dhcpd_init(&d, 0x0a000000, server_mac);
	assert_int_equal(answer_type(r, dhcpd_handle(&d, f, client_msg(f, d5, 1, 0, 0), r), &a), 2);
	assert_int_equal(a, 0x0a00000e);
	assert_int_equal(answer_type(r, dhcpd_handle(&d, f, client_msg(f, d1, 1, 0, 0), r), &a), 2);
	assert_int_equal(a, 0x0a00000a);
	/* Another MAC takes the first free slot, not a hinted one that is taken. */
	assert_int_equal(answer_type(r, dhcpd_handle(&d, f, client_msg(f, mac1, 1, 0, 0), r), &a), 2);
	assert_int_equal(a, 0x0a00000b);
}

static void test_pool_exhausted(void **state)
{
	struct dhcpd d;
	uint8_t f[600], r[DHCPD_REPLY_MAX], mac[6] = {2, 0, 0, 0, 0, 0};
	unsigned int offered = 0;

	dhcpd_init(&d, 0x0a000000, server_mac);
	for (unsigned int i = 0; i < 300; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		offered += dhcpd_handle(&d, f, client_msg(f, mac, 1, 0, 0), r) != 0;
	}
	assert_int_equal(offered, DHCPD_LEASES);
}

/* Every truncation and every single corrupted byte: answered or ignored, never a crash. */
static void test_malformed(void **state)
{
	struct dhcpd d;
	uint8_t f[600], g[600], r[DHCPD_REPLY_MAX];
	size_t len = client_msg(f, mac1, 1, 0, 0);

	dhcpd_init(&d, 0x0a000000, server_mac);
	for (size_t n = 0; n < len; n++)
		assert_int_equal(dhcpd_handle(&d, f, n, r), 0);
	for (size_t i = 0; i < len; i++) {
		for (unsigned int v = 0; v < 256; v += 17) {
			memcpy(g, f, len);
			g[i] = (uint8_t)v;
			(void)dhcpd_handle(&d, g, len, r);
		}
	}
	/* Options running past the end, a zero-length type option. */
	memcpy(g, f, len);
	g[14 + 28 + 240 + 1] = 200;
	assert_int_equal(dhcpd_handle(&d, g, len, r), 0);
	g[14 + 28 + 240 + 1] = 0;
	assert_int_equal(dhcpd_handle(&d, g, len, r), 0);
	/* Not IPv4, not UDP, not to port 67. */
	memcpy(g, f, len);
	g[12] = 0x86;
	assert_int_equal(dhcpd_handle(&d, g, len, r), 0);
	memcpy(g, f, len);
	g[14 + 9] = 6;
	assert_int_equal(dhcpd_handle(&d, g, len, r), 0);
	memcpy(g, f, len);
	g[14 + 20 + 3] = 68;
	assert_int_equal(dhcpd_handle(&d, g, len, r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_discover_request_ack),
	    cmocka_unit_test(test_nak_and_other_server),
	    cmocka_unit_test(test_domain_hint),
	    cmocka_unit_test(test_pool_exhausted),
	    cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests_name("dhcpd", tests, NULL, NULL);
}
