# The store daemon core (dom0-tools/xenstore/): nodes, permissions, watches, transactions, quotas, the ring.
UNIT_TESTS += xenstore
xenstore_SRCS := tests/unit/test_xenstore.c tests/unit/test_xenstore_tx.c tests/unit/test_xenstore_ring.c \
	tests/unit/test_xenstore_util.c dom0-tools/xenstore/conn.c dom0-tools/xenstore/ops.c \
	dom0-tools/xenstore/path.c dom0-tools/xenstore/perms.c dom0-tools/xenstore/request.c \
	dom0-tools/xenstore/ring.c dom0-tools/xenstore/store.c dom0-tools/xenstore/transaction.c \
	dom0-tools/xenstore/watch.c
xenstore_CFLAGS := -Idom0-tools -Itests/unit
