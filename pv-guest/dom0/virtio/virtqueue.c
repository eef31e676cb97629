/*
 * Split virtqueues (virtio 1.x §2.7): the descriptor table, the available ring (driver to
 * device) and the used ring (device to driver) in one block of DMA memory. The free list and
 * each chain's length live in the driver's own memory: nothing read back from the device is
 * trusted beyond the used ring's entries, and those are checked.
 */
#include "virtio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* §2.7: descriptors 16-byte aligned, the available ring 2-byte, the used ring 4-byte. */
static size_t avail_offset(uint16_t size)
{
	return sizeof(struct virtq_desc) * size;
}

static size_t used_offset(uint16_t size)
{
	size_t end = avail_offset(size) + sizeof(struct virtq_avail) + sizeof(uint16_t) * (size + 1u);

	return (end + 3) & ~(size_t)3;
}

static size_t ring_bytes(uint16_t size)
{
	return used_offset(size) + sizeof(struct virtq_used) + sizeof(struct virtq_used_elem) * size + sizeof(uint16_t);
}

int virtq_init(struct virtq *q, const char *name, uint16_t index, uint16_t size)
{
	memset(q, 0, sizeof(*q));
	if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return -EINVAL;
	q->name = name;
	q->index = index;
	q->size = size;
	q->mem_bytes = ring_bytes(size);
	q->mem = dma_alloc(q->mem_bytes);
	q->next = calloc(size, sizeof(*q->next));
	q->chain = calloc(size, sizeof(*q->chain));
	if (!q->mem || !q->next || !q->chain) {
		virtq_destroy(q);
		return -ENOMEM;
	}
	q->desc = q->mem;
	q->avail = (void *)((uint8_t *)q->mem + avail_offset(size));
	q->used = (void *)((uint8_t *)q->mem + used_offset(size));
	/* We poll the used ring: the device need not interrupt (§2.7.7). */
	q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	for (uint16_t i = 0; i < size; i++)
		q->next[i] = (uint16_t)(i + 1);
	q->free_head = 0;
	q->num_free = size;
	return 0;
}

void virtq_destroy(struct virtq *q)
{
	if (q->mem)
		dma_free(q->mem, q->mem_bytes);
	free(q->next);
	free(q->chain);
	memset(q, 0, sizeof(*q));
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned int n, void *cookie)
{
	uint16_t head, d;
	uint32_t in_len = 0;

	if (q->broken)
		return -EIO;
	if (!n || n > q->size || !cookie)
		return -EINVAL;
	if (n > q->num_free)
		return -EAGAIN;
	for (unsigned int i = 0; i < n; i++) {
		if (bufs[i].write && in_len + bufs[i].len < in_len)
			return -EINVAL;
		in_len += bufs[i].write ? bufs[i].len : 0;
	}
	head = d = q->free_head;
	for (unsigned int i = 0; i < n; i++) {
		q->desc[d].addr = bufs[i].addr;
		q->desc[d].len = bufs[i].len;
		q->desc[d].flags =
		    (uint16_t)((bufs[i].write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		q->desc[d].next = i + 1 < n ? q->next[d] : 0;
		if (i + 1 < n)
			d = q->next[d];
	}
	q->free_head = q->next[d];
	q->num_free = (uint16_t)(q->num_free - n);
	q->chain[head] = (struct virtq_chain){.cookie = cookie, .ndesc = (uint16_t)n, .in_len = in_len};

	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	/* The descriptors and the ring entry are visible before the index that publishes them. */
	wmb();
	q->avail_idx++;
	q->avail->idx = q->avail_idx;
	return 0;
}

void virtq_kick(struct virtq *q)
{
	/* The new avail->idx is visible before we read the device's suppression flag (§2.7.10). */
	mb();
	if (q->notify && !(q->used->flags & VIRTQ_USED_F_NO_NOTIFY))
		vio_write16(q->notify, q->index);
}

/* A chain back on the free list; its cookie returned. */
static void *chain_free(struct virtq *q, uint16_t head)
{
	struct virtq_chain *c = &q->chain[head];
	void *cookie = c->cookie;
	uint16_t tail = head;

	for (unsigned int i = 1; i < c->ndesc; i++)
		tail = q->next[tail];
	q->next[tail] = q->free_head;
	q->free_head = head;
	q->num_free = (uint16_t)(q->num_free + c->ndesc);
	*c = (struct virtq_chain){0};
	return cookie;
}

int virtq_get_used(struct virtq *q, void **cookie, uint32_t *len)
{
	uint16_t idx, pending;
	struct virtq_used_elem e;

	if (q->broken || !q->mem)
		return 0;
	idx = q->used->idx;
	if (idx == q->last_used)
		return 0;
	pending = (uint16_t)(idx - q->last_used);
	/* More entries than the ring holds: the index is garbage. Fewer, but more than in flight: the
	 * extra ones fail the id check below one by one. */
	if (pending > q->size) {
		printk("virtio: %s: used index %u is %u entries ahead of %u: queue broken\n", q->name, idx, pending,
		       q->last_used);
		q->broken = true;
		q->bad++;
		return 0;
	}
	/* The entry is read only after the index that published it. */
	rmb();
	e.id = q->used->ring[q->last_used & (q->size - 1)].id;
	e.len = q->used->ring[q->last_used & (q->size - 1)].len;
	q->last_used++;
	if (e.id >= q->size || !q->chain[e.id].cookie) {
		if (!q->bad++)
			printk("virtio: %s: used id %u is not in flight (skipped)\n", q->name, e.id);
		return -EIO;
	}
	*len = e.len;
	if (e.len > q->chain[e.id].in_len) {
		if (!q->bad++)
			printk("virtio: %s: used length %u beyond the %u bytes offered\n", q->name, e.len,
			       q->chain[e.id].in_len);
		*cookie = chain_free(q, (uint16_t)e.id);
		return -EMSGSIZE;
	}
	*cookie = chain_free(q, (uint16_t)e.id);
	return 1;
}

void *virtq_detach(struct virtq *q)
{
	for (uint16_t i = 0; i < q->size; i++)
		if (q->chain[i].cookie)
			return chain_free(q, i);
	return NULL;
}
