# The p2m (EPT and NPT tables behind one interface) over fake table memory.
UNIT_TESTS += p2m
p2m_SRCS := tests/unit/test_p2m.c tests/unit/test_p2m_entries.c tests/unit/p2m_fake.c \
	arch/x86/p2m.c arch/x86/p2m_ept.c arch/x86/p2m_npt.c
