/* Deadline-ordered timer queue: pure logic, shared by every CPU's queue and the unit tests. */
#include <mica/timer.h>

void timer_init(struct timer *t, void (*fn)(void *), void *data)
{
	t->deadline = 0;
	t->fn = fn;
	t->data = data;
	t->next = NULL;
	t->queued = false;
}

bool timer_queue_del(struct timer_queue *q, struct timer *t)
{
	for (struct timer **pp = &q->head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			t->next = NULL;
			t->queued = false;
			return true;
		}
	}
	return false;
}

void timer_queue_add(struct timer_queue *q, struct timer *t, uint64_t deadline)
{
	struct timer **pp = &q->head;

	if (t->queued)
		timer_queue_del(q, t);
	t->deadline = deadline;
	while (*pp && (*pp)->deadline <= deadline) /* FIFO among equal deadlines */
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->queued = true;
}

struct timer *timer_queue_pop_expired(struct timer_queue *q, uint64_t now)
{
	struct timer *t = q->head;

	if (!t || t->deadline > now)
		return NULL;
	q->head = t->next;
	t->next = NULL;
	t->queued = false;
	return t;
}

uint64_t timer_queue_next(const struct timer_queue *q)
{
	return q->head ? q->head->deadline : UINT64_MAX;
}
