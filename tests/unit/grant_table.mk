# Grant tables v1 bookkeeping over fake domains, frames and p2m.
UNIT_TESTS += grant_table
grant_table_SRCS := tests/unit/test_grant_table.c kernel/grant_table.c
