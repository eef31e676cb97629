# HYPERVISOR_grant_table_op: argument copying, batches and counts over the v1 logic and fake domains.
UNIT_TESTS += grant_table_op
grant_table_op_SRCS := tests/unit/test_grant_table_op.c kernel/grant_table_op.c kernel/grant_table.c
