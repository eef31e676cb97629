# Event channels, 2-level ABI: port state machine and the shared_info pending protocol.
UNIT_TESTS += event_channel
event_channel_SRCS := tests/unit/test_event_channel.c kernel/event_channel.c
