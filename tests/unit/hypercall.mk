UNIT_TESTS += hypercall
hypercall_SRCS := tests/unit/test_hypercall.c kernel/hypercall.c kernel/xen_version.c kernel/console_io.c \
	kernel/sched_op.c kernel/vcpu_op.c kernel/vcpu_context.c kernel/strlcpy.c kernel/memory_op.c \
	kernel/event_channel_op.c kernel/event_channel.c kernel/hvm_op.c
