# The mica / xl command line (dom0-tools/cli/) over a fake toolstack.
UNIT_TESTS += cli
cli_SRCS := tests/unit/test_cli.c dom0-tools/cli/cli.c dom0-tools/cli/args.c dom0-tools/cli/show.c \
	dom0-tools/cli/domain.c dom0-tools/cli/vcpu.c dom0-tools/cli/device.c
cli_CFLAGS := -Idom0-tools -Iinclude/public
