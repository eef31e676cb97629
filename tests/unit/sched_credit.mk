UNIT_TESTS += sched_credit
sched_credit_SRCS := tests/unit/test_sched_credit.c kernel/sched_credit.c
