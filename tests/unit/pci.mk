# dom0's PCI layer (pv-guest/dom0/pci.c) over a fake configuration space: enumeration, BAR sizing, capabilities, drivers.
UNIT_TESTS += pci
pci_SRCS := tests/unit/test_pci.c pv-guest/dom0/pci.c
pci_CFLAGS := -Ipv-guest/include
