# The control interface (kernel/ctl.c) over fake domains with real p2m tables in fake memory.
UNIT_TESTS += ctl
ctl_SRCS := tests/unit/test_ctl.c tests/unit/ctl_fake.c kernel/ctl.c kernel/ctl_dom0.c kernel/foreign_map.c kernel/console_ring.c \
	kernel/vcpu_context.c kernel/strlcpy.c tests/unit/p2m_fake.c arch/x86/hvm/physmap.c arch/x86/p2m.c arch/x86/p2m_ept.c \
	arch/x86/p2m_npt.c kernel/dma_mem.c kernel/iomem.c kernel/buddy.c

# dom0's devices through the control interface: DMA blocks and device memory (MICA_CTL_DMA_*, _IOMEM_MAP).
UNIT_TESTS += ctl_devices
ctl_devices_SRCS := tests/unit/test_ctl_devices.c $(filter-out tests/unit/test_ctl.c,$(ctl_SRCS))
