UNIT_TESTS += timer_queue
timer_queue_SRCS := tests/unit/test_timer_queue.c kernel/timer_queue.c
