# Domains' grant tables: memory, hooks, table frames, and tables outliving their domain.
UNIT_TESTS += grant_table_domain
grant_table_domain_SRCS := tests/unit/test_grant_table_domain.c kernel/grant_table_domain.c kernel/grant_table.c
