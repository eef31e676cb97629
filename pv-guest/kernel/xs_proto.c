/* The xenstore wire protocol: ring I/O, request encoding, reply parsing (see pv/xs_proto.h). */
#include <pv/os.h>
#include <pv/xs_proto.h>

#include <stdlib.h>
#include <string.h>

/* The other end writes these at any time: read each exactly once. */
#define READ_IDX(x) (*(const volatile XENSTORE_RING_IDX *)&(x))
#define WRITE_IDX(x, v) (*(volatile XENSTORE_RING_IDX *)&(x) = (v))

/* ---- rings */

int xs_ring_state(const struct xenstore_domain_interface *intf)
{
	uint32_t features = *(const volatile uint32_t *)&intf->server_features;

	if ((features & XENSTORE_SERVER_FEATURE_ERROR) &&
	    *(const volatile uint32_t *)&intf->error != XENSTORE_ERROR_NONE)
		return -EIO;
	if ((features & XENSTORE_SERVER_FEATURE_RECONNECTION) &&
	    *(const volatile uint32_t *)&intf->connection != XENSTORE_CONNECTED)
		return -EAGAIN;
	if (READ_IDX(intf->req_prod) - READ_IDX(intf->req_cons) > XENSTORE_RING_SIZE ||
	    READ_IDX(intf->rsp_prod) - READ_IDX(intf->rsp_cons) > XENSTORE_RING_SIZE)
		return -EIO;
	return 0;
}

uint32_t xs_req_space(const struct xenstore_domain_interface *intf)
{
	uint32_t used = READ_IDX(intf->req_prod) - READ_IDX(intf->req_cons);

	return used > XENSTORE_RING_SIZE ? 0 : XENSTORE_RING_SIZE - used;
}

uint32_t xs_rsp_avail(const struct xenstore_domain_interface *intf)
{
	uint32_t avail = READ_IDX(intf->rsp_prod) - READ_IDX(intf->rsp_cons);

	return avail > XENSTORE_RING_SIZE ? 0 : avail;
}

int xs_ring_write(struct xenstore_domain_interface *intf, const void *data, size_t len)
{
	XENSTORE_RING_IDX cons = READ_IDX(intf->req_cons), prod = READ_IDX(intf->req_prod);
	const char *src = data;
	size_t done = 0;

	/* The consumer index must be read before we overwrite the slots it frees. */
	xen_mb();
	if (prod - cons > XENSTORE_RING_SIZE)
		return -EIO;
	while (done < len && prod - cons < XENSTORE_RING_SIZE) {
		uint32_t off = MASK_XENSTORE_IDX(prod);
		size_t chunk = MIN(len - done, (size_t)(XENSTORE_RING_SIZE - (prod - cons)));

		chunk = MIN(chunk, (size_t)(XENSTORE_RING_SIZE - off));
		memcpy(intf->req + off, src + done, chunk);
		done += chunk;
		prod += (XENSTORE_RING_IDX)chunk;
	}
	/* The bytes must be visible before the producer index that publishes them. */
	xen_wmb();
	WRITE_IDX(intf->req_prod, prod);
	return (int)done;
}

int xs_ring_read(struct xenstore_domain_interface *intf, void *buf, size_t len)
{
	XENSTORE_RING_IDX cons = READ_IDX(intf->rsp_cons), prod = READ_IDX(intf->rsp_prod);
	char *dst = buf;
	size_t done = 0;

	/* The producer index must be read before the bytes it covers. */
	xen_rmb();
	if (prod - cons > XENSTORE_RING_SIZE)
		return -EIO;
	while (done < len && cons != prod) {
		uint32_t off = MASK_XENSTORE_IDX(cons);
		size_t chunk = MIN(len - done, (size_t)(prod - cons));

		chunk = MIN(chunk, (size_t)(XENSTORE_RING_SIZE - off));
		memcpy(dst + done, intf->rsp + off, chunk);
		done += chunk;
		cons += (XENSTORE_RING_IDX)chunk;
	}
	/* The bytes must be copied out before the consumer index hands their slots back. */
	xen_mb();
	WRITE_IDX(intf->rsp_cons, cons);
	return (int)done;
}

/* ---- requests */

void xs_msg_init(struct xs_msg *m, uint32_t type, uint32_t tx_id)
{
	m->hdr.type = type;
	m->hdr.req_id = 0;
	m->hdr.tx_id = tx_id;
	m->hdr.len = 0;
}

int xs_msg_add(struct xs_msg *m, const void *data, size_t len)
{
	if (len > XENSTORE_PAYLOAD_MAX - m->hdr.len)
		return -E2BIG;
	memcpy(m->body + m->hdr.len, data, len);
	m->hdr.len += (uint32_t)len;
	return 0;
}

int xs_msg_add_str(struct xs_msg *m, const char *s)
{
	return xs_msg_add(m, s, strlen(s) + 1);
}

int xs_msg_add_perms(struct xs_msg *m, const char *perms)
{
	uint32_t start = m->hdr.len;
	const char *p = perms;
	bool any = false;

	while (*p) {
		size_t n;
		int rc;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (!n)
			break;
		rc = xs_msg_add(m, p, n);
		if (!rc)
			rc = xs_msg_add(m, "", 1);
		if (rc) {
			m->hdr.len = start;
			return rc;
		}
		any = true;
		p += n;
	}
	return any ? 0 : -EINVAL;
}

uint32_t xs_next_req_id(uint32_t *counter)
{
	if (++*counter == 0)
		++*counter;
	return *counter;
}

/* ---- the reader */

