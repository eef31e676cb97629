# ACPI table parser: captured firmware tables (tests/unit/data/acpi/) and corrupted copies.
UNIT_TESTS += acpi
acpi_SRCS := tests/unit/test_acpi.c tests/unit/acpi_table_tests.c tests/unit/acpi_fixture.c \
	drivers/acpi/acpi.c drivers/acpi/aml_s5.c drivers/acpi/dmar.c drivers/acpi/fadt.c \
	drivers/acpi/hpet.c drivers/acpi/ivrs.c drivers/acpi/madt.c drivers/acpi/mcfg.c \
	drivers/acpi/summary.c
