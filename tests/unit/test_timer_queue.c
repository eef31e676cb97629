/* Unit tests for the deadline-ordered timer queue (kernel/timer_queue.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <mica/timer.h>

static int fired[16];
static void fire(void *data)
{
	fired[(intptr_t)data]++;
}

static void test_order_and_expiry(void **state)
{
	struct timer_queue q = {0};
	struct timer t[4];
	uint64_t deadlines[4] = {300, 100, 200, 100};
	struct timer *x;

	for (int i = 0; i < 4; i++) {
		timer_init(&t[i], fire, (void *)(intptr_t)i);
		timer_queue_add(&q, &t[i], deadlines[i]);
	}
	assert_int_equal(timer_queue_next(&q), 100);
	assert_null(timer_queue_pop_expired(&q, 99));
	x = timer_queue_pop_expired(&q, 150);
	assert_ptr_equal(x, &t[1]); /* equal deadlines keep insertion order */
	assert_false(x->queued);
	assert_ptr_equal(timer_queue_pop_expired(&q, 150), &t[3]);
	assert_null(timer_queue_pop_expired(&q, 150));
	assert_ptr_equal(timer_queue_pop_expired(&q, 1000), &t[2]);
	assert_ptr_equal(timer_queue_pop_expired(&q, 1000), &t[0]);
	assert_int_equal(timer_queue_next(&q), UINT64_MAX);
}

static void test_requeue_and_delete(void **state)
{
	struct timer_queue q = {0};
	struct timer a, b;

	timer_init(&a, fire, NULL);
	timer_init(&b, fire, NULL);
	timer_queue_add(&q, &a, 50);
	timer_queue_add(&q, &b, 60);
	timer_queue_add(&q, &a, 70); /* re-arming moves it, never duplicates it */
	assert_int_equal(timer_queue_next(&q), 60);
	assert_true(timer_queue_del(&q, &b));
	assert_false(timer_queue_del(&q, &b));
	assert_int_equal(timer_queue_next(&q), 70);
	assert_ptr_equal(timer_queue_pop_expired(&q, 70), &a);
	assert_null(q.head);
}

static void test_many(void **state)
{
	struct timer_queue q = {0};
	struct timer t[200];
	uint64_t last = 0;
	struct timer *x;
	int n = 0;

	for (int i = 0; i < 200; i++) {
		timer_init(&t[i], fire, NULL);
		timer_queue_add(&q, &t[i], (uint64_t)((i * 7919) % 1000));
	}
	while ((x = timer_queue_pop_expired(&q, UINT64_MAX))) {
		assert_true(x->deadline >= last);
		last = x->deadline;
		n++;
	}
	assert_int_equal(n, 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_and_expiry),
	    cmocka_unit_test(test_requeue_and_delete),
	    cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