void xs_reader_init(struct xs_reader *r)
{
	memset(&r->hdr, 0, sizeof(r->hdr));
	r->have = 0;
	r->complete = false;
	r->oversize = false;
	r->body[0] = '\0';
}

int xs_reader_poll(struct xs_reader *r, struct xenstore_domain_interface *intf)
{
	const uint64_t hdr_size = sizeof(r->hdr);
	int n;

	if (r->complete)
		xs_reader_init(r);
	if (r->have < hdr_size) {
		n = xs_ring_read(intf, (char *)&r->hdr + r->have, hdr_size - r->have);
		if (n < 0)
			return n;
		r->have += (uint64_t)n;
		if (r->have < hdr_size)
			return 0;
		r->oversize = r->hdr.len > XENSTORE_PAYLOAD_MAX;
	}
	while (r->have < hdr_size + r->hdr.len) {
		uint64_t want = hdr_size + r->hdr.len - r->have;

		if (r->oversize) {
			/* Skipped through the body buffer, a page at a time. */
			n = xs_ring_read(intf, r->body, MIN(want, (uint64_t)XENSTORE_PAYLOAD_MAX));
		} else {
			n = xs_ring_read(intf, r->body + (r->have - hdr_size), want);
		}
		if (n < 0)
			return n;
		if (n == 0)
			return 0;
		r->have += (uint64_t)n;
	}
	r->body[r->oversize ? 0 : r->hdr.len] = '\0';
	r->complete = true;
	return 1;
}

/* ---- replies */

/* The number of NUL-terminated strings in body; -EIO unless its last byte is a NUL. */
static int count_strings(const char *body, uint32_t len)
{
	int n = 0;

	if (len == 0 || body[len - 1] != '\0')
		return -EIO;
	for (uint32_t i = 0; i < len; i++)
		n += body[i] == '\0';
	return n;
}

int xs_parse_error(const char *body, uint32_t len)
{
	if (len > XENSTORE_PAYLOAD_MAX || count_strings(body, len) < 1)
		return -EIO;
	for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
		if (!strcmp(body, xsd_errors[i].errstring))
			return -xsd_errors[i].errnum;
	return -EINVAL;
}

int xs_reply_check(const struct xsd_sockmsg *hdr, const char *body, uint32_t want)
{
	if (hdr->len > XENSTORE_PAYLOAD_MAX)
		return -EIO;
	if (hdr->type == XS_ERROR)
		return xs_parse_error(body, hdr->len);
	return hdr->type == want ? 0 : -EIO;
}

int xs_parse_read(const char *body, uint32_t len, char **value)
{
	char *v;

	if (len > XENSTORE_PAYLOAD_MAX)
		return -EIO;
	v = malloc(len + 1);
	if (!v)
		return -ENOMEM;
	memcpy(v, body, len);
	v[len] = '\0';
	*value = v;
	return 0;
}

void xs_free_names(char **names, unsigned int n)
{
	if (!names)
		return;
	for (unsigned int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int xs_parse_directory(const char *body, uint32_t len, char ***names, unsigned int *n)
{
	char **v;
	int count;

	*names = NULL;
	*n = 0;
	/* No children: an empty payload (or a lone NUL). */
	if (len == 0 || (len == 1 && body[0] == '\0'))
		return 0;
	if (len > XENSTORE_PAYLOAD_MAX)
		return -EIO;
	count = count_strings(body, len);
	if (count < 0)
		return count;
	v = calloc((size_t)count, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (int i = 0; i < count; i++) {
		size_t l = strlen(body);

		if (l == 0) { /* a node name is never empty */
			xs_free_names(v, (unsigned int)i);
			return -EIO;
		}
		v[i] = strdup(body);
		if (!v[i]) {
			xs_free_names(v, (unsigned int)i);
			return -ENOMEM;
		}
		body += l + 1;
	}
	*names = v;
	*n = (unsigned int)count;
	return 0;
}

int xs_parse_watch_event(const char *body, uint32_t len, const char **path, const char **token)
{
	int count;

	if (len > XENSTORE_PAYLOAD_MAX)
		return -EIO;
	count = count_strings(body, len);
	if (count < 2 || body[0] == '\0')
		return -EIO;
	*path = body;
	*token = body + strlen(body) + 1;
	return 0;
}

int xs_parse_transaction_id(const char *body, uint32_t len, uint32_t *tx_id)
{
	uint64_t v = 0;

	if (len < 2 || len > 11 || body[len - 1] != '\0')
		return -EIO;
	for (uint32_t i = 0; i < len - 1; i++) {
		if (body[i] < '0' || body[i] > '9')
			return -EIO;
		v = v * 10 + (uint64_t)(body[i] - '0');
	}
	if (v == 0 || v > UINT32_MAX)
		return -EIO;
	*tx_id = (uint32_t)v;
	return 0;
}

int xs_parse_perms(const char *body, uint32_t len, char **perms)
{
	char *p;
	int count;

	if (len > XENSTORE_PAYLOAD_MAX)
		return -EIO;
	count = count_strings(body, len);
	if (count < 1 || body[0] == '\0')
		return -EIO;
	p = malloc(len);
	if (!p)
		return -ENOMEM;
	memcpy(p, body, len);
	/* Every separator NUL but the last becomes a space. */
	for (uint32_t i = 0; i + 1 < len; i++) {
		if (p[i] == '\0') {
			if (p[i + 1] == '\0') {
				free(p);
				return -EIO;
			}
			p[i] = ' ';
		}
	}
	*perms = p;
	return 0;
}
