# Foreign mappings (kernel/foreign_map.c) over real p2m tables in fake memory and fake page references.
UNIT_TESTS += foreign_map
foreign_map_SRCS := tests/unit/test_foreign_map.c kernel/foreign_map.c tests/unit/p2m_fake.c \
	arch/x86/hvm/physmap.c arch/x86/p2m.c arch/x86/p2m_ept.c arch/x86/p2m_npt.c
